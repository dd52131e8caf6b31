//! The navigation lock (T-7): the main web view only ever shows the app's own pages.
//! Anything else (a link in API data, a sign-in page, `file:`, `javascript:`, a
//! look-alike host) is refused; sign-in happens in the system browser (K-8).

use tauri::Url;

/// True for the app's own origin: `tauri://localhost`, `http(s)://tauri.localhost`
/// (Windows, Android), and `dev` (the Vite dev server) when given.
pub fn is_app_url(url: &Url, dev: Option<&Url>) -> bool {
    let host = url.host_str();
    let no_credentials = url.username().is_empty() && url.password().is_none();
    let own = match url.scheme() {
        "tauri" => host == Some("localhost") && url.port().is_none(),
        "http" | "https" => host == Some("tauri.localhost") && url.port().is_none(),
        _ => false,
    };
    let dev_server = dev.is_some_and(|d| {
        matches!(url.scheme(), "http" | "https")
            && url.scheme() == d.scheme()
            && url.host_str() == d.host_str()
            && url.port_or_known_default() == d.port_or_known_default()
    });
    no_credentials && (own || dev_server)
}

/// The dev server's URL when this build loads it (debug builds without
/// `custom-protocol`); `None` otherwise.
pub fn dev_origin(dev_url: Option<&Url>) -> Option<Url> {
    (cfg!(debug_assertions) && tauri::is_dev())
        .then(|| dev_url.cloned())
        .flatten()
}

/// A plugin with no commands whose only job is refusing navigations.
pub fn lock<R: tauri::Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-lock")
        .on_navigation(|webview, url| {
            let dev = dev_origin(tauri::Manager::config(webview).build.dev_url.as_ref());
            let ok = is_app_url(url, dev.as_ref());
            if !ok {
                tracing::warn!(%url, "navigation refused: not the app's own origin");
            }
            ok
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        s.parse().expect("url")
    }

    #[test]
    fn only_the_app_origin_is_allowed() {
        for ok in [
            "tauri://localhost",
            "tauri://localhost/",
            "tauri://localhost/index.html#/settings",
            "http://tauri.localhost/",
            "https://tauri.localhost/assets/app.js",
        ] {
            assert!(is_app_url(&u(ok), None), "{ok} is the app");
        }
        for bad in [
            "https://evil.example/",
            "http://evil.example/",
            "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
            "http://127.0.0.1:8080/",
            "http://localhost/",
            "http://localhost:1420/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "blob:tauri://localhost/abc",
            "about:blank",
            "tauri://localhost.evil.example/",
            "tauri://evil.example/",
            "http://tauri.localhost.evil.example/",
            "http://app.tauri.localhost/",
            "http://tauri.localhost:8080/",
            "http://user:pass@tauri.localhost/",
            "https://tauri.localhost@evil.example/",
            "smb://tauri.localhost/share",
            "ftp://tauri.localhost/",
        ] {
            assert!(!is_app_url(&u(bad), None), "{bad} must be refused");
        }
    }

    #[test]
    fn the_dev_server_only_when_given() {
        let dev = u("http://localhost:1420");
        assert!(is_app_url(
            &u("http://localhost:1420/src/main.tsx"),
            Some(&dev)
        ));
        assert!(!is_app_url(&u("http://localhost:1421/"), Some(&dev)));
        assert!(!is_app_url(&u("https://localhost:1420/"), Some(&dev)));
        assert!(!is_app_url(&u("http://127.0.0.1:1420/"), Some(&dev)));
        assert!(!is_app_url(&u("http://localhost:1420/"), None));
    }
}
