//! The trust behind every TLS connection Cordon makes, and the sentence for a
//! certificate it refuses.
//!
//! Why the OS store: analysts sit behind proxies that inspect TLS and re-sign it with
//! their company's own CA, which IT installs in the operating system's store — not in a
//! list bundled with a program. So the verifier is the platform's
//! (`rustls-platform-verifier`: Windows' and macOS' own verifiers; on Linux the system's
//! CA files, which honour `SSL_CERT_FILE` and `SSL_CERT_DIR`), with the bundled web roots
//! (`webpki-root-certs`) beside it, so that a host without a CA bundle (a slim container
//! running `cordon agent`) still reaches Microsoft. The same [`client_config`] serves the
//! HTTP clients ([`crate::net`]) and the team store's PostgreSQL connections
//! (cordon-core): they trust the same authorities. Crypto is ring's, as everywhere else.
//!
//! Why the sentence: a refused certificate used to read "Defender could not be reached.
//! Check the network", which sends the analyst to the wrong person. The verifier here
//! re-raises a refusal with the refused certificate's issuer, and
//! [`untrusted_certificate`] finds it in an error's source chain and makes it
//! [`Error::UntrustedCertificate`]: which host, issued by whom, and why.

use std::error::Error as StdError;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};

use crate::Error;

/// The TLS client configuration of every connection: ring, TLS 1.2 and 1.3, the OS
/// trust store plus the bundled web roots, no client certificate. Read afresh on each
/// call (on Linux the CA files are loaded then), so a CA installed while Cordon runs
/// counts for the next client.
pub fn client_config() -> Result<rustls::ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let platform = rustls_platform_verifier::Verifier::new_with_extra_roots(
        webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned(),
        Arc::clone(&provider),
    )
    .map_err(setup_error)?;
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(setup_error)?
        // Not a shortcut: the platform's verifier does all the checking; `Naming` only
        // adds the issuer to its refusals.
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Naming { inner: platform }))
        .with_no_client_auth())
}

fn setup_error(e: rustls::Error) -> Error {
    Error::Transport {
        detail: format!("setting up TLS (the system's certificate store): {e}"),
        timed_out: false,
    }
}

/// The platform's verifier, whose refusals carry the refused certificate's issuer.
#[derive(Debug)]
struct Naming {
    inner: rustls_platform_verifier::Verifier,
}

impl ServerCertVerifier for Naming {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map_err(|e| match e {
                rustls::Error::InvalidCertificate(reason) => rustls::Error::InvalidCertificate(
                    CertificateError::Other(OtherError(Arc::new(Refused {
                        issuer: issuer_of(end_entity),
                        reason,
                    }))),
                ),
                other => other,
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// A certificate the verifier refused, with whom it names as its issuer.
#[derive(Debug)]
struct Refused {
    issuer: Option<String>,
    reason: CertificateError,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.reason)?;
        if let Some(issuer) = &self.issuer {
            write!(f, " (issued by {issuer})")?;
        }
        Ok(())
    }
}

impl StdError for Refused {}

/// The issuer's common name (or whole name) of a DER certificate.
fn issuer_of(der: &CertificateDer<'_>) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
    let issuer = cert.issuer();
    let name = issuer
        .iter_common_name()
        .find_map(|cn| cn.as_str().ok().map(str::to_owned))
        .unwrap_or_else(|| issuer.to_string());
    let name = name.trim();
    (!name.is_empty()).then(|| crate::signin::printable(name, 200))
}

/// Why a certificate was refused, in a few plain words.
fn reason(e: &CertificateError) -> String {
    use CertificateError as C;
    match e {
        C::UnknownIssuer => "unknown issuer".into(),
        C::Expired | C::ExpiredContext { .. } => "expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => "not valid yet".into(),
        C::NotValidForName => "issued for another name".into(),
        C::NotValidForNameContext { presented, .. } if !presented.is_empty() => format!(
            "issued for another name ({})",
            crate::signin::printable(&presented.join(", "), 200)
        ),
        C::NotValidForNameContext { .. } => "issued for another name".into(),
        C::Revoked => "revoked".into(),
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => "not issued for TLS servers".into(),
        C::BadSignature => "bad signature".into(),
        other => other.to_string(),
    }
}

/// The [`Error::UntrustedCertificate`] behind `err`, if a TLS handshake in its source
/// chain failed on the server's certificate. `host` names the server; without it, the
/// host of a `reqwest` request in the chain does, or "the server".
///
/// The rustls error sits inside `io::Error`s, whose `source()` skips it, so each link
/// is also looked into.
pub fn untrusted_certificate(err: &(dyn StdError + 'static), host: Option<&str>) -> Option<Error> {
    let mut url_host: Option<String> = None;
    let mut next = Some(err);
    while let Some(e) = next {
        if url_host.is_none() {
            url_host = request_host(e);
        }
        if let Some(rustls::Error::InvalidCertificate(refusal)) = as_rustls(e) {
            let (issuer, why) = match refusal {
                CertificateError::Other(OtherError(inner)) => {
                    match inner.downcast_ref::<Refused>() {
                        Some(r) => (r.issuer.clone(), reason(&r.reason)),
                        None => (None, inner.to_string()),
                    }
                }
                plain => (None, reason(plain)),
            };
            let host = host
                .map(str::to_owned)
                .or(url_host)
                .unwrap_or_else(|| "the server".to_owned());
            return Some(Error::UntrustedCertificate {
                host,
                issuer,
                reason: why,
            });
        }
        next = e.source();
    }
    None
}

/// `e` as a rustls error, directly or inside `io::Error`s (hyper-rustls wraps
/// tokio-rustls' `io::Error` in another one).
fn as_rustls<'e>(e: &'e (dyn StdError + 'static)) -> Option<&'e rustls::Error> {
    let mut e = e;
    loop {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        e = e.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

/// The host of the request behind `e`, if `e` is a `reqwest` error (or one boxed, as
/// `oauth2` keeps it).
fn request_host(e: &(dyn StdError + 'static)) -> Option<String> {
    let r = e
        .downcast_ref::<reqwest::Error>()
        .or_else(|| e.downcast_ref::<Box<reqwest::Error>>().map(|b| &**b))?;
    r.url().and_then(|u| u.host_str()).map(str::to_owned)
}

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tests;
