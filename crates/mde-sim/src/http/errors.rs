//! The two error shapes clients must parse: Defender's `{"error":{"code","message",
//! "target"}}` (D14), `target` being a fresh correlation id, and Entra's OAuth errors
//! (`error`, `error_description`, `error_codes`, `timestamp`, `trace_id`,
//! `correlation_id`, E1).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::clock::entra_timestamp;

/// A Defender API error.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn odata(message: impl Into<String>) -> Self {
        Self::bad_request("ODataError", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "ResourceNotFound", message)
    }

    pub fn machine_not_found(id: &str) -> Self {
        Self::not_found(format!("Machine {id} was not found"))
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Forbidden", message)
    }

    pub fn too_many(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                format!("Rate limit is exceeded. Try again in {retry_after} seconds."),
            )
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "target": Uuid::new_v4().to_string(),
            }
        });
        let mut resp = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

/// An Entra ID (token service) error.
#[derive(Debug, Clone)]
pub struct EntraError {
    pub status: StatusCode,
    pub error: &'static str,
    pub aadsts: u32,
    pub description: String,
    pub at: DateTime<Utc>,
}

impl EntraError {
    pub fn new(
        status: StatusCode,
        error: &'static str,
        aadsts: u32,
        description: impl Into<String>,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            status,
            error,
            aadsts,
            description: description.into(),
            at,
        }
    }
}

impl IntoResponse for EntraError {
    fn into_response(self) -> Response {
        let trace = Uuid::new_v4().to_string();
        let corr = Uuid::new_v4().to_string();
        let ts = entra_timestamp(self.at);
        let body = json!({
            "error": self.error,
            "error_description": format!(
                "AADSTS{}: {} Trace ID: {trace} Correlation ID: {corr} Timestamp: {ts}",
                self.aadsts, self.description
            ),
            "error_codes": [self.aadsts],
            "timestamp": ts,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.aadsts),
        });
        (self.status, Json(body)).into_response()
    }
}

/// Anything outside the known routes.
pub async fn not_found_fallback() -> ApiError {
    ApiError::not_found("The requested resource was not found")
}
