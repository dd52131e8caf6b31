// "Export CSV" of the Machines view: the view's filter goes to Rust, the core picks
// every machine it matches (not only the window on screen), Rust asks where to save
// (the native dialog) and writes the file. The manager's "isolated now" list for a
// report is the Isolated now filter, then this.
import { useState } from "react";
import { Button, Text, makeStyles, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";

const useStyles = makeStyles({
  muted: { color: tokens.colorNeutralForeground3 },
});

export function ExportMachines({ filter, total }: { filter: ipc.GridFilter; total: number }) {
  const s = useStyles();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<ipc.SavedFile | null>(null);
  const [error, setError] = useState<ipc.IpcError | null>(null);
  const exportCsv = () => {
    setBusy(true);
    setSaved(null);
    setError(null);
    ipc
      .saveMachinesCsv(filter)
      .then(setSaved)
      .catch((e: unknown) => setError(ipc.toIpcError(e)))
      .finally(() => setBusy(false));
  };
  return (
    <>
      <Button size="small" onClick={exportCsv} disabled={busy || total === 0} data-testid="machines-export">
        {busy ? "Exporting…" : `Export ${total.toLocaleString("en-US")} to CSV`}
      </Button>
      {saved && (
        <Text className={s.muted} data-testid="machines-export-saved">
          Saved to {saved.path}
        </Text>
      )}
      {error && <IpcErrorMessage error={error} data-testid="machines-export-error" />}
    </>
  );
}
