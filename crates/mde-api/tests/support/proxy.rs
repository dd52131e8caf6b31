//! A corporate proxy that inspects TLS, on loopback: it answers `CONNECT host:port`,
//! terminates the tunnel's TLS with a certificate for `host` signed by its own private
//! CA (made at start, like a company's inspection CA), and forwards the decrypted bytes
//! to one upstream (the simulator's plain-HTTP port), whatever the host. Any other
//! request (a plain `GET http://…`) gets a 502. It records the first line of every
//! request it is sent, so a test sees what went through it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The inspection CA's name, as a client's error should name it.
pub const INSPECTION_CA: &str = "Contoso TLS Inspection CA";

/// A CA: its certificate and key.
pub struct Ca {
    pub cert: Certificate,
    key: KeyPair,
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        Ca {
            cert: params.self_signed(&key).unwrap(),
            key,
        }
    }

    /// Writes the CA certificate as PEM into `dir` and returns the file's path.
    pub fn write_pem(&self, dir: &std::path::Path, name: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, self.cert.pem()).unwrap();
        path
    }

    /// A TLS server configuration for `host`, its certificate signed by this CA.
    fn server_config(&self, host: &str) -> rustls::ServerConfig {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec![host.to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, host);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf = params.signed_by(&key, &self.cert, &self.key).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![
                    leaf.der().clone(),
                    CertificateDer::from(self.cert.der().to_vec()),
                ],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .unwrap()
    }
}

pub struct InspectingProxy {
    /// `http://127.0.0.1:PORT`, for `HTTPS_PROXY`.
    pub url: String,
    pub ca: Arc<Ca>,
    seen: Arc<Mutex<Vec<String>>>,
    /// Tunnels whose TLS handshake the client broke off (it refused the certificate).
    refused: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for InspectingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl InspectingProxy {
    /// Starts the proxy; every tunnel goes to `upstream`.
    pub async fn start(upstream: SocketAddr) -> InspectingProxy {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let ca = Arc::new(Ca::new(INSPECTION_CA));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(Vec::new()));
        let (ca2, seen2, refused2) = (Arc::clone(&ca), Arc::clone(&seen), Arc::clone(&refused));
        let task = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let (ca, seen, refused) =
                    (Arc::clone(&ca2), Arc::clone(&seen2), Arc::clone(&refused2));
                tokio::spawn(async move {
                    let _ = serve(conn, upstream, &ca, &seen, &refused).await;
                });
            }
        });
        InspectingProxy {
            url,
            ca,
            seen,
            refused,
            task,
        }
    }

    /// The first line of every request sent to the proxy, e.g. `CONNECT api.test:443`.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    /// The hosts of the tunnels whose TLS the client broke off.
    pub fn refused(&self) -> Vec<String> {
        self.refused.lock().unwrap().clone()
    }
}

async fn serve(
    mut conn: TcpStream,
    upstream: SocketAddr,
    ca: &Ca,
    seen: &Mutex<Vec<String>>,
    refused: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let head = read_head(&mut conn).await?;
    let first = head.lines().next().unwrap_or_default();
    let mut words = first.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    seen.lock().unwrap().push(format!("{method} {target}"));
    if method != "CONNECT" {
        conn.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
            .await?;
        return Ok(());
    }
    let host = target
        .rsplit_once(':')
        .map_or(target, |(h, _)| h)
        .to_owned();
    conn.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .await?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(ca.server_config(&host)));
    let mut tls = match acceptor.accept(conn).await {
        Ok(tls) => tls,
        Err(e) => {
            refused.lock().unwrap().push(host);
            return Err(e);
        }
    };
    let mut up = TcpStream::connect(upstream).await?;
    tokio::io::copy_bidirectional(&mut tls, &mut up).await?;
    Ok(())
}

/// The request head (up to the blank line), read byte by byte: nothing after it is
/// consumed, so the tunnel's first TLS bytes stay in the socket.
async fn read_head(conn: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        let mut b = [0u8; 1];
        if conn.read(&mut b).await? == 0 {
            break;
        }
        head.push(b[0]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}
