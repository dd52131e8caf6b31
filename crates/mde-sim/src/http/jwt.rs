//! HS256 JWTs signed with a per-process key. Real Entra tokens are RS256, but a client
//! must treat an access token as opaque; only the simulator reads these back. The claims
//! are the ones clients and the API look at (§1.3): `aud`, `iss`, `tid`, `exp`, `iat`,
//! `appid`, `roles` or `scp`.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::crypto::{b64url, b64url_decode, ct_eq, hmac_sha256};

/// Signs `claims` into a compact JWT.
pub fn sign(key: &[u8], claims: &Value) -> String {
    let header = json!({"typ": "JWT", "alg": "HS256", "kid": "mde-sim"});
    let head = b64url(header.to_string().as_bytes());
    let body = b64url(claims.to_string().as_bytes());
    let signing_input = format!("{head}.{body}");
    let sig = b64url(&hmac_sha256(key, signing_input.as_bytes()));
    format!("{signing_input}.{sig}")
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    Malformed,
    BadSignature,
    Expired,
    NotYetValid,
}

/// Checks signature and lifetime against the simulation clock; returns the claims.
pub fn verify(key: &[u8], token: &str, now: DateTime<Utc>) -> Result<Value, Invalid> {
    let mut parts = token.split('.');
    let (Some(head), Some(body), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Invalid::Malformed);
    };
    let want = hmac_sha256(key, format!("{head}.{body}").as_bytes());
    let got = b64url_decode(sig).ok_or(Invalid::Malformed)?;
    if !ct_eq(&want, &got) {
        return Err(Invalid::BadSignature);
    }
    let claims: Value = b64url_decode(body)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(Invalid::Malformed)?;
    let ts = now.timestamp();
    if claims["exp"].as_i64().is_none_or(|exp| exp <= ts) {
        return Err(Invalid::Expired);
    }
    // Entra allows five minutes of clock skew on nbf.
    if claims["nbf"].as_i64().is_some_and(|nbf| nbf > ts + 300) {
        return Err(Invalid::NotYetValid);
    }
    Ok(claims)
}

/// Reads the claims of a JWT without checking anything (client assertions).
pub fn peek(token: &str) -> Option<(Value, Value)> {
    let mut parts = token.split('.');
    let head = parts.next().and_then(b64url_decode)?;
    let body = parts.next().and_then(b64url_decode)?;
    Some((
        serde_json::from_slice(&head).ok()?,
        serde_json::from_slice(&body).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn sign_verify_expire_tamper() {
        let now = Utc
            .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
            .single()
            .expect("date");
        let claims = json!({"exp": now.timestamp() + 60, "nbf": now.timestamp(), "roles": ["A"]});
        let t = sign(b"k", &claims);
        assert_eq!(verify(b"k", &t, now), Ok(claims.clone()));
        assert_eq!(verify(b"other", &t, now), Err(Invalid::BadSignature));
        assert_eq!(
            verify(b"k", &t, now + chrono::Duration::seconds(61)),
            Err(Invalid::Expired)
        );
        assert_eq!(verify(b"k", "abc", now), Err(Invalid::Malformed));
        let forged = format!(
            "{}.{}.{}",
            "e30",
            b64url(b"{\"exp\":99999999999}"),
            t.rsplit('.').next().unwrap_or("")
        );
        assert_eq!(verify(b"k", &forged, now), Err(Invalid::BadSignature));
    }
}
