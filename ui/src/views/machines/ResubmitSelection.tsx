// "Resubmit (N)" of the Machines view's selection: the picked machines whose stuck work
// the core proposes to resubmit (the reconciliation rows' `resubmittable`, as the row
// menu and the drawer read it), sent in one call. The core checks each again and refuses
// the whole request with a sentence when one may not be resubmitted: nothing is sent.
// Mounted only while machines are picked, so the reconciliation rows are read only then.
import { useMemo, useState } from "react";
import { Button } from "@fluentui/react-components";
import { useQueryClient } from "@tanstack/react-query";
import * as ipc from "../../ipc";
import { queryKeys, useReconciliation } from "../../queries";
import type { RowResult } from "./RowMenu";

interface Props {
  picked: readonly { id: string; name: string }[];
  onResult: (result: RowResult) => void;
  /** The jobs the resubmission started (their progress panels). */
  onJobs: (jobIds: string[]) => void;
}

export function ResubmitSelection({ picked, onResult, onJobs }: Props) {
  const client = useQueryClient();
  const recon = useReconciliation();
  const [busy, setBusy] = useState(false);
  const ids = useMemo(() => {
    const ok = new Set((recon.data ?? []).filter((r) => r.resubmittable).map((r) => r.machineId.toLowerCase()));
    return picked.filter((m) => ok.has(m.id.toLowerCase())).map((m) => m.id);
  }, [recon.data, picked]);
  if (ids.length === 0) return null;
  const run = async () => {
    setBusy(true);
    try {
      const jobs = await ipc.resubmit(ids, null);
      await Promise.all([
        client.invalidateQueries({ queryKey: queryKeys.gridAll }),
        client.invalidateQueries({ queryKey: queryKeys.recon }),
      ]);
      onJobs(jobs.map((j) => j.id));
      const n = ids.length;
      onResult({ note: `${n} machine${n === 1 ? "" : "s"} resubmitted; follow ${n === 1 ? "it" : "them"} in the job panel.` });
    } catch (e) {
      onResult({ error: ipc.toIpcError(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button size="small" disabled={busy} onClick={() => void run()} data-testid="bulk-resubmit">
      {busy ? "Resubmitting…" : `Resubmit (${ids.length})`}
    </Button>
  );
}
