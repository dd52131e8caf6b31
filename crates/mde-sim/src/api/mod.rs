//! The Defender for Endpoint API (`/api/…`, also `/api/v1.0/…`). Routing is done here by
//! hand rather than by the router because the real service treats path names without
//! regard to case (`GetPackageUri`, `StopAndQuarantineFile` in the docs) and packs
//! function calls into segments (`findbyip(ip='…',timestamp=…)`).
//!
//! All wire JSON is built from `serde_json::Value` templates shaped like Microsoft's
//! documents, never from types shared with the client.

pub mod actions;
pub mod alerts;
pub mod machines;
pub mod respond;

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::http::Shared;
use crate::http::errors::ApiError;
use crate::odata::Page;
use crate::urlenc;

/// Everything a handler needs about the request.
pub struct Ctx<'a> {
    pub shared: &'a Shared,
    pub headers: &'a HeaderMap,
    pub query: Vec<(String, String)>,
    pub body: &'a [u8],
    pub now: chrono::DateTime<chrono::Utc>,
}

pub type ApiResult = Result<Response, ApiError>;

pub async fn dispatch(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let rest = uri
        .path()
        .trim_start_matches("/api")
        .trim_start_matches('/');
    let mut segs: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(urlenc::decode_path)
        .collect();
    if segs.first().is_some_and(|s| s.eq_ignore_ascii_case("v1.0")) {
        segs.remove(0);
    }
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let ctx = Ctx {
        shared: &shared,
        headers: &headers,
        query: urlenc::parse(uri.query().unwrap_or("")),
        body: &body,
        now: shared.now(),
    };
    let get = method == Method::GET;
    let post = method == Method::POST;
    let result = match l.as_slice() {
        ["machines"] if get => machines::list(&ctx),
        ["machines", "findbytag"] if get => machines::find_by_tag(&ctx),
        [_, id] if l[0] == "machines" && get && id.starts_with("findbyip(") => {
            machines::find_by_ip(&ctx, &segs[1])
        }
        ["machines", _] if get => machines::get(&ctx, &segs[1]),
        ["machines", _, "alerts"] if get => alerts::of_machine(&ctx, &segs[1], false),
        ["machines", _, "alerts", "$count"] if get => alerts::of_machine(&ctx, &segs[1], true),
        ["machines", _, verb] if post && respond::kind_of(verb).is_some() => {
            respond::submit(&ctx, &segs[1], verb)
        }
        ["machineactions"] if get => actions::list(&ctx),
        ["machineactions", _] if get => actions::get(&ctx, &segs[1]),
        ["machineactions", _, "cancel"] if post => actions::cancel(&ctx, &segs[1]),
        ["machineactions", _, "getpackageuri"] if get => actions::package_uri(&ctx, &segs[1]),
        ["alerts"] if get => alerts::list(&ctx),
        ["alerts", _] if get => alerts::get(&ctx, &segs[1]),
        _ => return wrong_method_or_missing(l.as_slice()),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

/// 405 with `Allow` and an empty body for a known path with the wrong method (T6);
/// otherwise a 404 envelope.
fn wrong_method_or_missing(l: &[&str]) -> Response {
    let allow = match l {
        ["machines"]
        | ["machines", _]
        | ["machines", _, "alerts"]
        | ["machineactions"]
        | ["machineactions", _]
        | ["alerts"]
        | ["alerts", _] => "GET",
        ["machines", _, verb] if respond::kind_of(verb).is_some() => "POST",
        ["machineactions", _, "cancel"] => "POST",
        _ => return ApiError::not_found("The requested resource was not found").into_response(),
    };
    let mut resp = StatusCode::METHOD_NOT_ALLOWED.into_response();
    resp.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    resp
}

/// `{base}/api/$metadata#<set>` as `@odata.context`.
pub fn context(shared: &Shared, set: &str) -> String {
    format!("{}/api/$metadata#{set}", shared.base_url)
}

/// An entity answer: the entity with its `@odata.context` first.
pub fn entity(shared: &Shared, set: &str, status: StatusCode, v: Value) -> Response {
    let mut out = serde_json::Map::new();
    out.insert(
        "@odata.context".into(),
        json!(context(shared, &format!("{set}/$entity"))),
    );
    if let Value::Object(o) = v {
        out.extend(o);
    }
    (status, Json(Value::Object(out))).into_response()
}

/// A collection answer with `@odata.count` and `@odata.nextLink` as asked. Items are
/// written to the body one by one as they are built: a page of 10,000 entities never
/// exists as one JSON tree, whose building and freeing used to cost more than the
/// serialising itself.
pub fn collection(
    ctx: &Ctx<'_>,
    set: &str,
    path: &str,
    q: &crate::odata::Query,
    page: &Page,
    items: impl Iterator<Item = Value>,
) -> Response {
    let mut buf: Vec<u8> = Vec::with_capacity(256 + page.rows.len() * 640);
    let put = |buf: &mut Vec<u8>, v: &Value| {
        // Writing a Value to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *buf, v);
    };
    buf.extend_from_slice(b"{\"@odata.context\":");
    put(&mut buf, &json!(context(ctx.shared, set)));
    if q.count {
        buf.extend_from_slice(b",\"@odata.count\":");
        put(&mut buf, &json!(page.total));
    }
    buf.extend_from_slice(b",\"value\":[");
    for (i, item) in items.enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        put(&mut buf, &item);
    }
    buf.push(b']');
    if let Some(skip) = page.next_skip {
        buf.extend_from_slice(b",\"@odata.nextLink\":");
        let link = format!("{}{path}?{}", ctx.shared.base_url, q.next_query(skip));
        put(&mut buf, &json!(link));
    }
    buf.push(b'}');
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        buf,
    )
        .into_response()
}

/// Parses a JSON request body as an object; `InvalidRequestBody` otherwise.
pub fn body_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(ApiError::bad_request(
            "InvalidRequestBody",
            "The request body must be a JSON object.",
        )),
        Err(_) if body.iter().all(u8::is_ascii_whitespace) => Err(ApiError::bad_request(
            "InvalidRequestBody",
            "The request body is missing.",
        )),
        Err(e) => Err(ApiError::bad_request(
            "InvalidRequestBody",
            format!("The request body is not valid JSON: {e}."),
        )),
    }
}
