//! The jobs commands through IPC on the mock runtime, against the demo simulator: a
//! batch preview with its typed phrase, a small release job followed to its end through
//! `job-changed` events, the job's detail, the audit log and its exports, history,
//! reconciliation and its settings, and the tagged errors.

use super::*;

/// Waits for the `job-changed` event that shows job `id` final; returns its payload.
async fn final_event(h: &mut Harness, id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let ev = tokio::time::timeout_at(deadline, h.jobs.recv())
            .await
            .expect("the job ends within a minute")
            .expect("events flow");
        let job = &ev["progress"]["job"];
        if job["id"] == id && job["state"] != "running" {
            return ev;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_release_reconciliation_history_and_audit_through_ipc() {
    let sim = start_sim().await;
    let core = sim_core(&sim.base_url()).await;
    let mut h = harness(state(core, temp_dir("jobs"), Arc::new(MemoryStore::new())));

    // The storm's batch: one selection, above the threshold, so a phrase must be typed.
    let groups = h.invoke("groups", json!({})).expect("groups");
    let storm = groups
        .as_array()
        .expect("groups")
        .iter()
        .max_by_key(|g| g["count"].as_u64())
        .expect("a batch")
        .clone();
    assert!(storm["count"].as_u64().expect("count") >= 60, "{storm}");
    let ids: Vec<Value> = storm["machines"]
        .as_array()
        .expect("machines")
        .iter()
        .map(|m| m["id"].clone())
        .collect();
    let request = |ids: &[Value], include_foreign: bool| {
        json!({"request": {"kind": "release", "machineIds": ids, "comment": "False positive: e2e",
            "isolationType": null, "source": "batch:test", "includeForeign": include_foreign}})
    };
    let preview = h
        .invoke("preview_bulk", request(&ids, true))
        .expect("preview");
    let n = preview["willSend"].as_array().expect("willSend").len();
    assert!(n > 25, "most of the batch is sent: {n}");
    assert_eq!(
        preview["confirmPhrase"],
        json!(format!("release {n} machines"))
    );
    // S-7: without the explicit choice, someone else's isolations are left out.
    let own = h
        .invoke("preview_bulk", request(&ids, false))
        .expect("preview");
    assert!(
        own["willSend"].as_array().expect("willSend").len() < n,
        "{own}"
    );

    // A small release job, followed through its events to the end.
    let few = &preview["willSend"].as_array().expect("willSend")[..3]
        .iter()
        .map(|m| m["id"].clone())
        .collect::<Vec<_>>();
    // The job starts from the preview the person confirmed: its token. A token of
    // another selection is refused as stale, with nothing started.
    let confirmed = h
        .invoke("preview_bulk", request(few, true))
        .expect("preview");
    let with_token = |token: &Value| {
        let mut body = request(few, true);
        body["confirmation"] = json!({"previewToken": token, "typedPhrase": null});
        body
    };
    // Above the threshold the core itself wants the typed phrase (IPC cannot skip it).
    let mut untyped = request(&ids, true);
    untyped["confirmation"] = json!({"previewToken": preview["token"], "typedPhrase": null});
    let refused = h
        .invoke("start_job", untyped)
        .expect_err("the phrase is required");
    assert_eq!(refused["kind"], "validation", "{refused}");
    assert_eq!(refused["field"], "confirmation", "{refused}");
    let stale = h
        .invoke("start_job", with_token(&preview["token"]))
        .expect_err("a stale preview is refused");
    assert_eq!(stale["kind"], "stalePreview", "{stale}");
    assert_eq!(h.invoke("jobs", json!({})).expect("jobs"), json!([]));
    let job = h
        .invoke("start_job", with_token(&confirmed["token"]))
        .expect("start");
    let id = job["id"].as_str().expect("id").to_owned();
    assert_eq!(job["total"], 3);
    let last = final_event(&mut h, &id).await;
    assert_eq!(last["progress"]["job"]["state"], "done", "{last}");
    assert_eq!(last["progress"]["job"]["finished"], 3);
    let detail = h.invoke("job", json!({"id": id})).expect("job");
    let items = detail["items"].as_array().expect("items");
    assert_eq!(items.len(), 3);
    assert!(
        items
            .iter()
            .all(|i| i["state"] == "done" || i["state"] == "adopted"),
        "{detail}"
    );
    let jobs = h.invoke("jobs", json!({})).expect("jobs");
    assert_eq!(jobs[0]["id"], json!(id), "newest first");
    // Cancelling a finished job changes nothing.
    let cancelled = h.invoke("cancel_job", json!({"id": id})).expect("cancel");
    assert_eq!(cancelled["state"], "done");

    // Past "sent": each machine's action followed to Defender's final status. Four
    // simulated days on, an online machine's release has succeeded and an offline
    // one's timed out (after three days); each refresh is the sync the app's loop runs.
    sim.advance(4.0 * 86_400.0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let outcomes = loop {
        h.invoke("refresh", json!({})).expect("sync");
        let o = h
            .invoke("job_outcomes", json!({"id": id}))
            .expect("outcomes");
        assert_eq!(o["items"].as_array().expect("items").len(), 3, "{o}");
        if o["waiting"] == 0 || tokio::time::Instant::now() > deadline {
            break o;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(outcomes["waiting"], 0, "{outcomes}");
    assert!(outcomes["succeeded"].as_u64() >= Some(1), "{outcomes}");
    for item in outcomes["items"].as_array().expect("items") {
        let expected = match item["status"].as_str() {
            Some("Succeeded") => "succeeded",
            Some("TimeOut") => "failed",
            other => panic!("not a final status: {other:?} in {item}"),
        };
        assert_eq!(item["outcome"], expected, "{item}");
    }

    // The audit log has the job; exports are CSV and JSON.
    let filter = json!({"text": null, "since": null, "until": null, "jobId": id});
    let page = h.invoke("audit", json!({"filter": filter})).expect("audit");
    let audit = page["entries"].clone();
    assert!(audit.as_array().expect("entries").len() >= 4, "{page}");
    assert_eq!(page["total"], audit.as_array().expect("entries").len());
    assert_eq!(
        (page["offset"].clone(), page["limit"].clone()),
        (json!(0), json!(1000))
    );
    // A page of two (limit/offset may be left out or given).
    let two = h
        .invoke(
            "audit",
            json!({"filter": {"jobId": id, "limit": 2, "offset": 1}}),
        )
        .expect("audit page");
    assert_eq!(
        two["entries"].as_array().expect("entries").len(),
        2,
        "{two}"
    );
    assert_eq!(two["total"], page["total"]);
    // The exports are written by Rust through the save dialog: the e2e export test
    // reads them back; the web view has no command that returns the file's text.
    assert!(
        h.invoke("audit_export", json!({"filter": filter, "format": "csv"}))
            .is_err()
    );

    // History and its CSV; reconciliation and its settings.
    let all = json!({"filter": {"kind": null, "status": null, "requestor": null,
        "machine": null, "since": null, "until": null}});
    let history = h.invoke("history", all.clone()).expect("history");
    let shown = history["rows"].as_array().expect("rows").len();
    assert!(shown > 100);
    assert!(history["total"].as_u64().expect("total") >= shown as u64);
    let small = h
        .invoke("history", json!({"filter": {"limit": 10}}))
        .expect("history page");
    assert_eq!(small["rows"].as_array().expect("rows").len(), 10);
    assert_eq!(small["total"], history["total"]);
    assert_eq!(
        small["perDay"], history["perDay"],
        "the chart counts every match"
    );
    assert!(history["perDay"].as_array().expect("days").len() >= 7);
    assert!(
        h.invoke("history_csv", all).is_err(),
        "no command returns the CSV's text"
    );
    let recon = h.invoke("reconciliation", json!({})).expect("recon");
    assert!(
        recon
            .as_array()
            .expect("rows")
            .iter()
            .any(|r| r["cause"] == "timed_out" && r["kind"] == "release"),
        "last week's timed-out releases are stuck: {recon}"
    );
    let s = h.invoke("reconcile_settings", json!({})).expect("settings");
    let changed = json!({"autoReconcile": false, "maxTries": 5,
        "stuckAfterMinutes": s["stuckAfterMinutes"]});
    let saved = h
        .invoke("set_reconcile_settings", json!({"settings": changed}))
        .expect("saved");
    assert_eq!(saved, changed);
    assert_eq!(
        h.invoke("reconcile_settings", json!({})).expect("settings"),
        changed
    );

    // Errors are tagged.
    let err = h
        .invoke("job", json!({"id": "no-such-job"}))
        .expect_err("unknown job");
    assert_eq!(err["kind"], "notFound");
    let err = h
        .invoke("preview_bulk", request(&[], true))
        .expect_err("no machines");
    assert_eq!(err["kind"], "validation");
}
