//! Where tokens come from and where the API lives.
//!
//! Live, regional and government clouds, the demo simulator and tests differ only
//! by these values, so they are validated once, here: an endpoint is `https`, or
//! plain `http` only to a loopback host (the simulator), because a bearer token
//! must never cross a network in clear text.

use std::net::IpAddr;

use url::Url;

use crate::Error;

/// The scope of the Defender API in the commercial cloud. Microsoft asks for this
/// (legacy `securitycenter`) audience even when calling `api.security.microsoft.com`.
pub const DEFENDER_SCOPE: &str = "https://api.securitycenter.microsoft.com/.default";

/// Authority (token service) and API base of one Defender deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Token service base, e.g. `https://login.microsoftonline.com`.
    pub authority: Url,
    /// API base, e.g. `https://api.securitycenter.microsoft.com` (routes go under `/api`).
    pub api_base: Url,
    /// OAuth2 scope requested for the API token.
    pub scope: String,
}

// The one cloud type of Cordon: the client maps it to endpoints, the profiles store it
// (serialised in camelCase: `global`, `gccHigh`, `custom`, …), the Settings view shows
// it (a specta type with the `specta` feature) and the CLI parses it (`FromStr`:
// `global`, `gcc-high`, `custom`, …). The clouds and hosts are in defender-api.md §2.
// Its doc comment below is also the generated TypeScript's (keep it short); the
// variants have plain comments, so the TypeScript union stays one line.
/// The Microsoft cloud (and regional API host) of a tenant, or custom endpoints (a
/// proxy, the simulator).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Cloud {
    // Commercial, `api.securitycenter.microsoft.com`.
    #[default]
    Global,
    // Commercial, regional hosts `{us,eu,uk,au,swa,ina}.api.security.microsoft.com`.
    Us,
    Eu,
    Uk,
    Au,
    Swa,
    Ina,
    // US Government Community Cloud.
    Gcc,
    // US Government GCC High.
    GccHigh,
    // US Department of Defense (shares GCC High's API host).
    Dod,
    // Endpoints of one's own choosing (a proxy, the simulator): no built-in URLs.
    Custom,
}

/// A word that names no [`Cloud`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "“{0}” is not a cloud: use one of global, us, eu, uk, au, swa, ina, gcc, gcc-high, dod, custom"
)]
pub struct UnknownCloud(pub String);

impl Cloud {
    /// Every cloud, for pickers.
    pub const ALL: [Cloud; 11] = [
        Cloud::Global,
        Cloud::Us,
        Cloud::Eu,
        Cloud::Uk,
        Cloud::Au,
        Cloud::Swa,
        Cloud::Ina,
        Cloud::Gcc,
        Cloud::GccHigh,
        Cloud::Dod,
        Cloud::Custom,
    ];

    /// The word for this cloud on a command line (`gcc-high`).
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Global => "global",
            Cloud::Us => "us",
            Cloud::Eu => "eu",
            Cloud::Uk => "uk",
            Cloud::Au => "au",
            Cloud::Swa => "swa",
            Cloud::Ina => "ina",
            Cloud::Gcc => "gcc",
            Cloud::GccHigh => "gcc-high",
            Cloud::Dod => "dod",
            Cloud::Custom => "custom",
        }
    }

    /// `(authority, api_base, scope)` of this cloud; `None` for [`Cloud::Custom`].
    ///
    /// Government audiences are not stated by Microsoft; like the Splunk connector
    /// (defender-api.md §2, T5) we use the government API URL as the resource.
    pub fn urls(self) -> Option<(&'static str, &'static str, &'static str)> {
        const LOGIN: &str = "https://login.microsoftonline.com";
        const LOGIN_US: &str = "https://login.microsoftonline.us";
        Some(match self {
            Cloud::Global => (
                LOGIN,
                "https://api.securitycenter.microsoft.com",
                DEFENDER_SCOPE,
            ),
            Cloud::Us => (
                LOGIN,
                "https://us.api.security.microsoft.com",
                DEFENDER_SCOPE,
            ),
            Cloud::Eu => (
                LOGIN,
                "https://eu.api.security.microsoft.com",
                DEFENDER_SCOPE,
            ),
            Cloud::Uk => (
                LOGIN,
                "https://uk.api.security.microsoft.com",
                DEFENDER_SCOPE,
            ),
            Cloud::Au => (
                LOGIN,
                "https://au.api.security.microsoft.com",
                DEFENDER_SCOPE,
            ),
            Cloud::Swa => (
                LOGIN,
                "https://swa.api.security.microsoft.com",
                DEFENDER_SCOPE,
            ),
            Cloud::Ina => (
                LOGIN,
                "https://ina.api.security.microsoft.com",
                DEFENDER_SCOPE,
            ),
            Cloud::Gcc => (
                LOGIN,
                "https://api-gcc.securitycenter.microsoft.us",
                "https://api-gcc.securitycenter.microsoft.us/.default",
            ),
            Cloud::GccHigh | Cloud::Dod => (
                LOGIN_US,
                "https://api-gov.securitycenter.microsoft.us",
                "https://api-gov.securitycenter.microsoft.us/.default",
            ),
            Cloud::Custom => return None,
        })
    }
}

impl std::str::FromStr for Cloud {
    type Err = UnknownCloud;

    /// The command-line word (`gcc-high`) or the serialised name (`gccHigh`), in any
    /// letter case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let word = s.trim().to_ascii_lowercase().replace(['-', '_'], "");
        Cloud::ALL
            .into_iter()
            .find(|c| c.name().replace('-', "") == word)
            .ok_or_else(|| UnknownCloud(s.to_owned()))
    }
}

impl Endpoints {
    /// The commercial cloud.
    #[allow(clippy::expect_used)]
    pub fn global() -> Self {
        Self::for_cloud(Cloud::Global).expect("the global cloud has built-in URLs")
    }

    /// One of Microsoft's clouds; `None` for [`Cloud::Custom`], whose URLs are the
    /// caller's ([`Endpoints::custom`]).
    #[allow(clippy::expect_used)]
    pub fn for_cloud(cloud: Cloud) -> Option<Self> {
        let (authority, api_base, scope) = cloud.urls()?;
        let mut endpoints =
            Self::custom(authority, api_base).expect("the built-in cloud table holds valid URLs");
        endpoints.scope = scope.to_owned();
        Some(endpoints)
    }

    /// Any authority and API base (the simulator, a proxy). The scope is the
    /// commercial Defender scope; change `scope` if needed.
    pub fn custom(authority: &str, api_base: &str) -> Result<Self, Error> {
        Ok(Self {
            authority: validate(authority)?,
            api_base: validate(api_base)?,
            scope: DEFENDER_SCOPE.to_owned(),
        })
    }
}

fn validate(input: &str) -> Result<Url, Error> {
    let bad = |reason: &str| Error::InvalidEndpoint {
        url: input.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(input.trim()).map_err(|e| bad(&e.to_string()))?;
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(bad("not a base URL with a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("credentials in URLs are not allowed"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a base URL has no query or fragment"));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => return Err(bad("plain http is allowed only to a loopback host")),
        _ => return Err(bad("scheme must be https")),
    }
    Ok(url)
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn clouds_are_valid() {
        for cloud in Cloud::ALL {
            let Some(e) = Endpoints::for_cloud(cloud) else {
                assert_eq!(cloud, Cloud::Custom, "only custom has no built-in URLs");
                continue;
            };
            assert_eq!(e.api_base.scheme(), "https");
            assert!(e.scope.ends_with("/.default"));
        }
        let g = Endpoints::global();
        assert_eq!(g.authority.as_str(), "https://login.microsoftonline.com/");
        assert_eq!(g.scope, DEFENDER_SCOPE);
        let high = Endpoints::for_cloud(Cloud::GccHigh).unwrap();
        assert_eq!(high.authority.host_str(), Some("login.microsoftonline.us"));
    }

    #[test]
    fn clouds_parse_from_their_words_and_serialise_in_camel_case() {
        for cloud in Cloud::ALL {
            assert_eq!(cloud.name().parse::<Cloud>(), Ok(cloud));
        }
        assert_eq!("gcc-high".parse::<Cloud>(), Ok(Cloud::GccHigh));
        assert_eq!("gccHigh".parse::<Cloud>(), Ok(Cloud::GccHigh));
        assert_eq!(" EU ".parse::<Cloud>(), Ok(Cloud::Eu));
        assert_eq!(
            "mars".parse::<Cloud>(),
            Err(UnknownCloud("mars".to_owned()))
        );
        assert_eq!(
            serde_json::to_string(&Cloud::GccHigh).unwrap(),
            "\"gccHigh\""
        );
        assert_eq!(
            serde_json::from_str::<Cloud>("\"custom\"").unwrap(),
            Cloud::Custom
        );
        assert_eq!(Cloud::default(), Cloud::Global);
    }

    #[test]
    fn custom_accepts_https_and_loopback_http() {
        assert!(Endpoints::custom("http://127.0.0.1:8080", "http://127.0.0.1:8080").is_ok());
        assert!(Endpoints::custom("http://localhost:1", "http://[::1]:2/").is_ok());
        assert!(Endpoints::custom("https://login.example", "https://api.example").is_ok());
    }

    #[test]
    fn custom_rejects_unsafe_urls() {
        for bad in [
            "http://api.example.com",
            "ftp://127.0.0.1",
            "not a url",
            "https://user:pw@api.example.com",
            "https://api.example.com/?x=1",
            "https://api.example.com/#frag",
            "mailto:someone@example.com",
        ] {
            let err = Endpoints::custom("https://login.example", bad).unwrap_err();
            assert!(
                matches!(err, Error::InvalidEndpoint { .. }),
                "{bad} must be refused"
            );
        }
    }
}
