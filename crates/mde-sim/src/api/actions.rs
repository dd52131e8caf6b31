//! Machine actions: list (OData), get, cancel, and the investigation package URI
//! (§3 #3–#5, #17).

use std::borrow::Cow;

use axum::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{ApiResult, Ctx, body_object, collection, context, entity};
use crate::http::auth::authorize;
use crate::http::errors::ApiError;
use crate::model::{Action, ActionType, Machine, Status, Tenant};
use crate::odata::{EntityDef, Record, Val, parse_query};

pub const CANCEL_PERMS: &[&str] = &[
    "Machine.CollectForensics",
    "Machine.Isolate",
    "Machine.RestrictExecution",
    "Machine.Scan",
    "Machine.Offboard",
    "Machine.StopAndQuarantine",
    "Machine.LiveResponse",
];

pub const ACTION_DEF: EntityDef = EntityDef {
    type_name: "MachineAction",
    fields: &[
        "id",
        "type",
        "scope",
        "requestor",
        "requestorComment",
        "status",
        "machineId",
        "computerDnsName",
        "creationDateTimeUtc",
        "lastUpdateDateTimeUtc",
        "lastUpdateTimeUtc",
        "cancellationRequestor",
        "cancellationComment",
        "cancellationDateTimeUtc",
        "title",
        "externalId",
        "requestSource",
        "errorHResult",
    ],
};

/// Read permissions for actions: the older pages accept `Machine.Read.All` (D4, D5); the
/// 2025-11 pages only `ReadWrite` (M2, M3), a quirk setting.
pub fn read_perms(ctx: &Ctx<'_>) -> &'static [&'static str] {
    if ctx.shared.quirks().strict_read_permissions {
        &["Machine.ReadWrite.All"]
    } else {
        &["Machine.Read.All", "Machine.ReadWrite.All"]
    }
}

pub struct ActionRow<'a> {
    pub a: &'a Action,
    pub m: &'a Machine,
}

impl Record for ActionRow<'_> {
    fn field(&self, name: &str) -> Val<'_> {
        let a = self.a;
        let s = |v: &'static str| Val::Str(Cow::Borrowed(v));
        match name {
            "id" => Val::Str(Cow::Owned(a.id.to_string())),
            "type" => s(a.kind.as_str()),
            "scope" => a.scope.map_or(Val::Null, s),
            "requestor" => Val::Str(Cow::Borrowed(&a.requestor)),
            "requestorComment" => Val::Str(Cow::Borrowed(&a.comment)),
            "status" => s(a.status.as_str()),
            "machineId" => Val::Str(Cow::Borrowed(&self.m.id)),
            "computerDnsName" => Val::Str(Cow::Borrowed(&self.m.dns)),
            "creationDateTimeUtc" => Val::Date(a.created),
            "lastUpdateDateTimeUtc" | "lastUpdateTimeUtc" => Val::Date(a.updated),
            "cancellationRequestor" => a
                .cancel
                .as_ref()
                .map_or(Val::Null, |c| Val::Str(Cow::Borrowed(&c.requestor))),
            "cancellationComment" => a
                .cancel
                .as_ref()
                .and_then(|c| c.comment.as_deref())
                .map_or(Val::Null, |c| Val::Str(Cow::Borrowed(c))),
            "cancellationDateTimeUtc" => a.cancel.as_ref().map_or(Val::Null, |c| Val::Date(c.at)),
            "externalId" => a
                .external_id
                .as_deref()
                .map_or(Val::Null, |e| Val::Str(Cow::Borrowed(e))),
            "requestSource" => s("PublicApi"),
            "errorHResult" => Val::Num(f64::from(a.error_hresult)),
            _ => Val::Null,
        }
    }
}

/// The MachineAction JSON of action `i`.
pub fn action_json(t: &Tenant, i: u32, list_quirk: bool) -> Value {
    let a = &t.actions[i as usize];
    let m = &t.machines[a.machine as usize];
    a.to_json(&m.dns, &m.id, list_quirk)
}

/// `GET /api/machineactions`
pub fn list(ctx: &Ctx<'_>) -> ApiResult {
    authorize(
        ctx.shared,
        ctx.headers,
        read_perms(ctx),
        "machineactions.list",
        ctx.now,
    )?;
    let q = parse_query(&ctx.query, &ACTION_DEF, ctx.shared.config.page_size, &[])
        .map_err(ApiError::odata)?;
    let t = ctx.shared.tenant_at(ctx.now);
    // Listed only once visible: a new action may show late (`list_visibility_delay_secs`).
    let delay = chrono::Duration::seconds(i64::from(t.lifecycle.list_visibility_delay_secs));
    let listed = |&i: &u32| delay.is_zero() || t.actions[i as usize].created + delay <= ctx.now;
    let page = q.page(
        (0..t.actions.len() as u32).filter(listed),
        ctx.shared.config.page_size,
        |i| {
            let a = &t.actions[i as usize];
            ActionRow {
                a,
                m: &t.machines[a.machine as usize],
            }
        },
    );
    let quirk = ctx.shared.quirks().list_last_update_time_utc;
    let items = page
        .rows
        .iter()
        .map(|&i| q.project(action_json(&t, i, quirk)));
    Ok(collection(
        ctx,
        "MachineActions",
        "/api/machineactions",
        &q,
        &page,
        items,
    ))
}

/// Parses an action id: a GUID, else 400 BadRequest as the service answers (T6).
fn parse_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(id).map_err(|_| {
        ApiError::bad_request(
            "BadRequest",
            format!("The request is invalid. The value '{id}' is not valid. It should be format of type 'Edm.Guid'."),
        )
    })
}

fn find(t: &Tenant, id: &str) -> Result<u32, ApiError> {
    let uuid = parse_id(id)?;
    t.find_action(&uuid)
        .ok_or_else(|| ApiError::not_found(format!("Machine action {id} was not found")))
}

/// `GET /api/machineactions/{id}`
pub fn get(ctx: &Ctx<'_>, id: &str) -> ApiResult {
    authorize(
        ctx.shared,
        ctx.headers,
        read_perms(ctx),
        "machineactions.get",
        ctx.now,
    )?;
    parse_id(id)?;
    let t = ctx.shared.tenant_at(ctx.now);
    let i = find(&t, id)?;
    Ok(entity(
        ctx.shared,
        "MachineActions",
        StatusCode::OK,
        action_json(&t, i, false),
    ))
}

/// `POST /api/machineactions/{id}/cancel` with `{"Comment": …}`: only Pending and
/// InProgress actions can be cancelled (D6).
pub fn cancel(ctx: &Ctx<'_>, id: &str) -> ApiResult {
    let caller = authorize(
        ctx.shared,
        ctx.headers,
        CANCEL_PERMS,
        "machineactions.cancel",
        ctx.now,
    )?;
    parse_id(id)?;
    let comment = if ctx.body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let body = body_object(ctx.body)?;
        match body.get("Comment") {
            None | Some(Value::Null) => None,
            Some(Value::String(c)) => Some(c.clone()),
            Some(_) => {
                return Err(ApiError::bad_request(
                    "InvalidRequestBody",
                    "Comment must be a string.",
                ));
            }
        }
    };
    let mut t = ctx.shared.tenant_at(ctx.now);
    let i = find(&t, id)?;
    t.cancel(i, caller.requestor, comment, ctx.now)
        .map_err(|status| {
            ApiError::bad_request(
                "BadRequest",
                format!(
                    "Action {id} cannot be cancelled because its status is {}.",
                    status.as_str()
                ),
            )
        })?;
    Ok(entity(
        ctx.shared,
        "MachineActions",
        StatusCode::OK,
        action_json(&t, i, false),
    ))
}

/// `GET /api/machineactions/{id}/getPackageUri`: 404 until the collection succeeded (D26).
pub fn package_uri(ctx: &Ctx<'_>, id: &str) -> ApiResult {
    authorize(
        ctx.shared,
        ctx.headers,
        &["Machine.Read.All", "Machine.ReadWrite.All"],
        "machineactions.packageuri",
        ctx.now,
    )?;
    let t = ctx.shared.tenant_at(ctx.now);
    let i = find(&t, id)?;
    let a = &t.actions[i as usize];
    if a.kind != ActionType::CollectInvestigationPackage || a.status != Status::Succeeded {
        return Err(ApiError::not_found(format!(
            "No investigation package is available for action {id}"
        )));
    }
    let url = format!(
        "{}/_sim/packages/{id}.zip?sv=2024-01-01&se=short-lived&sig=simulated",
        ctx.shared.base_url
    );
    Ok(
        Json(json!({"@odata.context": context(ctx.shared, "Edm.String"), "value": url}))
            .into_response(),
    )
}
