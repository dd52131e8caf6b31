//! IPC smoke tests of the real shell on Tauri's mock runtime: the commands, the
//! managed state and the tagged error, against the simulator over real sockets. The
//! Settings tests record every answer and event and check that none carries a secret
//! or a token (T-8). The jobs commands (bulk work, reconciliation, history, audit) are
//! in `ipc/jobs.rs`, automation (the rule, the alerts, the approval queue, the demo's
//! person and its seeded story) in `ipc/automation.rs`, the window's own commands
//! (preferences, the portal, the Machines export) in `ipc/desktop.rs`: modules of this
//! binary.

#[path = "ipc/automation.rs"]
mod automation;
#[path = "ipc/desktop.rs"]
mod desktop;
#[path = "ipc/grid.rs"]
mod grid;
#[path = "ipc/jobs.rs"]
mod jobs;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cordon_core::profiles::ProfileStore;
use cordon_core::secrets::{MemoryStore, SecretKind, SecretStore};
use cordon_core::{App, AppConfig};
use cordon_desktop::settings::{SecretStorage, Tenant};
use cordon_desktop::state::AppState;
use mde_api::{Credentials, Endpoints, Secret};
use mde_sim::{Scenario, SimConfig, Simulator, identities};
use serde_json::{Value, json};
use tauri::Listener;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;

type Webview = tauri::WebviewWindow<tauri::test::MockRuntime>;

fn request(cmd: &str, body: Value) -> InvokeRequest {
    InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("url"),
        body: InvokeBody::Json(body),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    }
}

fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cordon-ipc-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn start_sim() -> mde_sim::SimHandle {
    Simulator::start(SimConfig {
        scenario: Scenario::Demo,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

async fn sim_core(base: &str) -> App {
    let cfg = AppConfig::new(
        Endpoints::custom(base, base).expect("endpoints"),
        Credentials::ClientSecret {
            tenant_id: identities::TENANT_ID.into(),
            client_id: identities::ANALYST_CLIENT_ID.into(),
            secret: Secret::new(identities::ANALYST_SECRET),
        },
        "test tenant",
    );
    let core = App::new(cfg).expect("core");
    core.refresh().await.expect("first sync");
    core
}

fn state(core: App, dir: PathBuf, secrets: Arc<MemoryStore>) -> AppState {
    let profiles = ProfileStore::open(&dir, secrets).expect("profiles");
    AppState::new(
        core,
        Tenant::Environment,
        profiles,
        SecretStorage::memory(),
        dir,
        None,
    )
}

/// Every answer and event of one app, for the T-8 check.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Recorder {
    fn push(&self, s: String) {
        self.0.lock().expect("recorder").push(s);
    }

    fn all(&self) -> Vec<String> {
        self.0.lock().expect("recorder").clone()
    }
}

struct Harness {
    _app: tauri::App<tauri::test::MockRuntime>,
    webview: Webview,
    seen: Recorder,
    prompts: tokio::sync::mpsc::UnboundedReceiver<Value>,
    /// Every `job-changed` payload, in order.
    jobs: tokio::sync::mpsc::UnboundedReceiver<Value>,
}

fn harness(state: AppState) -> Harness {
    harness_with(state, None)
}

/// A harness whose exports are written by `saver` (no dialog on the mock runtime).
fn harness_with(state: AppState, saver: Option<cordon_desktop::export::Saver>) -> Harness {
    let app = cordon_desktop::setup(mock_builder(), Some(state))
        .build(mock_context(noop_assets()))
        .expect("app builds");
    if let Some(saver) = saver {
        tauri::Manager::manage(&app, saver);
    }
    cordon_desktop::attach(app.handle());
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("webview");
    let seen = Recorder::default();
    let (tx, prompts) = tokio::sync::mpsc::unbounded_channel();
    let (jobs_tx, jobs) = tokio::sync::mpsc::unbounded_channel();
    {
        let seen = seen.clone();
        app.listen_any("job-changed", move |e| {
            seen.push(e.payload().to_owned());
            let _ = jobs_tx.send(serde_json::from_str(e.payload()).expect("json"));
        });
    }
    for name in ["sync-changed", "device-code-prompt"] {
        let (seen, tx) = (seen.clone(), tx.clone());
        app.listen_any(name, move |e| {
            seen.push(e.payload().to_owned());
            if name == "device-code-prompt" {
                let _ = tx.send(serde_json::from_str(e.payload()).expect("json"));
            }
        });
    }
    Harness {
        _app: app,
        webview,
        seen,
        prompts,
        jobs,
    }
}

impl Harness {
    fn invoke(&self, cmd: &str, body: Value) -> Result<Value, Value> {
        // The command runs on Tauri's runtime; this thread only waits for the answer.
        let answer =
            tokio::task::block_in_place(|| get_ipc_response(&self.webview, request(cmd, body)))
                .map(|b| b.deserialize::<Value>().expect("json"));
        self.seen.push(match &answer {
            Ok(v) | Err(v) => v.to_string(),
        });
        answer
    }

    /// T-8: no answer or event holds a planted secret or a JWT.
    fn assert_no_secret(&self, secrets: &[&str]) {
        let all = self.seen.all();
        assert!(!all.is_empty());
        for text in &all {
            for s in secrets {
                assert!(!text.contains(s), "a secret crossed IPC: {text}");
            }
            assert!(!looks_like_jwt(text), "a token crossed IPC: {text}");
        }
    }
}

/// `eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.` without a regex engine.
fn looks_like_jwt(text: &str) -> bool {
    let part = |s: &str| {
        s.bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
            .count()
    };
    text.match_indices("eyJ").any(|(i, _)| {
        let rest = &text[i..];
        let a = part(rest);
        a >= 13
            && rest[a..].starts_with('.')
            && part(&rest[a + 1..]) >= 10
            && rest[a + 1 + part(&rest[a + 1..])..].starts_with('.')
    })
}

fn custom_profile(name: &str, base: &str, client_id: &str, auth_mode: &str) -> Value {
    json!({
        "name": name,
        "tenantId": identities::TENANT_ID,
        "clientId": client_id,
        "cloud": "custom",
        "authMode": auth_mode,
        "authority": base,
        "apiBase": base,
        "certificatePath": null,
    })
}

fn perms(v: &Value) -> Vec<String> {
    v["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| p.as_str().expect("string").to_owned())
        .collect()
}

#[test]
fn jwt_detector_finds_tokens() {
    assert!(looks_like_jwt(
        r#"{"t":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig"}"#
    ));
    assert!(!looks_like_jwt(r#"{"t":"eyJ short"}"#));
}

/// The app's start-up (`launch::start_core`, here over a map instead of the process
/// environment) on a `CORDON_*` tenant uses the core's store-key rule — the file the
/// CLI uses for the same environment (`crates/cordon-cli/tests/journal.rs`) — and
/// `--demo` uses the demo's own store, whose reset leaves the tenant's journal alone.
#[test]
fn the_app_starts_a_cordon_env_tenant_on_the_shared_journal() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sim = rt.block_on(start_sim());
    let dir = temp_dir("launch-env");
    let base = sim.base_url();
    let data_dir = dir.display().to_string();
    let vars: std::collections::HashMap<&str, &str> = std::collections::HashMap::from([
        ("CORDON_TENANT_ID", identities::TENANT_ID),
        ("CORDON_CLIENT_ID", identities::ANALYST_CLIENT_ID),
        ("CORDON_CLIENT_SECRET", identities::ANALYST_SECRET),
        ("CORDON_AUTHORITY", base.as_str()),
        ("CORDON_API_BASE", base.as_str()),
        ("CORDON_DATA_DIR", data_dir.as_str()),
    ]);
    let get = |k: &str| vars.get(k).map(|v| (*v).to_owned());

    let state = cordon_desktop::launch::start_core_with(std::iter::empty(), &get).expect("starts");
    assert_eq!(state.tenant(), Tenant::Environment);
    assert_eq!(state.data_dir, dir);
    let endpoints = Endpoints::custom(&base, &base).expect("endpoints");
    let expected = cordon_core::tenant::paths::store_path(&dir, &endpoints, identities::TENANT_ID);
    assert_eq!(state.core().store_path(), Some(expected.clone()));
    assert!(expected.exists());

    let args = ["--demo".to_owned()].into_iter();
    let demo = cordon_desktop::launch::start_core_with(args, &get).expect("demo starts");
    assert_eq!(demo.tenant(), Tenant::Demo);
    assert_eq!(
        demo.core().store_path(),
        Some(dir.join("demo").join("store.sqlite3"))
    );
    assert!(
        expected.exists(),
        "the demo's reset left the tenant's journal"
    );
    drop(rt);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn about_names_the_version_build_and_folders() {
    let sim = start_sim().await;
    let core = sim_core(&sim.base_url()).await;
    let dir = temp_dir("about");
    let h = harness(state(core, dir.clone(), Arc::new(MemoryStore::new())));

    let about = h.invoke("about", json!({})).expect("about");
    assert_eq!(about["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(about["dataDir"], dir.display().to_string());
    let build = about["build"].as_str().expect("build");
    assert!(
        build == env!("CARGO_PKG_VERSION")
            || (build.len() >= 7 && build.bytes().all(|b| b.is_ascii_hexdigit())),
        "a git short hash or the version: {build}"
    );
    assert!(
        about["logDir"].is_string() || about["logDir"].is_null(),
        "{about}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_answer_through_ipc() {
    let sim = start_sim().await;
    let core = sim_core(&sim.base_url()).await;
    let h = harness(state(core, temp_dir("smoke"), Arc::new(MemoryStore::new())));

    let info = h.invoke("app_info", json!({})).expect("app_info");
    assert_eq!(info["tenantLabel"], "test tenant");
    assert_eq!(info["demo"], false);

    let snap = h.invoke("snapshot", json!({})).expect("snapshot");
    let machines = snap["machines"].as_array().expect("machines");
    assert!(
        machines.len() > 100,
        "the demo tenant has hundreds of machines"
    );
    let isolated = machines.iter().filter(|m| m["isolatedNow"] == true).count();
    assert_eq!(snap["counters"]["isolatedNow"], json!(isolated));

    // An empty comment is refused with a tagged validation error.
    let id = machines[0]["id"].as_str().expect("id");
    let err = h
        .invoke(
            "release",
            json!({"request": {"machineIds": [id], "comment": "  "}}),
        )
        .expect_err("empty comment refused");
    assert_eq!(err["kind"], "validation");
    assert_eq!(err["field"], "comment");

    // An unknown machine is a sentence, not a crash.
    let err = h
        .invoke(
            "machine_detail",
            json!({"machineId": "0000000000000000000000000000000000000000"}),
        )
        .expect_err("unknown machine");
    assert_eq!(err["kind"], "notFound");
    assert!(
        err["message"]
            .as_str()
            .expect("message")
            .contains("No machine")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_connection_tests_and_switching() {
    let sim = start_sim().await;
    let base = sim.base_url();
    let core = sim_core(&base).await;
    let secrets = Arc::new(MemoryStore::new());
    let dir = temp_dir("profiles");
    let h = harness(state(core, dir.clone(), Arc::clone(&secrets)));
    // The credential-store entry of a saved profile's secret (bound to its identity).
    let key_of = |name: &str, kind| {
        let profiles = ProfileStore::open(&dir, secrets.clone()).expect("profiles");
        cordon_core::profiles::secret_key(&profiles.get(name).expect("profile"), kind)
    };

    // Save: the answer says a secret is stored, and never shows it.
    let saved = h
        .invoke(
            "save_profile",
            json!({"input": {
                "profile": custom_profile("Reader", &base, identities::READER_CLIENT_ID, "clientSecret"),
                "secret": identities::READER_SECRET,
            }}),
        )
        .expect("saved");
    assert_eq!(saved["hasSecret"], true);
    assert_eq!(saved["profile"]["name"], "Reader");
    let stored = secrets
        .get(&key_of("Reader", SecretKind::ClientSecret))
        .expect("get")
        .expect("the secret is in the secret store");
    assert_eq!(stored.expose(), identities::READER_SECRET);
    h.invoke(
        "save_profile",
        json!({"input": {
            "profile": custom_profile("Analyst", &base, identities::ANALYST_CLIENT_ID, "clientSecret"),
            "secret": identities::ANALYST_SECRET,
        }}),
    )
    .expect("saved");

    let list = h.invoke("list_profiles", json!({})).expect("list");
    let names: Vec<&str> = list["profiles"]
        .as_array()
        .expect("profiles")
        .iter()
        .map(|p| p["profile"]["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Analyst", "Reader"]);
    assert!(
        list["profiles"]
            .as_array()
            .expect("p")
            .iter()
            .all(|p| p["hasSecret"] == true)
    );
    assert_eq!(list["current"], json!({"kind": "environment"}));
    assert_eq!(list["secretStorage"]["kind"], "memory");

    // Connection tests: the analyst may isolate, the reader only reads.
    let analyst = h
        .invoke("test_connection", json!({"name": "Analyst"}))
        .expect("test");
    assert_eq!(analyst["ok"], true, "{analyst}");
    assert!(
        perms(&analyst).iter().any(|p| p == "Machine.Isolate"),
        "{analyst}"
    );
    assert_eq!(analyst["mayIsolate"], true);
    assert!(analyst["machineCount"].as_u64().expect("count") > 100);
    let reader = h
        .invoke("test_connection", json!({"name": "reader"}))
        .expect("test");
    assert_eq!(reader["ok"], true, "{reader}");
    let mut rp = perms(&reader);
    rp.sort();
    assert_eq!(rp, ["Alert.Read.All", "Machine.Read.All"]);
    assert_eq!(reader["mayIsolate"], false);

    // A wrong secret: the test fails with an auth error, as data.
    h.invoke(
        "save_profile",
        json!({"input": {
            "profile": custom_profile("Wrong", &base, identities::READER_CLIENT_ID, "clientSecret"),
            "secret": "not-the-secret",
        }}),
    )
    .expect("saved");
    let wrong = h
        .invoke("test_connection", json!({"name": "Wrong"}))
        .expect("test answers");
    assert_eq!(wrong["ok"], false);
    assert_eq!(wrong["error"]["kind"], "auth", "{wrong}");

    // Switching changes the tenant the window works on.
    let info = h
        .invoke("switch_profile", json!({"name": "Reader"}))
        .expect("switched");
    assert_eq!(info["tenantLabel"], "Reader");
    assert_eq!(info["demo"], false);
    assert_eq!(
        h.invoke("app_info", json!({})).expect("info")["tenantLabel"],
        "Reader"
    );
    let list = h.invoke("list_profiles", json!({})).expect("list");
    assert_eq!(
        list["current"],
        json!({"kind": "profile", "name": "Reader"})
    );
    // The new core syncs and reports its (read-only) permissions.
    let mut info = Value::Null;
    for _ in 0..100 {
        info = h.invoke("app_info", json!({})).expect("info");
        if !perms(&info).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !perms(&info).iter().any(|p| p == "Machine.Isolate"),
        "{info}"
    );
    assert!(
        perms(&info).iter().any(|p| p == "Machine.Read.All"),
        "{info}"
    );

    let demo = h
        .invoke("switch_profile", json!({"name": null}))
        .expect("demo");
    assert_eq!(demo["demo"], true);
    assert_eq!(
        h.invoke("list_profiles", json!({})).expect("list")["current"],
        json!({"kind": "demo"})
    );

    // Remove: gone from the list, its secret deleted.
    let wrong_key = key_of("Wrong", SecretKind::ClientSecret);
    assert!(
        secrets.get(&wrong_key).expect("get").is_some(),
        "stored before"
    );
    h.invoke("remove_profile", json!({"name": "Wrong"}))
        .expect("removed");
    let list = h.invoke("list_profiles", json!({})).expect("list");
    assert_eq!(list["profiles"].as_array().expect("p").len(), 2);
    assert!(secrets.get(&wrong_key).expect("get").is_none());
    let err = h
        .invoke("remove_profile", json!({"name": "Wrong"}))
        .expect_err("unknown");
    assert_eq!(err["kind"], "notFound");

    h.assert_no_secret(&[
        identities::READER_SECRET,
        identities::ANALYST_SECRET,
        "not-the-secret",
    ]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_profiles_are_refused_with_the_field() {
    let sim = start_sim().await;
    let core = sim_core(&sim.base_url()).await;
    let h = harness(state(
        core,
        temp_dir("invalid"),
        Arc::new(MemoryStore::new()),
    ));
    let mut p = custom_profile(
        "Bad",
        "http://127.0.0.1:9",
        identities::READER_CLIENT_ID,
        "clientSecret",
    );
    p["tenantId"] = json!("not-a-guid");
    let err = h
        .invoke(
            "save_profile",
            json!({"input": {"profile": p, "secret": null}}),
        )
        .expect_err("refused");
    assert_eq!(err["kind"], "validation");
    assert_eq!(err["field"], "tenantId");

    let mut p = custom_profile(
        "Bad",
        "http://127.0.0.1:9",
        identities::READER_CLIENT_ID,
        "clientSecret",
    );
    p["apiBase"] = json!(null);
    let err = h
        .invoke(
            "save_profile",
            json!({"input": {"profile": p, "secret": null}}),
        )
        .expect_err("refused");
    assert_eq!(err["field"], "apiBase");

    let p = custom_profile(
        "",
        "http://127.0.0.1:9",
        identities::READER_CLIENT_ID,
        "clientSecret",
    );
    let err = h
        .invoke(
            "save_profile",
            json!({"input": {"profile": p, "secret": null}}),
        )
        .expect_err("refused");
    assert_eq!(err["field"], "name");

    // A secret for a delegated mode is refused before anything is stored.
    let p = custom_profile(
        "Dev",
        "http://127.0.0.1:9",
        identities::PUBLIC_CLIENT_ID,
        "deviceCode",
    );
    let err = h
        .invoke(
            "save_profile",
            json!({"input": {"profile": p, "secret": "x"}}),
        )
        .expect_err("refused");
    assert_eq!(err["field"], "secret");
    assert_eq!(
        h.invoke("list_profiles", json!({})).expect("list")["profiles"],
        json!([])
    );
    // Unknown profiles are a sentence.
    let err = h
        .invoke("switch_profile", json!({"name": "nobody"}))
        .expect_err("unknown");
    assert_eq!(err["kind"], "notFound");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_code_and_browser_sign_in() {
    let sim = start_sim().await;
    let base = sim.base_url();
    let core = sim_core(&base).await;
    let secrets = Arc::new(MemoryStore::new());
    let opened = Arc::new(Mutex::new(Vec::<String>::new()));
    let record = Arc::clone(&opened);
    // The "system browser": follows the authorize redirect to the loopback listener.
    let dir = temp_dir("signin");
    let st =
        state(core, dir.clone(), Arc::clone(&secrets)).with_opener(Arc::new(move |url: &str| {
            record.lock().expect("opened").push(url.to_owned());
            let url = url.to_owned();
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .expect("client");
                let res = client.get(&url).send().await.expect("authorize");
                let location = res.headers()["location"]
                    .to_str()
                    .expect("location")
                    .to_owned();
                client.get(&location).send().await.expect("loopback");
            });
            Ok(())
        }));
    let mut h = harness(st);

    h.invoke(
        "save_profile",
        json!({"input": {"profile": custom_profile("Device", &base, identities::PUBLIC_CLIENT_ID, "deviceCode"), "secret": null}}),
    )
    .expect("saved");
    // Approve the device code as the demo user once the prompt reaches the web view.
    let mut prompts = std::mem::replace(&mut h.prompts, tokio::sync::mpsc::unbounded_channel().1);
    let approver = tokio::spawn(async move {
        let prompt = prompts.recv().await.expect("a device-code prompt");
        let uri = prompt["verificationUri"].as_str().expect("uri").to_owned();
        let code = prompt["userCode"].as_str().expect("code").to_owned();
        reqwest::get(format!("{uri}?code={code}"))
            .await
            .expect("approve");
        prompt
    });
    let signed = h
        .invoke("sign_in", json!({"name": "Device"}))
        .expect("signed in");
    let prompt = approver.await.expect("approver");
    assert_eq!(prompt["profile"], "Device");
    assert!(prompt["expiresInSecs"].as_u64().expect("secs") > 0);
    assert_eq!(signed["signedInAs"], identities::DEMO_USER);
    assert_eq!(signed["hasSecret"], true);
    let refresh = secrets
        .get(&cordon_core::profiles::secret_key(
            &ProfileStore::open(&dir, secrets.clone())
                .expect("profiles")
                .get("Device")
                .expect("profile"),
            SecretKind::RefreshToken,
        ))
        .expect("get")
        .expect("refresh token stored")
        .expose()
        .to_owned();
    let test = h
        .invoke("test_connection", json!({"name": "Device"}))
        .expect("test");
    assert_eq!(test["ok"], true, "{test}");
    assert!(perms(&test).iter().any(|p| p == "Machine.Isolate"));
    assert_eq!(test["account"], identities::DEMO_USER);

    h.invoke(
        "save_profile",
        json!({"input": {"profile": custom_profile("Browser", &base, identities::PUBLIC_CLIENT_ID, "browser"), "secret": null}}),
    )
    .expect("saved");
    let signed = h
        .invoke("sign_in", json!({"name": "Browser"}))
        .expect("signed in through the system browser");
    assert_eq!(signed["signedInAs"], identities::DEMO_USER);
    let urls = opened.lock().expect("opened").clone();
    assert_eq!(urls.len(), 1);
    assert!(urls[0].starts_with(&format!(
        "{base}/{}/oauth2/v2.0/authorize?",
        identities::TENANT_ID
    )));

    let out = h
        .invoke("sign_out", json!({"name": "Device"}))
        .expect("signed out");
    assert_eq!(out["hasSecret"], false);
    assert_eq!(out["signedInAs"], Value::Null);

    // An app-only profile has no interactive sign-in.
    h.invoke(
        "save_profile",
        json!({"input": {"profile": custom_profile("App", &base, identities::READER_CLIENT_ID, "clientSecret"), "secret": identities::READER_SECRET}}),
    )
    .expect("saved");
    let err = h
        .invoke("sign_in", json!({"name": "App"}))
        .expect_err("no sign-in");
    assert_eq!(err["field"], "authMode");

    h.assert_no_secret(&[&refresh, identities::READER_SECRET]);
}

/// A credential store that does not answer until the test lets it: a locked keyring
/// waiting for its unlock prompt, or a hung D-Bus service.
#[derive(Default)]
struct StuckKeyring {
    open: Mutex<bool>,
    opened: std::sync::Condvar,
}

impl StuckKeyring {
    fn wait(&self) {
        let mut open = self.open.lock().expect("gate");
        while !*open {
            open = self.opened.wait(open).expect("gate");
        }
    }

    fn release(&self) {
        *self.open.lock().expect("gate") = true;
        self.opened.notify_all();
    }
}

impl SecretStore for StuckKeyring {
    fn get(&self, _: &cordon_core::secrets::SecretKey) -> cordon_core::Result<Option<Secret>> {
        self.wait();
        Ok(None)
    }
    fn set(&self, _: &cordon_core::secrets::SecretKey, _: &Secret) -> cordon_core::Result<()> {
        self.wait();
        Ok(())
    }
    fn delete(&self, _: &cordon_core::secrets::SecretKey) -> cordon_core::Result<()> {
        self.wait();
        Ok(())
    }
    fn describe(&self) -> &'static str {
        "stuck"
    }
}

/// Finding 5: a credential store that hangs holds up only the calls that need it;
/// the app keeps answering every other call (here: more stuck saves than the async
/// runtime has workers, then the Machines view and the app's facts).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_credential_store_does_not_stop_the_app_answering() {
    let sim = start_sim().await;
    let base = sim.base_url();
    let core = sim_core(&base).await;
    let stuck = Arc::new(StuckKeyring::default());
    let dir = temp_dir("stuck-keyring");
    let profiles = ProfileStore::open(&dir, stuck.clone()).expect("profiles");
    let h = harness(AppState::new(
        core,
        Tenant::Environment,
        profiles,
        SecretStorage::memory(),
        dir,
        None,
    ));
    let waiting: Vec<_> = (0..8)
        .map(|i| {
            let webview = h.webview.clone();
            let body = json!({"input": {
                "profile": custom_profile(&format!("P{i}"), &base, identities::READER_CLIENT_ID, "clientSecret"),
                "secret": "a-secret-the-keyring-never-takes",
            }});
            std::thread::spawn(move || get_ipc_response(&webview, request("save_profile", body)).is_ok())
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let (tx, rx) = std::sync::mpsc::channel();
    let webview = h.webview.clone();
    std::thread::spawn(move || {
        let info = get_ipc_response(&webview, request("app_info", json!({})))
            .map(|b| b.deserialize::<Value>().expect("json"));
        let snap = get_ipc_response(&webview, request("snapshot", json!({})))
            .map(|b| b.deserialize::<Value>().expect("json"));
        let _ = tx.send((info, snap));
    });
    let (info, snap) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the app answers while the credential store hangs");
    assert!(info.expect("app_info")["version"].is_string());
    assert!(snap.expect("snapshot")["machines"].is_array());
    assert!(
        waiting.iter().all(|t| !t.is_finished()),
        "the saves still wait for the credential store"
    );
    stuck.release();
    for t in waiting {
        assert!(
            t.join().expect("save thread"),
            "the save completes once the store answers"
        );
    }
}
