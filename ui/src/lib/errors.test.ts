import { describe, expect, it } from "vitest";
import { errorDetails, kindLabel } from "./errors";

describe("error details", () => {
  it("lists status, code and correlation id of a Defender error", () => {
    expect(
      errorDetails({
        kind: "defender",
        message: "Defender refused the release.",
        status: 400,
        code: "InvalidRequestBody",
        correlationId: "8d5e-42",
        detail: null,
      }),
    ).toEqual([
      { label: "Kind", value: "Defender error" },
      { label: "HTTP status", value: "400" },
      { label: "Error code", value: "InvalidRequestBody" },
      { label: "Correlation id", value: "8d5e-42" },
    ]);
  });

  it("names the missing permission", () => {
    expect(
      errorDetails({ kind: "forbidden", message: "m", permission: "Machine.Isolate", correlationId: null }),
    ).toEqual([
      { label: "Kind", value: "Permission missing" },
      { label: "Missing permission", value: "Machine.Isolate" },
    ]);
  });

  it("keeps throttling's wait and an unreachable detail", () => {
    expect(errorDetails({ kind: "throttled", message: "m", retryAfterSecs: 30 })[1]).toEqual({
      label: "Retry after (s)",
      value: "30",
    });
    expect(errorDetails({ kind: "unreachable", message: "m", detail: "connection refused" })[1]).toEqual({
      label: "Detail",
      value: "connection refused",
    });
  });

  it("names the server, the issuer and the reason of a certificate that is not trusted", () => {
    const error = {
      kind: "untrustedCertificate" as const,
      message: "The certificate of api.test (issued by Contoso TLS Inspection CA) is not trusted by this computer (unknown issuer).",
      host: "api.test",
      issuer: "Contoso TLS Inspection CA",
      reason: "unknown issuer",
    };
    expect(errorDetails(error)).toEqual([
      { label: "Kind", value: "Certificate not trusted" },
      { label: "Server", value: "api.test" },
      { label: "Issued by", value: "Contoso TLS Inspection CA" },
      { label: "Reason", value: "unknown issuer" },
    ]);
    expect(errorDetails({ ...error, issuer: null }).map((d) => d.label)).toEqual(["Kind", "Server", "Reason"]);
  });

  it("labels every kind", () => {
    expect(kindLabel({ kind: "outcomeUnknown", message: "m" })).toBe("Outcome unknown");
    expect(kindLabel({ kind: "notFound", message: "m" })).toBe("Not found");
  });
});
