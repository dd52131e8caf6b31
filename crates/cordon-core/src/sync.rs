//! Keeps the cache current with few calls.
//!
//! Machines are listed every `machines_every`; isolation actions are filtered to
//! `Isolate`/`Unisolate` server-side and fetched incrementally: after the first full
//! load, only actions created since a watermark (the oldest action still in flight, or
//! a few minutes before the last sync) are asked for, which catches every status change
//! of in-flight work in one paged call.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use mde_api::{ActionStatus, Filter, Query};

use crate::app::App;
use crate::error::Result;

/// Slack subtracted from the last sync time, for clock skew and late writes.
const WATERMARK_SLACK: chrono::Duration = chrono::Duration::minutes(10);

impl App {
    /// One sync round. `force_machines` refreshes the machine list regardless of age.
    pub async fn sync_once(&self, force_machines: bool) -> Result<()> {
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
            let stale = c
                .machines_synced
                .is_none_or(|t| t.elapsed() >= self.inner.cfg.machines_every);
            (
                force_machines || stale,
                watermark(&c),
                c.permissions.is_empty(),
            )
        };
        let machines = if need_machines {
            Some(self.client().list_machines(&Query::new()).await?)
        } else {
            None
        };
        if need_perms {
            // The token is cached by now: this costs no request.
            self.cache().permissions = self.client().granted_permissions().await?;
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
        self.merge(machines, actions, true);
        Ok(started)
    }

    /// How long to wait before the next round: short while isolation work is moving.
    pub(crate) fn next_poll(&self) -> Duration {
        let c = self.cache();
        if c.error.is_some() {
            return self.inner.cfg.busy_poll.max(Duration::from_secs(5));
        }
        let now = self.now();
        let busy = c.actions.values().any(|a| {
            in_flight(&a.status) && now - a.creation_date_time_utc < chrono::Duration::hours(1)
        });
        if busy {
            self.inner.cfg.busy_poll
        } else {
            self.inner.cfg.idle_poll
        }
    }
}

fn in_flight(s: &ActionStatus) -> bool {
    matches!(s, ActionStatus::Pending | ActionStatus::InProgress)
}

/// The creation time from which actions must be fetched again; `None` = everything.
fn watermark(c: &crate::app::Cache) -> Option<DateTime<Utc>> {
    let last = c.synced_at?;
    let oldest_in_flight = c
        .actions
        .values()
        .filter(|a| in_flight(&a.status))
        .map(|a| a.creation_date_time_utc)
        .min();
    let w = last - WATERMARK_SLACK;
    Some(oldest_in_flight.map_or(w, |o| o.min(w)))
}
