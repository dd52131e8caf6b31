//! The living tenant: machines, the action ledger, alerts, and the lifecycle that moves
//! actions through Pending → InProgress → Succeeded/Failed, or TimeOut when the device
//! never comes back (D34: retried for up to three days).
//!
//! State advances lazily: every request first calls [`Tenant::settle`] with the current
//! simulated time, which replays, machine by machine and in time order, every transition
//! due since the last call. Timestamps are the exact event times, not the time of the
//! request that observed them, so nobody has to poll for the tenant to "live".

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use uuid::Uuid;

use super::action::{Action, ActionType, Cancellation, E_FAIL, Status};
use super::alert::Alert;
use super::ids::IdHasher;
use super::machine::Machine;
use super::rules::{Lifecycle, os_supports};
use crate::clock::secs;
use crate::config::DuplicatePolicy;

/// What a client asks for.
#[derive(Debug, Clone)]
pub struct NewAction {
    pub kind: ActionType,
    pub scope: Option<&'static str>,
    pub requestor: Arc<str>,
    pub comment: Arc<str>,
    pub external_id: Option<Arc<str>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    Created(u32),
    /// The same kind of action was already pending: it is answered instead (201).
    Existing(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitError {
    AlreadyInProgress,
    OsPlatformNotSupported,
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Start,
    Finish,
    TimeOut,
}

pub struct Tenant {
    pub machines: Vec<Machine>,
    by_id: HashMap<String, u32>,
    by_dns: HashMap<String, u32>,
    pub actions: Vec<Action>,
    by_action_id: HashMap<Uuid, u32, BuildHasherDefault<IdHasher>>,
    /// Machine index → its actions that can still change.
    active: BTreeMap<u32, Vec<u32>>,
    pub alerts: Vec<Alert>,
    by_alert_id: HashMap<String, u32>,
    pub rng: StdRng,
    pub lifecycle: Lifecycle,
    /// When the next background alert arrives (demo only): a steady trickle.
    pub next_alert: Option<DateTime<Utc>>,
}

impl Tenant {
    pub fn new(seed: u64, lifecycle: Lifecycle) -> Self {
        Self {
            machines: Vec::new(),
            by_id: HashMap::new(),
            by_dns: HashMap::new(),
            actions: Vec::new(),
            by_action_id: HashMap::default(),
            active: BTreeMap::new(),
            alerts: Vec::new(),
            by_alert_id: HashMap::new(),
            rng: StdRng::seed_from_u64(seed ^ 0x5eed_0fac_7105),
            lifecycle,
            next_alert: None,
        }
    }

    /// Reserves room for a large scenario.
    pub fn reserve(&mut self, machines: usize, actions: usize) {
        self.machines.reserve(machines);
        self.by_id.reserve(machines);
        self.by_dns.reserve(machines);
        self.actions.reserve(actions);
        self.by_action_id.reserve(actions);
    }

    pub fn add_machine(&mut self, m: Machine) -> u32 {
        let idx = self.machines.len() as u32;
        self.by_id.insert(m.id.to_ascii_lowercase(), idx);
        self.by_dns.entry(m.dns.to_ascii_lowercase()).or_insert(idx);
        self.machines.push(m);
        idx
    }

    pub fn add_alert(&mut self, a: Alert) -> u32 {
        let idx = self.alerts.len() as u32;
        self.by_alert_id.insert(a.id.clone(), idx);
        self.alerts.push(a);
        idx
    }

    /// Appends an action exactly as given (scenario generation); indexes it.
    pub fn push_action(&mut self, a: Action) -> u32 {
        let idx = self.actions.len() as u32;
        self.by_action_id.insert(a.id, idx);
        if a.status.is_active() {
            self.active.entry(a.machine).or_default().push(idx);
        }
        self.actions.push(a);
        idx
    }

    /// Finds a machine by id, computer DNS name, short host name or Entra device id.
    pub fn find_machine(&self, key: &str) -> Option<u32> {
        let k = key.to_ascii_lowercase();
        if let Some(&i) = self.by_id.get(&k).or_else(|| self.by_dns.get(&k)) {
            return Some(i);
        }
        self.machines
            .iter()
            .position(|m| {
                m.dns
                    .split('.')
                    .next()
                    .is_some_and(|h| h.eq_ignore_ascii_case(&k))
                    || m.aad_device_id
                        .as_deref()
                        .is_some_and(|a| a.eq_ignore_ascii_case(&k))
            })
            .map(|i| i as u32)
    }

    pub fn find_action(&self, id: &Uuid) -> Option<u32> {
        self.by_action_id.get(id).copied()
    }

    pub fn find_alert(&self, id: &str) -> Option<u32> {
        self.by_alert_id.get(id).copied()
    }

    pub fn new_uuid(&mut self) -> Uuid {
        let (a, b) = (self.rng.next_u64(), self.rng.next_u64());
        uuid::Builder::from_random_bytes((u128::from(a) << 64 | u128::from(b)).to_le_bytes())
            .into_uuid()
    }

    pub fn isolated_count(&self) -> usize {
        self.machines.iter().filter(|m| m.isolated).count()
    }

    /// Submits an action as the public API does: OS check, duplicate policy, then a new
    /// Pending action with the configured delays.
    pub fn submit(
        &mut self,
        m: u32,
        req: NewAction,
        now: DateTime<Utc>,
    ) -> Result<Submitted, SubmitError> {
        self.settle(now);
        let machine = &self.machines[m as usize];
        if !os_supports(machine.os_platform, req.kind, req.scope) {
            return Err(SubmitError::OsPlatformNotSupported);
        }
        let pending = self.active.get(&m).and_then(|list| {
            list.iter()
                .copied()
                .find(|&a| self.actions[a as usize].kind == req.kind)
        });
        let stray = self.lifecycle.out_of_order_duplicates
            && req.kind == ActionType::Isolate
            && (pending.is_some() || machine.isolated);
        if stray {
            // I1/I2: accepted, stuck in Pending, completes after later releases.
            let p = self.lifecycle.pickup_secs + self.lifecycle.stray_isolate_delay_secs;
            let e = self.lifecycle.exec_secs;
            return Ok(Submitted::Created(self.create(m, req, now, p, e, false)));
        }
        if let Some(existing) = pending {
            let answer_existing = match self.lifecycle.duplicate_policy {
                DuplicatePolicy::PendingAction => true,
                DuplicatePolicy::Error => false,
                DuplicatePolicy::Mixed => self.rng.gen_bool(0.5),
            };
            return if answer_existing {
                Ok(Submitted::Existing(existing))
            } else {
                Err(SubmitError::AlreadyInProgress)
            };
        }
        let will_fail =
            self.lifecycle.failure_rate > 0.0 && self.rng.gen_bool(self.lifecycle.failure_rate);
        let (p, e) = (self.lifecycle.pickup_secs, self.lifecycle.exec_secs);
        Ok(Submitted::Created(
            self.create(m, req, now, p, e, will_fail),
        ))
    }

    /// Creates a Pending action with explicit delays (used by scenario scripts).
    pub fn create(
        &mut self,
        m: u32,
        req: NewAction,
        now: DateTime<Utc>,
        pickup_secs: u32,
        exec_secs: u32,
        will_fail: bool,
    ) -> u32 {
        let id = self.new_uuid();
        self.push_action(Action {
            id,
            kind: req.kind,
            scope: req.scope,
            requestor: req.requestor,
            comment: req.comment,
            status: Status::Pending,
            machine: m,
            created: now,
            updated: now,
            started: None,
            cancel: None,
            external_id: req.external_id,
            pickup_secs,
            exec_secs,
            will_fail,
            error_hresult: 0,
        })
    }

    /// Cancels a Pending/InProgress action; returns its status otherwise.
    pub fn cancel(
        &mut self,
        a: u32,
        requestor: Arc<str>,
        comment: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), Status> {
        self.settle(now);
        let act = &mut self.actions[a as usize];
        if !act.status.is_active() {
            return Err(act.status);
        }
        act.status = Status::Cancelled;
        act.updated = now;
        act.cancel = Some(Box::new(Cancellation {
            requestor,
            comment,
            at: now,
        }));
        let m = act.machine;
        self.deactivate(m, a);
        Ok(())
    }

    /// Brings a machine online or takes it offline at `now`.
    pub fn set_online(&mut self, m: u32, online: bool, now: DateTime<Utc>) {
        self.settle(now);
        let machine = &mut self.machines[m as usize];
        if online {
            machine.go_online(now)
        } else {
            machine.go_offline(now)
        }
    }

    /// Puts a machine behind (or takes it out of) a full-tunnel VPN at `now`.
    pub fn set_full_tunnel_vpn(&mut self, m: u32, vpn: bool, now: DateTime<Utc>) {
        self.settle(now);
        let machine = &mut self.machines[m as usize];
        let was = machine.reachable();
        machine.full_tunnel_vpn = vpn;
        if !was && machine.reachable() {
            // `online_since` doubles as "reachable since" for the pickup delay.
            machine.online_since = now;
        }
    }

    /// Applies every transition due at or before `now`.
    pub fn settle(&mut self, now: DateTime<Utc>) {
        if self.active.is_empty() {
            return;
        }
        let machines: Vec<u32> = self.active.keys().copied().collect();
        for m in machines {
            self.settle_machine(m, now);
        }
    }

    fn settle_machine(&mut self, m: u32, now: DateTime<Utc>) {
        loop {
            let Some(list) = self.active.get(&m) else {
                return;
            };
            let next = list
                .iter()
                .map(|&a| {
                    let (t, step) = self.next_step(a);
                    (t, a, step)
                })
                .filter(|(t, _, _)| *t <= now)
                .min_by_key(|(t, a, _)| (*t, *a));
            let Some((t, a, step)) = next else { return };
            self.apply(a, step, t);
        }
    }

    fn next_step(&self, a: u32) -> (DateTime<Utc>, Step) {
        let act = &self.actions[a as usize];
        let machine = &self.machines[act.machine as usize];
        match act.status {
            Status::InProgress => (
                act.started.unwrap_or(act.updated) + secs(f64::from(act.exec_secs)),
                Step::Finish,
            ),
            _ => {
                let timeout = act.created + secs(f64::from(self.lifecycle.pending_timeout_secs));
                if machine.reachable() {
                    let from = act.created.max(machine.online_since);
                    let pick = from + secs(f64::from(act.pickup_secs));
                    if pick < timeout {
                        return (pick, Step::Start);
                    }
                }
                (timeout, Step::TimeOut)
            }
        }
    }

    fn apply(&mut self, a: u32, step: Step, t: DateTime<Utc>) {
        let act = &mut self.actions[a as usize];
        act.updated = t;
        let m = act.machine;
        match step {
            Step::Start => {
                act.status = Status::InProgress;
                act.started = Some(t);
                return;
            }
            Step::TimeOut => act.status = Status::TimeOut,
            Step::Finish if act.will_fail => {
                act.status = Status::Failed;
                act.error_hresult = E_FAIL;
            }
            Step::Finish => {
                act.status = Status::Succeeded;
                let kind = act.kind;
                let machine = &mut self.machines[m as usize];
                match kind {
                    ActionType::Isolate => machine.isolated = true,
                    ActionType::Unisolate => machine.isolated = false,
                    ActionType::RestrictCodeExecution => machine.restricted = true,
                    ActionType::UnrestrictCodeExecution => machine.restricted = false,
                    _ => {}
                }
            }
        }
        self.deactivate(m, a);
    }

    fn deactivate(&mut self, m: u32, a: u32) {
        if let Some(list) = self.active.get_mut(&m) {
            list.retain(|&x| x != a);
            if list.is_empty() {
                self.active.remove(&m);
            }
        }
    }

    /// The active actions of a machine (for the control API and tests).
    pub fn active_on(&self, m: u32) -> &[u32] {
        self.active.get(&m).map_or(&[], Vec::as_slice)
    }
}
