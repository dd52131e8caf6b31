//! The one error type of the crate.
//!
//! Each variant answers a question the caller must act on differently: did the
//! token service refuse us (`Auth`), did an interactive sign-in fail
//! (`SignIn`), did Defender answer with its error envelope (`Api`), did it
//! answer with something we cannot read (`Decode`), did nothing
//! reach the server (`Transport`), did we refuse the server's certificate
//! (`UntrustedCertificate`: the trust store needs fixing, not the network), or did
//! a state-changing POST leave without an answer (`OutcomeUnknown`, the one that
//! must be reconciled by reading `machineactions` before any resend). Variants
//! carry plain data (no boxed sources) so the error is `Clone` and can be recorded
//! in a journal as-is.

use std::time::Duration;

/// Raw bodies kept in errors are cut to this many bytes (at a char boundary).
pub const MAX_RAW_BODY: usize = 4 * 1024;

/// Everything that can go wrong talking to Entra ID or Defender.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum Error {
    /// Not a 40-hex-character machine id (or an unusable machine name); no
    /// request was sent.
    #[error("invalid machine id {input:?}: expected 40 hexadecimal characters")]
    InvalidMachineId { input: String },

    /// Not a GUID-shaped machine-action id (or an unusable alert id); no request
    /// was sent.
    #[error("invalid id {input:?}")]
    InvalidId { input: String },

    /// An endpoint URL that cannot be used (bad syntax, plain `http` to a
    /// non-loopback host, a query or fragment, …).
    #[error("invalid endpoint {url:?}: {reason}")]
    InvalidEndpoint { url: String, reason: String },

    /// An argument that cannot be sent (e.g. an IP address that does not parse).
    #[error("invalid argument: {detail}")]
    InvalidArgument { detail: String },

    /// The token service refused to issue a token.
    #[error("token request refused ({status}): {error}: {description}")]
    Auth {
        status: u16,
        /// Entra's `error` field, e.g. `invalid_client`.
        error: String,
        description: String,
        correlation_id: Option<String>,
    },

    /// Defender answered with an error (usually the `{"error":{code,message,target}}` envelope).
    #[error("Defender API error {status} {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
        /// Defender's per-request correlation id (`error.target`).
        target: Option<String>,
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },

    /// A response that is not the JSON we expected. For a 2xx answer to a POST
    /// the server did act: look the action up.
    #[error("could not decode response ({status}): {detail}")]
    Decode {
        status: u16,
        raw_body: String,
        detail: String,
    },

    /// Nothing reached the server (connect error), or a GET got no answer.
    #[error("transport error{}: {detail}", if *.timed_out { " (timed out)" } else { "" })]
    Transport { detail: String, timed_out: bool },

    /// A state-changing POST was sent but no answer came back. The server may
    /// or may not have created the action: look it up before any resend.
    #[error("outcome unknown: {detail}")]
    OutcomeUnknown { detail: String },

    /// An interactive sign-in did not complete: the user declined, the browser
    /// callback was missing or forged (state mismatch), the device code
    /// expired, or time ran out. No token was requested after a bad callback.
    #[error("sign-in failed: {reason}")]
    SignIn { reason: String },

    /// The server's TLS certificate is not trusted by this computer: issued by an
    /// authority that is not in the OS store (typically a proxy that inspects TLS with
    /// a company CA not installed here), expired, or issued for another name. The
    /// handshake failed, so nothing was sent; trying again changes nothing until the
    /// trust store (or the proxy) does.
    #[error(
        "the certificate of {host}{} is not trusted by this computer: {reason}",
        issuer.as_ref().map(|i| format!(" (issued by {i})")).unwrap_or_default()
    )]
    UntrustedCertificate {
        host: String,
        /// The refused certificate's issuer (its common name), when it could be read.
        issuer: Option<String>,
        reason: String,
    },

    /// The server answered with a redirect; redirects are never followed.
    #[error("unexpected redirect ({status}) to {location:?}")]
    Redirect {
        status: u16,
        location: Option<String>,
    },
}

impl Error {
    /// The HTTP status of the answer behind this error, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Auth { status, .. }
            | Error::Api { status, .. }
            | Error::Decode { status, .. }
            | Error::Redirect { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Defender's `error.code`, or Entra's `error`.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => Some(code),
            Error::Auth { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The id to give Microsoft support (`error.target` or Entra's `correlation_id`).
    pub fn correlation_id(&self) -> Option<&str> {
        match self {
            Error::Api { target, .. } => target.as_deref(),
            Error::Auth { correlation_id, .. } => correlation_id.as_deref(),
            _ => None,
        }
    }

    /// The server's `Retry-After`, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether the same request may simply be sent again later.
    ///
    /// `OutcomeUnknown` is deliberately *not* retryable: the action may exist.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } => true,
            Error::Api { status, .. } | Error::Auth { status, .. } => is_transient_status(*status),
            _ => false,
        }
    }
}

/// 408, 429 and 5xx: the statuses worth another try.
pub(crate) fn is_transient_status(status: u16) -> bool {
    status == 408 || status == 429 || (500..600).contains(&status)
}

/// Cut `body` to at most [`MAX_RAW_BODY`] bytes without splitting a character.
pub(crate) fn truncate_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() <= MAX_RAW_BODY {
        return text.into_owned();
    }
    let mut end = MAX_RAW_BODY;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut cut = text[..end].to_owned();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn accessors() {
        let e = Error::Api {
            status: 429,
            code: "TooManyRequests".into(),
            message: "slow down".into(),
            target: Some("|abc.".into()),
            retry_after: Some(Duration::from_secs(3)),
        };
        assert_eq!(e.status(), Some(429));
        assert_eq!(e.code(), Some("TooManyRequests"));
        assert_eq!(e.correlation_id(), Some("|abc."));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert!(e.is_retryable());

        let forbidden = Error::Api {
            status: 403,
            code: "Forbidden".into(),
            message: "Missing application roles: Machine.Isolate".into(),
            target: None,
            retry_after: None,
        };
        assert!(!forbidden.is_retryable());
        assert!(
            !Error::OutcomeUnknown {
                detail: "reset".into()
            }
            .is_retryable(),
            "an unknown outcome must be reconciled, never blindly resent"
        );
        assert!(
            Error::Transport {
                detail: "refused".into(),
                timed_out: false
            }
            .is_retryable()
        );
        let auth = Error::Auth {
            status: 401,
            error: "invalid_client".into(),
            description: "AADSTS7000215".into(),
            correlation_id: Some("c".into()),
        };
        assert_eq!(auth.code(), Some("invalid_client"));
        assert_eq!(auth.correlation_id(), Some("c"));
        assert!(!auth.is_retryable());
    }

    #[test]
    fn truncation_keeps_char_boundaries() {
        let body = "é".repeat(MAX_RAW_BODY);
        let cut = truncate_body(body.as_bytes());
        assert!(cut.len() <= MAX_RAW_BODY + '…'.len_utf8());
        assert!(cut.ends_with('…'));
        assert_eq!(truncate_body(b"short"), "short");
    }
}
