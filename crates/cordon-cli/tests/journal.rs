//! One journal per tenant across the front ends: the real `cordon` binary, run on a
//! `CORDON_*` tenant (the in-process simulator) with a temp data folder, creates its
//! store exactly where the desktop app's start-up resolves the same environment — the
//! core's one resolver, which `launch::start_core` calls — and nowhere else.

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cordon_core::profiles::ProfileStore;
use cordon_core::secrets::MemoryStore;
use cordon_core::tenant::{self, Request, Resolved, paths};
use mde_sim::identities;

/// Every file under `dir`, relative.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path.strip_prefix(dir).expect("under dir").to_path_buf());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_and_the_app_keep_one_journal_for_a_cordon_env_tenant() {
    let env = support::demo().await;
    let run = env.cordon(&["--json", "status"]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    // What the CLI created: one store, under stores/.
    let stores: Vec<PathBuf> = files(env.dir.path())
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sqlite3"))
        .collect();
    assert_eq!(stores.len(), 1, "{stores:?}");
    let cli_store = env.dir.path().join(&stores[0]);

    // The same environment, as the desktop app's start-up resolves it.
    let base = env.sim.base_url();
    let data_dir = env.dir.path().display().to_string();
    let vars: HashMap<&str, &str> = HashMap::from([
        ("CORDON_TENANT_ID", identities::TENANT_ID),
        ("CORDON_CLIENT_ID", identities::ANALYST_CLIENT_ID),
        ("CORDON_CLIENT_SECRET", identities::ANALYST_SECRET),
        ("CORDON_AUTHORITY", base.as_str()),
        ("CORDON_API_BASE", base.as_str()),
        ("CORDON_DATA_DIR", data_dir.as_str()),
    ]);
    let get = |k: &str| vars.get(k).map(|v| (*v).to_owned());
    let app_dir = paths::data_dir_from(None, &get);
    assert_eq!(app_dir, env.dir.path());
    let resolved = tenant::resolve_with(
        Request::default(),
        &app_dir,
        || ProfileStore::open(&app_dir, Arc::new(MemoryStore::new())),
        &get,
    )
    .expect("resolves");
    let Resolved::Live(live) = resolved else {
        panic!("the CORDON_* tenant is live, got {resolved:?}");
    };
    assert_eq!(live.tenant, tenant::Tenant::Environment);
    assert_eq!(live.config.store_path.as_deref(), Some(cli_store.as_path()));

    // The rule, spelled out: stores/<32 hex of the tenant>.sqlite3, not the old keys.
    let endpoints = mde_api::Endpoints::custom(&base, &base).expect("endpoints");
    let key = paths::store_key(&endpoints, identities::TENANT_ID);
    assert_eq!(
        stores[0],
        Path::new("stores").join(format!("{key}.sqlite3"))
    );
    assert_eq!(key.len(), 32);
    for old in ["environment", &format!("env-{}", identities::TENANT_ID)] {
        assert!(
            !env.dir
                .path()
                .join("stores")
                .join(format!("{old}.sqlite3"))
                .exists()
        );
    }

    // A second run (another command) reuses that journal: still one store.
    let again = env.cordon(&["--json", "jobs"]).await;
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    let after: Vec<PathBuf> = files(env.dir.path())
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sqlite3"))
        .collect();
    assert_eq!(after, stores);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_tenant_configured_is_still_an_error_for_the_cli() {
    let env = support::demo().await;
    let run = env.cordon_as("", "", &["--json", "status"], None).await;
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("tenant") || run.stderr.contains("tenant"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(
        !env.dir.path().join("stores").exists(),
        "no store without a tenant"
    );
    assert!(
        !env.dir.path().join("demo").exists(),
        "the CLI never starts the demo"
    );
}
