//! Certificate credentials: an RSA key (and its certificate) that signs the
//! `client_assertion` of each app-only token request (defender-api.md §1.1, E1).
//!
//! Why: reliability-security.md K-13 makes a certificate, not a secret, the
//! default for app-only mode, because the private key can stay in a protected
//! store and never crosses the wire. Signing uses `ring` (constant-time RSA,
//! already linked for TLS); PEM and PKCS#12 (PFX) files are read here so the
//! app can import what Entra admins usually have. `Debug` shows only the
//! thumbprint; the key is never printed.
//!
//! Certificate files are read only through [`CertificateCredential::read_file`]:
//! the path comes from a profile (a setting anyone with the profile file can
//! change), and a plain `fs::read` would follow it anywhere. `/dev/zero` or a
//! FIFO never ends (the app hangs and eats memory), and on Windows a UNC path
//! (`\\host\share\x.pfx`) makes the OS sign in to that host with the user's
//! NTLM credentials before any check could run. So network paths are refused
//! by their spelling on every platform, only a regular file is opened, and at
//! most [`MAX_FILE_BYTES`] are read even if the file grows meanwhile.

use std::fmt;
use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::json;

use crate::{Error, Secret};

/// Largest certificate file read (PEM or PFX); real ones are a few KiB.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Lifetime of one client assertion (Entra accepts up to a day; MSAL uses 10 minutes).
const ASSERTION_LIFETIME_SECS: i64 = 600;

/// An RSA private key, with the certificate Entra knows it by.
#[derive(Clone)]
pub struct CertificateCredential {
    key: Arc<RsaKeyPair>,
    /// `x5t#S256` and `x5t`: SHA-256 and SHA-1 of the certificate's DER.
    thumbprints: Option<(String, String)>,
    /// SHA-256 of the public key (PKCS#1 DER): the `kid` when there is no certificate.
    key_id: String,
}

impl fmt::Debug for CertificateCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateCredential")
            .field("x5t#S256", &self.thumbprints.as_ref().map(|t| &t.0))
            .field("key", &"***")
            .finish()
    }
}

impl PartialEq for CertificateCredential {
    fn eq(&self, other: &Self) -> bool {
        self.key_id == other.key_id && self.thumbprints == other.thumbprints
    }
}

impl Eq for CertificateCredential {}

fn bad(detail: impl Into<String>) -> Error {
    Error::InvalidArgument {
        detail: format!("certificate credential: {}", detail.into()),
    }
}

/// The DER bodies of the PEM blocks labelled `label` in `pem`.
fn pem_blocks(pem: &str, label: &str) -> Result<Vec<Vec<u8>>, Error> {
    let (begin, end) = (
        format!("-----BEGIN {label}-----"),
        format!("-----END {label}-----"),
    );
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find(&begin) {
        let body = &rest[start + begin.len()..];
        let stop = body
            .find(&end)
            .ok_or_else(|| bad(format!("unterminated {label} block")))?;
        let b64: String = body[..stop]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        out.push(
            STANDARD
                .decode(b64)
                .map_err(|e| bad(format!("{label} block: {e}")))?,
        );
        rest = &body[stop + end.len()..];
    }
    Ok(out)
}

impl CertificateCredential {
    /// From a PEM private key (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`)
    /// and, optionally, the PEM certificate registered in Entra. When
    /// `certificate_pem` is `None`, a `CERTIFICATE` block in `private_key_pem`
    /// (a combined file) is used. Without any certificate the assertion carries
    /// only a `kid`; Entra needs the certificate thumbprint, the simulator not.
    pub fn from_pem(private_key_pem: &str, certificate_pem: Option<&str>) -> Result<Self, Error> {
        if private_key_pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Err(bad(
                "encrypted PEM keys are not supported; decrypt it or use a PFX",
            ));
        }
        let key = if let Some(der) = pem_blocks(private_key_pem, "PRIVATE KEY")?.first() {
            RsaKeyPair::from_pkcs8(der).map_err(|e| bad(format!("PKCS#8 key: {e}")))?
        } else if let Some(der) = pem_blocks(private_key_pem, "RSA PRIVATE KEY")?.first() {
            RsaKeyPair::from_der(der).map_err(|e| bad(format!("PKCS#1 key: {e}")))?
        } else {
            return Err(bad("no PRIVATE KEY or RSA PRIVATE KEY block found"));
        };
        let certs = pem_blocks(certificate_pem.unwrap_or(private_key_pem), "CERTIFICATE")?;
        if certificate_pem.is_some() && certs.is_empty() {
            return Err(bad("no CERTIFICATE block found"));
        }
        Self::new(key, &certs)
    }

    /// From a PKCS#12 (`.pfx`/`.p12`) file and its password: the first private
    /// key and the certificate that matches it.
    pub fn from_pfx(pfx: &[u8], password: &str) -> Result<Self, Error> {
        let store = p12_keystore::KeyStore::from_pkcs12(
            pfx,
            password,
            p12_keystore::Pkcs12ImportPolicy::Relaxed,
        )
        .map_err(|e| bad(format!("PFX: {e}")))?;
        let (_, chain) = store
            .private_key_chain()
            .ok_or_else(|| bad("the PFX holds no private key"))?;
        let key = RsaKeyPair::from_pkcs8(chain.key().as_der())
            .map_err(|e| bad(format!("PFX key (RSA expected): {e}")))?;
        let certs: Vec<Vec<u8>> = chain.certs().iter().map(|c| c.as_der().to_vec()).collect();
        Self::new(key, &certs)
    }

    /// Whether `path` is spelled as a network (UNC) path: `\\host\share\…`,
    /// `\\?\UNC\…`, `\\.\…` or `//host/share/…`. Checked on every platform,
    /// by spelling only, so nothing is ever sent to the host.
    pub fn is_network_path(path: impl AsRef<Path>) -> bool {
        let spelled = path.as_ref().to_string_lossy();
        spelled.starts_with(r"\\") || spelled.starts_with("//")
    }

    /// The bytes of a PEM or PFX file at `path`, refusing anything but a small
    /// local regular file: a network path (`\\host\share\…`, `//host/share/…`),
    /// a directory, a device or FIFO, or a file over [`MAX_FILE_BYTES`].
    pub fn read_file(path: impl AsRef<Path>) -> Result<Vec<u8>, Error> {
        let path = path.as_ref();
        let shown = path.display();
        if Self::is_network_path(path) {
            return Err(bad(format!(
                "{shown} is a network path; copy the certificate to a local disk and use that path"
            )));
        }
        let not_regular = || {
            bad(format!(
                "{shown} is not a regular file (a directory, device or pipe); choose the .pem or .pfx file itself"
            ))
        };
        // Checked before opening: opening a FIFO blocks until a writer comes.
        let meta = std::fs::metadata(path).map_err(|e| bad(format!("cannot read {shown}: {e}")))?;
        if !meta.is_file() {
            return Err(not_regular());
        }
        let too_big = || {
            bad(format!(
                "{shown} is larger than {} KiB; a certificate file is a few KiB",
                MAX_FILE_BYTES / 1024
            ))
        };
        if meta.len() > MAX_FILE_BYTES {
            return Err(too_big());
        }
        let file =
            std::fs::File::open(path).map_err(|e| bad(format!("cannot read {shown}: {e}")))?;
        // The same check on what was opened, in case the path changed meanwhile.
        let opened = file
            .metadata()
            .map_err(|e| bad(format!("cannot read {shown}: {e}")))?;
        if !opened.is_file() {
            return Err(not_regular());
        }
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| bad(format!("cannot read {shown}: {e}")))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(too_big());
        }
        Ok(bytes)
    }

    /// Picks the certificate whose public key is `key`'s.
    fn new(key: RsaKeyPair, certs: &[Vec<u8>]) -> Result<Self, Error> {
        let public = key.public_key().as_ref().to_vec();
        let mut thumbprints = None;
        for der in certs {
            let (_, cert) = x509_parser::parse_x509_certificate(der)
                .map_err(|e| bad(format!("certificate: {e}")))?;
            if cert.public_key().subject_public_key.data.as_ref() == public.as_slice() {
                thumbprints = Some(thumbprints_of(der));
                break;
            }
        }
        if !certs.is_empty() && thumbprints.is_none() {
            return Err(bad("the certificate does not belong to the private key"));
        }
        Ok(Self {
            key: Arc::new(key),
            thumbprints,
            key_id: URL_SAFE_NO_PAD.encode(sha256(&public)),
        })
    }

    /// `x5t#S256` of the certificate (base64url SHA-256 of its DER), if there is one.
    pub fn thumbprint_sha256(&self) -> Option<&str> {
        self.thumbprints.as_ref().map(|t| t.0.as_str())
    }

    /// A freshly signed client assertion for `client_id` at `token_url`.
    pub(crate) fn assertion(&self, client_id: &str, token_url: &str) -> Result<Secret, Error> {
        let now = chrono::Utc::now().timestamp();
        let mut jti = [0u8; 16];
        rand::Rng::fill(&mut rand::thread_rng(), &mut jti);
        let claims = json!({
            "aud": token_url,
            "iss": client_id,
            "sub": client_id,
            "jti": uuid_like(&jti),
            "iat": now,
            "nbf": now,
            "exp": now + ASSERTION_LIFETIME_SECS,
        });
        let mut header = json!({ "alg": "RS256", "typ": "JWT" });
        match &self.thumbprints {
            Some((s256, s1)) => {
                header["x5t#S256"] = json!(s256);
                header["x5t"] = json!(s1);
            }
            None => header["kid"] = json!(self.key_id),
        }
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| bad("signing the client assertion failed"))?;
        Ok(Secret::new(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        )))
    }
}

fn sha256(data: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .to_vec()
}

fn thumbprints_of(der: &[u8]) -> (String, String) {
    let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der);
    (
        URL_SAFE_NO_PAD.encode(sha256(der)),
        URL_SAFE_NO_PAD.encode(sha1.as_ref()),
    )
}

/// 16 random bytes in the 8-4-4-4-12 form Entra's own assertions use.
fn uuid_like(b: &[u8; 16]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
#[path = "certificate_tests.rs"]
mod tests;
