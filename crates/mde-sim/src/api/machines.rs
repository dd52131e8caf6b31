//! Machines: list (OData), get by id or computer name, find by IP and by tag (§3 #6–#9).

use std::borrow::Cow;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};

use super::{ApiResult, Ctx, collection, entity};
use crate::http::auth::authorize;
use crate::http::errors::ApiError;
use crate::model::{Machine, Tenant};
use crate::odata::{EntityDef, Query, Record, Val, parse_query};

pub const MACHINE_READ: &[&str] = &["Machine.Read.All", "Machine.ReadWrite.All"];

pub const MACHINE_DEF: EntityDef = EntityDef {
    type_name: "Machine",
    fields: &[
        "id",
        "computerDnsName",
        "firstSeen",
        "lastSeen",
        "osPlatform",
        "osProcessor",
        "version",
        "osBuild",
        "osArchitecture",
        "agentVersion",
        "onboardingStatus",
        "lastIpAddress",
        "lastExternalIpAddress",
        "healthStatus",
        "rbacGroupName",
        "rbacGroupId",
        "riskScore",
        "exposureLevel",
        "deviceValue",
        "aadDeviceId",
        "isAadJoined",
        "machineTags",
        "defenderAvStatus",
        "managedBy",
    ],
};

/// The OData view of a machine at a given time.
pub struct MachineRow<'a> {
    pub m: &'a Machine,
    pub now: DateTime<Utc>,
}

impl Record for MachineRow<'_> {
    fn field(&self, name: &str) -> Val<'_> {
        let m = self.m;
        let s = |v: &'static str| Val::Str(Cow::Borrowed(v));
        match name {
            "id" => Val::Str(Cow::Borrowed(&m.id)),
            "computerDnsName" => Val::Str(Cow::Borrowed(&m.dns)),
            "firstSeen" => Val::Date(m.first_seen),
            "lastSeen" => Val::Date(m.last_seen(self.now)),
            "osPlatform" => s(m.os_platform),
            "osProcessor" => s(if m.arch == "32-bit" { "x86" } else { "x64" }),
            "version" => s(m.version),
            "osBuild" => m.os_build.map_or(Val::Null, |b| Val::Num(b as f64)),
            "osArchitecture" => s(m.arch),
            "agentVersion" => s(m.agent_version),
            "onboardingStatus" => s("Onboarded"),
            "lastIpAddress" => Val::Str(Cow::Borrowed(&m.last_ip)),
            "lastExternalIpAddress" => Val::Str(Cow::Borrowed(&m.external_ip)),
            "healthStatus" => s(m.health(self.now)),
            "rbacGroupName" => Val::Str(Cow::Borrowed(&m.rbac_group_name)),
            "rbacGroupId" => Val::Num(f64::from(m.rbac_group_id)),
            "riskScore" => s(m.risk),
            "exposureLevel" => s(m.exposure),
            "deviceValue" => s(m.device_value),
            "aadDeviceId" => m
                .aad_device_id
                .as_deref()
                .map_or(Val::Null, |a| Val::Str(Cow::Borrowed(a))),
            "isAadJoined" => Val::Bool(m.aad_device_id.is_some()),
            "machineTags" => Val::List(&m.tags),
            "defenderAvStatus" => s("Updated"),
            "managedBy" => s(if m.os_platform.starts_with("Windows") {
                "Intune"
            } else {
                "Unknown"
            }),
            _ => Val::Null,
        }
    }
}

fn query(ctx: &Ctx<'_>) -> Result<Query, ApiError> {
    parse_query(&ctx.query, &MACHINE_DEF, ctx.shared.config.page_size, &[]).map_err(ApiError::odata)
}

fn page_of(
    ctx: &Ctx<'_>,
    t: &Tenant,
    q: &Query,
    candidates: impl Iterator<Item = u32>,
    path: &str,
) -> axum::response::Response {
    let now = ctx.now;
    let page = q.page(candidates, ctx.shared.config.page_size, |i| MachineRow {
        m: &t.machines[i as usize],
        now,
    });
    let quirks = &ctx.shared.quirks();
    let items = page
        .rows
        .iter()
        .map(|&i| q.project(t.machines[i as usize].to_json(now, quirks)));
    collection(ctx, "Machines", path, q, &page, items)
}

/// `GET /api/machines`
pub fn list(ctx: &Ctx<'_>) -> ApiResult {
    authorize(
        ctx.shared,
        ctx.headers,
        MACHINE_READ,
        "machines.list",
        ctx.now,
    )?;
    let q = query(ctx)?;
    let t = ctx.shared.tenant_at(ctx.now);
    if t.machines.is_empty() && ctx.shared.quirks().empty_machine_list_404 {
        // D8: "404 Not Found when there are no recent machines".
        return Err(ApiError::not_found("No machines were found"));
    }
    Ok(page_of(
        ctx,
        &t,
        &q,
        0..t.machines.len() as u32,
        "/api/machines",
    ))
}

/// `GET /api/machines/{id}` — id, computer DNS name (D9) or Entra device id (T4).
pub fn get(ctx: &Ctx<'_>, key: &str) -> ApiResult {
    authorize(
        ctx.shared,
        ctx.headers,
        MACHINE_READ,
        "machines.get",
        ctx.now,
    )?;
    let t = ctx.shared.tenant_at(ctx.now);
    let i = t
        .find_machine(key)
        .ok_or_else(|| ApiError::machine_not_found(key))?;
    let v = t.machines[i as usize].to_json(ctx.now, &ctx.shared.quirks());
    Ok(entity(ctx.shared, "Machines", StatusCode::OK, v))
}

/// `GET /api/machines/findbytag?tag=…&useStartsWithFilter=…`
pub fn find_by_tag(ctx: &Ctx<'_>) -> ApiResult {
    authorize(
        ctx.shared,
        ctx.headers,
        MACHINE_READ,
        "machines.findbytag",
        ctx.now,
    )?;
    let param = |k: &str| {
        ctx.query
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    let tag = param("tag").filter(|t| !t.is_empty()).ok_or_else(|| {
        ApiError::bad_request(
            "MissingRequiredParameter",
            "The query parameter 'tag' is required.",
        )
    })?;
    let starts = match param("useStartsWithFilter")
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                "InvalidInput",
                format!("'{other}' is not a valid value for useStartsWithFilter."),
            ));
        }
    };
    let q = Query::default();
    let t = ctx.shared.tenant_at(ctx.now);
    let lower = tag.to_lowercase();
    let hits = (0..t.machines.len() as u32).filter(|&i| {
        t.machines[i as usize].tags.iter().any(|x| {
            let x = x.to_lowercase();
            if starts {
                x.starts_with(&lower)
            } else {
                x == lower
            }
        })
    });
    let hits: Vec<u32> = hits.collect();
    Ok(page_of(
        ctx,
        &t,
        &q,
        hits.into_iter(),
        "/api/machines/findbytag",
    ))
}

/// `GET /api/machines/findbyip(ip='…',timestamp=…)`: machines seen with that internal IP
/// within ±15 minutes of the timestamp, which may not be older than 30 days (D10).
pub fn find_by_ip(ctx: &Ctx<'_>, segment: &str) -> ApiResult {
    authorize(
        ctx.shared,
        ctx.headers,
        MACHINE_READ,
        "machines.findbyip",
        ctx.now,
    )?;
    let inner = segment
        .get("findbyip(".len()..)
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| {
            ApiError::bad_request("InvalidInput", "findbyip expects (ip='…',timestamp=…).")
        })?;
    let mut ip = None;
    let mut ts = None;
    for part in inner.split(',') {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let v = v.trim().trim_matches('\'');
        match k.trim().to_ascii_lowercase().as_str() {
            "ip" => ip = Some(v.to_string()),
            "timestamp" => ts = Some(v.to_string()),
            _ => {}
        }
    }
    let ip = ip.ok_or_else(|| {
        ApiError::bad_request(
            "MissingRequiredParameter",
            "The parameter 'ip' is required.",
        )
    })?;
    if ip.parse::<std::net::IpAddr>().is_err() {
        return Err(ApiError::bad_request(
            "InvalidIpAddress",
            format!("'{ip}' is not a valid IP address."),
        ));
    }
    let ts = ts
        .as_deref()
        .and_then(crate::odata::lexer::parse_datetime)
        .ok_or_else(|| {
            ApiError::bad_request(
                "InvalidInput",
                "The parameter 'timestamp' is missing or not a valid date.",
            )
        })?;
    if ts < ctx.now - Duration::days(30) {
        return Err(ApiError::bad_request(
            "InvalidInput",
            "The timestamp must be within the last 30 days.",
        ));
    }
    let t = ctx.shared.tenant_at(ctx.now);
    let window = Duration::minutes(15);
    let hits: Vec<u32> = (0..t.machines.len() as u32)
        .filter(|&i| {
            let m = &t.machines[i as usize];
            m.last_ip == ip
                && m.first_seen <= ts + window
                && m.last_seen(ctx.now) + Duration::days(1) >= ts - window
        })
        .collect();
    Ok(page_of(
        ctx,
        &t,
        &Query::default(),
        hits.into_iter(),
        "/api/machines",
    ))
}
