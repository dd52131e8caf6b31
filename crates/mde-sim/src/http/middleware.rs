//! Around every request: injected faults, the `Date` header written from the simulation
//! clock (clients learn "now" in sim time from it, so hyper must not write real time),
//! and the request log that tests read to prove nothing was lost or sent twice.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::errors::ApiError;
use super::faults::{self, FaultKind};
use super::server::ConnHandle;
use super::{Shared, lock};
use crate::clock::{http_date, odata};

#[derive(Debug, Clone)]
pub struct LogEntry {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    pub time: String,
    pub fault: Option<&'static str>,
    pub dropped: bool,
}

impl LogEntry {
    pub fn to_json(&self) -> Value {
        json!({
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "time": self.time,
            "fault": self.fault,
            "dropped": self.dropped,
        })
    }
}

pub async fn around(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let control = path.starts_with("/_sim");
    let conn = req
        .extensions()
        .get::<ConnectInfo<ConnHandle>>()
        .map(|c| c.0.clone());

    let fault = if control {
        None
    } else {
        let target = match &query {
            Some(q) => format!("{path}?{q}"),
            None => path.clone(),
        };
        faults::take(&mut lock(&shared.faults), &method, &target)
    };
    let mut fault_name = None;
    let mut drop_after = false;
    let mut resp = match fault {
        Some(FaultKind::Status {
            status,
            retry_after,
        }) => {
            fault_name = Some("status");
            injected(status, retry_after).into_response()
        }
        Some(FaultKind::Delay { delay_ms }) => {
            fault_name = Some("delay");
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            next.run(req).await
        }
        Some(FaultKind::Named(_)) => {
            fault_name = Some("accept_then_drop");
            drop_after = true;
            next.run(req).await
        }
        None => next.run(req).await,
    };

    let now = shared.now();
    if let Ok(v) = HeaderValue::from_str(&http_date(now)) {
        resp.headers_mut().insert(header::DATE, v);
    }
    if !control {
        let entry = LogEntry {
            method,
            path,
            query,
            status: resp.status().as_u16(),
            time: odata(now),
            fault: fault_name,
            dropped: drop_after,
        };
        let mut log = lock(&shared.log);
        if log.len() >= shared.config.request_log_capacity.max(1) {
            log.pop_front();
        }
        log.push_back(entry);
    }
    if drop_after && let Some(c) = conn {
        c.kill();
    }
    resp
}

fn injected(status: u16, retry_after: Option<u64>) -> ApiError {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match status {
        429 => ApiError::too_many(retry_after.unwrap_or(1)),
        500 => ApiError::new(
            code,
            "InternalServerError",
            "An unexpected error occurred. Please retry.",
        ),
        503 => ApiError {
            retry_after,
            ..ApiError::new(
                code,
                "ServiceUnavailable",
                "The service is temporarily unavailable. Please retry.",
            )
        },
        _ => ApiError {
            retry_after,
            ..ApiError::new(code, "InjectedFault", format!("Injected fault {status}"))
        },
    }
}
