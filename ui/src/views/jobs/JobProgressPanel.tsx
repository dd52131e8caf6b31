import { useMemo, useState } from "react";
import {
  Badge,
  Button,
  ProgressBar,
  Spinner,
  Text,
  makeStyles,
  mergeClasses,
  tokens,
} from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { JobItem, WaitItem, WaitReport } from "../../ipc";
import { useJobOutcomes } from "../../queries";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { actionTitle } from "../../lib/bulk";
import { ITEM_LABEL, JOB_STATE_LABEL, countText, fraction, isFinal, orderedItems, outcomeText } from "../../lib/progress";
import { clockTime, exactTime } from "../../lib/time";
import { useJobProgress } from "./useJobProgress";

const useStyles = makeStyles({
  panel: {
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingHorizontalM,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  line: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalM, flexWrap: "wrap" },
  title: { fontWeight: tokens.fontWeightSemibold },
  spacer: { flex: "1 1 auto" },
  muted: { color: tokens.colorNeutralForeground3 },
  throttled: { color: tokens.colorPaletteDarkOrangeForeground1 },
  list: {
    maxHeight: "180px",
    overflowY: "auto",
    margin: 0,
    padding: 0,
    listStyleType: "none",
    fontSize: tokens.fontSizeBase200,
  },
  item: {
    display: "grid",
    gridTemplateColumns: "minmax(200px, 1fr) 220px minmax(120px, 1fr)",
    gap: tokens.spacingHorizontalS,
    padding: `2px ${tokens.spacingHorizontalXS}`,
    borderBottom: `1px solid ${tokens.colorNeutralStroke3}`,
  },
  failed: { color: tokens.colorPaletteRedForeground1 },
});

/** "In Defender: 12 succeeded · 1 failed · 3 pending", or that all succeeded. */
export function defenderText(r: WaitReport): string {
  if (r.waiting === 0 && r.failed === 0) return `In Defender: all ${r.succeeded} succeeded`;
  const parts = [`${r.succeeded} succeeded`];
  if (r.failed > 0) parts.push(`${r.failed} failed, timed out, cancelled or not sent`);
  if (r.waiting > 0) parts.push(`${r.waiting} still pending`);
  return `In Defender: ${parts.join(" · ")}`;
}

function ItemLine({ item, seen }: { item: JobItem; seen: WaitItem | undefined }) {
  const styles = useStyles();
  // Defender's status now (the sync's), else the one the job last recorded.
  const status = seen?.status ?? item.actionStatus;
  const bad = item.state === "failed" || seen?.outcome === "failed" || seen?.outcome === "not_sent";
  return (
    <li
      className={styles.item}
      data-testid="job-item"
      data-machine-id={item.machineId}
      data-item-state={item.state}
      data-defender-status={status ?? undefined}
    >
      <span title={item.machineId}>{item.machineName ?? item.machineId}</span>
      <span className={mergeClasses(bad && styles.failed)}>
        {ITEM_LABEL[item.state]}
        {status ? ` · ${status}` : ""}
      </span>
      <span className={styles.muted}>{item.error ? item.error.message : (item.actionId ?? "")}</span>
    </li>
  );
}

/** A bulk job as it runs: n of N, throttled until, each machine's result, Cancel. */
export function JobProgressPanel({ jobId, onClose }: { jobId: string; onClose?: () => void }) {
  const styles = useStyles();
  const { view, error } = useJobProgress(jobId);
  const [cancelling, setCancelling] = useState(false);
  const [cancelError, setCancelError] = useState<ipc.IpcError | null>(null);
  const items = useMemo(() => (view ? orderedItems(view) : []), [view]);
  const sentAll = view !== null && isFinal(view.job) && view.job.succeeded + view.job.adopted > 0;
  const outcomes = useJobOutcomes(jobId, sentAll);
  const seen = useMemo(() => new Map((outcomes.data?.items ?? []).map((i) => [i.machineId, i])), [outcomes.data]);

  if (error) return <IpcErrorMessage error={error} data-testid="job-error" />;
  if (!view) return <Spinner size="tiny" label="Loading the job…" />;
  const { job } = view;
  const final = isFinal(job);
  const cancel = () => {
    setCancelling(true);
    ipc
      .cancelJob(job.id)
      .catch((e: unknown) => setCancelError(ipc.toIpcError(e)))
      .finally(() => setCancelling(false));
  };
  return (
    <section className={styles.panel} data-testid="job-progress" data-job-id={job.id} data-job-state={job.state} aria-label="Bulk progress">
      <div className={styles.line}>
        <Text className={styles.title}>{actionTitle(job.kind, job.total)}</Text>
        <Badge appearance="tint" color={final ? (job.failed > 0 || job.state === "halted" ? "danger" : "success") : "brand"} data-testid="job-state">
          {JOB_STATE_LABEL[job.state]}
        </Badge>
        <Text data-testid="job-count" data-finished={job.finished} data-total={job.total}>
          {countText(job)}
        </Text>
        {job.throttledUntil && !final && (
          <Text className={styles.throttled} data-testid="job-throttled" title={exactTime(job.throttledUntil)}>
            Defender asks Cordon to wait: throttled until {clockTime(job.throttledUntil)}
          </Text>
        )}
        {job.sentBy && !final && (
          <Text className={styles.throttled} data-testid="job-sent-by">
            Sent by {job.sentBy}
          </Text>
        )}
        <span className={styles.spacer} />
        {!final && (
          <Button size="small" onClick={cancel} disabled={cancelling} data-testid="job-cancel">
            {cancelling ? "Cancelling…" : "Cancel"}
          </Button>
        )}
        {final && onClose && (
          <Button size="small" appearance="subtle" onClick={onClose} data-testid="job-close">
            Close
          </Button>
        )}
      </div>
      <ProgressBar value={fraction(job)} thickness="large" color={job.failed > 0 ? "warning" : "brand"} />
      <Text className={styles.muted} data-testid="job-summary">
        {final ? outcomeText(job) : `“${job.comment}” · ${job.succeeded} sent, ${job.adopted} already under way, ${job.failed} failed`}
      </Text>
      {outcomes.data && (
        <Text
          className={outcomes.data.waiting > 0 ? styles.muted : undefined}
          data-testid="job-defender"
          data-waiting={outcomes.data.waiting}
          data-succeeded={outcomes.data.succeeded}
          data-failed={outcomes.data.failed}
          role="status"
        >
          {defenderText(outcomes.data)}
        </Text>
      )}
      {job.error && <IpcErrorMessage error={job.error} data-testid="job-halt-error" />}
      {cancelError && <IpcErrorMessage error={cancelError} data-testid="job-cancel-error" />}
      <ul className={styles.list} data-testid="job-items">
        {items.map((it) => (
          <ItemLine key={it.machineId} item={it} seen={seen.get(it.machineId)} />
        ))}
      </ul>
    </section>
  );
}
