//! The benchmark scenario: large tenants build quickly and page correctly. Sizes are
//! kept moderate here (debug builds, shared CI machines); `scale:100000:1000000` is the
//! documented benchmark size and behaves the same.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use mde_sim::Scenario;
use reqwest::StatusCode;
use support::*;

#[tokio::test]
async fn scale_tenant_pages_of_ten_thousand() {
    let t = Instant::now();
    let sim = start(config(Scenario::Scale {
        machines: 20_000,
        actions: 200_000,
    }))
    .await;
    let built = t.elapsed();
    let token = sim.analyst().await;
    let t = Instant::now();
    let (s, page) = sim.get(&token, "/api/machineactions").await;
    let paged = t.elapsed();
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page["value"].as_array().unwrap().len(), 10_000);
    let next = page["@odata.nextLink"].as_str().unwrap();
    assert!(next.contains("%24skip=10000"), "{next}");
    let (_, last) = sim.get(&token, "/api/machineactions?$skip=195000").await;
    assert_eq!(last["value"].as_array().unwrap().len(), 5_000);
    assert!(last.get("@odata.nextLink").is_none());
    let (_, machines) = sim.get(&token, "/api/machines?$count=true").await;
    assert_eq!(machines["@odata.count"], 20_000);
    // Generous bounds: debug build on a busy machine. Release is about 10x faster.
    assert!(built < Duration::from_secs(30), "built in {built:?}");
    assert!(paged < Duration::from_secs(5), "a page in {paged:?}");
    let st = sim.state().await;
    let isolated = st.machines.iter().filter(|m| m.isolated).count();
    assert_eq!(st.isolated_count, isolated);
}
