//! Response actions on a machine: isolate, unisolate, AV scan, restrict/unrestrict app
//! execution, collect investigation package (§3 #1, #2, #13–#16). Body names are
//! case-sensitive (D14): `{"comment": …}` is a missing `Comment`.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::Value;

use super::actions::action_json;
use super::{ApiResult, Ctx, body_object, entity};
use crate::http::auth::authorize;
use crate::http::errors::ApiError;
use crate::model::{ActionType, NewAction, SubmitError, Submitted};

/// The action a path verb submits, with the permission it needs and its rate-limit key.
pub fn kind_of(verb: &str) -> Option<(ActionType, &'static str, &'static str)> {
    Some(match verb {
        "isolate" => (ActionType::Isolate, "Machine.Isolate", "machines.isolate"),
        "unisolate" => (
            ActionType::Unisolate,
            "Machine.Isolate",
            "machines.unisolate",
        ),
        "runantivirusscan" => (
            ActionType::RunAntiVirusScan,
            "Machine.Scan",
            "machines.scan",
        ),
        "restrictcodeexecution" => (
            ActionType::RestrictCodeExecution,
            "Machine.RestrictExecution",
            "machines.restrict",
        ),
        "unrestrictcodeexecution" => (
            ActionType::UnrestrictCodeExecution,
            "Machine.RestrictExecution",
            "machines.unrestrict",
        ),
        "collectinvestigationpackage" => (
            ActionType::CollectInvestigationPackage,
            "Machine.CollectForensics",
            "machines.collect",
        ),
        _ => return None,
    })
}

fn missing(name: &str) -> ApiError {
    ApiError::bad_request(
        "MissingRequiredParameter",
        format!("The required parameter '{name}' is missing."),
    )
}

/// Reads an optional enum-valued string property, exact spelling.
fn choice(
    body: &serde_json::Map<String, Value>,
    name: &str,
    allowed: &'static [&'static str],
) -> Result<Option<&'static str>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(v)) => allowed
            .iter()
            .copied()
            .find(|a| a == v)
            .map(Some)
            .ok_or_else(|| {
                ApiError::bad_request(
                    "InvalidRequestBody",
                    format!(
                        "'{v}' is not a valid value for {name}; expected one of {}.",
                        allowed.join(", ")
                    ),
                )
            }),
        Some(_) => Err(ApiError::bad_request(
            "InvalidRequestBody",
            format!("{name} must be a string."),
        )),
    }
}

/// `POST /api/machines/{id}/{verb}`
pub fn submit(ctx: &Ctx<'_>, key: &str, verb: &str) -> ApiResult {
    let Some((kind, perm, api)) = kind_of(verb) else {
        return Err(ApiError::not_found("The requested resource was not found"));
    };
    let caller = authorize(ctx.shared, ctx.headers, &[perm], api, ctx.now)?;
    let body = body_object(ctx.body)?;
    let comment = match body.get("Comment") {
        None | Some(Value::Null) => return Err(missing("Comment")),
        Some(Value::String(c)) if c.trim().is_empty() => return Err(missing("Comment")),
        Some(Value::String(c)) => c.clone(),
        Some(_) => {
            return Err(ApiError::bad_request(
                "InvalidRequestBody",
                "Comment must be a string.",
            ));
        }
    };
    let scope = match kind {
        ActionType::Isolate => Some(
            choice(
                &body,
                "IsolationType",
                &["Full", "Selective", "UnManagedDevice"],
            )?
            .unwrap_or("Full"),
        ),
        ActionType::RunAntiVirusScan => Some(
            choice(&body, "ScanType", &["Quick", "Full"])?.ok_or_else(|| missing("ScanType"))?,
        ),
        _ => None,
    };
    let external_id = match body.get("ExternalID").or_else(|| body.get("ExternalId")) {
        Some(Value::String(e)) => Some(Arc::from(e.as_str())),
        _ => None,
    };
    let mut t = ctx.shared.tenant_at(ctx.now);
    let m = t
        .find_machine(key)
        .ok_or_else(|| ApiError::machine_not_found(key))?;
    let req = NewAction {
        kind,
        scope,
        requestor: caller.requestor,
        comment: Arc::from(comment),
        external_id,
    };
    let i = match t.submit(m, req, ctx.now) {
        Ok(Submitted::Created(i) | Submitted::Existing(i)) => i,
        Err(SubmitError::AlreadyInProgress) => {
            return Err(ApiError::bad_request(
                "ActiveRequestAlreadyExists",
                "Action is already in progress",
            ));
        }
        Err(SubmitError::OsPlatformNotSupported) => {
            let os = t.machines[m as usize].os_platform;
            return Err(ApiError::bad_request(
                "OsPlatformNotSupported",
                format!(
                    "{} is not supported for this device's OS platform ({os}).",
                    kind.as_str()
                ),
            ));
        }
    };
    Ok(entity(
        ctx.shared,
        "MachineActions",
        StatusCode::CREATED,
        action_json(&t, i, false),
    ))
}
