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
import type { JobItem } from "../../ipc";
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

function ItemLine({ item }: { item: JobItem }) {
  const styles = useStyles();
  return (
    <li className={styles.item} data-testid="job-item" data-machine-id={item.machineId} data-item-state={item.state}>
      <span title={item.machineId}>{item.machineName ?? item.machineId}</span>
      <span className={mergeClasses(item.state === "failed" && styles.failed)}>
        {ITEM_LABEL[item.state]}
        {item.actionStatus ? ` · ${item.actionStatus}` : ""}
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
      {job.error && <IpcErrorMessage error={job.error} data-testid="job-halt-error" />}
      {cancelError && <IpcErrorMessage error={cancelError} data-testid="job-cancel-error" />}
      <ul className={styles.list} data-testid="job-items">
        {items.map((it) => (
          <ItemLine key={it.machineId} item={it} />
        ))}
      </ul>
    </section>
  );
}
