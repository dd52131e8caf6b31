//! A tiny scripted HTTP/1.1 server for transport tests that need exact control
//! over each answer (redirects, dropped connections, hangs), independent of the
//! simulator. One request per connection (`Connection: close`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn is_token(&self) -> bool {
        self.target.contains("/oauth2/")
    }
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub enum Reply {
    /// Status, extra headers, body.
    Status(u16, Vec<(&'static str, String)>, String),
    /// Read the request, then close the connection without answering.
    Drop,
    /// Read the request, then never answer.
    Hang,
}

impl Reply {
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Reply::Status(
            status,
            vec![("Content-Type", "application/json".into())],
            body.into(),
        )
    }
}

type Handler = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

pub struct Mock {
    pub base: String,
    log: Arc<Mutex<Vec<Recorded>>>,
}

impl Mock {
    /// Start a server; `handler` gets each request and the number of earlier
    /// non-token requests (so scripts can answer "first 500, then 200").
    pub async fn start(
        handler: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let log: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let log2 = log.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let log = log2.clone();
                let handler = handler.clone();
                tokio::spawn(async move {
                    let Some(req) = read_request(&mut sock).await else {
                        return;
                    };
                    let n = {
                        let mut log = log.lock().unwrap();
                        let n = log.iter().filter(|r| !r.is_token()).count();
                        log.push(req.clone());
                        n
                    };
                    match handler(&req, n) {
                        Reply::Drop => drop(sock),
                        Reply::Hang => {
                            tokio::time::sleep(Duration::from_secs(3600)).await;
                        }
                        Reply::Status(status, headers, body) => {
                            let mut out = format!(
                                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                                body.len()
                            );
                            for (k, v) in headers {
                                out.push_str(&format!("{k}: {v}\r\n"));
                            }
                            out.push_str("\r\n");
                            out.push_str(&body);
                            let _ = sock.write_all(out.as_bytes()).await;
                            let _ = sock.shutdown().await;
                        }
                    }
                });
            }
        });
        Mock { base, log }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    pub fn api_requests(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| !r.is_token())
            .collect()
    }

    pub fn token_requests(&self) -> usize {
        self.requests().iter().filter(|r| r.is_token()).count()
    }
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded {
        method,
        target,
        headers,
        body,
        at: Instant::now(),
    })
}

/// A JWT-shaped token with `roles`, as Entra would issue.
pub fn jwt(roles: &[&str]) -> String {
    let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims = serde_json::json!({
        "aud": "https://api.securitycenter.microsoft.com", "tid": "t", "roles": roles,
        "nonce": rand_suffix(),
    });
    format!(
        "{}.{}.c2ln",
        enc.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
        enc.encode(claims.to_string())
    )
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

/// Entra's success answer.
pub fn token_reply() -> Reply {
    Reply::json(
        200,
        serde_json::json!({
            "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
            "access_token": jwt(&["Machine.Isolate", "Machine.Read.All"]),
        })
        .to_string(),
    )
}

pub const MACHINE_ID: &str = "1e5bc9d7e413ddd7902c2932e418702b84d0cc07";

pub fn action_json(status: &str) -> String {
    serde_json::json!({
        "id": "b89eb834-4578-496c-8be0-03f004061435", "type": "Isolate", "scope": "Full",
        "requestor": "Cordon", "requestorComment": "c", "status": status,
        "machineId": MACHINE_ID, "creationDateTimeUtc": "2024-05-01T08:30:00.1234567Z",
        "lastUpdateDateTimeUtc": "2024-05-01T08:30:00.1234567Z"
    })
    .to_string()
}

pub fn fast_options() -> mde_api::ClientOptions {
    mde_api::ClientOptions {
        timeout: Duration::from_secs(5),
        base_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_secs(5),
        requests_per_minute: None,
        requests_per_hour: None,
        ..Default::default()
    }
}

pub fn client_for(base: &str, options: mde_api::ClientOptions) -> mde_api::Client {
    mde_api::Client::new(
        mde_api::Endpoints::custom(base, base).unwrap(),
        mde_api::Credentials::client_secret("tenant-1", "client-1", "s3cret-value"),
        options,
    )
    .unwrap()
}
