//! Changing the rule. Two rules protect a team from its own edits (S-4):
//! - an edit of *what the rule matches or how it isolates* (severity, filters,
//!   isolation type, type table) returns an acting rule to dry run — its record no
//!   longer describes it; guard-rail edits (exclusions, protections, limits, interval)
//!   only make it safer or slower and keep the mode;
//! - a promotion to approval or automatic returns the dry-run record and is refused
//!   unless confirmed; the confirmation is audited with who confirmed and how much
//!   dry-run history there was. Too little history is a warning, not a block.

use chrono::Utc;

use super::Automation;
use crate::dto::automation::{
    DryRunRecord, HARD_CEILING_PER_HOUR, RuleChange, RuleMode, RuleSettings, RuleStatus,
};
use crate::error::{CoreError, Result};
use crate::store::NewAudit;

fn invalid(field: &str, message: impl Into<String>) -> CoreError {
    CoreError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// Applies `c` to `s`; `true` when what the rule matches changed.
pub(crate) fn apply(s: &mut RuleSettings, c: &RuleChange) -> Result<bool> {
    let before = s.clone();
    let clean = |v: &Option<String>| {
        v.as_ref()
            .map(|x| x.trim().to_owned())
            .filter(|x| !x.is_empty())
    };
    if let Some(v) = c.interval_minutes {
        if !(1..=1440).contains(&v) {
            return Err(invalid(
                "intervalMinutes",
                "The interval is 1 to 1,440 minutes.",
            ));
        }
        s.interval_minutes = v;
    }
    if let Some(v) = c.min_severity {
        s.min_severity = v;
    }
    if c.title_contains.is_some() {
        s.title_contains = clean(&c.title_contains);
    }
    if c.category.is_some() {
        s.category = clean(&c.category);
    }
    if c.detection_source.is_some() {
        s.detection_source = clean(&c.detection_source);
    }
    if c.service_source.is_some() {
        s.service_source = clean(&c.service_source);
    }
    if let Some(v) = c.isolation_type {
        s.isolation_type = v;
    }
    if let Some(v) = &c.type_by_tag {
        s.type_by_tag = v.clone();
    }
    let list = |v: &Vec<String>| -> Vec<String> {
        v.iter()
            .map(|x| x.trim().to_owned())
            .filter(|x| !x.is_empty())
            .collect()
    };
    if let Some(v) = &c.exclude_tags {
        s.exclude_tags = list(v);
    }
    if let Some(v) = &c.exclude_names {
        s.exclude_names = list(v);
    }
    if let Some(v) = &c.exclude_groups {
        s.exclude_groups = list(v);
    }
    if let Some(v) = c.exclude_high_value {
        s.exclude_high_value = v;
    }
    if let Some(v) = c.exclude_servers {
        s.exclude_servers = v;
    }
    if let Some(v) = c.exclusions_skip {
        s.exclusions_skip = v;
    }
    if let Some(v) = c.max_per_window {
        if v > HARD_CEILING_PER_HOUR {
            return Err(invalid(
                "maxPerWindow",
                format!(
                    "At most {HARD_CEILING_PER_HOUR} isolations per window (the hard ceiling)."
                ),
            ));
        }
        s.max_per_window = v;
    }
    if let Some(v) = c.window_minutes {
        if !(1..=1440).contains(&v) {
            return Err(invalid(
                "windowMinutes",
                "The window is 1 to 1,440 minutes.",
            ));
        }
        s.window_minutes = v;
    }
    if let Some(v) = c.max_concurrent {
        s.max_concurrent = v;
    }
    if let Some(v) = c.max_group_percent {
        if v > 100 {
            return Err(invalid(
                "maxGroupPercent",
                "A share of a device group is 0 to 100 %.",
            ));
        }
        s.max_group_percent = v;
    }
    if let Some(v) = c.flap_hours {
        s.flap_hours = v;
    }
    if let Some(v) = c.overlap_minutes {
        if !(10..=7 * 24 * 60).contains(&v) {
            return Err(invalid(
                "overlapMinutes",
                "The overlap is 10 minutes to 7 days.",
            ));
        }
        s.overlap_minutes = v;
    }
    if let Some(v) = c.approval_expiry_hours {
        if !(1..=168).contains(&v) {
            return Err(invalid(
                "approvalExpiryHours",
                "Proposals expire after 1 to 168 hours.",
            ));
        }
        s.approval_expiry_hours = v;
    }
    let matching_changed = before.min_severity != s.min_severity
        || before.title_contains != s.title_contains
        || before.category != s.category
        || before.detection_source != s.detection_source
        || before.service_source != s.service_source
        || before.isolation_type != s.isolation_type
        || before.type_by_tag != s.type_by_tag;
    Ok(matching_changed)
}

/// Why a change needs a confirmation it lacks, with the dry-run record to show.
pub(crate) fn promotion_refused(record: &DryRunRecord, to: RuleMode) -> CoreError {
    CoreError::NeedsConfirmation(format!(
        "Switching the rule to {} acts on machines. In dry run it would have isolated {}, queued {} and skipped {} over the last {} day(s) ({} evaluations).{} Confirm to switch (--yes in the CLI).",
        to.as_str(),
        record.would_isolate,
        record.queued,
        record.skipped,
        record.days,
        record.evaluations,
        record
            .warning
            .as_deref()
            .map(|w| format!(" {w}"))
            .unwrap_or_default()
    ))
}

impl Automation {
    /// Changes the rule (see the module doc for the dry-run and promotion rules);
    /// protections given by name are resolved to machine ids (I-7).
    pub async fn set_rule(&self, change: RuleChange) -> Result<RuleStatus> {
        let me = self.principal().await?;
        let mut s = self.store.rule_settings()?;
        let from = s.mode;
        let matching_changed = apply(&mut s, &change)?;
        if let Some(list) = &change.protect {
            let mut ids = Vec::new();
            for q in list.iter().map(|x| x.trim()).filter(|x| !x.is_empty()) {
                ids.push(self.fleet.find_machine(q).await?.id.to_ascii_lowercase());
            }
            ids.sort();
            ids.dedup();
            s.protected_ids = ids;
        }
        let mut to = change.mode.unwrap_or(from);
        let mut notes = Vec::new();
        if matching_changed && to.acts() && change.mode.is_none() {
            to = RuleMode::DryRun;
            notes.push("what the rule matches changed: back to dry run (S-4)".to_owned());
        }
        let record = self.store.dry_run_record(Utc::now(), 7)?;
        let promoting = to.acts() && (!from.acts() || matching_changed);
        if promoting && !change.confirmed {
            return Err(promotion_refused(&record, to));
        }
        if promoting {
            notes.push(format!(
                "promoted to {} by {} after {} day(s) and {} evaluation(s) of dry run (would have isolated {}, queued {}, skipped {}){}",
                to.as_str(),
                me.name,
                record.days,
                record.evaluations,
                record.would_isolate,
                record.queued,
                record.skipped,
                record.warning.as_deref().map(|w| format!("; warning shown: {w}")).unwrap_or_default()
            ));
        }
        s.mode = to;
        let detail = serde_json::to_string(&s).unwrap_or_default();
        let row = NewAudit {
            actor: me.name.clone(),
            event: if promoting {
                "rule.promoted"
            } else {
                "rule.changed"
            }
            .into(),
            comment: (!notes.is_empty()).then(|| notes.join("; ")),
            from_state: Some(from.as_str().into()),
            to_state: Some(to.as_str().into()),
            detail,
            ..NewAudit::default()
        };
        self.store.save_rule(&s, &row, Utc::now())?;
        self.status().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::automation::Severity;

    #[test]
    fn matching_edits_are_told_apart_from_guard_rail_edits() {
        let mut s = RuleSettings::default();
        let rails = RuleChange {
            exclude_tags: Some(vec![" vip ".into(), String::new()]),
            max_per_window: Some(3),
            ..RuleChange::default()
        };
        assert_eq!(apply(&mut s, &rails).ok(), Some(false));
        assert_eq!(s.exclude_tags, vec!["vip".to_owned()]);
        let matching = RuleChange {
            min_severity: Some(Severity::Medium),
            ..RuleChange::default()
        };
        assert_eq!(apply(&mut s, &matching).ok(), Some(true));
    }

    #[test]
    fn limits_are_checked() {
        let mut s = RuleSettings::default();
        for c in [
            RuleChange {
                max_per_window: Some(101),
                ..RuleChange::default()
            },
            RuleChange {
                interval_minutes: Some(0),
                ..RuleChange::default()
            },
            RuleChange {
                max_group_percent: Some(150),
                ..RuleChange::default()
            },
            RuleChange {
                approval_expiry_hours: Some(0),
                ..RuleChange::default()
            },
        ] {
            assert!(
                matches!(apply(&mut s, &c), Err(CoreError::Invalid { .. })),
                "{c:?}"
            );
        }
        assert_eq!(
            s,
            RuleSettings::default(),
            "a refused change changes nothing visible"
        );
    }
}
