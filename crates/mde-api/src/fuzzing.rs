//! Fuzzing entry points: one function per parser that reads bytes from outside
//! (a server's answer, a browser's request), each taking raw bytes.
//!
//! Why a module and not the fuzz targets themselves: the parsers are private to the
//! crate, and the same body must run under `cargo fuzz` (`fuzz/fuzz_targets/*.rs`)
//! and as a plain test over the committed corpus (`tests/fuzz_corpus.rs`), so CI
//! replays every input the fuzzer found without a nightly compiler. Each function
//! runs the crate's own decode path, never a copy of it, and panics only when a
//! property fails (or the code under test panics). Not a stable API: hidden from the
//! docs and free to change.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, TimeZone as _, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::auth::{AccessToken, TokenError, TokenResponse, token_permissions};
use crate::model::{Alert, Machine, MachineAction, Page};
use crate::query::{CmpOp, Filter, Literal, Query, encode_pairs, quote, unquote};
use crate::retry::{MAX_RETRY_AFTER, parse_retry_after, retry_after_value};
use crate::signin::{callback_params, printable, request_target, signed_in, state_matches};
use crate::transport::{Answer, api_error};
use crate::{Error, MAX_RAW_BODY};

/// A fixed "now", so a corpus input means the same thing on every run.
fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// `Retry-After` and its millisecond variants: `data` is split at NUL bytes into
/// up to three header values (`retry-after`, `retry-after-ms`,
/// `x-ms-retry-after-ms`); each whole input is also read as one `Retry-After`
/// value. The delay is never over [`MAX_RETRY_AFTER`].
pub fn retry_after(data: &[u8]) {
    let names = ["retry-after", "retry-after-ms", "x-ms-retry-after-ms"];
    let mut headers = HeaderMap::new();
    for (name, value) in names.iter().zip(data.split(|b| *b == 0)) {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    let text = String::from_utf8_lossy(data);
    for now in [fixed_now(), Utc::now()] {
        let delays = [
            parse_retry_after(&headers, now),
            retry_after_value(&text, now),
            retry_after_value(text.trim(), now),
        ];
        for delay in delays.into_iter().flatten() {
            assert!(delay <= MAX_RETRY_AFTER, "{delay:?} over the cap");
        }
    }
}

/// A token endpoint's answer body, read both ways the crate reads one: the
/// client-credentials path (`TokenResponse`, its lifetime and the cached token; or
/// `TokenError` for a failure) and the delegated path (oauth2's token response,
/// then the account and permissions read from the access token).
pub fn token_response(data: &[u8]) {
    let answer = Answer {
        status: 200,
        body: data.to_vec(),
    };
    if let Ok(token) = answer.decode::<TokenResponse>() {
        let lifetime = token.lifetime();
        let _ = token_permissions(&token.access_token);
        let cached = AccessToken::new(token.access_token, lifetime, tokio::time::Instant::now());
        assert!(cached.refresh_at <= cached.expires_at);
    }
    let error: TokenError = serde_json::from_slice(data).unwrap_or_default();
    let _ = (error.error, error.error_description, error.correlation_id);
    if let Ok(token) = serde_json::from_slice::<oauth2::basic::BasicTokenResponse>(data) {
        let _ = signed_in(&token);
    }
}

/// A Defender error answer: the first two bytes are the status (big-endian), the
/// third says whether a `Retry-After` came with it, the rest is the body. The
/// error keeps the status and the delay, and its text stays bounded when the body
/// is not Defender's envelope.
pub fn api_error_body(data: &[u8]) {
    let (head, body) = data.split_at(data.len().min(3));
    let status = match head {
        [a, b, ..] => u16::from_be_bytes([*a, *b]),
        _ => 500,
    };
    let retry_after = head
        .get(2)
        .filter(|b| **b & 1 == 1)
        .map(|b| Duration::from_secs(u64::from(*b)));
    let err = api_error(status, body, retry_after);
    let Error::Api {
        status: got,
        code,
        message,
        retry_after: delay,
        ..
    } = &err
    else {
        panic!("api_error gave {err:?}");
    };
    assert_eq!(*got, status);
    assert_eq!(*delay, retry_after);
    let _ = code;
    if serde_json::from_slice::<serde_json::Value>(body).is_err() {
        // Not JSON: the body itself, cut to the cap (plus the ellipsis).
        assert!(message.len() <= MAX_RAW_BODY + '…'.len_utf8());
    }
    let _ = (err.to_string(), err.status(), err.retry_after());
}

/// One page of a collection (`{"value":[…],"@odata.nextLink":…,"@odata.count":…}`)
/// as machines, machine actions and alerts, read as the pager reads it.
pub fn list_body(data: &[u8]) {
    let answer = Answer {
        status: 200,
        body: data.to_vec(),
    };
    fn page<T: serde::de::DeserializeOwned>(answer: &Answer) -> Option<usize> {
        let page = answer.decode::<Page<T>>().ok()?;
        let total = page
            .count
            .as_ref()
            .and_then(serde_json::Value::as_u64)
            .map(|n| n as usize);
        if let Some(link) = &page.next_link {
            let _ = url::Url::parse(link).map(|u| u.origin());
        }
        let _ = total.map(|t| t.saturating_sub(page.value.len()));
        Some(page.value.len())
    }
    let _ = page::<Machine>(&answer);
    let _ = page::<MachineAction>(&answer);
    let _ = page::<Alert>(&answer);
    if let Ok(machines) = answer.decode::<Page<Machine>>() {
        for m in &machines.value {
            let _ = format!("{m:?}");
        }
    }
}

/// The state every [`callback`] input is compared with.
pub const CALLBACK_STATE: &str = "fuzz-state-0123456789";

/// A request head reaching the sign-in loopback listener: its `GET` target, the
/// callback's query parameters, the `state` check, and the error text made
/// printable. A matching state is exactly [`CALLBACK_STATE`].
pub fn callback(data: &[u8]) {
    // Inputs are either a whole head (`GET /?… HTTP/1.1\r\n…`) or just a target.
    let target = request_target(data)
        .map(str::to_owned)
        .unwrap_or_else(|| String::from_utf8_lossy(data).into_owned());
    let Some(params) = callback_params(&target) else {
        return;
    };
    if state_matches(&params, CALLBACK_STATE) {
        assert_eq!(
            params.get("state").map(String::as_str),
            Some(CALLBACK_STATE)
        );
    }
    for key in ["error", "error_description", "code"] {
        if let Some(value) = params.get(key) {
            let shown = printable(value, 100);
            assert!(shown.chars().count() <= 100);
            assert!(!shown.chars().any(char::is_control));
        }
    }
}

/// Field names a built filter may use (stand-ins for the crate's own constants).
const FIELDS: [&str; 5] = [
    "computerDnsName",
    "machineTags",
    "lastSeen",
    "status",
    "healthStatus",
];

/// Reads bytes off the front of the input; zero once it runs out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        *first
    }
    fn take(&mut self, n: usize) -> &[u8] {
        let (head, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        head
    }
    fn i64(&mut self) -> i64 {
        let mut b = [0u8; 8];
        let got = self.take(8);
        b[..got.len()].copy_from_slice(got);
        i64::from_le_bytes(b)
    }
    /// A string of up to 63 bytes of input, lossily UTF-8.
    fn string(&mut self) -> String {
        let n = usize::from(self.byte() % 64);
        String::from_utf8_lossy(self.take(n)).into_owned()
    }
    fn field(&mut self) -> &'static str {
        FIELDS[usize::from(self.byte()) % FIELDS.len()]
    }
    fn literal(&mut self, strings: &mut Vec<String>) -> Literal {
        match self.byte() % 5 {
            0 => {
                let s = self.string();
                strings.push(s.clone());
                Literal::String(s)
            }
            1 => {
                let secs = self.i64() % 253_402_300_800; // up to year 9999
                let nanos = u32::from(self.byte()) * 3_921_569;
                Literal::DateTime(
                    DateTime::<Utc>::from_timestamp(secs, nanos)
                        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
                )
            }
            2 => Literal::Int(self.i64()),
            3 => Literal::Bool(self.byte() & 1 == 1),
            _ => Literal::Null,
        }
    }
    /// A filter tree at most `depth` deep; `strings` gets every string value in
    /// the order the filter writes them.
    fn filter(&mut self, depth: u8, strings: &mut Vec<String>) -> Filter {
        let kinds = if depth == 0 { 3 } else { 6 };
        match self.byte() % kinds {
            0 => {
                let field = self.field();
                let op = [
                    CmpOp::Eq,
                    CmpOp::Ne,
                    CmpOp::Gt,
                    CmpOp::Ge,
                    CmpOp::Lt,
                    CmpOp::Le,
                ][usize::from(self.byte() % 6)];
                Filter::Compare {
                    field,
                    op,
                    value: self.literal(strings),
                }
            }
            1 => {
                let field = self.field();
                let n = self.byte() % 5;
                let values = (0..n).map(|_| self.literal(strings)).collect::<Vec<_>>();
                Filter::r#in(field, values)
            }
            2 => {
                let field = self.field();
                let prefix = self.string();
                strings.push(prefix.clone());
                Filter::startswith(field, prefix)
            }
            3 => {
                let a = self.filter(depth - 1, strings);
                a.and(self.filter(depth - 1, strings))
            }
            4 => {
                let a = self.filter(depth - 1, strings);
                a.or(self.filter(depth - 1, strings))
            }
            _ => self.filter(depth - 1, strings).negate(),
        }
    }
}

/// The string literals of an OData expression, in order, with `''` read as `'`;
/// `None` if a literal is left open. Text outside literals is checked to be only
/// what field names, operators, numbers and datetimes are made of.
fn literals(expr: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            assert!(
                c.is_ascii_alphanumeric() || " (),:.+-".contains(c),
                "{c:?} outside a literal in {expr:?}"
            );
            continue;
        }
        let mut lit = String::new();
        loop {
            match chars.next()? {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    lit.push('\'');
                }
                '\'' => break,
                other => lit.push(other),
            }
        }
        out.push(lit);
    }
    Some(out)
}

/// Builds a `$filter` from the input's bytes (fields, operators, strings, numbers,
/// datetimes, `and`/`or`/`not`) and checks that every string value stays exactly
/// one quoted literal: reading the literals back gives the values in order, and
/// nothing of a value leaks outside the quotes. The query string it becomes
/// decodes back to the same filter text.
pub fn filter(data: &[u8]) {
    let mut input = Bytes(data);
    let mut strings = Vec::new();
    let built = input.filter(4, &mut strings);
    let text = built.to_string();
    let found = literals(&text).unwrap_or_else(|| panic!("unterminated literal in {text:?}"));
    assert_eq!(found, strings, "literals of {text:?}");
    for s in &strings {
        assert_eq!(unquote(&quote(s)).as_deref(), Some(s.as_str()));
    }
    let pairs = Query::new().filter(built).pairs(Some(10), Some(5));
    let encoded = encode_pairs(&pairs);
    assert!(!encoded.contains(['\'', ' ', '#']), "{encoded:?}");
    let decoded: HashMap<String, String> = url::form_urlencoded::parse(encoded.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(decoded.get("$filter"), Some(&text));
}
