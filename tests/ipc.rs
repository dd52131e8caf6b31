//! IPC smoke tests of the real shell on Tauri's mock runtime: the commands, the
//! managed state and the tagged error, against the simulator over real sockets.

use cordon_core::{App, AppConfig};
use cordon_desktop::state::AppState;
use mde_api::{Credentials, Endpoints, Secret};
use mde_sim::{Scenario, SimConfig, Simulator, identities};
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;

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

async fn demo_state() -> (AppState, mde_sim::SimHandle) {
    let sim = Simulator::start(SimConfig {
        scenario: Scenario::Demo,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let base = sim.base_url();
    let cfg = AppConfig::new(
        Endpoints::custom(&base, &base).expect("endpoints"),
        Credentials::ClientSecret {
            tenant_id: identities::TENANT_ID.into(),
            client_id: identities::ANALYST_CLIENT_ID.into(),
            secret: Secret::new(identities::ANALYST_SECRET),
        },
        "test tenant",
    );
    let core = App::new(cfg).expect("core");
    core.refresh().await.expect("first sync");
    (AppState { core, demo: None }, sim)
}

fn invoke(
    webview: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    body: Value,
) -> Result<Value, Value> {
    // The command runs on Tauri's runtime; this thread only waits for the answer.
    tokio::task::block_in_place(|| get_ipc_response(webview, request(cmd, body)))
        .map(|b| b.deserialize::<Value>().expect("json"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_answer_through_ipc() {
    let (state, _sim) = demo_state().await;
    let app = cordon_desktop::setup(mock_builder(), Some(state))
        .build(mock_context(noop_assets()))
        .expect("app builds");
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("webview");

    let info = invoke(&webview, "app_info", json!({})).expect("app_info");
    assert_eq!(info["tenantLabel"], "test tenant");
    assert_eq!(info["demo"], false);

    let snap = invoke(&webview, "snapshot", json!({})).expect("snapshot");
    let machines = snap["machines"].as_array().expect("machines");
    assert!(
        machines.len() > 100,
        "the demo tenant has hundreds of machines"
    );
    let isolated = machines.iter().filter(|m| m["isolatedNow"] == true).count();
    assert_eq!(snap["counters"]["isolatedNow"], json!(isolated));

    // An empty comment is refused with a tagged validation error.
    let id = machines[0]["id"].as_str().expect("id");
    let err = invoke(
        &webview,
        "release",
        json!({"request": {"machineIds": [id], "comment": "  "}}),
    )
    .expect_err("empty comment refused");
    assert_eq!(err["kind"], "validation");
    assert_eq!(err["field"], "comment");

    // An unknown machine is a sentence, not a crash.
    let err = invoke(
        &webview,
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
