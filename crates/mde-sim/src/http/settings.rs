//! `GET/POST /_sim/config`: the settings a running simulator lets tests change (an
//! end-to-end test drives the app's embedded simulator and cannot pass a `SimConfig`).
//! Every field is optional; what is absent stays as it is. The patch types are the body
//! on both sides: the server reads them, [`crate::control_client::SimControl::configure`]
//! writes them.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::control::{bad, parse};
use super::{Shared, lock};
use crate::config::DuplicatePolicy;

#[derive(Deserialize, Serialize, Default, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuirksPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub empty_machine_list_404: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_last_update_time_utc: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numeric_rbac_group_id: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strict_read_permissions: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_machine_fields: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_of_order_duplicates: Option<bool>,
}

#[derive(Deserialize, Serialize, Default, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pickup_delay_secs: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_delay_secs: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_timeout_secs: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_per_minute: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_per_hour: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_lifetime_secs: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stray_isolate_delay_secs: Option<u32>,
    /// Sim seconds before a new action is listed by `GET /api/machineactions`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_visibility_delay_secs: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quirks: Option<QuirksPatch>,
}

pub async fn update(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let p: SettingsPatch = match parse(&body) {
        Ok(p) => p,
        Err(e) => return bad(e),
    };
    let policy = match p
        .duplicate_policy
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None => None,
        Some("pendingaction") => Some(DuplicatePolicy::PendingAction),
        Some("error") => Some(DuplicatePolicy::Error),
        Some("mixed") => Some(DuplicatePolicy::Mixed),
        Some(other) => {
            return bad(format!(
                "unknown duplicatePolicy {other:?} (PendingAction, Error, Mixed)"
            ));
        }
    };
    if p.failure_rate.is_some_and(|r| !(0.0..=1.0).contains(&r)) {
        return bad("failureRate must be between 0 and 1");
    }
    {
        let now = s.now();
        let mut t = s.tenant_at(now);
        let l = &mut t.lifecycle;
        if let Some(v) = policy {
            l.duplicate_policy = v;
        }
        if let Some(v) = p.failure_rate {
            l.failure_rate = v;
        }
        if let Some(v) = p.pickup_delay_secs {
            l.pickup_secs = v;
        }
        if let Some(v) = p.execution_delay_secs {
            l.exec_secs = v;
        }
        if let Some(v) = p.pending_timeout_secs {
            l.pending_timeout_secs = v;
        }
        if let Some(v) = p.stray_isolate_delay_secs {
            l.stray_isolate_delay_secs = v;
        }
        if let Some(v) = p.list_visibility_delay_secs {
            l.list_visibility_delay_secs = v;
        }
        if let Some(v) = p.quirks.as_ref().and_then(|q| q.out_of_order_duplicates) {
            l.out_of_order_duplicates = v;
        }
    }
    lock(&s.limiter).set_limits(p.rate_per_minute, p.rate_per_hour);
    if let Some(v) = p.token_lifetime_secs {
        s.token_lifetime.store(v, Ordering::Relaxed);
    }
    if let Some(q) = p.quirks {
        let mut cur = lock(&s.quirks);
        cur.empty_machine_list_404 = q
            .empty_machine_list_404
            .unwrap_or(cur.empty_machine_list_404);
        cur.list_last_update_time_utc = q
            .list_last_update_time_utc
            .unwrap_or(cur.list_last_update_time_utc);
        cur.numeric_rbac_group_id = q.numeric_rbac_group_id.unwrap_or(cur.numeric_rbac_group_id);
        cur.strict_read_permissions = q
            .strict_read_permissions
            .unwrap_or(cur.strict_read_permissions);
        cur.extra_machine_fields = q.extra_machine_fields.unwrap_or(cur.extra_machine_fields);
        cur.out_of_order_duplicates = q
            .out_of_order_duplicates
            .unwrap_or(cur.out_of_order_duplicates);
    }
    current(&s).into_response()
}

pub async fn show(State(s): State<Arc<Shared>>) -> Response {
    current(&s).into_response()
}

fn current(s: &Shared) -> Json<Value> {
    let l = lock(&s.tenant).lifecycle.clone();
    let q = s.quirks();
    let limits = lock(&s.limiter).limits();
    Json(json!({
        "duplicatePolicy": format!("{:?}", l.duplicate_policy),
        "failureRate": l.failure_rate,
        "pickupDelaySecs": l.pickup_secs,
        "executionDelaySecs": l.exec_secs,
        "pendingTimeoutSecs": l.pending_timeout_secs,
        "strayIsolateDelaySecs": l.stray_isolate_delay_secs,
        "listVisibilityDelaySecs": l.list_visibility_delay_secs,
        "tokenLifetimeSecs": s.token_lifetime.load(Ordering::Relaxed),
        "ratePerMinute": limits.0,
        "ratePerHour": limits.1,
        "quirks": {
            "emptyMachineList404": q.empty_machine_list_404,
            "listLastUpdateTimeUtc": q.list_last_update_time_utc,
            "numericRbacGroupId": q.numeric_rbac_group_id,
            "strictReadPermissions": q.strict_read_permissions,
            "extraMachineFields": q.extra_machine_fields,
            "outOfOrderDuplicates": l.out_of_order_duplicates,
        },
    }))
}
