// The drawer's other actions on one machine: copy its id, open it in the Defender
// portal (Rust builds the URL from the tenant's cloud; the window sends only the id),
// cancel a pending isolation or release (Defender's cancel, comment required), and
// resubmit a stuck one when the core says it may be resubmitted (`ReconRow.resubmittable`).
import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Button, Field, Input, Text, makeStyles, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { TimelineEntry } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { copyText } from "../../lib/clipboard";
import { queryKeys, useReconciliation } from "../../queries";

const useStyles = makeStyles({
  row: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap", alignItems: "center" },
  form: { display: "flex", gap: tokens.spacingHorizontalS, alignItems: "flex-end", flexWrap: "wrap" },
  note: { color: tokens.colorNeutralForeground3 },
});

const PENDING = new Set(["Pending", "InProgress"]);
const WORD: Record<string, string> = { Isolate: "isolation", Unisolate: "release" };

/** The newest isolation or release still pending in Defender, if any. */
export function pendingAction(timeline: readonly TimelineEntry[]): TimelineEntry | undefined {
  return timeline.find((t) => PENDING.has(t.status));
}

export function MachineTools({ machineId, timeline, mayAct }: { machineId: string; timeline: TimelineEntry[]; mayAct: boolean }) {
  const s = useStyles();
  const client = useQueryClient();
  const recon = useReconciliation();
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<ipc.IpcError | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const pending = pendingAction(timeline);
  const stuck = recon.data?.find((r) => r.machineId.toLowerCase() === machineId.toLowerCase() && r.resubmittable);

  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      setNote(await work());
    } catch (e) {
      setError(ipc.toIpcError(e));
    } finally {
      setBusy(false);
    }
  };
  const refresh = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: queryKeys.machineDetail(machineId) }),
      client.invalidateQueries({ queryKey: queryKeys.gridAll }),
      client.invalidateQueries({ queryKey: queryKeys.recon }),
    ]);

  return (
    <div className={s.row} role="group" aria-label="More actions">
      <div className={s.row}>
        <Button
          size="small"
          data-testid="copy-machine-id"
          onClick={() => void run(async () => ((await copyText(machineId)) ? "Machine id copied." : `Copy failed: select the id in Properties (${machineId}).`))}
        >
          Copy machine id
        </Button>
        <Button
          size="small"
          data-testid="open-in-portal"
          disabled={busy}
          onClick={() => void run(async () => (await ipc.openInPortal(machineId), "Opened in your browser."))}
        >
          Open in Defender portal
        </Button>
        {mayAct && pending && (
          <Button size="small" data-testid="cancel-pending" disabled={busy} onClick={() => setCancelling((c) => !c)}>
            Cancel pending {WORD[pending.actionType] ?? pending.actionType}…
          </Button>
        )}
        {mayAct && stuck && (
          <Button
            size="small"
            data-testid="resubmit-machine"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                const jobs = await ipc.resubmit([machineId], null);
                await refresh();
                return jobs.length > 0 ? "Resubmitted: follow it in the job panel." : "Nothing to resubmit.";
              })
            }
          >
            Resubmit
          </Button>
        )}
      </div>
      {cancelling && pending && (
        <form
          className={s.form}
          data-testid="cancel-form"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              const row = await ipc.cancelAction(pending.actionId, comment);
              setCancelling(false);
              setComment("");
              await refresh();
              return `Defender's answer: the ${WORD[pending.actionType] ?? "action"} is ${row.status}.`;
            });
          }}
        >
          <Field label="Why cancel (recorded in Defender)" required>
            <Input value={comment} onChange={(_, d) => setComment(d.value)} data-testid="cancel-comment" />
          </Field>
          <Button type="submit" appearance="primary" size="small" disabled={busy || comment.trim() === ""} data-testid="confirm-cancel-action">
            Cancel the action
          </Button>
        </form>
      )}
      {note && (
        <Text className={s.note} data-testid="tools-note" role="status">
          {note}
        </Text>
      )}
      {error && <IpcErrorMessage error={error} data-testid="tools-error" />}
    </div>
  );
}
