//! The one start-up: the resolution order, the store key through each way in (a
//! profile, the `CORDON_*` variables, the demo), tuning, and the Settings operations.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::profiles::{AuthMode, Cloud, Profile};
use crate::secrets::{MemoryStore, Secret, SecretKind};

const TENANT: &str = "11111111-1111-1111-1111-111111111111";
const OTHER_TENANT: &str = "33333333-3333-3333-3333-333333333333";
const CLIENT: &str = "22222222-2222-2222-2222-222222222222";
const SIM: &str = "http://127.0.0.1:9";

fn open(dir: &Path) -> ProfileStore {
    ProfileStore::open(dir, Arc::new(MemoryStore::new())).expect("profiles open")
}

/// A client-secret profile on the tenant, with its secret stored.
fn add(store: &ProfileStore, name: &str, tenant: &str, authority: &str) {
    store
        .upsert(Profile {
            name: name.into(),
            tenant_id: tenant.into(),
            client_id: CLIENT.into(),
            cloud: Cloud::Custom,
            auth_mode: AuthMode::ClientSecret,
            authority: Some(authority.into()),
            api_base: Some(SIM.into()),
            certificate_path: None,
            team_store: None,
        })
        .expect("valid profile");
    store
        .set_secret(name, SecretKind::ClientSecret, &Secret::new("s"))
        .expect("secret");
}

fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |k: &str| map.get(k).cloned()
}

/// The `CORDON_*` tenant: how the simulator and scripts name it (upper case, spaces).
fn environment(tenant: &str) -> impl Fn(&str) -> Option<String> {
    let padded = format!("  {}  ", tenant.to_uppercase());
    let map: HashMap<String, String> = [
        ("CORDON_TENANT_ID", padded.as_str()),
        ("CORDON_CLIENT_ID", CLIENT),
        ("CORDON_CLIENT_SECRET", "s"),
        ("CORDON_AUTHORITY", "http://127.0.0.1:9/"),
        ("CORDON_API_BASE", SIM),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    move |k: &str| map.get(k).cloned()
}

fn resolved(
    request: Request<'_>,
    dir: &Path,
    store: &ProfileStore,
    get: &dyn Fn(&str) -> Option<String>,
) -> Resolved {
    resolve_with(request, dir, || Ok(store), get).expect("resolves")
}

fn live(r: Resolved) -> Live {
    match r {
        Resolved::Live(live) => *live,
        other => panic!("expected a live tenant, got {other:?}"),
    }
}

fn store_of(r: Resolved) -> PathBuf {
    live(r).config.store_path.expect("a store is set")
}

#[test]
fn one_tenant_one_store_through_a_profile_or_the_environment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    add(&store, "prod", TENANT, SIM);
    add(&store, "prod again", TENANT, "http://127.0.0.1:9/");
    add(&store, "other", OTHER_TENANT, SIM);
    let none = vars(&[]);
    let by = |name| {
        store_of(resolved(
            Request {
                profile: Some(name),
                demo: false,
            },
            dir.path(),
            &store,
            &none,
        ))
    };
    let env = store_of(resolved(
        Request::default(),
        dir.path(),
        &store,
        &environment(TENANT),
    ));
    let expected = paths::store_path(
        dir.path(),
        &Endpoints::custom(SIM, SIM).expect("endpoints"),
        TENANT,
    );
    assert_eq!(env, expected);
    assert_eq!(by("prod"), expected);
    assert_eq!(
        by("PROD AGAIN"),
        expected,
        "two profiles, one tenant: one journal"
    );
    assert!(expected.starts_with(dir.path().join("stores")));
    assert_ne!(by("other"), expected, "two tenants never share a journal");
    let other_env = store_of(resolved(
        Request::default(),
        dir.path(),
        &store,
        &environment(OTHER_TENANT),
    ));
    assert_eq!(other_env, by("other"));
}

#[test]
fn the_order_is_profile_then_environment_then_active_then_demo() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let none = vars(&[]);
    let env = environment(TENANT);
    // Nothing configured: the demo (the CLI reads it as "no tenant configured").
    let nothing = resolved(Request::default(), dir.path(), &store, &none);
    assert!(matches!(nothing, Resolved::Demo));
    assert!(matches!(nothing.into_live(), Err(CoreError::NoTenant)));

    add(&store, "active", OTHER_TENANT, SIM);
    add(&store, "named", TENANT, SIM);
    store.set_active(Some("active")).expect("active");
    let named = Request {
        profile: Some("named"),
        demo: false,
    };
    assert_eq!(
        live(resolved(named, dir.path(), &store, &env)).tenant,
        Tenant::Profile {
            name: "named".into()
        }
    );
    assert_eq!(
        live(resolved(Request::default(), dir.path(), &store, &env)).tenant,
        Tenant::Environment
    );
    assert_eq!(
        live(resolved(Request::default(), dir.path(), &store, &none)).tenant,
        Tenant::Profile {
            name: "active".into()
        }
    );
    let demo = Request {
        profile: None,
        demo: true,
    };
    assert!(matches!(
        resolved(demo, dir.path(), &store, &env),
        Resolved::Demo
    ));
    // An unknown explicit profile is an error, never another tenant.
    let unknown = Request {
        profile: Some("nope"),
        demo: false,
    };
    assert!(matches!(
        resolve_with(unknown, dir.path(), || Ok(&store), &env),
        Err(CoreError::UnknownProfile(name)) if name == "nope"
    ));
}

#[test]
fn the_environment_needs_no_profiles_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let r = resolve_with(
        Request::default(),
        dir.path(),
        || -> Result<ProfileStore> { panic!("profiles must not be opened") },
        &environment(TENANT),
    );
    assert!(matches!(r, Ok(Resolved::Live(_))));
}

#[test]
fn an_unusable_active_profile_is_said_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    add(&store, "prod", TENANT, SIM);
    store
        .secrets()
        .delete(&crate::profiles::secret_key(
            &store.get("prod").expect("prod"),
            SecretKind::ClientSecret,
        ))
        .expect("delete");
    let r = resolved(Request::default(), dir.path(), &store, &vars(&[]));
    let Resolved::Unusable { profile, error } = r else {
        panic!("expected unusable, got {r:?}");
    };
    assert_eq!(profile, "prod");
    assert!(
        matches!(error, CoreError::MissingSecret { .. }),
        "{error:?}"
    );
}

#[test]
fn tuning_applies_to_profiles_and_the_environment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    add(&store, "prod", TENANT, SIM);
    let tuned = |extra: &[(&str, &str)], request| {
        let env = environment(TENANT);
        let extra = vars(extra);
        let get = move |k: &str| extra(k).or_else(|| env(k));
        live(resolved(request, dir.path(), &store, &get)).config
    };
    let knobs = [
        ("CORDON_CONCURRENCY", "3"),
        ("CORDON_RATE_WINDOW_SECS", "6"),
    ];
    for request in [
        Request::default(),
        Request {
            profile: Some("prod"),
            demo: false,
        },
    ] {
        let cfg = tuned(&knobs, request);
        assert_eq!(cfg.concurrency, 3, "{request:?}");
        assert_eq!(
            cfg.client_options.rate_minute_window,
            Duration::from_secs(6)
        );
    }
    let bad = resolve_with(
        Request {
            profile: Some("prod"),
            demo: false,
        },
        dir.path(),
        || Ok(&store),
        &vars(&[("CORDON_CONCURRENCY", "many")]),
    );
    assert!(matches!(bad, Err(CoreError::Invalid { field, .. }) if field == "CORDON_CONCURRENCY"));
}

#[test]
fn the_demo_store_is_apart_from_every_tenant() {
    let dir = tempfile::tempdir().expect("temp dir");
    let creds = Credentials::client_secret(TENANT, CLIENT, Secret::new("s"));
    let demo = demo_config(SIM, creds, dir.path()).expect("demo");
    assert!(demo.demo);
    let path = demo.store_path.expect("demo store");
    assert_eq!(path, dir.path().join("demo").join("store.sqlite3"));
    assert_ne!(
        Some(path),
        live(resolved(
            Request::default(),
            dir.path(),
            &open(dir.path()),
            &environment(TENANT),
        ))
        .config
        .store_path,
        "the demo on the same tenant id still has its own store"
    );
}

#[test]
fn the_data_folder_comes_from_the_lookup() {
    let get = vars(&[("CORDON_DATA_DIR", "/somewhere")]);
    assert_eq!(paths::data_dir_from(None, &get), Path::new("/somewhere"));
    assert_eq!(
        paths::data_dir_from(Some("/flag".into()), &get),
        Path::new("/flag")
    );
}

#[test]
fn saving_keeps_the_secret_its_auth_mode_uses() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let input = |name: &str, auth_mode, secret: Option<&str>| ProfileInput {
        profile: Profile {
            name: name.into(),
            tenant_id: TENANT.into(),
            client_id: CLIENT.into(),
            cloud: Cloud::Global,
            auth_mode,
            authority: None,
            api_base: None,
            certificate_path: (auth_mode == AuthMode::Certificate).then(|| "/c.pfx".into()),
            team_store: None,
        },
        secret: secret.map(str::to_owned),
        team_store_password: None,
    };
    let saved =
        save_profile(&store, input("app", AuthMode::ClientSecret, Some("s3"))).expect("saved");
    assert!(saved.has_secret);
    let get = |name: &str, kind| {
        store
            .secrets()
            .get(&crate::profiles::secret_key(
                &store.get(name).expect("profile"),
                kind,
            ))
            .expect("read")
            .map(|s| s.expose().to_owned())
    };
    assert_eq!(get("app", SecretKind::ClientSecret), Some("s3".into()));
    save_profile(&store, input("cert", AuthMode::Certificate, Some("pw"))).expect("saved");
    assert_eq!(
        get("cert", SecretKind::CertificatePassword),
        Some("pw".into())
    );
    // An empty secret keeps the stored one.
    save_profile(&store, input("app", AuthMode::ClientSecret, Some(""))).expect("saved");
    assert_eq!(get("app", SecretKind::ClientSecret), Some("s3".into()));
    let refused = save_profile(&store, input("web", AuthMode::Browser, Some("x")));
    assert!(matches!(refused, Err(CoreError::Invalid { field, .. }) if field == "secret"));
    assert!(
        matches!(store.get("web"), Err(CoreError::UnknownProfile(_))),
        "nothing saved"
    );
    save_profile(&store, input("web", AuthMode::Browser, None)).expect("saved without one");
}

#[test]
fn a_team_store_keeps_its_password_in_the_credential_store_and_joins_it_in_memory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let team = |url: &str, password: Option<&str>| ProfileInput {
        profile: Profile {
            name: "soc".into(),
            tenant_id: TENANT.into(),
            client_id: CLIENT.into(),
            cloud: Cloud::Global,
            auth_mode: AuthMode::ClientSecret,
            authority: None,
            api_base: None,
            certificate_path: None,
            team_store: Some(url.into()),
        },
        secret: Some("app-secret".into()),
        team_store_password: password.map(str::to_owned),
    };
    // A password inside the URL is refused, nothing saved, the password not echoed.
    let refused = save_profile(&store, team("postgres://ana:hunter2@db/cordon", None));
    match refused {
        Err(CoreError::Invalid { field, message }) => {
            assert_eq!(field, "teamStore");
            assert!(!message.contains("hunter2"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        store.get("soc"),
        Err(CoreError::UnknownProfile(_))
    ));

    save_profile(
        &store,
        team(
            "postgres://ana@db.example:5432/cordon?sslmode=require",
            Some("hunter2"),
        ),
    )
    .expect("saved");
    let profiles_file = std::fs::read_to_string(store.path()).expect("profiles file");
    assert!(profiles_file.contains("db.example"), "the URL is kept");
    assert!(
        !profiles_file.contains("hunter2"),
        "never the password on disk"
    );
    let profile = store.get("soc").expect("profile");
    let cfg = crate::profiles::app_config(&profile, store.secrets()).expect("config");
    let url = cfg.store_url.expect("a team store");
    assert!(
        url.as_str().ends_with("&password=hunter2"),
        "joined in memory"
    );
    assert!(!format!("{url:?}").contains("hunter2"), "{url:?}");
    // A password without a URL is refused.
    let mut alone = team("postgres://ana@db/cordon", Some("x"));
    alone.profile.team_store = None;
    assert!(matches!(
        save_profile(&store, alone),
        Err(CoreError::Invalid { field, .. }) if field == "teamStorePassword"
    ));
}

/// One rule for the app's actions and the connection test: a known list must hold
/// `Machine.Isolate` (an empty known list holds nothing); an unknown one (before the
/// first sync) offers the actions and Defender answers a 403.
#[test]
fn only_machine_isolate_may_isolate() {
    use crate::dto::may_isolate;
    let known = |ps: &[&str]| ps.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>();
    assert!(may_isolate(Some(&known(&[
        "Machine.Read.All",
        "machine.isolate"
    ]))));
    assert!(!may_isolate(Some(&known(&["Machine.Read.All"]))));
    assert!(!may_isolate(Some(&[])));
    assert!(may_isolate(None));
}

/// An upgrade loses no journal: the environment tenant's store of an earlier version
/// (`stores/env-<tenant>.sqlite3`, the CLI's) becomes its hashed store when resolved.
#[test]
fn resolving_adopts_the_tenants_journal_of_an_earlier_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let old = dir
        .path()
        .join("stores")
        .join(format!("env-{TENANT}.sqlite3"));
    std::fs::create_dir_all(old.parent().expect("parent")).expect("dir");
    std::fs::write(&old, "earlier journal").expect("write");
    let resolved_store = store_of(resolved(
        Request::default(),
        dir.path(),
        &store,
        &environment(TENANT),
    ));
    assert_ne!(resolved_store, old);
    assert_eq!(
        std::fs::read_to_string(&resolved_store).expect("adopted"),
        "earlier journal"
    );
    assert!(!old.exists());
}
