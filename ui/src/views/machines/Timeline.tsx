import { makeStyles, tokens } from "@fluentui/react-components";
import type { TimelineEntry } from "../../ipc";
import { exactTime, localTime, relativeTime } from "../../lib/time";

const useStyles = makeStyles({
  list: { listStyleType: "none", margin: 0, padding: 0, display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS },
  entry: {
    borderLeft: `3px solid ${tokens.colorNeutralStroke1}`,
    paddingLeft: tokens.spacingHorizontalS,
    display: "flex",
    flexDirection: "column",
    gap: "2px",
  },
  isolate: { borderLeftColor: tokens.colorPaletteRedBorder2 },
  release: { borderLeftColor: tokens.colorPaletteGreenBorder2 },
  head: { fontWeight: tokens.fontWeightSemibold },
  meta: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
  comment: { whiteSpace: "pre-wrap", wordBreak: "break-word" },
  empty: { color: tokens.colorNeutralForeground3 },
});

const ACTION_WORD: Record<string, string> = { Isolate: "Isolate", Unisolate: "Release" };

/** The isolation history of one machine, newest first. */
export function Timeline({ entries, now }: { entries: readonly TimelineEntry[]; now: Date }) {
  const styles = useStyles();
  if (entries.length === 0) {
    return <p className={styles.empty} data-testid="timeline-empty">This machine was never isolated.</p>;
  }
  return (
    <ol className={styles.list} data-testid="timeline">
      {entries.map((t) => (
        <li
          key={t.actionId}
          data-testid="timeline-entry"
          data-action-id={t.actionId}
          className={`${styles.entry} ${t.actionType === "Isolate" ? styles.isolate : styles.release}`}
        >
          <span className={styles.head}>
            {ACTION_WORD[t.actionType] ?? t.actionType}
            {t.scope ? ` (${t.scope})` : ""} · {t.status}
          </span>
          <span className={styles.meta} title={exactTime(t.created)}>
            by {t.requestor}, {relativeTime(t.created, now)} ({localTime(t.created)})
            {t.updated ? ` · updated ${localTime(t.updated)}` : ""}
          </span>
          {t.comment && <span className={styles.comment}>“{t.comment}”</span>}
          {t.cancelledBy && (
            <span className={styles.meta}>
              Cancelled by {t.cancelledBy}
              {t.cancelComment ? `: ${t.cancelComment}` : ""}
            </span>
          )}
        </li>
      ))}
    </ol>
  );
}
