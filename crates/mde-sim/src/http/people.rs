//! The people of the demo tenant at the token service: which one a sign-in speaks for
//! (`login_hint`, else the demo user; an unknown one is Entra's AADSTS50034), and the
//! control route `POST /_sim/people/{upn}/signin` that hands a test the refresh token a
//! finished browser sign-in of that person would have left behind, so that tests of
//! "who did this" need no browser and no loopback listener.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::json;

use super::Shared;
use super::errors::EntraError;
use super::oauth::{Grant, new_refresh_token};
use super::token::stable_guid;
use crate::identities::{self, API_SCOPE, PUBLIC_CLIENT_ID, Person, TENANT_ID};

/// The person a sign-in speaks for: the one `login_hint` names, else the demo user.
pub fn signing_in(hint: Option<&str>, now: DateTime<Utc>) -> Result<&'static Person, EntraError> {
    match hint.map(str::trim).filter(|h| !h.is_empty()) {
        None => Ok(identities::default_person()),
        Some(upn) => identities::person(upn).ok_or_else(|| {
            EntraError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                50034,
                format!(
                    "The user account {upn} does not exist in the {TENANT_ID} directory. To sign into this application, the account must be added to the directory."
                ),
                now,
            )
        }),
    }
}

/// `POST /_sim/people/{upn}/signin`: a refresh token of the public client for the API
/// scope plus `offline_access`, as if `upn` had just finished a browser sign-in; it is
/// redeemed at the ordinary token endpoint (`grant_type=refresh_token`).
pub async fn sign_in(State(s): State<Arc<Shared>>, Path(upn): Path<String>) -> Response {
    let Some(person) = identities::person(&upn) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": format!("no person {upn} in the demo tenant")})),
        )
            .into_response();
    };
    let grant = Grant {
        client_id: PUBLIC_CLIENT_ID.to_owned(),
        scope: format!("{API_SCOPE} offline_access"),
        person,
    };
    let refresh = new_refresh_token(&s, grant);
    Json(json!({
        "refreshToken": refresh,
        "oid": stable_guid(person.upn),
        "upn": person.upn,
    }))
    .into_response()
}
