// The About panel: which Cordon this is (version, build) and where it keeps its data
// and its log, with a button that opens the log folder (opened by the back end; the
// web view cannot open folders itself). What a person needs when asking for help.
import { useState } from "react";
import { Button, Spinner, makeStyles, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { useAbout } from "../../queries";

const useStyles = makeStyles({
  root: {
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalS,
    maxWidth: "1100px",
    padding: tokens.spacingHorizontalM,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  h: { margin: 0, fontSize: tokens.fontSizeBase500, fontWeight: tokens.fontWeightSemibold },
  facts: {
    display: "grid",
    gridTemplateColumns: "max-content 1fr",
    columnGap: tokens.spacingHorizontalM,
    rowGap: tokens.spacingVerticalXXS,
    margin: 0,
  },
  term: { color: tokens.colorNeutralForeground3 },
  value: { margin: 0, wordBreak: "break-all", fontFamily: tokens.fontFamilyMonospace },
});

export function AboutPanel() {
  const styles = useStyles();
  const about = useAbout();
  const [error, setError] = useState<ipc.IpcError | null>(null);
  const open = async () => {
    setError(null);
    try {
      await ipc.openLogsFolder();
    } catch (e) {
      setError(ipc.toIpcError(e));
    }
  };
  const a = about.data;
  return (
    <section className={styles.root} data-testid="about-panel" aria-labelledby="about-heading">
      <h2 className={styles.h} id="about-heading">
        About Cordon
      </h2>
      {about.isPending && <Spinner size="tiny" label="Loading…" />}
      {about.error && <IpcErrorMessage error={ipc.toIpcError(about.error)} data-testid="about-error" />}
      {a && (
        <dl className={styles.facts}>
          <dt className={styles.term}>Version</dt>
          <dd className={styles.value} data-testid="about-version">{a.version}</dd>
          <dt className={styles.term}>Build</dt>
          <dd className={styles.value} data-testid="about-build">{a.build}</dd>
          <dt className={styles.term}>Data folder</dt>
          <dd className={styles.value} data-testid="about-data-dir">{a.dataDir}</dd>
          <dt className={styles.term}>Log folder</dt>
          <dd className={styles.value} data-testid="about-log-dir">{a.logDir ?? "None (logging to the console only)"}</dd>
        </dl>
      )}
      <div>
        <Button data-testid="open-logs" disabled={!a?.logDir} onClick={() => void open()}>
          Open logs folder
        </Button>
      </div>
      {error && <IpcErrorMessage error={error} data-testid="open-logs-error" />}
    </section>
  );
}
