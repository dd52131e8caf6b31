//! The team: many Cordon processes (desktops, CLIs, agents) on one store.
//!
//! - **Items.** A claim takes the item with a lease (this process, until when); the
//!   lease is checked again right before the POST, so a process that slept holding a
//!   claim never sends late. An item left `sending` or `unknown` is taken by another
//!   process only once its lease expired or its process ended, and then looked up
//!   before anything is resent ([`lease::take_item`]).
//! - **Whose token.** A job names who may send it: the principal that started it (a
//!   person's processes only, or the application's), or the automation
//!   ([`lease::AUTOMATION`]), sent by whichever process leads it. The agent never
//!   sends in a person's name.
//! - **Leaders.** Named leases pick one process per duty: [`lease::SYNC_LEASE`] (the
//!   one that syncs with Defender; the others read the store) and
//!   [`lease::AUTOMATION_LEASE`] (the rule and auto-reconcile). An agent outranks a
//!   desktop, which outranks a CLI.
//! - **Heartbeats.** Every process records that it is alive; the app shows which
//!   agent runs the automation and warns when none is seen.
//!
//! [`Team`] owns this process's identity and its lease length; the rules are pure
//! ([`lease`], table-tested); the rows live in the store (`store/team.rs`,
//! `store/pg/team.rs`).

pub mod lease;
#[cfg(test)]
mod lease_tests;
pub mod process;
pub mod status;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use mde_api::Client;
use tokio::sync::OnceCell;

pub use lease::{AUTOMATION, AUTOMATION_LEASE, Claimant, ProcessKind, SYNC_LEASE};
pub use process::Process;

use crate::error::Result;
use crate::store::{Store, off_runtime};

/// This process in the team store. Cheap to clone.
#[derive(Clone)]
pub struct Team {
    inner: Arc<TeamInner>,
}

struct TeamInner {
    store: Arc<Store>,
    client: Client,
    process: Process,
    /// The application (client id) this process signs in as: processes sharing one
    /// registration share its rate budget.
    app_id: String,
    lease: chrono::Duration,
    /// The principal this process sends as (the token's object id), learned once.
    oid: OnceCell<String>,
}

impl Team {
    pub(crate) fn new(
        store: Arc<Store>,
        client: Client,
        process: Process,
        app_id: String,
        lease: Duration,
    ) -> Self {
        Self {
            inner: Arc::new(TeamInner {
                store,
                client,
                process,
                app_id,
                lease: chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(2)),
                oid: OnceCell::new(),
            }),
        }
    }

    /// This process.
    pub fn process(&self) -> &Process {
        &self.inner.process
    }

    /// How long a lease taken now holds.
    pub fn lease(&self) -> chrono::Duration {
        self.inner.lease
    }

    /// The principal this process sends as, once the token told it (no request when a
    /// token is cached); `None` while no token can be had.
    pub async fn oid(&self) -> Option<String> {
        let inner = &self.inner;
        if let Some(oid) = inner.oid.get() {
            return Some(oid.clone());
        }
        let p = inner.client.principal().await.ok()?;
        Some(
            inner
                .oid
                .get_or_init(|| async { p.object_id })
                .await
                .clone(),
        )
    }

    /// The principal if already known.
    pub fn oid_now(&self) -> Option<String> {
        self.inner.oid.get().cloned()
    }

    /// This process as a claimant with a lease from `now`.
    pub fn claimant(&self, now: DateTime<Utc>) -> Claimant {
        Claimant {
            owner: self.inner.process.owner.clone(),
            oid: self.oid_now(),
            until: now + self.inner.lease,
        }
    }

    /// The owner of a lease that another process left, if that process has ended.
    pub fn ended(&self, owner: Option<&str>) -> Option<String> {
        owner
            .filter(|o| self.inner.process.has_ended(o))
            .map(str::to_owned)
    }

    /// Whether this process may lead the automation: any process on this computer's
    /// store, only an agent on a team store (a person's desktop never runs the rule
    /// for the team; its role cannot record rounds either).
    pub fn may_lead_automation(&self) -> bool {
        self.inner.store.pg().is_none() || self.inner.process.kind == ProcessKind::Agent
    }

    /// Whether this process may drive a job sent as `sender` at all (a person's jobs
    /// only in that person's processes; the automation's where it may be led).
    pub async fn may_run(&self, sender: Option<&str>) -> bool {
        match sender {
            None => true,
            Some(AUTOMATION) => self.may_lead_automation(),
            Some(oid) => self.oid().await.as_deref() == Some(oid),
        }
    }

    /// Made ready to claim an item of a job sent as `sender`: the principal learned,
    /// and for the automation's jobs its lease bid for (renewed when held). `false`
    /// when this process may not send it now.
    pub async fn ready_to_claim(&self, sender: Option<&str>) -> bool {
        if !self.may_run(sender).await {
            return false;
        }
        if sender == Some(AUTOMATION) {
            return self.lead(AUTOMATION_LEASE).await.unwrap_or(false);
        }
        true
    }

    /// Bids for the named lease (renews it when held); whether this process holds it.
    pub async fn lead(&self, name: &str) -> Result<bool> {
        let store = Arc::clone(&self.inner.store);
        let p = &self.inner.process;
        let bid = lease::Bid {
            owner: p.owner.clone(),
            kind: p.kind,
            label: p.label.clone(),
            until: Utc::now() + self.inner.lease,
        };
        let (name, owner) = (name.to_owned(), p.owner.clone());
        let me = self.clone();
        let row = off_runtime(move || {
            let row = store.take_lease(&name, &bid, None, Utc::now())?;
            // The holder's process has ended (this host): taken at once, not after
            // its lease runs out.
            match me.ended(Some(&row.owner)) {
                Some(dead) => store.take_lease(&name, &bid, Some(&dead), Utc::now()),
                None => Ok(row),
            }
        })
        .await
        .unwrap_or_else(|| {
            Err(crate::error::CoreError::Storage(
                "the store task ended".into(),
            ))
        })?;
        Ok(row.owner == owner)
    }

    /// Records that this process is alive.
    pub async fn heartbeat(&self) -> Result<()> {
        let oid = self.oid().await;
        let store = Arc::clone(&self.inner.store);
        let p = &self.inner.process;
        let row = lease::ProcessRow {
            owner: p.owner.clone(),
            kind: p.kind,
            label: p.label.clone(),
            host: p.host.clone(),
            oid,
            app_id: Some(self.inner.app_id.clone()),
            started_at: p.started_at,
            seen_at: Utc::now(),
        };
        let app_id = self.inner.app_id.clone();
        let sharing = off_runtime(move || {
            store.heartbeat(&row)?;
            // Processes sending under this registration now: the budget's share.
            let since = Utc::now() - status::SILENT_AFTER;
            Ok::<_, crate::error::CoreError>(
                store
                    .processes(since)?
                    .iter()
                    .filter(|p| p.app_id.as_deref() == Some(app_id.as_str()))
                    .count() as u32,
            )
        })
        .await
        .unwrap_or_else(|| {
            Err(crate::error::CoreError::Storage(
                "the store task ended".into(),
            ))
        })?;
        self.inner.client.set_share(sharing.max(1));
        Ok(())
    }

    /// The team as this process sees it (heartbeats, leaders, the banner's words).
    pub async fn status(&self) -> Result<crate::dto::team::TeamStatus> {
        let store = Arc::clone(&self.inner.store);
        let me = self.inner.process.owner.clone();
        off_runtime(move || {
            let now = Utc::now();
            let shared = store.pg().is_some();
            let where_ = store
                .pg()
                .map_or_else(|| "this computer".to_owned(), |p| p.label().to_owned());
            Ok(status::describe(
                shared,
                &where_,
                &store.processes(now - chrono::Duration::days(1))?,
                &store.leases()?,
                store.rule_last_run()?,
                &me,
                now,
            ))
        })
        .await
        .unwrap_or_else(|| {
            Err(crate::error::CoreError::Storage(
                "the store task ended".into(),
            ))
        })
    }

    /// A clean shutdown: heartbeat and named leases go, item leases end now.
    pub async fn leave(&self) -> Result<()> {
        let store = Arc::clone(&self.inner.store);
        let owner = self.inner.process.owner.clone();
        off_runtime(move || store.leave(&owner, Utc::now()))
            .await
            .unwrap_or_else(|| {
                Err(crate::error::CoreError::Storage(
                    "the store task ended".into(),
                ))
            })
    }
}
