//! Browser sign-in: authorization code + PKCE with a loopback redirect.
//!
//! Why it is built this way (reliability-security.md K-6..K-8, RFC 8252):
//! - The caller opens [`BrowserSignIn::authorize_url`] in the **system**
//!   browser, never a webview, so the user's SSO, MFA and Conditional Access
//!   apply and the app never sees a password.
//! - The listener binds `127.0.0.1` only, on a port the OS picks, and lives for
//!   one callback: it closes as soon as the first callback arrives (or on
//!   timeout), so a second callback finds nothing listening.
//! - Every flow has a fresh `state` and PKCE verifier (S256). `state` is
//!   checked **first**, before `error` or `code` are looked at: anything on
//!   this machine (another process, a web page that guessed the port) can send
//!   a request to the listener, so a callback with a missing or wrong `state`
//!   is not ours. It gets a short neutral page (never the request's text), no
//!   token request is made, and the listener keeps waiting for the real
//!   callback instead of letting a forged `error=` end the user's sign-in.
//! - Only a callback with the right `state` ends the flow: with the code
//!   redeemed, or with Entra's `error` (then the caller's error names it, the
//!   browser page still does not).
//! - Other requests to the listener (a favicon, a speculative preconnect) get a
//!   404 and do not end the flow.
//! - The listener is bounded: a request line plus headers over
//!   `MAX_HEAD` (8 KiB) is answered `431` and closed at once, and at most
//!   `MAX_CONNECTIONS` (8) connections are read at a time. When a new one
//!   arrives over that, the oldest still-silent one is closed, so a flood of
//!   idle connections cannot hold the real browser's callback out (a browser
//!   sends its request as soon as it connects).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::Ipv4Addr;
use std::time::Duration;

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, CsrfToken, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, TokenUrl,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinSet};
use url::Url;

use super::{Recording, SignedIn, check_ids, http, oauth_error, signed_in};
use crate::credentials::delegated_scope;
use crate::fetch::oauth_url;
use crate::{Endpoints, Error};

/// Largest request line plus headers read from one connection; the callback
/// needs well under 2 KiB.
const MAX_HEAD: usize = 8 * 1024;
/// Connections read at the same time; a browser uses one or two.
const MAX_CONNECTIONS: usize = 8;
/// How long one browser connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The answer to a request head over [`MAX_HEAD`].
const TOO_LARGE: &[u8] =
    b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// A browser sign-in in progress: open [`authorize_url`](Self::authorize_url),
/// then [`finish`](Self::finish).
pub struct BrowserSignIn {
    listener: TcpListener,
    authorize_url: Url,
    redirect_uri: String,
    state: CsrfToken,
    verifier: PkceCodeVerifier,
    token_url: Url,
    client_id: String,
    http: reqwest::Client,
}

impl fmt::Debug for BrowserSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BrowserSignIn")
            .field("redirect_uri", &self.redirect_uri)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// Starts a browser sign-in: binds `127.0.0.1:0` and makes a fresh state and
/// PKCE verifier. Nothing is sent yet.
pub async fn start_browser(
    endpoints: &Endpoints,
    tenant_id: &str,
    client_id: &str,
) -> Result<BrowserSignIn, Error> {
    check_ids(tenant_id, client_id)?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .map_err(|e| Error::SignIn {
            reason: format!("cannot listen on 127.0.0.1 for the browser: {e}"),
        })?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::SignIn {
            reason: format!("loopback listener: {e}"),
        })?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}/");
    let authorize = oauth_url(&endpoints.authority, tenant_id, "authorize")?;
    let token_url = oauth_url(&endpoints.authority, tenant_id, "token")?;
    let redirect = RedirectUrl::new(redirect_uri.clone()).map_err(|e| Error::SignIn {
        reason: format!("redirect URI: {e}"),
    })?;
    let client = BasicClient::new(ClientId::new(client_id.to_owned()))
        .set_auth_uri(AuthUrl::from_url(authorize))
        .set_redirect_uri(redirect);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (authorize_url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new(delegated_scope(&endpoints.scope)))
        .set_pkce_challenge(challenge)
        .url();
    Ok(BrowserSignIn {
        listener,
        authorize_url,
        redirect_uri,
        state,
        verifier,
        token_url,
        client_id: client_id.to_owned(),
        http: http(endpoints)?,
    })
}

impl BrowserSignIn {
    /// The URL to open in the system browser (never in a webview).
    pub fn authorize_url(&self) -> &Url {
        &self.authorize_url
    }

    /// The loopback redirect URI (`http://127.0.0.1:{port}/`).
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the one browser callback (up to `timeout`), checks its
    /// `state`, answers the browser with a short page, closes the listener and
    /// redeems the code with the PKCE verifier.
    pub async fn finish(self, timeout: Duration) -> Result<SignedIn, Error> {
        let BrowserSignIn {
            listener,
            state,
            verifier,
            token_url,
            client_id,
            http,
            redirect_uri,
            ..
        } = self;
        let waited = tokio::time::timeout(timeout, wait_for_callback(&listener, &state)).await;
        drop(listener); // one callback per flow: nothing listens any more
        let (params, mut browser) = match waited {
            Ok(callback) => callback?,
            Err(_) => {
                return Err(Error::SignIn {
                    reason: format!("no answer from the browser within {}s", timeout.as_secs()),
                });
            }
        };
        // The state matched, so this is the redirect from the sign-in page.
        if let Some(error) = params.get("error") {
            respond(&mut browser, Page::Failed).await;
            let detail = params
                .get("error_description")
                .map(|d| printable(d, 300))
                .unwrap_or_default();
            return Err(Error::SignIn {
                reason: format!(
                    "the sign-in was not completed: {}: {detail}",
                    printable(error, 100)
                ),
            });
        }
        let Some(code) = params.get("code").filter(|c| !c.is_empty()) else {
            respond(&mut browser, Page::Failed).await;
            return Err(Error::SignIn {
                reason: "the browser callback had no authorization code".into(),
            });
        };
        let client = BasicClient::new(ClientId::new(client_id))
            .set_token_uri(TokenUrl::from_url(token_url))
            .set_redirect_uri(RedirectUrl::new(redirect_uri).map_err(|e| Error::SignIn {
                reason: format!("redirect URI: {e}"),
            })?);
        let recording = Recording::new(&http);
        let result = client
            .exchange_code(AuthorizationCode::new(code.clone()))
            .set_pkce_verifier(verifier)
            .request_async(&recording)
            .await
            .map_err(|e| oauth_error(e, recording.status()))
            .and_then(|token| signed_in(&token));
        let page = if result.is_ok() {
            Page::SignedIn
        } else {
            Page::Failed
        };
        respond(&mut browser, page).await;
        result
    }
}

/// Accepts connections until one is the callback of this flow (a GET of `/`
/// whose `state` matches); returns its query parameters and the connection to
/// answer on. Callbacks with a missing or wrong `state` are answered with a
/// neutral page and ignored.
async fn wait_for_callback(
    listener: &TcpListener,
    state: &CsrfToken,
) -> Result<(HashMap<String, String>, TcpStream), Error> {
    let mut reading: JoinSet<Option<(String, TcpStream)>> = JoinSet::new();
    // Connections still being read, oldest first.
    let mut open: VecDeque<AbortHandle> = VecDeque::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = accepted.map_err(|e| Error::SignIn {
                    reason: format!("loopback listener: {e}"),
                })?;
                open.retain(|h| !h.is_finished());
                if open.len() >= MAX_CONNECTIONS
                    && let Some(oldest) = open.pop_front()
                {
                    oldest.abort(); // drops (closes) its connection
                }
                open.push_back(reading.spawn(read_target(stream)));
            }
            Some(done) = reading.join_next(), if !reading.is_empty() => {
                let Ok(Some((target, mut stream))) = done else { continue };
                let Some(params) = callback_params(&target) else {
                    let _ = stream
                        .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .await;
                    continue;
                };
                let state_ok = state_matches(&params, state.secret());
                if !state_ok {
                    tracing::warn!(
                        "browser callback with a missing or wrong state ignored; no token requested"
                    );
                    respond(&mut stream, Page::NotOurs).await;
                    continue;
                }
                return Ok((params, stream));
            }
        }
    }
}

/// The request target of a `GET` (e.g. `/?code=…&state=…`), or `None` for
/// anything else or too slow. A head over [`MAX_HEAD`] is answered `431`.
async fn read_target(mut stream: TcpStream) -> Option<(String, TcpStream)> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    let read = async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            if head.len() > MAX_HEAD {
                return Some(false);
            }
            // Never more than one byte past the cap.
            let room = (MAX_HEAD + 1 - head.len()).min(buf.len());
            let n = stream.read(&mut buf[..room]).await.ok()?;
            if n == 0 {
                return None;
            }
            head.extend_from_slice(&buf[..n]);
        }
        Some(head.len() <= MAX_HEAD)
    };
    let complete = tokio::time::timeout(READ_TIMEOUT, read).await.ok()??;
    if !complete {
        let _ = stream.write_all(TOO_LARGE).await;
        let _ = stream.shutdown().await;
        return None;
    }
    let target = request_target(&head)?.to_owned();
    Some((target, stream))
}

/// The target of a request head's first line when it is a `GET`, else `None`.
pub(crate) fn request_target(head: &[u8]) -> Option<&str> {
    let line = head.split(|b| *b == b'\r').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut parts = line.split(' ');
    let (method, target) = (parts.next()?, parts.next()?);
    (method == "GET").then_some(target)
}

/// The query parameters of a request to `/` (percent- and `+`-decoded; a repeated
/// name keeps its last value), or `None` for any other path (answered 404).
pub(crate) fn callback_params(target: &str) -> Option<HashMap<String, String>> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    (path == "/").then(|| {
        url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect()
    })
}

/// Whether the callback carries this flow's `state` (compared in constant time).
pub(crate) fn state_matches(params: &HashMap<String, String>, state: &str) -> bool {
    params
        .get("state")
        .is_some_and(|s| constant_time_eq(s.as_bytes(), state.as_bytes()))
}

/// Which page the browser is shown.
#[derive(Clone, Copy)]
enum Page {
    SignedIn,
    Failed,
    /// A request to the listener that is not this flow's callback.
    NotOurs,
}

/// The small page the browser shows; it never echoes the request or server text.
async fn respond(stream: &mut TcpStream, page: Page) {
    let (status, title, text) = match page {
        Page::SignedIn => (
            "200 OK",
            "Signed in",
            "You are signed in to Cordon. You can close this tab.",
        ),
        Page::Failed => (
            "200 OK",
            "Sign-in failed",
            "The sign-in did not complete. Return to Cordon and try again. You can close this tab.",
        ),
        Page::NotOurs => (
            "400 Bad Request",
            "Cordon",
            "This is not a sign-in Cordon is waiting for. You can close this tab.",
        ),
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{text}</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nContent-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n\
         Referrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// At most `max` characters of `text`, control characters dropped (Entra's
/// error text goes into a log line and an error message).
pub(crate) fn printable(text: &str, max: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
