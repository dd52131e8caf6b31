#![allow(clippy::unwrap_used)]

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

use super::*;

/// A CA named `ca_name` and a server certificate for `host` it signed.
struct Pki {
    ca: CertificateDer<'static>,
    leaf: CertificateDer<'static>,
}

fn pki(ca_name: &str, host: &str, expired: bool) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name.push(DnType::CommonName, ca_name);
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = ca.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec![host.to_owned()]).unwrap();
    leaf.distinguished_name.push(DnType::CommonName, host);
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    if expired {
        leaf.not_before = rcgen::date_time_ymd(2020, 1, 1);
        leaf.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let leaf = leaf.signed_by(&key, &ca, &ca_key).unwrap();
    Pki {
        ca: ca.der().clone(),
        leaf: leaf.der().clone(),
    }
}

/// The platform's verifier (with `extra` trusted too), as [`client_config`] wraps it.
fn naming(extra: &[CertificateDer<'static>]) -> Naming {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Naming {
        inner: rustls_platform_verifier::Verifier::new_with_extra_roots(
            extra.iter().cloned(),
            provider,
        )
        .unwrap(),
    }
}

/// What a handshake with `leaf` for `host` fails with, as it reaches the caller: a
/// rustls error inside tokio-rustls' `io::Error`, inside hyper-rustls' `io::Error`,
/// behind a wrapper (as hyper's are).
fn handshake_error(verifier: &Naming, leaf: &CertificateDer<'static>, host: &str) -> Wrapped {
    let e = verifier
        .verify_server_cert(
            leaf,
            &[],
            &ServerName::try_from(host.to_owned()).unwrap(),
            &[],
            UnixTime::now(),
        )
        .unwrap_err();
    Wrapped(std::io::Error::other(std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        e,
    )))
}

#[derive(Debug)]
struct Wrapped(std::io::Error);

impl std::fmt::Display for Wrapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("client error (Connect)")
    }
}

impl StdError for Wrapped {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.0)
    }
}

#[test]
fn an_unknown_issuer_is_named_with_the_host() {
    let inspection = pki("Contoso TLS Inspection CA", "api.test", false);
    let e = handshake_error(&naming(&[]), &inspection.leaf, "api.test");
    let found = untrusted_certificate(&e, Some("api.test")).unwrap();
    assert_eq!(
        found,
        Error::UntrustedCertificate {
            host: "api.test".into(),
            issuer: Some("Contoso TLS Inspection CA".into()),
            reason: "unknown issuer".into(),
        }
    );
    assert_eq!(
        found.to_string(),
        "the certificate of api.test (issued by Contoso TLS Inspection CA) is not trusted by this computer: unknown issuer"
    );
    assert!(!found.is_retryable(), "a refused certificate stays refused");
}

#[test]
fn a_trusted_issuer_passes_and_a_wrong_name_or_an_old_certificate_is_named() {
    let good = pki("Contoso Root", "api.test", false);
    let verifier = naming(std::slice::from_ref(&good.ca));
    verifier
        .verify_server_cert(
            &good.leaf,
            &[],
            &ServerName::try_from("api.test").unwrap(),
            &[],
            UnixTime::now(),
        )
        .unwrap();

    let e = handshake_error(&verifier, &good.leaf, "login.test");
    let Some(Error::UntrustedCertificate { issuer, reason, .. }) =
        untrusted_certificate(&e, Some("login.test"))
    else {
        panic!("not an untrusted certificate: {e:?}");
    };
    assert_eq!(issuer.as_deref(), Some("Contoso Root"));
    assert!(reason.starts_with("issued for another name"), "{reason}");
    assert!(
        reason.contains("api.test"),
        "the name it was issued for: {reason}"
    );

    let old = pki("Old Root", "api.test", true);
    let e = handshake_error(
        &naming(std::slice::from_ref(&old.ca)),
        &old.leaf,
        "api.test",
    );
    let Some(Error::UntrustedCertificate { reason, .. }) = untrusted_certificate(&e, None) else {
        panic!("not an untrusted certificate: {e:?}");
    };
    assert_eq!(reason, "expired");
}

#[test]
fn other_failures_are_not_certificate_refusals() {
    let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
    assert_eq!(untrusted_certificate(&refused, Some("h")), None);
    let alert = std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure),
    );
    assert_eq!(untrusted_certificate(&alert, Some("h")), None);
    // Another verifier's refusal: no issuer, and no host known.
    let plain = rustls::Error::InvalidCertificate(CertificateError::Revoked);
    assert_eq!(
        untrusted_certificate(&plain, None),
        Some(Error::UntrustedCertificate {
            host: "the server".into(),
            issuer: None,
            reason: "revoked".into(),
        })
    );
}

#[test]
fn the_client_configuration_builds_from_the_system_store() {
    let config = client_config().unwrap();
    assert!(config.alpn_protocols.is_empty());
}
