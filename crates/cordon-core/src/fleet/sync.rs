//! Keeps the cache current with few calls, and the store's copy with it.
//!
//! Machines are listed every `machines_every`; isolation actions are filtered to
//! `Isolate`/`Unisolate` server-side and fetched incrementally: after the first full
//! load, only actions created since a watermark (the oldest action still in flight, or
//! a few minutes before the last sync) are asked for, which catches every status change
//! of in-flight work in one paged call. Alerts (what grouping names batches after) are
//! fetched incrementally by `alertCreationTime`, only in a round that refreshes the
//! machine list and only when an isolation appeared since the last alert fetch, so an
//! idle round stays at one or two calls. Whatever changed is written to the store, so
//! the next start shows the last known fleet before its first sync.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use mde_api::{ActionType, Alert, Filter, Machine, MachineAction, Query};

use crate::error::Result;
use crate::fleet::{Cache, Fleet, in_flight};
use crate::store::off_runtime;

/// The `meta` key of the last successful action sync (tenant clock).
pub(crate) const ACTIONS_SYNCED_AT: &str = crate::store::grid_sql::SYNCED_AT;
/// The `meta` key of the last machine listing (tenant clock).
pub(crate) const MACHINES_LISTED_AT: &str = "machines_listed_at";
/// The `meta` key of the newest alert creation time seen.
pub(crate) const ALERTS_WATERMARK: &str = "alerts_watermark";

/// Slack subtracted from the last sync time, for clock skew and late writes.
const WATERMARK_SLACK: chrono::Duration = chrono::Duration::minutes(10);

/// Rows written by one merge from which the store's write-ahead log is folded back
/// into the file and the memory the merge freed is given back to the OS (a first sync,
/// a large catch-up): below it SQLite's own checkpoints keep the log small, and the
/// allocator keeps what it will soon reuse.
const LARGE_WRITE: usize = 10_000;

impl Fleet {
    /// One sync round. `force_machines` refreshes the machine list regardless of age.
    pub async fn sync_once(&self, force_machines: bool) -> Result<()> {
        // The merge diffs against the cache: it must be loaded.
        self.ready().await;
        let _gate = self.inner.sync_gate.lock().await;
        let result = self.sync_inner(force_machines).await;
        let mut c = self.cache();
        let was_err = c.error.is_some();
        let was_loading = c.loading;
        c.loading = false;
        match &result {
            Ok(at) => {
                c.synced_at = Some(*at);
                c.error = None;
            }
            Err(e) => c.error = Some(crate::error::api_to_ipc(e)),
        }
        let changed = was_err != c.error.is_some() || was_loading || result.is_err();
        drop(c);
        if changed {
            self.notify();
        }
        result.map(|_| ()).map_err(Into::into)
    }

    async fn sync_inner(
        &self,
        force_machines: bool,
    ) -> std::result::Result<DateTime<Utc>, mde_api::Error> {
        let started = self.now();
        let (need_machines, watermark, need_perms) = {
            let c = self.cache();
            let every = self.inner.pace.machines_every;
            let stale = match c.machines_synced {
                Some(t) => t.elapsed() >= every,
                // A new process: listed by an earlier one on this store, recently?
                None => c.restored_machines_at.is_none_or(|at| {
                    (started - at).to_std().is_ok_and(|d| d >= every) || at > started
                }),
            };
            (
                force_machines || stale,
                watermark(&c),
                c.permissions.is_none(),
            )
        };
        let machines = if need_machines {
            Some(self.client().list_machines(&Query::new()).await?)
        } else {
            None
        };
        if need_perms {
            // The token is cached by now: this costs no request.
            self.cache().permissions = Some(self.client().granted_permissions().await?);
        }
        let mut filter = Filter::r#in("type", ["Isolate", "Unisolate"]);
        if let Some(w) = watermark {
            filter = filter.and(Filter::ge("creationDateTimeUtc", w));
        }
        let actions = self
            .client()
            .list_machine_actions(&Query::new().filter(filter))
            .await?;
        if need_machines {
            self.cache().machines_synced = Some(Instant::now());
        }
        // The store writes (a large fleet the first time) run off the async workers.
        // The sync time is kept too: after a restart the actions are fetched
        // incrementally from it, not all again.
        let fleet = self.clone();
        off_runtime(move || {
            fleet.merge_at(machines, actions, true, Some(started));
            if fleet.age_grid() {
                // Rows turned stuck with time alone: the views refetch them.
                fleet.bump();
            }
            let store = fleet.store();
            let mut saved = store.set_meta(ACTIONS_SYNCED_AT, &crate::store::ts(started));
            if need_machines {
                saved = saved
                    .and_then(|()| store.set_meta(MACHINES_LISTED_AT, &crate::store::ts(started)));
            }
            if let Err(e) = saved {
                tracing::warn!(error = %e, "sync time not saved to the store");
            }
        })
        .await;
        if need_machines && self.alerts_wanted() {
            // Alerts only name batches: a refusal (e.g. no Alert.Read.All) is logged,
            // not a failed sync.
            if let Err(e) = self.fetch_alerts(started).await {
                tracing::warn!(error = %e, "alerts not synced");
                // Not again until a new isolation appears (no call wasted per round).
                let mut c = self.cache();
                c.alerts_synced_at = Some(started);
                c.alerts_isolate_mark = newest_isolate(&c);
            }
        }
        Ok(started)
    }

    /// True when an isolation appeared since alerts were last fetched (or they never
    /// were): the newest Isolate action is newer than the one seen at that fetch.
    fn alerts_wanted(&self) -> bool {
        let c = self.cache();
        c.alerts_synced_at.is_none() || newest_isolate(&c) > c.alerts_isolate_mark
    }

    async fn fetch_alerts(
        &self,
        started: DateTime<Utc>,
    ) -> std::result::Result<(), mde_api::Error> {
        let watermark = self.cache().alerts_watermark;
        let mut query = Query::new();
        if let Some(w) = watermark {
            query = query.filter(Filter::ge("alertCreationTime", w - WATERMARK_SLACK));
        }
        let alerts = self.client().list_alerts(&query).await?;
        let fleet = self.clone();
        off_runtime(move || fleet.merge_alerts(alerts, started)).await;
        Ok(())
    }

    /// Upserts alerts into the cache and the store; moves the watermark.
    pub(crate) fn merge_alerts(&self, alerts: Vec<Alert>, fetched_at: DateTime<Utc>) {
        let newest = alerts.iter().filter_map(|a| a.alert_creation_time).max();
        let changed: Vec<Alert> = {
            let mut c = self.cache();
            c.alerts_synced_at = Some(fetched_at);
            c.alerts_isolate_mark = newest_isolate(&c);
            if let Some(n) = newest {
                c.alerts_watermark = Some(c.alerts_watermark.map_or(n, |w| w.max(n)));
            }
            let index: HashMap<String, usize> = c
                .alerts
                .iter()
                .enumerate()
                .map(|(i, a)| (a.id.clone(), i))
                .collect();
            let mut changed = Vec::new();
            for a in alerts {
                match index.get(&a.id) {
                    Some(&i) if c.alerts[i] == a => {}
                    Some(&i) => {
                        c.alerts[i] = a.clone();
                        changed.push(a);
                    }
                    None => {
                        c.alerts.push(a.clone());
                        changed.push(a);
                    }
                }
            }
            changed
        };
        let store = self.store();
        let saved =
            store
                .save_alerts(&changed)
                .and_then(|()| match self.cache().alerts_watermark {
                    Some(w) => store.set_meta(ALERTS_WATERMARK, &crate::store::ts(w)),
                    None => Ok(()),
                });
        if let Err(e) = saved {
            tracing::warn!(error = %e, "alerts not saved to the store");
        }
        if !changed.is_empty() {
            self.bump();
        }
    }

    /// Merges fresh wire data into the cache (and what changed into the store); bumps
    /// the revision and notifies when anything changed. `replace_machines` replaces
    /// the machine list wholesale.
    pub(crate) fn merge(
        &self,
        machines: Option<Vec<Machine>>,
        actions: Vec<MachineAction>,
        replace_machines: bool,
    ) {
        self.merge_at(machines, actions, replace_machines, None);
    }

    /// [`Self::merge`] of a sync round started at `at` (its next fetch's watermark
    /// bounds what the cache must keep).
    pub(crate) fn merge_at(
        &self,
        machines: Option<Vec<Machine>>,
        actions: Vec<MachineAction>,
        replace_machines: bool,
        at: Option<DateTime<Utc>>,
    ) {
        let mut machines_changed: Vec<Machine> = Vec::new();
        let mut machines_removed: Vec<String> = Vec::new();
        let mut actions_changed: Vec<MachineAction> = Vec::new();
        {
            let mut c = self.cache();
            if let Some(ms) = machines {
                if replace_machines {
                    if c.machines != ms {
                        let old: HashMap<&str, &Machine> =
                            c.machines.iter().map(|m| (m.id.as_str(), m)).collect();
                        machines_changed = ms
                            .iter()
                            .filter(|m| old.get(m.id.as_str()) != Some(m))
                            .cloned()
                            .collect();
                        let kept: HashSet<&str> = ms.iter().map(|m| m.id.as_str()).collect();
                        machines_removed = c
                            .machines
                            .iter()
                            .filter(|m| !kept.contains(m.id.as_str()))
                            .map(|m| m.id.clone())
                            .collect();
                        c.machines = ms;
                    }
                } else {
                    for m in ms {
                        match c.machines.iter_mut().find(|x| x.id == m.id) {
                            Some(x) if *x == m => {}
                            Some(x) => {
                                *x = m.clone();
                                machines_changed.push(m);
                            }
                            None => {
                                c.machines.push(m.clone());
                                machines_changed.push(m);
                            }
                        }
                    }
                }
            }
            for a in actions {
                if c.actions.get(&a.id) != Some(&a) {
                    c.actions.insert(a.id.clone(), a.clone());
                    actions_changed.push(a);
                }
            }
            if !actions_changed.is_empty() {
                let h = horizon(&c, at);
                c.prune(h);
            }
        }
        if machines_changed.is_empty() && machines_removed.is_empty() && actions_changed.is_empty()
        {
            return;
        }
        // The grid's records of the machines touched (their data or their actions).
        let mut affected: HashSet<String> = machines_changed
            .iter()
            .map(|m| m.id.to_ascii_lowercase())
            .collect();
        affected.extend(
            actions_changed
                .iter()
                .filter_map(|a| a.machine_id.as_deref())
                .map(str::to_ascii_lowercase),
        );
        // The store keeps the last known fleet for the next start (only what changed).
        // A failure here loses nothing but that copy: logged, and the sync goes on.
        self.grid_behind();
        if let Err(e) = self
            .store()
            .save_machines(&machines_changed, &machines_removed)
        {
            tracing::warn!(error = %e, "machines not saved to the store");
        }
        if let Err(e) = self.store().save_actions(&actions_changed) {
            tracing::warn!(error = %e, "actions not saved to the store");
        }
        self.update_grid(&affected, &machines_removed);
        let written = machines_changed.len() + machines_removed.len() + actions_changed.len();
        if written >= LARGE_WRITE {
            match self.store().checkpoint() {
                Ok(true) => {}
                Ok(false) => tracing::debug!("write-ahead log held by a reader"),
                Err(e) => tracing::warn!(error = %e, "write-ahead log not folded back"),
            }
            drop((machines_changed, actions_changed));
            crate::fleet::cache::trim_heap();
        }
        self.bump();
    }

    /// A new revision, announced.
    pub(crate) fn bump(&self) {
        let status = {
            let mut c = self.lock();
            c.revision = c.revision.wrapping_add(1);
            c.status()
        };
        // No receiver is fine (nobody listening yet).
        let _ = self.inner.events.send(status);
    }

    /// How long to wait before the next round: short while isolation work is moving.
    pub(crate) fn next_poll(&self) -> Duration {
        let c = self.cache();
        if c.error.is_some() {
            return self.inner.pace.busy_poll.max(Duration::from_secs(5));
        }
        let now = self.now();
        let busy = c.actions.values().any(|a| {
            in_flight(&a.status) && now - a.creation_date_time_utc < chrono::Duration::hours(1)
        });
        if busy {
            self.inner.pace.busy_poll
        } else {
            self.inner.pace.idle_poll
        }
    }
}

/// The creation time of the newest Isolate action in the cache.
fn newest_isolate(c: &Cache) -> Option<DateTime<Utc>> {
    c.actions
        .values()
        .filter(|a| a.action_type == ActionType::Isolate)
        .map(|a| a.creation_date_time_utc)
        .max()
}

/// The creation time from which actions must be fetched again; `None` = everything.
fn watermark(c: &Cache) -> Option<DateTime<Utc>> {
    horizon(c, None)
}

/// The watermark of the fetch after a sync at `at` (`None`: the last one): what the
/// cache keeps at least (`resident.rs`), so a fetched action is compared with its copy.
pub(crate) fn horizon(c: &Cache, at: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    let last = at.or(c.synced_at).or(c.restored_synced_at)?;
    let oldest_in_flight = c
        .actions
        .values()
        .filter(|a| in_flight(&a.status))
        .map(|a| a.creation_date_time_utc)
        .min();
    let w = last - WATERMARK_SLACK;
    Some(oldest_in_flight.map_or(w, |o| o.min(w)))
}
