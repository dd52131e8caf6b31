//! Output of `--wait`: one line per machine on stdout with how its action ended
//! (`SUCCEEDED`, `FAILED` with Defender's status, `NOT-SENT` with why, `WAITING` when
//! the time ran out), a summary on stderr; with `--json` one document
//! `{"preview": …, "job": JobDetail, "wait": WaitReport}` (`cordon jobs wait`: no
//! preview).

use std::time::Duration;

use cordon_core::dto::jobs::{BulkPreview, JobDetail};
use cordon_core::dto::wait::{WaitOutcome, WaitReport};

use crate::output_json;

pub fn result(json: bool, p: Option<&BulkPreview>, detail: &JobDetail, r: &WaitReport) {
    if json {
        let doc = match p {
            Some(p) => serde_json::json!({ "preview": p, "job": detail, "wait": r }),
            None => serde_json::json!({ "job": detail, "wait": r }),
        };
        output_json::print(&doc);
    } else {
        for i in &r.items {
            let name = i.machine_name.as_deref().unwrap_or(&i.machine_id);
            let action = i.action_id.as_deref().unwrap_or("-");
            let status = i.status.as_deref().unwrap_or_default();
            let line = match i.outcome {
                WaitOutcome::Succeeded => format!("SUCCEEDED {name}: action {action}"),
                WaitOutcome::Failed => format!("FAILED    {name}: action {action} {status}"),
                WaitOutcome::Waiting => format!("WAITING   {name}: action {action} {status}"),
                WaitOutcome::NotSent => format!(
                    "NOT-SENT  {name}: {}",
                    i.error
                        .as_ref()
                        .map_or_else(|| "cancelled".to_owned(), ToString::to_string)
                ),
            };
            println!("{}", line.trim_end());
        }
    }
    eprintln!("{}", summary(r));
    if let Some(e) = &r.error {
        eprintln!("The last look at Defender failed: {e}");
    }
}

/// "Waited 2m10s: 78 succeeded, 1 failed, 1 still under way (…)".
pub fn summary(r: &WaitReport) -> String {
    let mut s = format!(
        "Waited {}: {} succeeded, {} failed",
        span(Duration::from_secs(u64::from(r.waited_secs))),
        r.succeeded,
        r.failed
    );
    if r.ran_out {
        s.push_str(&format!(
            ", {} still under way when the time ran out (Defender goes on; wait again with `cordon jobs wait {}`)",
            r.waiting, r.job_id
        ));
    }
    s.push('.');
    s
}

/// `45s`, `10m`, `1h30m`, `2h`.
pub fn span(d: Duration) -> String {
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_like_the_option() {
        let s = |n| span(Duration::from_secs(n));
        assert_eq!(s(0), "0s");
        assert_eq!(s(45), "45s");
        assert_eq!(s(600), "10m");
        assert_eq!(s(5400), "1h30m");
        assert_eq!(s(7325), "2h2m5s");
    }
}
