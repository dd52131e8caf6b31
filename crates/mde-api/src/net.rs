//! The one place Cordon's HTTP clients are built: the API client, the sign-in flows
//! and the agent's webhook all start from [`client_builder`].
//!
//! Every client:
//! - trusts what the operating system trusts ([`crate::tls::client_config`]), so a
//!   company's TLS-inspecting proxy works once IT has installed its CA;
//! - goes through the system's proxy: `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` and
//!   `NO_PROXY` (either case), and where none is set, Windows' Internet settings or
//!   macOS' network settings. A client whose every host is loopback (the simulator of
//!   the demo and the tests) uses no proxy, as Windows and browsers bypass loopback:
//!   a corporate proxy cannot reach this machine's 127.0.0.1;
//! - never follows a redirect (K-5; invariant 13): the bearer token goes only to the
//!   API host, and a 3xx is returned to the caller as an error.

use url::Url;

use crate::endpoints::is_loopback;
use crate::{ClientOptions, Error};

/// A `reqwest` builder with the rules above, for a client that talks to `hosts` (the
/// URLs whose hosts it will reach; all loopback means no proxy). Callers add their
/// timeouts.
pub fn client_builder(hosts: &[&Url]) -> Result<reqwest::ClientBuilder, Error> {
    let mut builder = reqwest::Client::builder()
        .use_preconfigured_tls(crate::tls::client_config()?)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("cordon-mde-api/", env!("CARGO_PKG_VERSION")));
    if uses_no_proxy(hosts) {
        builder = builder.no_proxy();
    }
    Ok(builder)
}

/// Whether a client for `hosts` bypasses the system's proxy: only when it reaches
/// loopback hosts alone.
fn uses_no_proxy(hosts: &[&Url]) -> bool {
    !hosts.is_empty() && hosts.iter().all(|u| is_loopback(u))
}

/// The client of the API and of the token requests: [`client_builder`] with the
/// options' timeouts.
pub(crate) fn http_client(
    options: &ClientOptions,
    hosts: &[&Url],
) -> Result<reqwest::Client, Error> {
    client_builder(hosts)?
        .timeout(options.timeout)
        .connect_timeout(options.connect_timeout)
        .build()
        .map_err(|e| Error::Transport {
            detail: format!("building the HTTP client: {e}"),
            timed_out: false,
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_a_client_for_loopback_alone_bypasses_the_proxy() {
        let u = |s: &str| Url::parse(s).unwrap();
        let (sim, v6, local) = (
            u("http://127.0.0.1:8080/"),
            u("http://[::1]:1/"),
            u("http://localhost:1/"),
        );
        let (login, api) = (
            u("https://login.microsoftonline.com/"),
            u("https://api.securitycenter.microsoft.com/"),
        );
        assert!(uses_no_proxy(&[&sim, &v6, &local]));
        assert!(!uses_no_proxy(&[&login, &api]));
        assert!(
            !uses_no_proxy(&[&sim, &api]),
            "one remote host: the proxy rules apply"
        );
        assert!(!uses_no_proxy(&[]), "unknown hosts: the proxy rules apply");
        assert!(!uses_no_proxy(&[&u("https://127.0.0.1.example/")]));
    }

    #[test]
    fn every_client_builds_with_the_system_trust_store() {
        let sim = Url::parse("http://127.0.0.1:1/").unwrap();
        assert!(http_client(&ClientOptions::default(), &[&sim]).is_ok());
        assert!(client_builder(&[]).unwrap().build().is_ok());
    }
}
