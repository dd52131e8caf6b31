import { useMemo, useState, type ReactNode } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button, Spinner, Text, makeStyles, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { JobSummary } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { ViewFrame } from "../../components/ViewFrame";
import { groupByCause, resubmitIds, rowKey } from "../../lib/recon";
import { useNow } from "../../lib/useNow";
import { queryKeys, useAppInfo, useReconciliation } from "../../queries";
import { JobProgressPanel } from "../jobs/JobProgressPanel";
import { ReconRowView } from "./ReconRowView";
import { ReconSettingsBar } from "./ReconSettingsBar";

const useStyles = makeStyles({
  toolbar: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalM, flexWrap: "wrap" },
  list: {
    flex: "1 1 auto",
    minHeight: 0,
    overflowY: "auto",
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  group: { display: "flex", flexDirection: "column" },
  groupHead: {
    position: "sticky",
    top: 0,
    zIndex: 1,
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalS}`,
    backgroundColor: tokens.colorNeutralBackground3,
    fontWeight: tokens.fontWeightSemibold,
  },
  empty: { padding: tokens.spacingHorizontalL, color: tokens.colorNeutralForeground3 },
  muted: { color: tokens.colorNeutralForeground3 },
});

/**
 * The releases (and isolations) that did not go through, grouped by cause, each with
 * the facts and what Cordon will do next; resubmit one, cancel-and-resubmit, or all
 * selected; the auto-reconcile setting.
 */
export function ReconciliationView({ nav }: { nav?: ReactNode }) {
  const styles = useStyles();
  const client = useQueryClient();
  const info = useAppInfo();
  const recon = useReconciliation();
  const now = useNow();
  const mayAct = info.data?.mayIsolate ?? true;
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [jobIds, setJobIds] = useState<string[]>([]);
  const rows = useMemo(() => recon.data ?? [], [recon.data]);
  const groups = useMemo(() => groupByCause(rows), [rows]);
  const ids = resubmitIds(rows, selected);

  const resubmit = useMutation<JobSummary[], Error, string[]>({
    mutationFn: (machineIds) => ipc.resubmit(machineIds, null),
    onSuccess: (jobs) => {
      setSelected(new Set());
      const ids = jobs.map((j) => j.id);
      setJobIds((cur) => [...ids, ...cur.filter((id) => !ids.includes(id))].slice(0, 3));
      void client.invalidateQueries({ queryKey: queryKeys.recon });
    },
  });
  const toggle = (key: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  return (
    <ViewFrame nav={nav} testId="reconciliation-view">
      <ReconSettingsBar mayAct={mayAct} />
      <div className={styles.toolbar}>
        <Text data-testid="recon-count">
          {rows.length === 0 ? "Nothing stuck" : `${rows.length} stuck ${rows.length === 1 ? "action" : "actions"}`}
        </Text>
        {mayAct && (
          <Button
            appearance="primary"
            size="small"
            disabled={ids.length === 0 || resubmit.isPending}
            onClick={() => resubmit.mutate(ids)}
            data-testid="resubmit-selected"
          >
            Resubmit selected ({ids.length})
          </Button>
        )}
        {recon.isFetching && <Spinner size="extra-tiny" />}
      </div>
      {resubmit.error && <IpcErrorMessage error={ipc.toIpcError(resubmit.error)} data-testid="resubmit-error" />}
      {recon.error && <IpcErrorMessage error={ipc.toIpcError(recon.error)} data-testid="recon-error" />}
      {jobIds.map((id) => (
        <JobProgressPanel key={id} jobId={id} onClose={() => setJobIds((j) => j.filter((x) => x !== id))} />
      ))}
      <div className={styles.list} role="grid" aria-label="Stuck actions" data-testid="recon-list">
        {recon.isPending ? (
          <div className={styles.empty}>
            <Spinner size="tiny" label="Looking for stuck actions…" />
          </div>
        ) : rows.length === 0 ? (
          <div className={styles.empty} data-testid="recon-empty">
            Every release and isolation went through: nothing to reconcile.
          </div>
        ) : (
          groups.map((g) => (
            <div key={g.cause} className={styles.group} data-testid="recon-group" data-cause={g.cause} role="rowgroup" aria-label={g.label}>
              <div className={styles.groupHead} role="row">
                <span role="columnheader">
                  {g.label} <span className={styles.muted}>({g.rows.length})</span>
                </span>
              </div>
              {g.rows.map((r) => (
                <ReconRowView
                  key={rowKey(r)}
                  row={r}
                  now={now}
                  mayAct={mayAct}
                  checked={selected.has(rowKey(r))}
                  busy={resubmit.isPending}
                  onCheck={() => toggle(rowKey(r))}
                  onResubmit={() => resubmit.mutate([r.machineId])}
                />
              ))}
            </div>
          ))
        )}
      </div>
    </ViewFrame>
  );
}
