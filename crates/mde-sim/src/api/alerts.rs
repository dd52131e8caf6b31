//! Alerts: list and get (with `$expand=evidence`, D13/D30) and a machine's alerts,
//! including the bare-number `/$count` form (D21 example 7). An alert not yet published
//! (Defender's ingestion delay, [`Alert::visible_at`]) is in none of them.

use std::borrow::Cow;

use axum::http::StatusCode;
use axum::response::IntoResponse;

use super::{ApiResult, Ctx, collection, entity};
use crate::http::auth::authorize;
use crate::http::errors::ApiError;
use crate::model::{Alert, Tenant};
use crate::odata::{EntityDef, Query, Record, Val, parse_query};

pub const ALERT_DEF: EntityDef = EntityDef {
    type_name: "Alert",
    fields: &[
        "id",
        "incidentId",
        "investigationId",
        "assignedTo",
        "severity",
        "status",
        "classification",
        "determination",
        "investigationState",
        "detectionSource",
        "detectorId",
        "category",
        "threatFamilyName",
        "title",
        "alertCreationTime",
        "firstEventTime",
        "lastEventTime",
        "lastUpdateTime",
        "resolvedTime",
        "machineId",
        "computerDnsName",
        "rbacGroupName",
    ],
};

fn read_perms(ctx: &Ctx<'_>) -> &'static [&'static str] {
    if ctx.shared.quirks().strict_read_permissions {
        &["Alert.ReadWrite.All"]
    } else {
        &["Alert.Read.All", "Alert.ReadWrite.All"]
    }
}

struct AlertRow<'a> {
    a: &'a Alert,
    t: &'a Tenant,
}

impl Record for AlertRow<'_> {
    fn field(&self, name: &str) -> Val<'_> {
        let a = self.a;
        let d = &a.detection;
        let m = &self.t.machines[a.machine as usize];
        let s = |v: &'static str| Val::Str(Cow::Borrowed(v));
        let opt = |v: Option<&'static str>| v.map_or(Val::Null, s);
        match name {
            "id" => Val::Str(Cow::Borrowed(&a.id)),
            "incidentId" => Val::Num(a.incident_id as f64),
            "investigationId" => a.investigation_id.map_or(Val::Null, |v| Val::Num(v as f64)),
            "assignedTo" => a
                .assigned_to
                .as_deref()
                .map_or(Val::Null, |v| Val::Str(Cow::Borrowed(v))),
            "severity" => s(d.severity),
            "status" => s(a.status),
            "classification" => opt(a.classification),
            "determination" => opt(a.determination),
            "investigationState" => s(a.investigation_state),
            "detectionSource" => Val::Str(Cow::Borrowed(&d.detection_source)),
            "detectorId" => Val::Str(Cow::Borrowed(&d.detector_id)),
            "category" => Val::Str(Cow::Borrowed(&d.category)),
            "threatFamilyName" => opt(d.threat_family),
            "title" => Val::Str(Cow::Borrowed(&d.title)),
            "alertCreationTime" => Val::Date(a.created),
            "firstEventTime" | "lastEventTime" => Val::Date(a.first_event),
            "lastUpdateTime" => Val::Date(a.last_update),
            "resolvedTime" => a.resolved.map_or(Val::Null, Val::Date),
            "machineId" => Val::Str(Cow::Borrowed(&m.id)),
            "computerDnsName" => Val::Str(Cow::Borrowed(&m.dns)),
            "rbacGroupName" => Val::Str(Cow::Borrowed(&m.rbac_group_name)),
            _ => Val::Null,
        }
    }
}

fn alert_json(t: &Tenant, i: u32, evidence: bool) -> serde_json::Value {
    let a = &t.alerts[i as usize];
    let m = &t.machines[a.machine as usize];
    a.to_json(&m.id, &m.dns, &m.rbac_group_name, evidence)
}

fn query(ctx: &Ctx<'_>) -> Result<Query, ApiError> {
    parse_query(
        &ctx.query,
        &ALERT_DEF,
        ctx.shared.config.page_size,
        &["evidence"],
    )
    .map_err(ApiError::odata)
}

fn respond(
    ctx: &Ctx<'_>,
    t: &Tenant,
    q: &Query,
    candidates: Vec<u32>,
    path: &str,
) -> axum::response::Response {
    let page = q.page(candidates.into_iter(), ctx.shared.config.page_size, |i| {
        AlertRow {
            a: &t.alerts[i as usize],
            t,
        }
    });
    let ev = q.expand.iter().any(|e| e == "evidence");
    let items = page.rows.iter().map(|&i| q.project(alert_json(t, i, ev)));
    collection(ctx, "Alerts", path, q, &page, items)
}

/// `GET /api/alerts`
pub fn list(ctx: &Ctx<'_>) -> ApiResult {
    authorize(
        ctx.shared,
        ctx.headers,
        read_perms(ctx),
        "alerts.list",
        ctx.now,
    )?;
    let q = query(ctx)?;
    let t = ctx.shared.tenant_at(ctx.now);
    let now = ctx.now;
    let all = (0..t.alerts.len() as u32)
        .filter(|&i| t.alerts[i as usize].visible_at(now))
        .collect();
    Ok(respond(ctx, &t, &q, all, "/api/alerts"))
}

/// `GET /api/alerts/{id}`
pub fn get(ctx: &Ctx<'_>, id: &str) -> ApiResult {
    authorize(
        ctx.shared,
        ctx.headers,
        read_perms(ctx),
        "alerts.get",
        ctx.now,
    )?;
    let q = query(ctx)?;
    let t = ctx.shared.tenant_at(ctx.now);
    let i = t
        .find_alert(id)
        .filter(|&i| t.alerts[i as usize].visible_at(ctx.now))
        .ok_or_else(|| ApiError::not_found(format!("Alert {id} was not found")))?;
    let ev = q.expand.iter().any(|e| e == "evidence");
    Ok(entity(
        ctx.shared,
        "Alerts",
        StatusCode::OK,
        alert_json(&t, i, ev),
    ))
}

/// `GET /api/machines/{id}/alerts` and `…/alerts/$count`.
pub fn of_machine(ctx: &Ctx<'_>, key: &str, count_only: bool) -> ApiResult {
    authorize(
        ctx.shared,
        ctx.headers,
        read_perms(ctx),
        "machines.alerts",
        ctx.now,
    )?;
    let q = query(ctx)?;
    let t = ctx.shared.tenant_at(ctx.now);
    let m = t
        .find_machine(key)
        .ok_or_else(|| ApiError::machine_not_found(key))?;
    let mine: Vec<u32> = (0..t.alerts.len() as u32)
        .filter(|&i| {
            let a = &t.alerts[i as usize];
            a.machine == m && a.visible_at(ctx.now)
        })
        .collect();
    if count_only {
        let page = q.page(mine.into_iter(), usize::MAX, |i| AlertRow {
            a: &t.alerts[i as usize],
            t: &t,
        });
        return Ok(page.total.to_string().into_response());
    }
    let path = format!("/api/machines/{}/alerts", t.machines[m as usize].id);
    Ok(respond(ctx, &t, &q, mine, &path))
}
