//! Desktop notifications of bulk work — a job that finished, or one that needs a person
//! (failed items, a stop because the local store failed) — and of automation: the
//! breaker opened, or proposals wait for a second person. Sent from Rust (the web view
//! has no notification permission); a desktop without a notification service (a CI
//! display, a locked-down session) only costs a log line.

use std::collections::HashSet;
use std::sync::Mutex;

use cordon_core::automation::AutomationEvent;
use cordon_core::dto::jobs::{JobKind, JobProgress, JobState};
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

/// Remembers which jobs were notified, so a final state seen twice notifies once, and
/// how many proposals waited at the last notice.
#[derive(Debug, Default)]
pub struct Notifier {
    sent: Mutex<HashSet<String>>,
    waiting: Mutex<u32>,
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
