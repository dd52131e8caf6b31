//! The bulk preview: what a request would send, what it leaves out and why (from the
//! cache; no request to Defender), and the token that ties a job to it.
//!
//! S-7: the machines a job sends are exactly the `will_send` of the preview the person
//! confirmed. The preview carries a token — a SHA-256 fingerprint of the kind, the
//! isolation type and the exact sorted list — and a job starts only when the preview
//! computed at start has the same token; otherwise nothing is committed and the person
//! sees the new preview. Each exclusion carries a typed cause the UI switches on.

use std::collections::{HashMap, HashSet};

use mde_api::MachineId;
use sha2::{Digest, Sha256};

use crate::dto::jobs::{
    BulkPreview, BulkRequest, Confirmation, Exclusion, ExclusionCause, JobKind,
};
use crate::dto::{IsolationKind, MachineRef};
use crate::error::{CoreError, Result};
use crate::fleet::Fleet;
use crate::fleet::derive::{self, IsolationAction, Kind, Liveness, StateKind, Status};

/// Above this many machines the user types a phrase to confirm.
pub const CONFIRM_ABOVE: usize = 25;

/// What `req` would send as `me`, from the fleet's cache.
pub(crate) fn preview(fleet: &Fleet, req: &BulkRequest, me: &str) -> Result<BulkPreview> {
    // "All N matching" is resolved here, from the store, at preview time: the token
    // fixes the resulting list, so a start after a sync changed it is refused.
    let matching = match &req.matching {
        Some(f) => fleet.grid_ids(f)?,
        None => Vec::new(),
    };
    if req.machine_ids.is_empty() && matching.is_empty() {
        return Err(CoreError::NoMachines);
    }
    let now = fleet.now();
    let thresholds = fleet.thresholds();
    let c = fleet.cache();
    let grouped = crate::fleet::view::by_machine(c.actions.values());
    // One index for the whole request: a 500-machine preview of a 100,000-machine
    // fleet is 500 look-ups, not 500 scans (all under the cache's lock).
    let by_id: HashMap<String, &mde_api::Machine> = c
        .machines
        .iter()
        .map(|m| (m.id.to_ascii_lowercase(), m))
        .collect();
    let mut seen = HashSet::new();
    let mut will_send = Vec::new();
    let mut excluded = Vec::new();
    for raw in req.machine_ids.iter().chain(&matching) {
        let Ok(id) = MachineId::parse(raw.trim()) else {
            let raw = raw.trim().to_owned();
            excluded.push(Exclusion {
                machine: MachineRef {
                    id: raw.clone(),
                    name: raw,
                },
                cause: ExclusionCause::InvalidId,
                reason: "Not a Defender machine id (40 hexadecimal characters).".into(),
                isolated_by: None,
            });
            continue;
        };
        let id = id.as_str().to_ascii_lowercase();
        if !seen.insert(id.clone()) {
            continue;
        }
        let machine = by_id.get(&id).copied();
        let r = MachineRef {
            id: id.clone(),
            name: machine
                .and_then(|m| m.computer_dns_name.clone())
                .unwrap_or_else(|| id.clone()),
        };
        let acts = grouped.get(&id).map(Vec::as_slice).unwrap_or_default();
        let live = Liveness {
            health: machine.map(|m| m.health_status.as_str().to_owned()),
            last_full_report: machine.and_then(|m| m.last_seen),
        };
        let d = derive::derive(acts, &live, now, thresholds);
        let cause = match (req.kind, d.kind) {
            (JobKind::Release, StateKind::NotIsolated | StateKind::IsolationFailed)
                if machine.is_some() =>
            {
                Some((ExclusionCause::NotIsolated, None))
            }
            (JobKind::Isolate, StateKind::Isolated) => {
                Some((ExclusionCause::AlreadyIsolated, None))
            }
            (JobKind::Release, _) if !req.include_foreign => isolated_by(acts)
                .filter(|by| !by.eq_ignore_ascii_case(me))
                .map(|by| (ExclusionCause::IsolatedByOther, Some(by))),
            _ => None,
        };
        match cause {
            Some((cause, by)) => excluded.push(Exclusion {
                machine: r,
                cause,
                reason: sentence(cause, by.as_deref()),
                isolated_by: by,
            }),
            None => will_send.push(r),
        }
    }
    let confirm_phrase = (will_send.len() > CONFIRM_ABOVE).then(|| {
        let verb = match req.kind {
            JobKind::Isolate => "isolate",
            JobKind::Release => "release",
        };
        format!("{verb} {} machines", will_send.len())
    });
    let token = token(req, &will_send);
    Ok(BulkPreview {
        kind: req.kind,
        will_send,
        excluded,
        confirm_phrase,
        token,
    })
}

/// The fingerprint of what a job would send.
fn token(req: &BulkRequest, will_send: &[MachineRef]) -> String {
    let mut ids: Vec<&str> = will_send.iter().map(|m| m.id.as_str()).collect();
    ids.sort_unstable();
    let kind = match (req.kind, req.isolation_type.unwrap_or(IsolationKind::Full)) {
        (JobKind::Release, _) => "release",
        (JobKind::Isolate, IsolationKind::Full) => "isolate-full",
        (JobKind::Isolate, IsolationKind::Selective) => "isolate-selective",
    };
    let mut h = Sha256::new();
    h.update(kind.as_bytes());
    for id in ids {
        h.update(b"\n");
        h.update(id.as_bytes());
    }
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The exclusion's cause in a sentence.
fn sentence(cause: ExclusionCause, by: Option<&str>) -> String {
    match cause {
        ExclusionCause::InvalidId => {
            "Not a Defender machine id (40 hexadecimal characters).".into()
        }
        ExclusionCause::NotIsolated => "Not isolated: nothing to release.".into(),
        ExclusionCause::AlreadyIsolated => "Already isolated.".into(),
        ExclusionCause::IsolatedByOther => format!(
            "Isolated by {}: select it explicitly to release someone else's isolation.",
            by.unwrap_or("someone else")
        ),
    }
}

/// Who requested the machine's current isolation (its newest succeeded Isolate).
fn isolated_by(acts: &[IsolationAction]) -> Option<String> {
    acts.iter()
        .filter(|a| a.kind == Kind::Isolate && a.status == Status::Succeeded)
        .max_by_key(|a| a.created)
        .map(|a| a.requestor.clone())
        .filter(|r| !r.is_empty())
}

/// The machines of `preview` when the person confirmed it: its token (else a
/// stale-preview error saying what changed) and, above [`CONFIRM_ABOVE`] machines, the
/// typed phrase.
pub(crate) fn check(preview: &BulkPreview, confirmed: &Confirmation) -> Result<Vec<String>> {
    if preview.token != confirmed.preview_token.trim() {
        return Err(CoreError::StalePreview(format!(
            "the selection changed since the preview (a sync landed): it would now send to {} machine{} and leave out {}. Nothing was sent: review the new preview and confirm again.",
            preview.will_send.len(),
            if preview.will_send.len() == 1 {
                ""
            } else {
                "s"
            },
            preview.excluded.len()
        )));
    }
    if let Some(phrase) = &preview.confirm_phrase {
        let typed = confirmed.typed_phrase.as_deref().map(str::trim);
        if typed != Some(phrase.as_str()) {
            return Err(CoreError::Invalid {
                field: "confirmation".into(),
                message: format!(
                    "Above {CONFIRM_ABOVE} machines the phrase “{phrase}” must be typed to confirm. Nothing was sent."
                ),
            });
        }
    }
    if preview.will_send.is_empty() {
        let why: Vec<String> = preview
            .excluded
            .iter()
            .take(3)
            .map(|e| format!("{}: {}", e.machine.name, e.reason))
            .collect();
        return Err(CoreError::Invalid {
            field: "machineIds".into(),
            message: format!("Nothing to send: {}", why.join(" ")),
        });
    }
    Ok(preview.will_send.iter().map(|m| m.id.clone()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(kind: JobKind, isolation_type: Option<IsolationKind>) -> BulkRequest {
        BulkRequest {
            kind,
            machine_ids: Vec::new(),
            comment: "c".into(),
            isolation_type,
            source: None,
            include_foreign: false,
            matching: None,
        }
    }

    fn refs(ids: &[&str]) -> Vec<MachineRef> {
        ids.iter()
            .map(|i| MachineRef {
                id: (*i).to_owned(),
                name: (*i).to_owned(),
            })
            .collect()
    }

    #[test]
    fn the_token_is_the_exact_list_and_kind() {
        let r = req(JobKind::Release, None);
        let a = token(&r, &refs(&["a", "b"]));
        assert_eq!(a.len(), 32);
        assert_eq!(a, token(&r, &refs(&["b", "a"])), "order does not matter");
        assert_ne!(a, token(&r, &refs(&["a"])), "one machine fewer");
        assert_ne!(a, token(&r, &refs(&["a", "b", "c"])), "one machine more");
        assert_ne!(a, token(&req(JobKind::Isolate, None), &refs(&["a", "b"])));
        assert_ne!(
            token(&req(JobKind::Isolate, None), &refs(&["a"])),
            token(
                &req(JobKind::Isolate, Some(IsolationKind::Selective)),
                &refs(&["a"])
            )
        );
    }

    #[test]
    fn a_stale_token_is_refused() {
        let p = BulkPreview {
            kind: JobKind::Release,
            will_send: refs(&["a"]),
            excluded: Vec::new(),
            confirm_phrase: None,
            token: "new".into(),
        };
        let with = |token: &str, typed: Option<&str>| Confirmation {
            preview_token: token.into(),
            typed_phrase: typed.map(str::to_owned),
        };
        assert!(matches!(
            check(&p, &with("old", None)),
            Err(CoreError::StalePreview(_))
        ));
        assert_eq!(
            check(&p, &with("new", None)).ok(),
            Some(vec!["a".to_owned()])
        );
    }

    #[test]
    fn above_the_threshold_the_phrase_is_checked_by_the_core() {
        let p = BulkPreview {
            kind: JobKind::Release,
            will_send: refs(&["a"]),
            excluded: Vec::new(),
            confirm_phrase: Some("release 26 machines".into()),
            token: "t".into(),
        };
        let typed = |t: Option<&str>| Confirmation {
            preview_token: "t".into(),
            typed_phrase: t.map(str::to_owned),
        };
        for wrong in [None, Some(""), Some("release 25 machines")] {
            assert!(
                matches!(check(&p, &typed(wrong)), Err(CoreError::Invalid { field, .. }) if field == "confirmation"),
                "{wrong:?}"
            );
        }
        assert!(check(&p, &typed(Some(" release 26 machines "))).is_ok());
        assert!(check(&p, &Confirmation::of(&p)).is_ok());
    }
}
