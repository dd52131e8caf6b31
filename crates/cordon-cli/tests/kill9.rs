//! D-1, the kill -9 harness: a bulk job of 500 machines, the `cordon` process killed
//! with SIGKILL at a uniformly random moment, then `cordon jobs resume` to the end.
//! Per run: (a) the job's 500 items each in exactly one terminal state (`cordon jobs
//! show --json`), (b) the simulator processed at most one POST per machine and its
//! ledger holds exactly one action per machine (0 lost, 0 duplicated), (c) `PRAGMA
//! integrity_check` = ok on the store file, (d) the audit log holds one entry per item
//! transition: per machine an unbroken chain from `planned` to the item's final state,
//! with one `sending` entry per attempt.
//!
//! The kill moment: one run in ten at a uniformly random moment before the job is
//! committed (sync, resolution, preview: nothing may be sent), the others at a
//! uniformly random moment of the job (from the preview line to the end, as timed by
//! two calibration runs).
//!
//! Runs alternate: isolate 500 machines of a fresh tenant (`SimControl::reset`), then
//! release them (the clock advanced so the isolations have succeeded). Rate limits are
//! compressed (1,000 calls per 1 s window, simulator and client alike) so a job lasts
//! about a second. `CORDON_KILL9_RUNS=N` (default 50) sets the number of killed runs,
//! `CORDON_KILL9_SEED` the random seed (printed, to replay a failure),
//! `CORDON_KILL9_LANES` how many run side by side (2, each with its own simulator).
//!
//! The team variant (`kill_9_two_processes_on_a_team_store`) runs the same kind of job,
//! of 150 machines, on a team store (PostgreSQL, a database per lane): right after the preview a second
//! process (`cordon jobs resume`) drives the same job beside the first, and one of the
//! two, drawn at random, is killed at a random moment; the other goes on, then a last
//! resume finishes. The same checks hold: 0 lost, 0 duplicated, unbroken audit chains
//! (`CORDON_KILL9_TEAM_RUNS`, default 50). Needs `CORDON_TEST_PG_URL` unless
//! `CORDON_SKIP_PG=1`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../../cordon-core/tests/pg/harness.rs"]
mod harness;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mde_sim::control_client::SimControl;
use mde_sim::{Scenario, SimConfig, SimHandle, Simulator, identities};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

const MACHINES: usize = 500;
/// The team variant's job: its store is a server (a transaction per move, over a
/// socket), so a smaller job keeps 50 runs within CI's time; every moment of a job is
/// still drawn (`CORDON_KILL9_TEAM_MACHINES`).
const TEAM_MACHINES: usize = 150;
const RATE: &str = "1000";

struct Harness {
    sim: SimHandle,
    ctl: SimControl,
    ids: Vec<String>,
    /// The team store of the team variant (its database lives as long as the lane).
    team: Option<harness::TestDb>,
    /// Machines per job.
    machines: usize,
    /// Jobs of earlier runs (the team store keeps them all).
    earlier: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl Harness {
    async fn clear_log(&self) {
        self.ctl.clear_requests().await.expect("control API");
    }

    /// `cordon ARGS` against the simulator with the data folder `dir`.
    fn command(&self, dir: &Path, args: &[String]) -> Command {
        let base = self.sim.base_url();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cordon"));
        cmd.arg("--data-dir")
            .arg(dir)
            .args(args)
            .env_remove("CORDON_DATA_DIR")
            .env_remove("CORDON_STORE_URL")
            .env("CORDON_TENANT_ID", identities::TENANT_ID)
            .env("CORDON_CLIENT_ID", identities::ANALYST_CLIENT_ID)
            .env("CORDON_CLIENT_SECRET", identities::ANALYST_SECRET)
            .env("CORDON_AUTHORITY", &base)
            .env("CORDON_API_BASE", &base)
            .env("CORDON_RATE_PER_MINUTE", RATE)
            .env("CORDON_RATE_PER_HOUR", "1000000")
            .env("CORDON_RATE_WINDOW_SECS", "1")
            .env("CORDON_CONCURRENCY", "16")
            // Items a kill left `sending` are looked up 1 s after their intent, three
            // times 1 s apart (not 30 s: the simulator lists new actions at once).
            .env("CORDON_LOOKUP_SETTLE_SECS", "1")
            .stdin(Stdio::null());
        if let Some(db) = &self.team {
            cmd.env("CORDON_STORE_URL", &db.url);
        }
        cmd
    }

    /// The store this harness's `cordon` processes journal into (none yet: `None`).
    fn store(&self, dir: &Path) -> Option<cordon_core::store::Store> {
        match &self.team {
            Some(db) => Some(cordon_core::store::Store::open_url(&db.url).expect("team store")),
            None => {
                let path = cli_store(self, dir);
                path.exists()
                    .then(|| cordon_core::store::Store::open(&path).expect("store opens"))
            }
        }
    }

    /// Runs `cordon ARGS` to its end: (exit code, stdout, stderr).
    async fn run(&self, dir: &Path, args: &[String]) -> (i32, String, String) {
        let mut cmd = self.command(dir, args);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let out = tokio::task::spawn_blocking(move || cmd.output().expect("cordon runs"))
            .await
            .expect("join");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Isolate,
    Release,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Isolate => "isolate",
            Kind::Release => "release",
        }
    }
    fn action_type(self) -> &'static str {
        match self {
            Kind::Isolate => "Isolate",
            Kind::Release => "Unisolate",
        }
    }
}

/// What one run found.
#[derive(Default)]
struct Tally {
    lost: usize,
    duplicated: usize,
    killed_before_commit: usize,
    finished_before_kill: usize,
    resumed: usize,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.lost += o.lost;
        self.duplicated += o.duplicated;
        self.killed_before_commit += o.killed_before_commit;
        self.finished_before_kill += o.finished_before_kill;
        self.resumed += o.resumed;
    }
}

fn env_number(key: &str) -> Option<u64> {
    std::env::var(key).ok().and_then(|v| v.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_random_moments_then_resume() {
    let runs = env_number("CORDON_KILL9_RUNS").unwrap_or(50) as usize;
    let lanes = lanes();
    run_lanes("kill -9 runs", runs, (0..lanes).map(|_| None).collect()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_two_processes_on_a_team_store() {
    let runs = env_number("CORDON_KILL9_TEAM_RUNS").unwrap_or(50) as usize;
    let mut dbs = Vec::new();
    for _ in 0..lanes() {
        let Some(db) = harness::TestDb::new() else {
            return;
        };
        dbs.push(Some(db));
    }
    run_lanes("team kill -9 runs (two processes, PostgreSQL)", runs, dbs).await;
}

/// Lanes run side by side, each with its own simulator (a run waits on the network and
/// the store as much as it computes): `CORDON_KILL9_LANES`, 2 by default.
fn lanes() -> usize {
    env_number("CORDON_KILL9_LANES").unwrap_or(2).clamp(1, 8) as usize
}

/// `runs` killed runs shared among the lanes (one per entry of `stores`: a team store,
/// or `None` for each process's own file), then the tally printed and checked.
async fn run_lanes(what: &str, runs: usize, stores: Vec<Option<harness::TestDb>>) {
    let lanes = stores.len();
    let seed = env_number("CORDON_KILL9_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    eprintln!("{what}: {runs} in {lanes} lane(s), CORDON_KILL9_SEED={seed}");
    let tasks: Vec<_> = stores
        .into_iter()
        .enumerate()
        .map(|(lane, store)| {
            let share = runs / lanes + usize::from(lane < runs % lanes);
            tokio::spawn(lane_runs(share, seed.wrapping_add(lane as u64), store))
        })
        .collect();
    let mut tally = Tally::default();
    for t in tasks {
        tally.add(&t.await.expect("a lane failed"));
    }
    println!(
        "{what}: {runs}, lost {}, duplicated {} ({} killed before the job was committed, {} finished before the kill, {} finished by resume)",
        tally.lost,
        tally.duplicated,
        tally.killed_before_commit,
        tally.finished_before_kill,
        tally.resumed
    );
    assert_eq!((tally.lost, tally.duplicated), (0, 0));
}

/// `runs` killed runs against a simulator of this lane's own (on `team`'s store
/// when given, with a second process beside the first).
async fn lane_runs(runs: usize, seed: u64, team: Option<harness::TestDb>) -> Tally {
    let mut rng = StdRng::seed_from_u64(seed);
    let sim = Simulator::start(SimConfig {
        scenario: Scenario::Scale {
            machines: 600,
            actions: 0,
        },
        rate_per_minute: 1000,
        rate_minute_window: Duration::from_secs(1),
        rate_per_hour: u32::MAX,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let mut h = Harness {
        ctl: sim.control(),
        sim,
        ids: Vec::new(),
        machines: if team.is_some() {
            env_number("CORDON_KILL9_TEAM_MACHINES")
                .map_or(TEAM_MACHINES, |n| n.clamp(10, 500) as usize)
        } else {
            MACHINES
        },
        team,
        earlier: Default::default(),
    };
    let state = h.ctl.state().await.expect("control API");
    h.ids = state
        .machines
        .into_iter()
        .filter(|m| m.online)
        .take(h.machines)
        .map(|m| m.id)
        .collect();
    assert_eq!(h.ids.len(), h.machines);

    // Calibration: runs to their end give the two phases the kill moment is drawn
    // from: before the job is committed (sync, resolution, preview) and the job.
    let mut tally = Tally::default();
    let mut spans = Vec::new();
    for kind in [Kind::Isolate, Kind::Release] {
        spans.push(one_run(&h, kind, Kill::Never, &mut tally).await);
    }
    let pre = spans.iter().map(|s| s.0).min().unwrap_or_default();
    let job = spans.iter().map(|s| s.1).min().unwrap_or_default();
    eprintln!(
        "lane {seed}: a full run is {:.2} s before the job and {:.2} s of job",
        pre.as_secs_f64(),
        job.as_secs_f64()
    );

    for run in 0..runs {
        let kind = if run % 2 == 0 {
            Kind::Isolate
        } else {
            Kind::Release
        };
        // One kill in ten before the commit (nothing may be sent then), the others at
        // a uniformly random moment of the job.
        let kill = if rng.gen_ratio(1, 10) {
            Kill::AfterStart(pre.mul_f64(rng.gen_range(0.0..1.0)))
        } else {
            Kill::InJob(job.mul_f64(rng.gen_range(0.0..1.0)))
        };
        one_run(&h, kind, kill, &mut tally).await;
    }
    tally
}

/// When a run's `cordon` process is killed.
#[derive(Clone, Copy)]
enum Kill {
    Never,
    /// This long after it started.
    AfterStart(Duration),
    /// This long after it printed the preview (the job is being committed).
    InJob(Duration),
}

/// The bulk command of a run, started with its stderr read on a thread: the receiver
/// fires when the preview line (the last line before the commit) is printed.
fn spawn(h: &Harness, dir: &Path, args: &[String]) -> (Child, tokio::sync::oneshot::Receiver<()>) {
    let mut cmd = h.command(dir, args);
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("cordon starts");
    let err = child.stderr.take().expect("stderr");
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        // Read to the end so the child never blocks on a full pipe.
        for line in BufReader::new(err).lines() {
            let Ok(line) = line else { break };
            if let Some(tx) = tx.take_if(|_| line.contains(" machine(s), comment ")) {
                let _ = tx.send(());
            }
        }
    });
    (child, rx)
}

async fn reap(mut child: Child) -> std::process::ExitStatus {
    tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("join")
        .expect("reaped")
}

/// One run of `kind` over the 500 machines, killed (or not), then resumed and
/// checked. Returns how long the command took before and after its preview.
async fn one_run(h: &Harness, kind: Kind, kill: Kill, tally: &mut Tally) -> (Duration, Duration) {
    if kind == Kind::Isolate {
        h.ctl.reset(None, None).await.expect("control API");
    } else {
        // Let the isolations of the previous run succeed.
        h.sim.advance(600.0);
    }
    let before = h.ctl.state().await.expect("control API").action_count;
    h.clear_log().await;
    let dir = data_dir();
    let mut args: Vec<String> = vec![kind.word().into()];
    args.extend(h.ids.iter().cloned());
    args.extend([
        "--comment".into(),
        "D-1 kill -9 harness".into(),
        "--yes".into(),
    ]);

    let started = Instant::now();
    let (mut child, previewed) = spawn(h, dir.path(), &args);
    let mut phases = (Duration::ZERO, Duration::ZERO);
    match kill {
        Kill::Never => {
            let _ = previewed.await;
            phases.0 = started.elapsed();
            let status = reap(child).await;
            phases.1 = started.elapsed() - phases.0;
            assert!(status.success(), "{status}");
        }
        Kill::AfterStart(at) | Kill::InJob(at) => {
            if matches!(kill, Kill::InJob(_)) {
                let _ = tokio::time::timeout(Duration::from_secs(120), previewed).await;
            }
            // The team variant: a second process drives the same job beside the first
            // (it waits until the job is committed), and either may be the one killed.
            let mut second = None;
            if h.team.is_some() && matches!(kill, Kill::InJob(_)) {
                let end = Instant::now() + Duration::from_secs(20);
                while job_ids(h, dir.path()).is_empty() && Instant::now() < end {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                second = Some(spawn(h, dir.path(), &["jobs".into(), "resume".into()]).0);
            }
            tokio::time::sleep(at).await;
            if let Some(other) = second.as_mut().filter(|_| at.subsec_nanos() % 2 == 1) {
                std::mem::swap(&mut child, other);
            }
            if child.try_wait().expect("status").is_some() {
                tally.finished_before_kill += 1;
            } else {
                child.kill().expect("SIGKILL");
            }
            reap(child).await;
            if let Some(other) = second {
                let status = reap(other).await;
                assert!(status.success(), "the other process: {status}");
            }
            let (code, out, err) = h.run(dir.path(), &["jobs".into(), "resume".into()]).await;
            assert_eq!(code, 0, "resume: {out}\n{err}");
            if !out.trim().is_empty() {
                tally.resumed += 1;
            }
            if job_ids(h, dir.path()).is_empty() {
                // Killed before the job was committed: nothing may have been sent.
                assert!(
                    processed_posts(h, kind).await.is_empty(),
                    "a POST without a committed job"
                );
                tally.killed_before_commit += 1;
                let (code, out, err) = h.run(dir.path(), &args).await;
                assert_eq!(code, 0, "{out}\n{err}");
            }
        }
    }
    check(h, kind, dir.path(), before, tally).await;
    phases
}

/// The store of the simulator's tenant in `dir`, by the core's one store-key rule.
fn cli_store(h: &Harness, dir: &Path) -> PathBuf {
    let base = h.sim.base_url();
    let endpoints = mde_api::Endpoints::custom(&base, &base).expect("endpoints");
    cordon_core::tenant::paths::store_path(dir, &endpoints, identities::TENANT_ID)
}

/// This run's jobs in the store of `dir` (none when the store was never created).
fn job_ids(h: &Harness, dir: &Path) -> Vec<String> {
    let earlier = h.earlier.lock().unwrap().clone();
    h.store(dir).map_or_else(Vec::new, |store| {
        store
            .jobs()
            .expect("jobs")
            .into_iter()
            .map(|j| j.id)
            .filter(|id| !earlier.contains(id))
            .collect()
    })
}

/// Processed isolate/release POSTs per machine, from the request log of this run.
async fn processed_posts(h: &Harness, kind: Kind) -> HashMap<String, usize> {
    let suffix = format!("/{}", kind.action_type().to_ascii_lowercase());
    let mut per = HashMap::new();
    for r in h.ctl.requests().await.expect("control API") {
        let path = r.path.as_str();
        let processed = r.status == 201 || r.dropped;
        if r.method == "POST" && path.ends_with(&suffix) && processed {
            let id = path
                .split('/')
                .nth(3)
                .unwrap_or_default()
                .to_ascii_lowercase();
            *per.entry(id).or_insert(0) += 1;
        }
    }
    per
}

async fn check(h: &Harness, kind: Kind, dir: &Path, before: usize, tally: &mut Tally) {
    // (a) one job, 500 items, each once and terminal.
    let jobs = job_ids(h, dir);
    assert_eq!(jobs.len(), 1, "one job per run: {jobs:?}");
    let job_id = jobs[0].clone();
    h.earlier.lock().unwrap().insert(job_id.clone());
    let (code, out, err) = h
        .run(
            dir,
            &[
                "jobs".into(),
                "show".into(),
                job_id.clone(),
                "--json".into(),
            ],
        )
        .await;
    assert_eq!(code, 0, "{err}");
    let detail: Value = serde_json::from_str(&out).expect("job JSON");
    assert_eq!(detail["job"]["state"], "done", "{}", detail["job"]);
    let items = detail["items"].as_array().unwrap();
    assert_eq!(items.len(), h.machines);
    let mut final_state = HashMap::new();
    for i in items {
        let id = i["machineId"].as_str().unwrap().to_ascii_lowercase();
        let s = i["state"].as_str().unwrap().to_owned();
        assert!(matches!(s.as_str(), "done" | "adopted"), "{i}");
        assert!(final_state.insert(id, s).is_none(), "a machine twice");
    }
    assert!(h.ids.iter().all(|id| final_state.contains_key(id)));

    // (b) at most one processed POST per machine; the ledger holds exactly one action
    // of this kind per machine.
    let posts = processed_posts(h, kind).await;
    let duplicated: usize = posts.values().map(|n| n.saturating_sub(1)).sum();
    let ledger = h.ctl.actions_since(before).await.expect("control API");
    let mut per = HashMap::new();
    for a in &ledger {
        assert_eq!(a["type"], kind.action_type(), "only this run's kind: {a}");
        *per.entry(a["machineId"].as_str().unwrap().to_ascii_lowercase())
            .or_insert(0usize) += 1;
    }
    let lost = h.ids.iter().filter(|id| !per.contains_key(*id)).count();
    let ledger_dups: usize = per.values().map(|n| n.saturating_sub(1)).sum();
    tally.lost += lost;
    tally.duplicated += duplicated.max(ledger_dups);
    assert_eq!((lost, duplicated, ledger_dups), (0, 0, 0), "job {job_id}");

    // (c) + (d) through the store contract (either engine).
    let store = h.store(dir).expect("a store");
    assert_eq!(store.integrity_check().expect("integrity check"), "ok");
    drop(store);
    audit_chains(h, dir, &job_id, &final_state);
}

/// A fresh data folder, in memory (`/dev/shm`) where there is one: a kill -9 loses
/// nothing the process wrote to the OS, so fsync's cost (D-2's subject, power loss)
/// only slows the harness down.
fn data_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    let in_memory = shm
        .is_dir()
        .then(|| tempfile::tempdir_in(shm).ok())
        .flatten();
    in_memory.unwrap_or_else(|| tempfile::tempdir().expect("temp dir"))
}

/// (d): per machine, the audit rows of the job form one unbroken chain of transitions
/// (`from` = the previous `to`) from `planned` to the item's final state, with one
/// `sending` row per attempt counted in `job_items`.
fn audit_chains(h: &Harness, dir: &Path, job_id: &str, final_state: &HashMap<String, String>) {
    let sql = format!(
        "SELECT machine_id, from_state, to_state FROM audit
         WHERE job_id = '{job_id}' AND machine_id IS NOT NULL ORDER BY seq"
    );
    // (machine, from, to) in the order appended, read from the engine itself.
    let rows: Vec<(String, Option<String>, String)> = match &h.team {
        Some(db) => db
            .sql(&sql)
            .into_iter()
            .map(|r| {
                let mut r = r.into_iter();
                let mut next = || r.next().flatten();
                (next().unwrap(), next(), next().unwrap())
            })
            .collect(),
        None => {
            let path = cli_store(h, dir);
            let db = rusqlite::Connection::open_with_flags(
                &path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .expect("store opens");
            let mut stmt = db.prepare(&sql).unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        }
    };
    let mut chains: HashMap<String, Vec<(Option<String>, String)>> = HashMap::new();
    for (m, from, to) in rows {
        chains
            .entry(m.to_ascii_lowercase())
            .or_default()
            .push((from, to));
    }
    let store = h.store(dir).expect("a store");
    let attempts: HashMap<String, i64> = store
        .items(job_id)
        .expect("items")
        .into_iter()
        .map(|i| (i.machine_id.to_ascii_lowercase(), i64::from(i.attempts)))
        .collect();
    assert_eq!(chains.len(), final_state.len(), "every item has audit rows");
    for (m, chain) in &chains {
        assert_eq!(chain[0], (None, "planned".to_owned()), "{m}: {chain:?}");
        for w in chain.windows(2) {
            assert_eq!(w[1].0.as_deref(), Some(w[0].1.as_str()), "{m}: {chain:?}");
        }
        assert_eq!(
            Some(&chain.last().unwrap().1),
            final_state.get(m),
            "{m}: {chain:?}"
        );
        let sending = chain.iter().filter(|(_, to)| to == "sending").count() as i64;
        assert_eq!(Some(&sending), attempts.get(m), "{m}: {chain:?}");
    }
}
