import {
  Button,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
} from "@fluentui/react-components";
import type { IpcError } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";

interface Props {
  error: IpcError;
  retrying: boolean;
  onRetry: () => void;
}

/** A failed sync: what happened, and a Retry that syncs now. */
export function SyncErrorBanner({ error, retrying, onRetry }: Props) {
  return (
    <MessageBar intent="error" layout="multiline" data-testid="sync-error">
      <MessageBarBody>
        <MessageBarTitle>Sync failed; the machines below may be out of date.</MessageBarTitle>
        <IpcErrorMessage error={error} data-testid="sync-error-detail" />
      </MessageBarBody>
      <MessageBarActions>
        <Button
          data-testid="retry"
          onClick={onRetry}
          disabled={retrying}
          icon={retrying ? <Spinner size="extra-tiny" /> : undefined}
        >
          {retrying ? "Retrying…" : "Retry"}
        </Button>
      </MessageBarActions>
    </MessageBar>
  );
}
