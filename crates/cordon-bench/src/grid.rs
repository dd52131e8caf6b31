//! P-4/P-5 (core part): the machine grid asked of the store on a large tenant. A core
//! with a store file syncs `scale:M:A` from the simulator once, then the grid's
//! questions are timed (best of five): a window deep in the list, a search, the
//! "isolated now" filter, a sort by risk, the counters, an idle changes-since, every
//! id of a filter (select all matching), the CLI's whole list (`cordon machines
//! --isolated --json`: the core call it makes, the store alone opened afresh, and the
//! JSON it prints) and, for comparison, opening a core (which returns before its cache has loaded).
//! The store's size is reported on disk (file and WAL after the sync's checkpoint), per
//! machine and per action, by table (`dbstat`).
//!
//! With `CORDON_BENCH_DATA_DIR=<dir>` the store is kept in `<dir>` where the `cordon`
//! command finds it, and the bench prints the variables that point the CLI at it, so
//! the real command can be timed (`cordon machines --isolated --json --offline`).

use std::path::Path;
use std::time::{Duration, Instant};

use cordon_core::App;
use cordon_core::dto::grid::{GridColumn, GridFilter, GridQuery, GridSort};

use crate::sim::{BenchResult, Sim};

/// One timed question.
pub struct Timing {
    pub what: String,
    pub best: Duration,
    /// What it answered (a total, a count), to show it did the work.
    pub answer: String,
}

pub struct GridBench {
    pub machines: u32,
    pub actions: u32,
    pub isolation_actions: usize,
    pub sync: Duration,
    pub timings: Vec<Timing>,
    /// (table or index, bytes), largest first.
    pub tables: Vec<(String, u64)>,
    pub file_bytes: u64,
    pub wal_bytes: u64,
    /// The variables that point `cordon` at the kept store (`CORDON_BENCH_DATA_DIR`).
    pub cli_env: Vec<(String, String)>,
}

fn best_of<T>(n: usize, mut f: impl FnMut() -> BenchResult<T>) -> BenchResult<(Duration, T)> {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..n {
        let t = Instant::now();
        let v = f()?;
        best = best.min(t.elapsed());
        last = Some(v);
    }
    Ok((best, last.ok_or("no run")?))
}

fn q(filter: GridFilter, sort: GridSort, offset: u32, limit: u32) -> GridQuery {
    GridQuery {
        filter,
        sort,
        offset,
        limit,
    }
}

pub async fn run(machines: u32, actions: u32) -> BenchResult<GridBench> {
    let sim = Sim::scale(machines, actions).await?;
    let isolation_actions = sim.handle.action_count(&["Isolate", "Unisolate"]);
    let kept = std::env::var_os("CORDON_BENCH_DATA_DIR").map(std::path::PathBuf::from);
    let dir = kept.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("cordon-grid-bench-{}", std::process::id()))
    });
    let cfg = cordon_core::tenant::with_store(sim.app_config()?, &dir);
    let path = cfg.store_path.clone().ok_or("no store path")?;
    let _ = std::fs::remove_file(&path);
    let env = cli_env(&sim, &dir)?;
    let app = App::new(cfg.clone())?;
    let t = Instant::now();
    app.refresh().await?;
    let sync = t.elapsed();
    // Before any handle closes (the last close checkpoints and removes it): what the
    // sync's own checkpoint left.
    let wal_bytes = std::fs::metadata(path.with_extension("sqlite3-wal")).map_or(0, |m| m.len());

    let mut timings = Vec::new();
    let mut time = |what: &str, f: &mut dyn FnMut() -> BenchResult<String>| -> BenchResult<()> {
        let (best, answer) = best_of(5, &mut *f)?;
        timings.push(Timing {
            what: what.to_owned(),
            best,
            answer,
        });
        Ok(())
    };
    let all = GridFilter::default();
    let by_name = GridSort::default();
    let isolated = GridFilter {
        isolated_now: true,
        ..GridFilter::default()
    };
    time("page: 60 rows at offset 50% (by name)", &mut || {
        let p = app.grid_page(&q(all.clone(), by_name, machines / 2, 60))?;
        Ok(format!("{} rows of {}", p.rows.len(), p.total))
    })?;
    time(
        "search \"-0042\" (name, id, IP): first 60 rows + total",
        &mut || {
            let f = GridFilter {
                search: Some("-0042".into()),
                ..GridFilter::default()
            };
            let p = app.grid_page(&q(f, by_name, 0, 60))?;
            Ok(format!("{} matching", p.total))
        },
    )?;
    time("filter isolated now: first 60 rows + total", &mut || {
        let p = app.grid_page(&q(isolated.clone(), by_name, 0, 60))?;
        Ok(format!("{} matching", p.total))
    })?;
    time("sort by risk (desc), 60 rows at offset 50%", &mut || {
        let sort = GridSort {
            column: GridColumn::Risk,
            descending: true,
        };
        let p = app.grid_page(&q(all.clone(), sort, machines / 2, 60))?;
        Ok(format!("{} rows", p.rows.len()))
    })?;
    time("counters (per derived state)", &mut || {
        let c = app.grid_counters(&all)?;
        Ok(format!("{} isolated now of {}", c.isolated_now, c.total))
    })?;
    let cursor = app.grid_page(&q(all.clone(), by_name, 0, 1))?.cursor;
    time("changes since the last cursor (idle)", &mut || {
        let c = app.grid_changes(cursor)?;
        Ok(format!("{} changed", c.changed))
    })?;
    time("select all isolated now: every id", &mut || {
        Ok(format!("{} ids", app.grid_ids(&isolated)?.len()))
    })?;
    time(
        "cordon machines --isolated --json --offline: the core's list (open the store, one read)",
        &mut || {
            let list = App::grid_rows_offline(&cfg, &isolated)?;
            Ok(format!("{} rows", list.machines.len()))
        },
    )?;
    // The real command, when it was built beside the bench (`cargo build --release -p
    // cordon-cli`): a new process opens the store and prints the JSON (to a pipe).
    let cordon =
        std::env::current_exe()?.with_file_name(format!("cordon{}", std::env::consts::EXE_SUFFIX));
    if cordon.exists() {
        time(
            "cordon machines --isolated --json --offline: the real command (new process)",
            &mut || {
                let out = std::process::Command::new(&cordon)
                    .args(["machines", "--isolated", "--json", "--offline"])
                    .envs(env.iter().map(|(k, v)| (k, v)))
                    .output()?;
                if !out.status.success() {
                    return Err(String::from_utf8_lossy(&out.stderr).into_owned().into());
                }
                // The last key of the document (parsing 30 MB would be timed too).
                let text = String::from_utf8_lossy(&out.stdout);
                let total = text
                    .rsplit_once("\"total\": ")
                    .map(|(_, t)| t.trim_end().trim_end_matches('}').trim())
                    .ok_or("no total in the output")?;
                Ok(format!(
                    "{total} rows, {:.1} MB of JSON",
                    out.stdout.len() as f64 / 1e6
                ))
            },
        )?;
    }
    let (open, _) = best_of(1, || Ok(App::new(cfg.clone())?))?;
    timings.push(Timing {
        what: "for comparison: opening a core (its cache then loads on a thread of its own)".into(),
        best: open,
        answer: String::new(),
    });
    drop(app);

    let (tables, file_bytes) = sizes(&path)?;
    if kept.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(GridBench {
        machines,
        actions,
        isolation_actions,
        sync,
        timings,
        tables,
        file_bytes,
        wal_bytes,
        cli_env: if kept.is_some() { env } else { Vec::new() },
    })
}

/// `CORDON_*` variables naming the simulator's tenant, so `cordon --offline` opens the
/// kept store (its key is a hash of the authority and tenant id).
fn cli_env(sim: &Sim, dir: &Path) -> BenchResult<Vec<(String, String)>> {
    let (e, _) = sim.endpoints()?;
    use mde_sim::identities as id;
    Ok(vec![
        ("CORDON_DATA_DIR".into(), dir.display().to_string()),
        ("CORDON_AUTHORITY".into(), e.authority.to_string()),
        ("CORDON_API_BASE".into(), e.api_base.to_string()),
        ("CORDON_TENANT_ID".into(), id::TENANT_ID.into()),
        ("CORDON_CLIENT_ID".into(), id::ANALYST_CLIENT_ID.into()),
        ("CORDON_CLIENT_SECRET".into(), id::ANALYST_SECRET.into()),
    ])
}

/// Bytes per table and index (`dbstat`), and the file's.
fn sizes(path: &Path) -> BenchResult<(Vec<(String, u64)>, u64)> {
    let conn = rusqlite::Connection::open(path)?;
    let mut stmt = conn
        .prepare("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY SUM(pgsize) DESC")?;
    let tables = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|(n, b)| (n, u64::try_from(b).unwrap_or(0)))
        .collect();
    let file = std::fs::metadata(path)?.len();
    Ok((tables, file))
}
