import { MessageBar, MessageBarBody, MessageBarTitle, makeStyles, tokens } from "@fluentui/react-components";
import { useStorageError } from "../lib/storageError";
import { IpcErrorMessage } from "./IpcErrorMessage";

const useStyles = makeStyles({
  bar: { borderRadius: 0, padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalL}` },
});

/**
 * Cordon's local store failed: shown above every view and not dismissible, because no
 * isolate or release can be sent safely until the journal works again.
 */
export function StorageErrorBanner() {
  const styles = useStyles();
  const error = useStorageError();
  if (!error) return null;
  return (
    <MessageBar intent="error" layout="multiline" className={styles.bar} data-testid="storage-error">
      <MessageBarBody>
        <MessageBarTitle>Cordon's local store failed; nothing was sent.</MessageBarTitle>
        Bulk work is stopped until the store works again (restart Cordon; unfinished jobs resume).
        <IpcErrorMessage error={error} data-testid="storage-error-detail" />
      </MessageBarBody>
    </MessageBar>
  );
}
