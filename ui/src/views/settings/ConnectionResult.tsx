import { Badge, Spinner, makeStyles, tokens } from "@fluentui/react-components";
import type { ConnectionTest } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";

const useStyles = makeStyles({
  root: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXS },
  badges: { display: "flex", flexWrap: "wrap", gap: tokens.spacingHorizontalXS },
  ok: { color: tokens.colorPaletteGreenForeground1 },
  readOnly: { color: tokens.colorPaletteDarkOrangeForeground1 },
});

/** A connection test: the granted permissions as badges, and what they allow. */
export function ConnectionResult({ result, pending }: { result: ConnectionTest | undefined; pending: boolean }) {
  const styles = useStyles();
  if (pending) return <Spinner size="tiny" label="Testing the connection…" data-testid="connection-pending" />;
  if (!result) return null;
  return (
    <div className={styles.root} data-testid="connection-result" data-ok={result.ok}>
      {result.ok ? (
        <>
          <span>
            Connected{result.account ? ` as ${result.account}` : ""}: {result.machineCount} machines visible.
          </span>
          <div className={styles.badges} aria-label="Granted permissions">
            {result.permissions.map((p) => (
              <Badge key={p} appearance="outline" data-testid="permission">
                {p}
              </Badge>
            ))}
          </div>
          <span
            data-testid="connection-verdict"
            data-may-isolate={result.mayIsolate}
            className={result.mayIsolate ? styles.ok : styles.readOnly}
          >
            {result.mayIsolate ? "Can isolate and release." : "Read-only: isolate and release are hidden."}
          </span>
        </>
      ) : (
        result.error && <IpcErrorMessage error={result.error} data-testid="connection-error" />
      )}
    </div>
  );
}
