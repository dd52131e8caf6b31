//! Cordon-core's error type, and its translation into the one tagged error the UI
//! sees ([`IpcError`]). The sentences here are what an analyst reads: each says what
//! happened and what to do, and keeps Defender's status, code and correlation id.

use crate::dto::{IpcError, MachineRef};

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Api(#[from] mde_api::Error),
    #[error("a comment is required")]
    EmptyComment,
    #[error("no machine selected")]
    NoMachines,
    #[error("nothing to search for")]
    EmptyQuery,
    #[error("no machine {0} in this tenant")]
    UnknownMachine(String),
    #[error("{query} matches {} machines", candidates.len())]
    Ambiguous {
        query: String,
        candidates: Vec<MachineRef>,
    },
    #[error("the demo tenant could not start: {0}")]
    Demo(String),
    /// Input refused before anything was stored or sent (`field` is camelCase, as in
    /// the DTOs).
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("no profile {0}")]
    UnknownProfile(String),
    #[error("no tenant configured")]
    NoTenant,
    /// The credential an auth mode needs is not in the credential store.
    #[error("no {kind} stored for profile {profile}")]
    MissingSecret {
        profile: String,
        kind: crate::secrets::kind::SecretKind,
    },
    /// The OS credential store cannot be used: Cordon stores no secret elsewhere.
    #[error("secure storage unavailable: {0}")]
    SecureStorageUnavailable(String),
    /// The credential store answered, but an operation failed.
    #[error("credential store error: {0}")]
    SecretStore(String),
    /// The profiles file could not be read or written.
    #[error("profiles file {path}: {detail}")]
    ProfileFile { path: String, detail: String },
    /// A certificate could not be read or used.
    #[error("certificate {path}: {detail}")]
    Certificate { path: String, detail: String },
    /// A delegated sign-in did not complete.
    #[error("sign-in did not complete: {0}")]
    SignIn(String),
    /// The local store (journal, caches, audit log) could not be opened, failed a
    /// check at open, or refused a write. Nothing is sent without a committed intent.
    #[error("local store: {0}")]
    Storage(String),
    /// The team store (PostgreSQL) could not be reached, failed a check at open, or
    /// refused a statement.
    #[error("team store: {0}")]
    TeamStore(String),
    /// The team store's server presented a certificate this computer does not trust
    /// (the API's own refusals stay [`mde_api::Error::UntrustedCertificate`]).
    #[error(
        "team store: the certificate of {host}{} is not trusted by this computer: {reason}",
        issuer.as_ref().map(|i| format!(" (issued by {i})")).unwrap_or_default()
    )]
    UntrustedCertificate {
        host: String,
        issuer: Option<String>,
        reason: String,
    },
    /// No job with this id in the journal.
    #[error("no job {0}")]
    UnknownJob(String),
    /// A bulk job was started from a preview that no longer matches what it would
    /// send (a sync changed the selection since the person confirmed it, S-7).
    #[error("the preview is out of date: {0}")]
    StalePreview(String),
    /// A safety rule refused it: four eyes, an application approving, a protected
    /// machine without an override, only a person closes the breaker.
    #[error("refused: {0}")]
    Refused(String),
    /// A change that acts on machines needs an explicit confirmation (S-4).
    #[error("confirmation needed: {0}")]
    NeedsConfirmation(String),
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        CoreError::Storage(e.to_string())
    }
}

/// The core's result alias.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;

impl From<CoreError> for IpcError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Api(api) => api_to_ipc(&api),
            CoreError::EmptyComment => IpcError::Validation {
                field: "comment".into(),
                message: "A comment is required: say why (it is kept in Defender's action log)."
                    .into(),
            },
            CoreError::NoMachines => IpcError::Validation {
                field: "machineIds".into(),
                message: "Select at least one machine.".into(),
            },
            CoreError::EmptyQuery => IpcError::Validation {
                field: "query".into(),
                message: "Type a machine id (40 hexadecimal characters) or a DNS name.".into(),
            },
            CoreError::UnknownMachine(q) => IpcError::NotFound {
                message: format!("No machine “{q}” in this tenant."),
            },
            CoreError::Ambiguous { query, candidates } => IpcError::Ambiguous {
                message: format!(
                    "“{query}” matches {} machines: choose one.",
                    candidates.len()
                ),
                candidates,
            },
            CoreError::Demo(detail) => IpcError::Internal {
                message: format!("The demo tenant could not start: {detail}"),
            },
            CoreError::Invalid { field, message } => IpcError::Validation { field, message },
            CoreError::StalePreview(message) => IpcError::StalePreview { message },
            CoreError::Refused(message) => IpcError::Refused { message },
            CoreError::NeedsConfirmation(message) => IpcError::Validation {
                field: "confirmed".into(),
                message,
            },
            CoreError::UnknownProfile(name) => IpcError::NotFound {
                message: format!(
                    "No profile “{name}”. `cordon profiles list` (or Settings) shows the profiles."
                ),
            },
            CoreError::NoTenant => IpcError::Validation {
                field: "profile".into(),
                message: "No tenant configured: add a profile (`cordon profiles add …` or Settings), choose one with --profile, or set CORDON_TENANT_ID, CORDON_CLIENT_ID and CORDON_CLIENT_SECRET.".into(),
            },
            CoreError::MissingSecret { profile, kind } => IpcError::Auth {
                message: missing_secret_sentence(&profile, kind),
                code: Some("missing_credential".into()),
                correlation_id: None,
            },
            CoreError::SecureStorageUnavailable(detail) => IpcError::SecureStorage {
                message: format!(
                    "Secure storage unavailable: the OS credential store could not be used ({}). Cordon keeps secrets nowhere else: unlock or start the credential store (on Linux, a Secret Service such as GNOME Keyring or KWallet), then retry.",
                    first_line(&detail)
                ),
            },
            CoreError::SecretStore(detail) => IpcError::SecureStorage {
                message: format!(
                    "The OS credential store refused the operation ({}). Unlock it, then retry.",
                    first_line(&detail)
                ),
            },
            CoreError::ProfileFile { path, detail } => IpcError::Internal {
                message: format!(
                    "Could not read or write the profiles file {path} ({}). Check that the folder is writable, or move the damaged file away.",
                    first_line(&detail)
                ),
            },
            CoreError::Certificate { path, detail } => IpcError::Validation {
                field: "certificatePath".into(),
                message: format!(
                    "The certificate {path} cannot be used: {}. Give a PEM file (certificate and private key) or a PFX file.",
                    first_line(&detail)
                ),
            },
            CoreError::SignIn(detail) => IpcError::Auth {
                message: format!("Sign-in did not complete: {}", first_line(&detail)),
                code: None,
                correlation_id: None,
            },
            CoreError::Storage(detail) => IpcError::Storage {
                message: format!(
                    "Cordon's local store failed: {}; nothing was sent. Check that the data folder is on a local disk with free space and is writable, then restart Cordon (unfinished jobs resume).",
                    first_line(&detail)
                ),
            },
            CoreError::TeamStore(detail) => IpcError::Storage {
                message: format!(
                    "Cordon's team store failed: {}; nothing was sent. Check that the PostgreSQL server is reachable and that your login may do this (docs/team-store.md), then try again.",
                    first_line(&detail)
                ),
            },
            CoreError::UntrustedCertificate {
                host,
                issuer,
                reason,
            } => untrusted(host, issuer, reason),
            CoreError::UnknownJob(id) => IpcError::NotFound {
                message: format!("No job “{id}”: `cordon jobs` (or the Jobs list) shows the jobs."),
            },
        }
    }
}

/// What to do when a profile lacks the credential its auth mode needs.
fn missing_secret_sentence(profile: &str, kind: crate::secrets::kind::SecretKind) -> String {
    use crate::secrets::kind::SecretKind as K;
    match kind {
        K::ClientSecret => format!(
            "No client secret stored for profile “{profile}”: run `cordon profiles add {profile} … --secret-stdin` (or enter it in Settings)."
        ),
        K::RefreshToken => format!(
            "Profile “{profile}” is not signed in: sign in first (`cordon signin --profile {profile}`, or Sign in in Settings)."
        ),
        K::CertificatePassword => format!(
            "No certificate password stored for profile “{profile}”: run `cordon profiles add {profile} … --certificate FILE.pfx --secret-stdin` (or enter it in Settings)."
        ),
        K::TeamStorePassword => format!(
            "No team store password stored for profile “{profile}”: enter it in Settings → the profile's team store."
        ),
    }
}

/// Translates a client error into the sentence and data the UI shows.
pub fn api_to_ipc(e: &mde_api::Error) -> IpcError {
    use mde_api::Error as E;
    match e {
        E::InvalidMachineId { input } => IpcError::Validation {
            field: "machineId".into(),
            message: format!(
                "“{input}” is not a Defender machine id (40 hexadecimal characters). No request was sent."
            ),
        },
        E::Auth { error, description, correlation_id, .. } => IpcError::Auth {
            message: format!("Sign-in failed: {}", first_line(description)),
            code: Some(error.clone()),
            correlation_id: correlation_id.clone(),
        },
        E::Api { status: 401, code, message, target, .. } => IpcError::Auth {
            message: format!("Sign-in failed: Defender refused the token ({}).", first_line(message)),
            code: Some(code.clone()),
            correlation_id: target.clone(),
        },
        E::Api { status: 403, message, target, .. } => {
            let permission = missing_permission(message);
            IpcError::Forbidden {
                message: match &permission {
                    Some(p) => format!("Missing permission {p}: ask an administrator to grant it to Cordon's app registration."),
                    None => format!("Defender refused the action: {}", first_line(message)),
                },
                permission,
                correlation_id: target.clone(),
            }
        }
        E::Api { status: 404, code, message, target, .. } => IpcError::Defender {
            message: "Machine no longer exists in Defender (or is outside your device groups).".into(),
            status: 404,
            code: Some(code.clone()),
            correlation_id: target.clone(),
            detail: Some(message.clone()),
        },
        E::Api { status: 429, retry_after, .. } => {
            let secs = retry_after.map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX));
            IpcError::Throttled {
                message: match secs {
                    Some(s) => format!("Throttled by Defender: resuming in {s} s."),
                    None => "Throttled by Defender: resuming shortly.".into(),
                },
                retry_after_secs: secs,
            }
        }
        E::Api { status, code, message, target, .. } => IpcError::Defender {
            message: if *status >= 500 {
                "Defender did not answer properly; Cordon checks whether the action was created before any resend.".into()
            } else {
                format!("Defender refused the request: {}", first_line(message))
            },
            status: *status,
            code: Some(code.clone()),
            correlation_id: target.clone(),
            detail: Some(message.clone()),
        },
        E::Decode { status, raw_body, detail } => IpcError::Defender {
            message: "Unexpected answer from Defender (see details).".into(),
            status: *status,
            code: None,
            correlation_id: None,
            detail: Some(format!("{detail}\n{raw_body}")),
        },
        E::Transport { detail, .. } => IpcError::Unreachable {
            message: "Defender could not be reached. Check the network, then retry.".into(),
            detail: detail.clone(),
        },
        E::UntrustedCertificate {
            host,
            issuer,
            reason,
        } => untrusted(host.clone(), issuer.clone(), reason.clone()),
        E::SignIn { reason } => IpcError::Auth {
            message: format!("Sign-in did not complete: {}", first_line(reason)),
            code: None,
            correlation_id: None,
        },
        E::OutcomeUnknown { .. } => IpcError::OutcomeUnknown {
            message: "Defender did not answer; checking whether the action was created before any resend.".into(),
        },
        other => IpcError::Defender {
            message: "Unexpected answer from Defender (see details).".into(),
            status: other.status().unwrap_or(0),
            code: other.code().map(str::to_owned),
            correlation_id: other.correlation_id().map(str::to_owned),
            detail: Some(other.to_string()),
        },
    }
}

/// A refused certificate: which server, who issued it, why, and what to do. Never
/// "check the network": the network worked, the trust store (or the proxy) needs IT.
fn untrusted(host: String, issuer: Option<String>, reason: String) -> IpcError {
    let by = issuer
        .as_deref()
        .map(|i| format!(" (issued by {i})"))
        .unwrap_or_default();
    IpcError::UntrustedCertificate {
        message: format!(
            "The certificate of {host}{by} is not trusted by this computer ({reason}). If your company inspects TLS, install its CA in the system certificate store (or ask IT to); nothing was sent."
        ),
        host,
        issuer,
        reason,
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}

/// Finds a permission name such as `Machine.Isolate` in a 403 message.
fn missing_permission(message: &str) -> Option<String> {
    message
        .split(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | ',' | ';' | '(' | ')'))
        .map(|w| w.trim_end_matches('.'))
        .find(|w| {
            let mut parts = w.split('.');
            matches!(
                parts.next(),
                Some("Machine" | "Alert" | "Ti" | "Vulnerability")
            ) && parts.next().is_some_and(|p| !p.is_empty())
        })
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_missing_permission_in_a_403_message() {
        assert_eq!(
            missing_permission("The application does not have the permission 'Machine.Isolate'."),
            Some("Machine.Isolate".into())
        );
        assert_eq!(
            missing_permission("Missing application roles. Required: Machine.ReadWrite.All"),
            Some("Machine.ReadWrite.All".into())
        );
        assert_eq!(missing_permission("Forbidden"), None);
    }

    #[test]
    fn every_core_error_becomes_a_sentence() {
        let e: IpcError = CoreError::EmptyComment.into();
        assert!(matches!(&e, IpcError::Validation { field, .. } if field == "comment"));
        let e: IpcError = CoreError::UnknownMachine("ws-nope".into()).into();
        assert_eq!(e.to_string(), "No machine “ws-nope” in this tenant.");
        let e: IpcError = CoreError::Ambiguous {
            query: "ws-1".into(),
            candidates: vec![
                MachineRef {
                    id: "a".into(),
                    name: "ws-1.a".into(),
                },
                MachineRef {
                    id: "b".into(),
                    name: "ws-1.b".into(),
                },
            ],
        }
        .into();
        assert!(matches!(&e, IpcError::Ambiguous { candidates, .. } if candidates.len() == 2));
        let e: IpcError = CoreError::Storage("disk I/O error".into()).into();
        assert!(
            matches!(&e, IpcError::Storage { message } if message.contains("disk I/O error") && message.contains("nothing was sent")),
            "{e:?}"
        );
        let e: IpcError = CoreError::TeamStore("permission denied for table audit".into()).into();
        assert!(
            matches!(&e, IpcError::Storage { message } if message.starts_with("Cordon's team store failed: permission denied") && message.contains("docs/team-store.md")),
            "{e:?}"
        );
    }

    #[test]
    fn a_refused_certificate_names_the_server_and_its_issuer_not_the_network() {
        let e = api_to_ipc(&mde_api::Error::UntrustedCertificate {
            host: "login.microsoftonline.com".into(),
            issuer: Some("Contoso TLS Inspection CA".into()),
            reason: "unknown issuer".into(),
        });
        assert_eq!(
            e.to_string(),
            "The certificate of login.microsoftonline.com (issued by Contoso TLS Inspection CA) is not trusted by this computer (unknown issuer). If your company inspects TLS, install its CA in the system certificate store (or ask IT to); nothing was sent."
        );
        assert!(!e.to_string().contains("network"), "{e}");
        let json = serde_json::to_value(&e).expect("serialises");
        assert_eq!(json["kind"], "untrustedCertificate");
        assert_eq!(json["host"], "login.microsoftonline.com");
        assert_eq!(json["issuer"], "Contoso TLS Inspection CA");
        assert_eq!(json["reason"], "unknown issuer");

        let e: IpcError = CoreError::UntrustedCertificate {
            host: "db.example".into(),
            issuer: None,
            reason: "expired".into(),
        }
        .into();
        assert!(
            e.to_string().starts_with(
                "The certificate of db.example is not trusted by this computer (expired)."
            ),
            "{e}"
        );
        // The plain network failure keeps its own sentence.
        let e = api_to_ipc(&mde_api::Error::Transport {
            detail: "connection refused".into(),
            timed_out: false,
        });
        assert!(matches!(e, IpcError::Unreachable { .. }), "{e:?}");
    }

    #[test]
    fn the_ipc_error_is_tagged_by_kind() {
        let e = IpcError::Throttled {
            message: "m".into(),
            retry_after_secs: Some(3),
        };
        let json = serde_json::to_value(&e).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"kind":"throttled","message":"m","retryAfterSecs":3})
        );
    }
}
