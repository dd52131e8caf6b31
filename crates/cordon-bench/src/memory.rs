//! P-4/P-5 (the core's part of a relaunch): how long a core takes from open to its
//! first grid window, and how much memory it keeps, on a large tenant.
//!
//! The parent syncs `scale:M:A` from the in-process simulator into a store file once,
//! then runs this program again as a child (`--memory-child <api base> <store>`), so
//! the figures are those of a fresh process that only opens the store, as the desktop
//! app does at launch: nothing the set-up allocated (the simulator's tenant, the first
//! sync) is counted. The child times open → first `grid_page` answered, waits until the
//! core's fleet is ready for every verb, and reads its resident memory
//! (`/proc/self/smaps_rollup`: RSS and PSS) after the open and after an idle sync
//! round against the parent's simulator. The web view's memory is not in it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use cordon_core::App;
use cordon_core::dto::grid::{GridFilter, GridQuery, GridSort};
use mde_api::{Credentials, Endpoints, Secret};
use mde_sim::identities;

use crate::sim::{BenchResult, Sim};

/// What the child measured.
#[derive(Debug, Default)]
pub struct MemoryBench {
    pub machines: u32,
    pub actions: u32,
    pub isolation_actions: usize,
    pub sync_secs: f64,
    pub store_bytes: u64,
    /// Open → the first window of 60 rows answered.
    pub first_page_ms: f64,
    /// Its total (to show it did the work).
    pub first_page_total: u32,
    /// Open → every verb ready (the fleet loaded).
    pub ready_ms: f64,
    pub rss_open_kb: u64,
    pub pss_open_kb: u64,
    pub idle_sync_ms: f64,
    pub rss_idle_kb: u64,
    pub pss_idle_kb: u64,
}

/// (RSS, PSS) of this process in kB; zeros where `/proc` is not there.
pub fn resident_kb() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("Rss:"), field("Pss:"))
}

/// Syncs the tenant into a store file, then measures a fresh process opening it.
pub async fn run(machines: u32, actions: u32) -> BenchResult<MemoryBench> {
    let sim = Sim::scale(machines, actions).await?;
    let isolation_actions = sim.handle.action_count(&["Isolate", "Unisolate"]);
    let dir = std::env::temp_dir().join(format!("cordon-memory-bench-{}", std::process::id()));
    let path = dir.join("store.sqlite3");
    let mut cfg = sim.app_config()?;
    cfg.store_path = Some(path.clone());
    let t = Instant::now();
    {
        let app = App::new(cfg)?;
        app.refresh().await?;
    }
    let sync_secs = t.elapsed().as_secs_f64();
    let store_bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    let mut child = std::process::Command::new(std::env::current_exe()?);
    child
        .arg("--memory-child")
        .arg(sim.handle.base_url())
        .arg(&path);
    // The simulator goes on answering on the runtime's other workers meanwhile.
    let out = tokio::task::spawn_blocking(move || child.output()).await??;
    let _ = std::fs::remove_dir_all(&dir);
    if !out.status.success() {
        return Err(format!(
            "the measuring child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let mut r = parse(&String::from_utf8_lossy(&out.stdout))?;
    r.machines = machines;
    r.actions = actions;
    r.isolation_actions = isolation_actions;
    r.sync_secs = sync_secs;
    r.store_bytes = store_bytes;
    Ok(r)
}

fn parse(text: &str) -> BenchResult<MemoryBench> {
    let value = |key: &str| -> BenchResult<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(key).and_then(|v| v.strip_prefix(' ')))
            .ok_or_else(|| format!("the child did not report {key}: {text}"))?
            .trim()
            .parse::<f64>()
            .map_err(Into::into)
    };
    Ok(MemoryBench {
        first_page_ms: value("first_page_ms")?,
        first_page_total: value("first_page_total")? as u32,
        ready_ms: value("ready_ms")?,
        rss_open_kb: value("rss_open_kb")? as u64,
        pss_open_kb: value("pss_open_kb")? as u64,
        idle_sync_ms: value("idle_sync_ms")?,
        rss_idle_kb: value("rss_idle_kb")? as u64,
        pss_idle_kb: value("pss_idle_kb")? as u64,
        ..MemoryBench::default()
    })
}

/// The child: opens a core on `store` (the simulator at `base`), prints its figures.
pub async fn child(base: &str, store: &Path) -> BenchResult<()> {
    let creds = Credentials::ClientSecret {
        tenant_id: identities::TENANT_ID.into(),
        client_id: identities::ANALYST_CLIENT_ID.into(),
        secret: Secret::new(identities::ANALYST_SECRET),
    };
    let mut cfg =
        cordon_core::AppConfig::new(Endpoints::custom(base, base)?, creds, "benchmark tenant");
    cfg.store_path = Some(PathBuf::from(store));
    let first = GridQuery {
        filter: GridFilter::default(),
        sort: GridSort::default(),
        offset: 0,
        limit: 60,
    };
    let t = Instant::now();
    let app = App::new(cfg)?;
    let page = app.grid_page(&first)?;
    let first_page_ms = t.elapsed().as_secs_f64() * 1e3;
    app.fleet_ready().await;
    let ready_ms = t.elapsed().as_secs_f64() * 1e3;
    let (rss_open, pss_open) = resident_kb();
    let t = Instant::now();
    app.sync_once(false).await?;
    let idle_sync_ms = t.elapsed().as_secs_f64() * 1e3;
    let (rss_idle, pss_idle) = resident_kb();
    println!("first_page_ms {first_page_ms:.1}");
    println!("first_page_total {}", page.total);
    println!("ready_ms {ready_ms:.1}");
    println!("rss_open_kb {rss_open}");
    println!("pss_open_kb {pss_open}");
    println!("idle_sync_ms {idle_sync_ms:.1}");
    println!("rss_idle_kb {rss_idle}");
    println!("pss_idle_kb {pss_idle}");
    Ok(())
}
