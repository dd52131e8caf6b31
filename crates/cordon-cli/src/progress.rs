//! Live progress of bulk jobs on stderr while the job runs, one line per item that
//! reaches a result: `n of N, throttled until …, <machine>: <result>`. Standard output
//! stays for results (and parses with `--json`).

use std::future::Future;

use cordon_core::App;
use cordon_core::dto::jobs::{ItemState, JobProgress};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

/// Awaits `work`, printing the job events that arrive meanwhile (and those queued
/// when it ends).
pub async fn while_running<T>(app: &App, work: impl Future<Output = T>) -> T {
    let mut rx = app.subscribe_jobs();
    let mut printer = Printer::default();
    tokio::pin!(work);
    loop {
        tokio::select! {
            out = &mut work => {
                loop {
                    match rx.try_recv() {
                        Ok(ev) => printer.show(&ev),
                        Err(TryRecvError::Lagged(_)) => {}
                        Err(_) => break,
                    }
                }
                return out;
            }
            ev = rx.recv() => match ev {
                Ok(ev) => printer.show(&ev),
                Err(RecvError::Lagged(n)) => eprintln!("({n} progress events skipped)"),
                Err(RecvError::Closed) => return (&mut work).await,
            },
        }
    }
}

#[derive(Default)]
struct Printer {
    throttled: Option<String>,
}

impl Printer {
    fn show(&mut self, ev: &JobProgress) {
        if let Some(line) = self.line(ev) {
            eprintln!("{line}");
        }
    }

    fn line(&mut self, ev: &JobProgress) -> Option<String> {
        let j = &ev.job;
        let counts = format!("{} of {}", j.finished, j.total);
        let throttle = j
            .throttled_until
            .as_deref()
            .map(|t| format!(", throttled until {}", clock(t)))
            .unwrap_or_default();
        let new_throttle = j.throttled_until != self.throttled;
        self.throttled.clone_from(&j.throttled_until);
        let Some(item) = &ev.item else {
            return new_throttle.then(|| format!("{counts}{throttle}"));
        };
        let name = item.machine_name.as_deref().unwrap_or(&item.machine_id);
        let action = item
            .action_id
            .as_deref()
            .map(|a| format!(" (action {a})"))
            .unwrap_or_default();
        let result = match item.state {
            ItemState::Done => format!("sent{action}"),
            ItemState::Adopted => format!("adopted the action already under way{action}"),
            ItemState::Failed => format!(
                "failed: {}",
                item.error
                    .as_ref()
                    .map_or_else(|| "refused".to_owned(), ToString::to_string)
            ),
            ItemState::Cancelled => "cancelled, not sent".to_owned(),
            ItemState::Unknown => {
                "Defender did not answer; checking whether the action was created".to_owned()
            }
            ItemState::Planned if new_throttle && j.throttled_until.is_some() => {
                "throttled by Defender, will be sent later".to_owned()
            }
            ItemState::Planned | ItemState::Sending => return None,
        };
        Some(format!("{counts}{throttle}, {name}: {result}"))
    }
}

/// `hh:mm:ss` of an RFC 3339 time (the whole text when it does not parse).
fn clock(t: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| {
            d.with_timezone(&chrono::Utc)
                .format("%H:%M:%S UTC")
                .to_string()
        })
        .unwrap_or_else(|_| t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cordon_core::dto::jobs::{JobItem, JobKind, JobState, JobSummary};

    fn ev(finished: u32, throttled: Option<&str>, state: Option<ItemState>) -> JobProgress {
        JobProgress {
            job: JobSummary {
                id: "j".into(),
                kind: JobKind::Release,
                state: JobState::Running,
                comment: "c".into(),
                requested_by: "me".into(),
                source: None,
                created_at: "2025-06-02T08:00:00Z".into(),
                updated_at: "2025-06-02T08:00:00Z".into(),
                total: 80,
                finished,
                succeeded: finished,
                adopted: 0,
                failed: 0,
                cancelled: 0,
                throttled_until: throttled.map(str::to_owned),
                error: None,
                sent_by: None,
            },
            item: state.map(|state| JobItem {
                machine_id: "ab".repeat(20),
                machine_name: Some("ws-01.contoso.local".into()),
                state,
                action_id: Some("a-1".into()),
                action_status: None,
                attempts: 1,
                error: None,
                updated_at: "2025-06-02T08:00:00Z".into(),
            }),
        }
    }

    #[test]
    fn lines_say_count_throttle_machine_and_result() {
        let mut p = Printer::default();
        assert_eq!(
            p.line(&ev(1, None, Some(ItemState::Done))).as_deref(),
            Some("1 of 80, ws-01.contoso.local: sent (action a-1)")
        );
        assert_eq!(p.line(&ev(1, None, Some(ItemState::Sending))), None);
        assert_eq!(
            p.line(&ev(1, Some("2025-06-02T08:00:07Z"), None))
                .as_deref(),
            Some("1 of 80, throttled until 08:00:07 UTC")
        );
        assert_eq!(
            p.line(&ev(
                2,
                Some("2025-06-02T08:00:07Z"),
                Some(ItemState::Adopted)
            ))
            .as_deref(),
            Some(
                "2 of 80, throttled until 08:00:07 UTC, ws-01.contoso.local: adopted the action already under way (action a-1)"
            )
        );
        assert_eq!(p.line(&ev(2, None, None)).as_deref(), Some("2 of 80"));
        assert_eq!(p.line(&ev(2, None, None)), None, "nothing new");
    }
}
