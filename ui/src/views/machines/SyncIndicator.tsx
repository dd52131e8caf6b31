import { Spinner, Text, makeStyles, tokens } from "@fluentui/react-components";
import type { SyncStatus } from "../../ipc";
import { clockTime, exactTime } from "../../lib/time";

const useStyles = makeStyles({
  root: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalXS, whiteSpace: "nowrap" },
  failed: { color: tokens.colorPaletteRedForeground1 },
  muted: { color: tokens.colorNeutralForeground3 },
});

export function SyncIndicator({ sync }: { sync: SyncStatus | undefined }) {
  const styles = useStyles();
  if (!sync || (sync.loading && !sync.syncedAt)) {
    return (
      <span className={styles.root} data-testid="synced-at" data-sync="loading">
        <Spinner size="extra-tiny" />
        <Text size={200} className={styles.muted}>
          Syncing…
        </Text>
      </span>
    );
  }
  const when = sync.syncedAt ? `Synced ${clockTime(sync.syncedAt)}` : "Never synced";
  return (
    <span
      className={styles.root}
      data-testid="synced-at"
      data-sync={sync.error ? "failed" : "ok"}
      title={sync.syncedAt ? `Last successful sync: ${exactTime(sync.syncedAt)}` : undefined}
    >
      <Text size={200} className={sync.error ? styles.failed : styles.muted}>
        {sync.error ? `${when} · last attempt failed` : when}
      </Text>
    </span>
  );
}
