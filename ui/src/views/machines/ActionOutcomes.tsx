import { makeStyles, tokens } from "@fluentui/react-components";
import type { ActionOutcome } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { outcomeText, type ActionKind } from "../../lib/actions";

const useStyles = makeStyles({
  list: { listStyleType: "none", margin: 0, padding: 0, display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS },
  ok: { color: tokens.colorPaletteGreenForeground1 },
  name: { fontWeight: tokens.fontWeightSemibold, marginRight: tokens.spacingHorizontalS },
});

/** What the back end did for each machine of a request. */
export function ActionOutcomes({ kind, outcomes }: { kind: ActionKind; outcomes: ActionOutcome[] }) {
  const styles = useStyles();
  return (
    <ul className={styles.list} data-testid="action-outcomes" aria-live="polite">
      {outcomes.map((o) => (
        <li key={o.machineId} data-testid="action-outcome" data-machine-id={o.machineId} data-ok={o.error ? "false" : "true"}>
          {outcomes.length > 1 && <span className={styles.name}>{o.machineName ?? o.machineId}</span>}
          {o.error ? (
            <IpcErrorMessage error={o.error} data-testid="outcome-error" />
          ) : (
            <span className={styles.ok} title={o.actionId ? `Defender action ${o.actionId}` : undefined}>
              {outcomeText(kind, o)}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
