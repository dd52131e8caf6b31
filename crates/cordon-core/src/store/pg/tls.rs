//! TLS to the team store's server, as the URL's `sslmode` asks, with the trust of every
//! other connection Cordon makes (`mde_api::tls`: the OS certificate store).
//!
//! Why it is stricter than libpq: a team store holds the audit trail and the jobs that
//! isolate machines, and often sits in a cloud (Azure Database for PostgreSQL), so a
//! TLS connection whose certificate nobody checked would give the look of safety
//! without it. Cordon never makes one:
//! - `sslmode=disable`: plain TCP (a private network, or a Unix socket).
//! - `sslmode=prefer`, the default: TLS whenever the server offers it, its certificate
//!   checked as for `require`; plain only with a server that has no TLS at all. (libpq
//!   does not check the certificate in this mode.)
//! - `sslmode=require`, and libpq's `verify-ca` and `verify-full`, read as `require`:
//!   TLS or no connection, and the certificate must chain to a CA this computer trusts
//!   and name the host — what libpq calls `verify-full`.
//!
//! A certificate that fails the check is named ([`CoreError::UntrustedCertificate`]:
//! which host, issued by whom, why), never reported as a network failure. PostgreSQL has
//! no TLS on Unix sockets: with one, use `prefer` or `disable`. Channel binding
//! (SCRAM-SHA-256-PLUS) is used when the server offers it.

use std::borrow::Cow;

use deadpool_postgres::{Manager, ManagerConfig, RecyclingMethod};
use tokio_postgres::Config;
use tokio_postgres::config::SslMode;

use super::team_error;
use crate::error::{CoreError, Result};

/// How connections to the server are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Wire {
    /// Plain TCP or a Unix socket (`sslmode=disable`).
    Plain,
    /// TLS with the certificate checked; plain only if the server has no TLS (`prefer`).
    TlsIfOffered,
    /// TLS with the certificate checked, or no connection (`require`).
    TlsRequired,
}

/// What `config`'s `sslmode` asks for.
pub(super) fn wire(config: &Config) -> Wire {
    match config.get_ssl_mode() {
        SslMode::Disable => Wire::Plain,
        SslMode::Prefer => Wire::TlsIfOffered,
        // `Require`, and whatever stricter mode the driver may add.
        _ => Wire::TlsRequired,
    }
}

/// `url` with libpq's `sslmode=verify-ca` / `verify-full`, which the driver does not
/// read, as `sslmode=require` (which here checks the certificate as `verify-full`
/// does). Only a whole `sslmode` option is rewritten, in either URL form.
pub(super) fn libpq_modes(url: &str) -> Cow<'_, str> {
    if !url.contains("sslmode=verify-") {
        return Cow::Borrowed(url);
    }
    const KEY: &str = "sslmode=";
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(at) = rest.find("sslmode=verify-") {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let option_start =
            out.is_empty() || out.ends_with(['?', '&']) || out.ends_with(char::is_whitespace);
        let value_end = from[KEY.len()..]
            .find(|c: char| c == '&' || c.is_whitespace())
            .map_or(from.len(), |i| i + KEY.len());
        if option_start && matches!(&from[KEY.len()..value_end], "verify-ca" | "verify-full") {
            out.push_str("sslmode=require");
            rest = &from[value_end..];
        } else {
            out.push_str(KEY);
            rest = &from[KEY.len()..];
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The pool's connection manager: plain, or TLS with mde-api's configuration.
pub(super) fn manager(config: Config) -> Result<Manager> {
    let recycling = || ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
    };
    Ok(match wire(&config) {
        Wire::Plain => Manager::from_config(config, tokio_postgres::NoTls, recycling()),
        Wire::TlsIfOffered | Wire::TlsRequired => {
            let tls = mde_api::tls::client_config()
                .map_err(|e| team_error(format!("cannot set up TLS to the server: {e}")))?;
            Manager::from_config(
                config,
                tokio_postgres_rustls::MakeRustlsConnect::new(tls),
                recycling(),
            )
        }
    })
}

/// The refused certificate behind a failed connection to `host`, if that is why it
/// failed.
pub(super) fn untrusted(e: &tokio_postgres::Error, host: &str) -> Option<CoreError> {
    match mde_api::tls::untrusted_certificate(e, Some(host))? {
        mde_api::Error::UntrustedCertificate {
            host,
            issuer,
            reason,
        } => Some(CoreError::UntrustedCertificate {
            host,
            issuer,
            reason,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire_of(url: &str) -> Wire {
        wire(&libpq_modes(url).parse::<Config>().expect("a URL"))
    }

    #[test]
    fn sslmode_chooses_the_wire() {
        assert_eq!(
            wire_of("postgres://a@db.example/team"),
            Wire::TlsIfOffered,
            "the default"
        );
        assert_eq!(
            wire_of("postgres://a@db.example/team?sslmode=disable"),
            Wire::Plain
        );
        assert_eq!(
            wire_of("postgres://a@db.example/team?sslmode=prefer"),
            Wire::TlsIfOffered
        );
        assert_eq!(
            wire_of("postgres://a@db.example/team?sslmode=require"),
            Wire::TlsRequired
        );
        assert_eq!(
            wire_of("postgres://a@db.example/team?application_name=x&sslmode=verify-full"),
            Wire::TlsRequired
        );
        assert_eq!(
            wire_of("host=db.example user=a sslmode=verify-ca dbname=team"),
            Wire::TlsRequired
        );
        assert_eq!(
            wire_of("sslmode=verify-full host=db.example"),
            Wire::TlsRequired
        );
        assert!(
            "postgres://db.example/team?sslmode=verify-everything"
                .parse::<Config>()
                .is_err()
                && libpq_modes("postgres://db.example/team?sslmode=verify-everything")
                    .parse::<Config>()
                    .is_err(),
            "an unknown mode is still refused"
        );
    }

    #[test]
    fn only_a_whole_sslmode_option_is_rewritten() {
        assert_eq!(
            libpq_modes("postgres://a:xsslmode=verify-full@db/team?sslmode=verify-full"),
            "postgres://a:xsslmode=verify-full@db/team?sslmode=require",
            "not inside a password"
        );
        assert!(matches!(
            libpq_modes("postgres://db/team?sslmode=require"),
            Cow::Borrowed(_)
        ));
    }
}
