//! Who the client's access token speaks for: a person (delegated sign-in) or an
//! application (client secret or certificate), by object id and name.
//!
//! Why: Defender records a person or an app as the requestor of an action, and Cordon
//! must tell them apart (and two people apart) without an extra call, e.g. to show who
//! is signed in or to attribute an intent. The token already says it: `oid` is the
//! object id, `upn`/`app_displayname` the name ([`Client::identity`]'s rule), and an
//! app-only token carries `idtyp: app` (Entra's optional claim) and `roles`, never
//! `scp`. The token is read, not verified: it only names the caller to itself.

use base64::Engine as _;
use serde_json::Value;

use crate::Error;
use crate::client::Client;
use crate::credentials::Credentials;

/// The caller an access token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The Entra object id (`oid`) of the person or of the app's service principal;
    /// the credentials' client id when the token has none.
    pub object_id: String,
    /// The user principal name or the app's display name, as [`Client::identity`].
    pub name: String,
    /// An application acting as itself (app-only token), not a signed-in person.
    pub application: bool,
}

impl Client {
    /// Who this client's access token speaks for (fetched if needed; no API call).
    pub async fn principal(&self) -> Result<Principal, Error> {
        let inner = &self.inner;
        let token = inner.tokens.get(|| inner.fetch_token()).await?;
        let delegated = matches!(inner.credentials, Credentials::Delegated { .. });
        Ok(token_principal(
            token.value.expose(),
            inner.credentials.client_id(),
            delegated,
        ))
    }
}

/// The payload of a JWT, unverified; `None` if it is not one.
fn claims_of(jwt: &str) -> Option<Value> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice::<Value>(&bytes)
        .ok()
        .filter(Value::is_object)
}

/// A non-empty string claim.
fn text<'a>(claims: &'a Value, key: &str) -> Option<&'a str> {
    claims.get(key)?.as_str().filter(|s| !s.is_empty())
}

/// `upn`, `unique_name`, `app_displayname`, `appid` or `azp` from a JWT's payload.
pub(crate) fn token_identity(jwt: &str) -> Option<String> {
    claims_of(jwt).and_then(|c| identity_of(&c))
}

fn identity_of(claims: &Value) -> Option<String> {
    ["upn", "unique_name", "app_displayname", "appid", "azp"]
        .into_iter()
        .find_map(|k| text(claims, k))
        .map(str::to_owned)
}

/// The principal of an access token. `client_id` stands in for a missing object id or
/// name; `delegated` (the kind of credentials) decides only when the token is unreadable.
pub(crate) fn token_principal(jwt: &str, client_id: &str, delegated: bool) -> Principal {
    let Some(claims) = claims_of(jwt) else {
        return Principal {
            object_id: client_id.to_owned(),
            name: client_id.to_owned(),
            application: !delegated,
        };
    };
    let app_only = text(&claims, "idtyp").is_some_and(|t| t.eq_ignore_ascii_case("app"));
    let scp = claims.get("scp").is_some_and(|s| !s.is_null());
    Principal {
        object_id: text(&claims, "oid").unwrap_or(client_id).to_owned(),
        name: identity_of(&claims).unwrap_or_else(|| client_id.to_owned()),
        application: app_only || !scp,
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use serde_json::json;

    use super::{Principal, token_identity, token_principal};

    fn jwt(claims: serde_json::Value) -> String {
        let b = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        format!("{}.{}.sig", b(b"{}"), b(claims.to_string().as_bytes()))
    }

    const CLIENT: &str = "22222222-2222-2222-2222-222222222222";

    #[test]
    fn the_identity_is_the_user_or_the_app() {
        let user = jwt(json!({"upn": "ana@contoso.com", "appid": "x"}));
        assert_eq!(token_identity(&user).as_deref(), Some("ana@contoso.com"));
        let app = jwt(json!({"app_displayname": "Cordon", "appid": "x"}));
        assert_eq!(token_identity(&app).as_deref(), Some("Cordon"));
        assert_eq!(token_identity("garbage"), None);
    }

    #[test]
    fn a_person_is_their_oid_and_upn() {
        let t = jwt(json!({
            "oid": "aaaaaaaa-1111-4111-8111-111111111111",
            "upn": "ana@contoso.com",
            "name": "Ana",
            "scp": "Machine.Isolate Alert.Read",
            "appid": CLIENT,
        }));
        assert_eq!(
            token_principal(&t, CLIENT, true),
            Principal {
                object_id: "aaaaaaaa-1111-4111-8111-111111111111".into(),
                name: "ana@contoso.com".into(),
                application: false,
            }
        );
        // The token decides, not the credentials.
        assert!(!token_principal(&t, CLIENT, false).application);
    }

    #[test]
    fn an_app_is_its_service_principal_and_display_name() {
        let with_idtyp = jwt(json!({
            "oid": "bbbbbbbb-2222-4222-8222-222222222222",
            "app_displayname": "Cordon Demo Analyst App",
            "appid": CLIENT,
            "roles": ["Machine.Isolate"],
            "idtyp": "app",
        }));
        assert_eq!(
            token_principal(&with_idtyp, CLIENT, false),
            Principal {
                object_id: "bbbbbbbb-2222-4222-8222-222222222222".into(),
                name: "Cordon Demo Analyst App".into(),
                application: true,
            }
        );
        // No `idtyp` (the optional claim is off) but no `scp`: still an app.
        let roles_only = jwt(json!({"oid": "o", "appid": CLIENT, "roles": []}));
        assert!(token_principal(&roles_only, CLIENT, false).application);
        // `idtyp: app` wins over a stray `scp`.
        let both = jwt(json!({"oid": "o", "scp": "x", "idtyp": "APP"}));
        assert!(token_principal(&both, CLIENT, true).application);
    }

    #[test]
    fn missing_claims_fall_back_to_the_client_id() {
        let no_oid = jwt(json!({"upn": "ana@contoso.com", "scp": "Alert.Read", "oid": ""}));
        let p = token_principal(&no_oid, CLIENT, true);
        assert_eq!(
            (p.object_id.as_str(), p.name.as_str(), p.application),
            (CLIENT, "ana@contoso.com", false)
        );
        let bare = jwt(json!({"scp": "Alert.Read"}));
        assert_eq!(token_principal(&bare, CLIENT, true).name, CLIENT);
    }

    #[test]
    fn garbage_is_the_credentials() {
        for t in [
            "garbage",
            "a.b.c",
            "a.!!!.c",
            "",
            &jwt(json!(["not", "an", "object"])),
        ] {
            for delegated in [true, false] {
                assert_eq!(
                    token_principal(t, CLIENT, delegated),
                    Principal {
                        object_id: CLIENT.into(),
                        name: CLIENT.into(),
                        application: !delegated,
                    },
                    "{t:?}"
                );
            }
        }
    }
}
