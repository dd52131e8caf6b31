// What an IpcError shows behind its "Details" toggle.
import type { IpcError } from "../ipc";

export interface Detail {
  label: string;
  value: string;
}

const KIND_LABEL: Record<IpcError["kind"], string> = {
  validation: "Refused before sending",
  notFound: "Not found",
  ambiguous: "Ambiguous",
  unreachable: "Unreachable",
  untrustedCertificate: "Certificate not trusted",
  auth: "Sign-in failed",
  forbidden: "Permission missing",
  throttled: "Throttled",
  outcomeUnknown: "Outcome unknown",
  defender: "Defender error",
  secureStorage: "Secure storage unavailable",
  storage: "Local store failed",
  stalePreview: "The selection changed",
  refused: "Refused by a safety rule",
  internal: "Internal error",
};

export function kindLabel(error: IpcError): string {
  return KIND_LABEL[error.kind] ?? error.kind;
}

/** The technical facts of an error, in a fixed order; only those it carries. */
export function errorDetails(error: IpcError): Detail[] {
  const out: Detail[] = [{ label: "Kind", value: kindLabel(error) }];
  const add = (label: string, value: string | number | null | undefined): void => {
    if (value !== null && value !== undefined && value !== "") {
      out.push({ label, value: String(value) });
    }
  };
  switch (error.kind) {
    case "defender":
      add("HTTP status", error.status);
      add("Error code", error.code);
      add("Correlation id", error.correlationId);
      add("Detail", error.detail);
      break;
    case "auth":
      add("Error code", error.code);
      add("Correlation id", error.correlationId);
      break;
    case "forbidden":
      add("Missing permission", error.permission);
      add("Correlation id", error.correlationId);
      break;
    case "throttled":
      add("Retry after (s)", error.retryAfterSecs);
      break;
    case "unreachable":
      add("Detail", error.detail);
      break;
    case "untrustedCertificate":
      add("Server", error.host);
      add("Issued by", error.issuer);
      add("Reason", error.reason);
      break;
    case "validation":
      add("Field", error.field);
      break;
    default:
      break;
  }
  return out;
}
