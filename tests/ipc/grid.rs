//! The machine grid through IPC on a 10,000-machine tenant: windows with the total,
//! filters and sorts evaluated by the core, counters, an idle changes-since that moves
//! no machine data, and "select all matching" as a filter the bulk preview resolves
//! to exactly the filter's count.

use super::*;

async fn scale_core(base: &str) -> App {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grid_through_ipc_on_ten_thousand_machines() {
    let sim = Simulator::start(SimConfig {
        scenario: Scenario::Scale {
            machines: 10_000,
            actions: 30_000,
        },
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let core = scale_core(&sim.base_url()).await;
    let h = harness(state(core, temp_dir("grid"), Arc::new(MemoryStore::new())));

    let page = |query: Value| {
        h.invoke("grid_page", json!({ "query": query }))
            .expect("page")
    };
    let first = page(json!({"offset": 0, "limit": 60}));
    assert_eq!(first["total"], 10_000);
    assert_eq!(first["rows"].as_array().expect("rows").len(), 60);
    let names: Vec<&str> = first["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["machine"]["name"].as_str().expect("name"))
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "by name: {names:?}");
    assert!(first["asOf"].is_string());

    let desc = page(json!({"sort": {"column": "name", "descending": true}, "limit": 1}));
    let last = page(json!({"offset": 9_999, "limit": 1}));
    assert_eq!(
        desc["rows"][0]["machine"]["id"],
        last["rows"][0]["machine"]["id"]
    );

    let filter = json!({"isolatedNow": true});
    let counters = h
        .invoke("grid_counters", json!({"filter": {}}))
        .expect("counters");
    let isolated = page(json!({"filter": filter, "limit": 1000}));
    assert_eq!(isolated["total"], counters["isolatedNow"]);
    assert!(
        isolated["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["machine"]["isolatedNow"] == true)
    );

    // An idle refresh: the cursor has not moved, and the answer is a few bytes.
    let cursor = isolated["cursor"].clone();
    let idle = h
        .invoke("grid_changes", json!({"cursor": cursor}))
        .expect("changes");
    assert_eq!(idle["changed"], 0);
    assert!(idle.to_string().len() < 200, "{idle}");

    // Select all N matching: the preview sends exactly the filter's count.
    let preview = h
        .invoke(
            "preview_bulk",
            json!({"request": {
                "kind": "release",
                "machineIds": [],
                "comment": "select all matching",
                "isolationType": null,
                "source": "grid",
                "includeForeign": true,
                "matching": filter,
            }}),
        )
        .expect("preview");
    assert_eq!(
        preview["willSend"].as_array().expect("willSend").len() as u64,
        isolated["total"].as_u64().expect("total")
    );
}
