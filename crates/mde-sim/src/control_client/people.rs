//! Signing a person of the demo tenant in without a browser (`POST
//! /_sim/people/{upn}/signin`), so that a test can act as two different people.

use serde::Deserialize;

use super::{ControlResult, SimControl, segment};

/// A finished sign-in of one person: a refresh token of the public client (API scope and
/// `offline_access`) to redeem at the token endpoint, and who it speaks for.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PersonSignIn {
    pub refresh_token: String,
    /// The person's object id (the `oid` of their tokens).
    pub oid: String,
    /// The person's user principal name (the `upn` of their tokens).
    pub upn: String,
}

impl SimControl {
    /// Signs `upn` in as a browser sign-in to the public client would
    /// (`POST /_sim/people/{upn}/signin`); 404 for someone the tenant does not know.
    pub async fn sign_in_person(&self, upn: &str) -> ControlResult<PersonSignIn> {
        let path = format!("/_sim/people/{}/signin", segment(upn));
        self.post(&path, &serde_json::json!({})).await
    }
}
