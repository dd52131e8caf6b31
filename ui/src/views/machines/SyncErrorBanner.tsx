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

function title(error: IpcError): string {
  switch (error.kind) {
    case "unreachable":
      return "Defender could not be reached: the machines below may be out of date.";
    case "untrustedCertificate":
      return "Cordon does not trust the certificate it was shown: the machines below may be out of date.";
    case "auth":
    case "forbidden":
      return "Cordon could not sign in to Defender: the machines below may be out of date.";
    case "throttled":
      return "Defender is throttling Cordon: the machines below may be out of date.";
    default:
      return "Sync failed: the machines below may be out of date.";
  }
}

/** A failed sync: what happened, and a Retry that syncs now. */
export function SyncErrorBanner({ error, retrying, onRetry }: Props) {
  return (
    <MessageBar intent="error" layout="multiline" data-testid="sync-error">
      <MessageBarBody>
        <MessageBarTitle>{title(error)}</MessageBarTitle>
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
