//! Desktop notifications of bulk work — a job that finished sending, or one that needs a
//! person (failed items, a stop because the local store failed), then the same bulk job
//! really done: every machine's action final in Defender (Succeeded, Failed, TimeOut,
//! Cancelled) — and a release that became stuck; and of automation: the
//! breaker opened, or proposals wait for a second person. Sent from Rust (the web view
//! has no notification permission); a desktop without a notification service (a CI
//! display, a locked-down session) only costs a log line.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use cordon_core::App;
use cordon_core::automation::AutomationEvent;
use cordon_core::dto::jobs::{JobKind, JobProgress, JobState};
use cordon_core::dto::wait::WaitReport;
use tauri::{AppHandle, Runtime};
use tauri_plugin_notification::NotificationExt;

/// What to tell the person about a job, once it stopped moving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
}

/// The notice for a progress event, when the job just reached a final state.
pub fn notice(p: &JobProgress) -> Option<Notice> {
    let j = &p.job;
    let what = match j.kind {
        JobKind::Release => "Release",
        JobKind::Isolate => "Isolation",
    };
    let machines = |n: u32| format!("{n} machine{}", if n == 1 { "" } else { "s" });
    match j.state {
        JobState::Running => None,
        JobState::Halted => Some(Notice {
            title: format!("{what} stopped: needs attention"),
            body: format!(
                "Cordon's local store failed after {} of {}; nothing more was sent. Open Cordon to resume.",
                j.finished, j.total
            ),
        }),
        JobState::Cancelled => Some(Notice {
            title: format!("{what} cancelled"),
            body: format!(
                "{} sent, {} not sent.",
                machines(j.succeeded),
                machines(j.cancelled)
            ),
        }),
        JobState::Done if j.failed > 0 => Some(Notice {
            title: format!("{what} done: needs attention"),
            body: format!(
                "{} of {} sent; {} failed. See the job in Cordon.",
                j.succeeded,
                j.total,
                machines(j.failed)
            ),
        }),
        JobState::Done => Some(Notice {
            title: format!("{what} done"),
            body: format!(
                "{} sent to Defender ({} already under way).",
                machines(j.succeeded),
                j.adopted
            ),
        }),
    }
}

/// The notice for an automation event: the breaker opening always; waiting proposals
/// only when more wait than at the last notice (`last_waiting`), so every round of a
/// long queue does not notify again.
pub fn automation_notice(e: &AutomationEvent, last_waiting: u32) -> Option<Notice> {
    match e {
        AutomationEvent::BreakerOpened { reason } => Some(Notice {
            title: "Automation's breaker opened".into(),
            body: format!(
                "{reason}. Automatic isolations now wait for approval until a person closes the breaker in Alerts & rules."
            ),
        }),
        AutomationEvent::ApprovalsWaiting { waiting } if *waiting > last_waiting => Some(Notice {
            title: format!(
                "{waiting} proposal{} wait{} for approval",
                if *waiting == 1 { "" } else { "s" },
                if *waiting == 1 { "s" } else { "" }
            ),
            body: "A second person decides: open Alerts & rules in Cordon to approve or reject."
                .into(),
        }),
        _ => None,
    }
}

fn what(kind: JobKind) -> &'static str {
    match kind {
        JobKind::Release => "Release",
        JobKind::Isolate => "Isolation",
    }
}

/// The notice of a bulk job whose every action is final in Defender.
pub fn confirmed_notice(kind: JobKind, r: &WaitReport) -> Notice {
    let total = r.succeeded + r.failed + r.waiting;
    if r.failed == 0 {
        Notice {
            title: format!("{} confirmed by Defender", what(kind)),
            body: format!("All {total} machines: Succeeded."),
        }
    } else {
        Notice {
            title: format!("{} finished in Defender: needs attention", what(kind)),
            body: format!(
                "{} of {total} succeeded; {} failed, timed out, were cancelled or not sent. See the job in Cordon.",
                r.succeeded, r.failed
            ),
        }
    }
}

/// The notice when more releases are stuck than at the last look.
pub fn stuck_notice(before: u32, now: u32) -> Option<Notice> {
    (now > before).then(|| {
        let n = now - before;
        Notice {
            title: if n == 1 {
                "A release is stuck".to_owned()
            } else {
                format!("{n} releases are stuck")
            },
            body: "Defender has not released them as asked: see Reconciliation in Cordon for why and what to do."
                .into(),
        }
    })
}

/// Remembers which jobs were notified, so a final state seen twice notifies once, how
/// many proposals waited at the last notice, the bulk jobs sent whose actions Defender
/// has not all ended yet, and how many releases were stuck at the last look.
#[derive(Debug, Default)]
pub struct Notifier {
    sent: Mutex<HashSet<String>>,
    waiting: Mutex<u32>,
    following: Mutex<HashMap<String, JobKind>>,
    stuck: Mutex<Option<u32>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Notifier {
    /// Shows the notice of `p` if it has one not shown before.
    pub fn on_progress<R: Runtime>(&self, handle: &AppHandle<R>, p: &JobProgress) {
        let Some(n) = notice(p) else { return };
        let first = self
            .sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(p.job.id.clone());
        if !first {
            return;
        }
        show(handle, &n);
        // A bulk job that sent something: followed to Defender's final word.
        let j = &p.job;
        if j.state == JobState::Done && j.total > 1 && j.succeeded + j.adopted > 0 {
            lock(&self.following).insert(j.id.clone(), j.kind);
        }
    }

    /// Another tenant: its jobs and stuck releases are not compared with the last one's.
    pub fn new_tenant(&self) {
        lock(&self.following).clear();
        *lock(&self.stuck) = None;
    }

    /// After a sync: a notice for each followed bulk job whose actions all ended in
    /// Defender, and for releases that became stuck. Reads the store and derives the
    /// fleet's counters on the blocking pool.
    pub async fn on_sync<R: Runtime>(&self, handle: &AppHandle<R>, core: App) {
        let jobs: Vec<(String, JobKind)> = lock(&self.following)
            .iter()
            .map(|(id, k)| (id.clone(), *k))
            .collect();
        let looked = tauri::async_runtime::spawn_blocking(move || {
            let reports: Vec<(String, JobKind, Option<WaitReport>)> = jobs
                .into_iter()
                .map(|(id, k)| {
                    let r = core.job_outcomes(&id).ok();
                    (id, k, r)
                })
                .collect();
            (reports, core.snapshot().counters.stuck)
        })
        .await;
        let Ok((reports, stuck)) = looked else { return };
        for (id, kind, report) in reports {
            match report {
                Some(r) if r.waiting == 0 => {
                    lock(&self.following).remove(&id);
                    show(handle, &confirmed_notice(kind, &r));
                }
                Some(_) => {}
                // The job is gone (another tenant): stop following it.
                None => {
                    lock(&self.following).remove(&id);
                }
            }
        }
        let before = lock(&self.stuck).replace(stuck);
        if let Some(n) = before.and_then(|b| stuck_notice(b, stuck)) {
            show(handle, &n);
        }
    }

    /// Shows the notice of an automation event, if it has one.
    pub fn on_automation<R: Runtime>(&self, handle: &AppHandle<R>, e: &AutomationEvent) {
        let notice = {
            let mut last = self
                .waiting
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let n = automation_notice(e, *last);
            if let AutomationEvent::ApprovalsWaiting { waiting } = e {
                *last = *waiting;
            }
            n
        };
        if let Some(n) = notice {
            show(handle, &n);
        }
    }
}

fn show<R: Runtime>(handle: &AppHandle<R>, n: &Notice) {
    let shown = handle
        .notification()
        .builder()
        .title(&n.title)
        .body(&n.body)
        .show();
    if let Err(e) = shown {
        tracing::warn!(title = %n.title, error = %e, "could not show the desktop notification");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cordon_core::dto::jobs::JobSummary;

    fn progress(state: JobState, failed: u32) -> JobProgress {
        JobProgress {
            job: JobSummary {
                id: "j".into(),
                kind: JobKind::Release,
                state,
                comment: "fp".into(),
                requested_by: "app".into(),
                source: None,
                created_at: "2026-11-28T10:00:00Z".into(),
                updated_at: "2026-11-28T10:00:00Z".into(),
                total: 80,
                finished: 80,
                succeeded: 80 - failed,
                adopted: 2,
                failed,
                cancelled: 0,
                throttled_until: None,
                error: None,
                sent_by: None,
            },
            item: None,
        }
    }

    #[test]
    fn notices_only_final_jobs_and_words_attention() {
        assert_eq!(notice(&progress(JobState::Running, 0)), None);
        let done = notice(&progress(JobState::Done, 0)).expect("done");
        assert_eq!(done.title, "Release done");
        assert_eq!(
            done.body,
            "80 machines sent to Defender (2 already under way)."
        );
        let bad = notice(&progress(JobState::Done, 1)).expect("attention");
        assert_eq!(bad.title, "Release done: needs attention");
        assert_eq!(
            bad.body,
            "79 of 80 sent; 1 machine failed. See the job in Cordon."
        );
        let halted = notice(&progress(JobState::Halted, 0)).expect("halted");
        assert!(halted.title.contains("needs attention"), "{halted:?}");
    }

    #[test]
    fn a_bulk_job_confirmed_by_defender_and_stuck_releases_are_worded() {
        let report = |succeeded, failed| WaitReport {
            job_id: "j".into(),
            ran_out: false,
            waited_secs: 0,
            succeeded,
            failed,
            waiting: 0,
            items: Vec::new(),
            error: None,
        };
        let ok = confirmed_notice(JobKind::Release, &report(80, 0));
        assert_eq!(ok.title, "Release confirmed by Defender");
        assert_eq!(ok.body, "All 80 machines: Succeeded.");
        let bad = confirmed_notice(JobKind::Isolate, &report(77, 3));
        assert_eq!(bad.title, "Isolation finished in Defender: needs attention");
        assert!(
            bad.body.starts_with("77 of 80 succeeded; 3 failed"),
            "{bad:?}"
        );
        assert_eq!(stuck_notice(2, 2), None);
        assert_eq!(stuck_notice(3, 1), None, "fewer stuck is not news");
        assert_eq!(stuck_notice(0, 1).expect("one").title, "A release is stuck");
        assert_eq!(
            stuck_notice(1, 4).expect("three").title,
            "3 releases are stuck"
        );
    }

    #[test]
    fn automation_notices_the_breaker_and_a_growing_queue_only() {
        let breaker = automation_notice(
            &AutomationEvent::BreakerOpened {
                reason: "5 isolations in 60 minutes reached the limit".into(),
            },
            0,
        )
        .expect("breaker");
        assert_eq!(breaker.title, "Automation's breaker opened");
        assert!(
            breaker.body.starts_with(
                "5 isolations in 60 minutes reached the limit. Automatic isolations now wait"
            ),
            "{breaker:?}"
        );
        let waiting =
            |n, last| automation_notice(&AutomationEvent::ApprovalsWaiting { waiting: n }, last);
        assert_eq!(
            waiting(25, 0).expect("queue").title,
            "25 proposals wait for approval"
        );
        assert_eq!(
            waiting(1, 0).expect("one").title,
            "1 proposal waits for approval"
        );
        assert_eq!(
            waiting(25, 25),
            None,
            "the same queue is not notified again"
        );
        assert_eq!(waiting(3, 25), None, "a shrinking queue is not news");
        assert_eq!(
            automation_notice(&AutomationEvent::Round { decisions: 30 }, 0),
            None
        );
    }
}
