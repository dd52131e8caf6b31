//! A profile's team store URL: checked when the profile is saved (a PostgreSQL URL
//! without a password), and joined in memory with the password from the credential
//! store when the core opens it. The password travels as the URL's `password`
//! parameter (PostgreSQL's URL form takes any connection keyword as a parameter), so
//! whatever the URL holds otherwise stays as the person wrote it.

use std::str::FromStr;

use super::super::contract::PG_SCHEMES;

/// `Ok` for a PostgreSQL URL without a password; else the sentence to show.
pub fn check_profile_url(url: &str) -> Result<(), String> {
    let url = url.trim();
    let Some(scheme) = PG_SCHEMES.iter().find(|s| {
        url.get(..s.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(s))
    }) else {
        return Err(
            "A team store URL starts with postgres:// or postgresql://, e.g. postgres://LOGIN@HOST:5432/cordon?sslmode=require."
                .into(),
        );
    };
    // As `Store::open_url` hands it to the driver: the scheme in lower case (the
    // driver's is case-sensitive), libpq's strict sslmodes read as `require`.
    let readable = format!("{scheme}{}", &url[scheme.len()..]);
    let config =
        tokio_postgres::Config::from_str(&super::tls::libpq_modes(&readable)).map_err(|_| {
            "This is not a PostgreSQL URL Cordon can read: postgres://LOGIN@HOST:5432/DATABASE."
                .to_owned()
        })?;
    if config.get_password().is_some() {
        return Err(
            "Leave the password out of the URL: type it in the team store password field, and Cordon keeps it in the credential store."
                .into(),
        );
    }
    if config.get_user().is_none() {
        return Err("Name the login in the URL: postgres://LOGIN@HOST:5432/DATABASE.".into());
    }
    Ok(())
}

/// `url` with `password` joined as its `password` parameter (percent-encoded).
pub fn with_password(url: &str, password: Option<&str>) -> String {
    let Some(password) = password.filter(|p| !p.is_empty()) else {
        return url.to_owned();
    };
    let mut encoded = String::with_capacity(password.len() * 3);
    for b in password.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}password={encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_url_is_postgresql_with_a_login_and_no_password() {
        assert_eq!(
            check_profile_url("postgres://ana@db.example:5432/cordon?sslmode=require"),
            Ok(())
        );
        assert_eq!(check_profile_url(" POSTGRESQL://ana@db/cordon "), Ok(()));
        assert_eq!(
            check_profile_url("postgres://ana@db.example/cordon?sslmode=verify-full"),
            Ok(()),
            "libpq's strict mode, read as require"
        );
        for (url, words) in [
            ("mysql://ana@db/cordon", "starts with postgres://"),
            ("postgres://ana:pw@db/cordon", "Leave the password out"),
            (
                "postgres://ana@db/cordon?password=pw",
                "Leave the password out",
            ),
            ("postgres://db/cordon", "Name the login"),
            ("postgres://ana@db:notaport/cordon", "not a PostgreSQL URL"),
        ] {
            let e = check_profile_url(url).expect_err(url);
            assert!(e.contains(words), "{url}: {e}");
            assert!(!e.contains("pw"), "never echoes the password: {e}");
        }
    }

    #[test]
    fn the_password_joins_the_url_percent_encoded_and_parses_back() {
        let p = "p@ss w&rd/é?";
        for url in [
            "postgres://ana@db:5432/cordon",
            "postgres://ana@db/cordon?sslmode=disable",
        ] {
            let joined = with_password(url, Some(p));
            let config = tokio_postgres::Config::from_str(&joined).expect("parses");
            assert_eq!(config.get_password(), Some(p.as_bytes()), "{joined}");
            assert_eq!(config.get_user(), Some("ana"));
        }
        assert_eq!(
            with_password("postgres://ana@db/c", None),
            "postgres://ana@db/c"
        );
        assert_eq!(
            with_password("postgres://ana@db/c", Some("")),
            "postgres://ana@db/c"
        );
    }
}
