//! A timeline of scenario events replayed through the real lifecycle, so that history is
//! consistent by construction: every status, timestamp and "isolated" flag in a scenario
//! is what the simulator itself would have produced had the events happened live.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rand::Rng;

use crate::model::{ActionType, NewAction, Tenant};

pub enum Ev {
    Submit {
        m: u32,
        kind: ActionType,
        scope: Option<&'static str>,
        requestor: Arc<str>,
        comment: Arc<str>,
        fail: bool,
        /// Exact delays (pickup, execution); random realistic ones when `None`.
        delays: Option<(u32, u32)>,
    },
    Online(u32, bool),
    /// Cancels the newest still-active action of the machine.
    CancelNewest {
        m: u32,
        requestor: Arc<str>,
        comment: String,
    },
}

#[derive(Default)]
pub struct Script {
    events: Vec<(DateTime<Utc>, usize, Ev)>,
}

impl Script {
    pub fn at(&mut self, t: DateTime<Utc>, ev: Ev) {
        let seq = self.events.len();
        self.events.push((t, seq, ev));
    }

    /// Convenience: a submission with random realistic delays.
    #[allow(clippy::too_many_arguments)]
    pub fn submit(
        &mut self,
        t: DateTime<Utc>,
        m: u32,
        kind: ActionType,
        scope: Option<&'static str>,
        requestor: &Arc<str>,
        comment: impl Into<Arc<str>>,
        fail: bool,
    ) {
        let ev = Ev::Submit {
            m,
            kind,
            scope,
            requestor: requestor.clone(),
            comment: comment.into(),
            fail,
            delays: None,
        };
        self.at(t, ev);
    }

    /// Replays the events in time order (ties in insertion order).
    pub fn run(mut self, t: &mut Tenant) {
        self.events.sort_by_key(|(at, seq, _)| (*at, *seq));
        for (at, _, ev) in self.events {
            t.settle(at);
            match ev {
                Ev::Submit {
                    m,
                    kind,
                    scope,
                    requestor,
                    comment,
                    fail,
                    delays,
                } => {
                    let (p, e) = delays
                        .unwrap_or_else(|| (t.rng.gen_range(15..240), t.rng.gen_range(30..300)));
                    let req = NewAction {
                        kind,
                        scope,
                        requestor,
                        comment,
                        external_id: None,
                    };
                    t.create(m, req, at, p, e, fail);
                }
                Ev::Online(m, on) => t.set_online(m, on, at),
                Ev::CancelNewest {
                    m,
                    requestor,
                    comment,
                } => {
                    if let Some(&a) = t.active_on(m).iter().max() {
                        let _ = t.cancel(a, requestor, Some(comment), at);
                    }
                }
            }
        }
    }
}
