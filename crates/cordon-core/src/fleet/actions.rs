//! Listing machine actions with server-side filters, and cancelling one.
//!
//! Filters become an OData `$filter` built by [`mde_api::Filter`] (quoted, never
//! concatenated), so a large tenant's history is not downloaded to be filtered here.
//! The type and status words are checked against Defender's vocabulary first, so a
//! typo is a clear error instead of an empty list. A cancel is validated (GUID action
//! id, a comment) before anything is sent.

use chrono::{DateTime, Utc};
use mde_api::{ActionType, Filter, MachineAction, Query};

use crate::dto::{ActionFilter, ActionRow};
use crate::error::{CoreError, Result};
use crate::fleet::Fleet;
use crate::time::rfc3339;

/// Defender's action types (machineAction `type`).
pub const ACTION_TYPES: &[&str] = &[
    "Isolate",
    "Unisolate",
    "RunAntiVirusScan",
    "Offboard",
    "CollectInvestigationPackage",
    "RestrictCodeExecution",
    "UnrestrictCodeExecution",
    "StopAndQuarantineFile",
    "LiveResponse",
];

/// Defender's action statuses.
pub const ACTION_STATUSES: &[&str] = &[
    "Pending",
    "InProgress",
    "Succeeded",
    "Failed",
    "TimeOut",
    "Cancelled",
];

impl Fleet {
    /// Machine actions matching `filter`, newest first.
    pub async fn actions(&self, filter: ActionFilter) -> Result<Vec<ActionRow>> {
        let mut parts: Vec<Filter> = Vec::new();
        if let Some(m) = filter.machine.as_deref().filter(|m| !m.trim().is_empty()) {
            let row = self.find_machine(m).await?;
            parts.push(Filter::eq("machineId", row.id));
        }
        if let Some(t) = nonempty(&filter.action_type) {
            parts.push(Filter::eq(
                "type",
                canonical("actionType", t, ACTION_TYPES)?,
            ));
        }
        if let Some(s) = nonempty(&filter.status) {
            parts.push(Filter::eq(
                "status",
                canonical("status", s, ACTION_STATUSES)?,
            ));
        }
        if let Some(since) = nonempty(&filter.since) {
            parts.push(Filter::ge("creationDateTimeUtc", parse_since(since)?));
        }
        let mut query = Query::new();
        if let Some(f) = parts.into_iter().reduce(Filter::and) {
            query = query.filter(f);
        }
        let mut found = self.client().list_machine_actions(&query).await?;
        found.sort_by(|a, b| {
            b.creation_date_time_utc
                .cmp(&a.creation_date_time_utc)
                .then_with(|| b.id.cmp(&a.id))
        });
        Ok(found.iter().map(|a| self.action_row(a)).collect())
    }

    /// Cancels a `Pending` or `InProgress` action. Validated before any request: the
    /// id is a GUID and the comment says why.
    pub async fn cancel(&self, action_id: &str, comment: &str) -> Result<ActionRow> {
        let id = action_id.trim().to_ascii_lowercase();
        if !crate::profiles::is_guid(&id) {
            return Err(CoreError::Invalid {
                field: "actionId".into(),
                message: format!(
                    "“{}” is not a Defender action id (a GUID, as `cordon actions` shows). No request was sent.",
                    action_id.trim()
                ),
            });
        }
        let comment = comment.trim();
        if comment.is_empty() {
            return Err(CoreError::EmptyComment);
        }
        let action = self.client().cancel_action(&id, comment).await?;
        let row = self.action_row(&action);
        self.merge(None, vec![action], false);
        self.wake();
        Ok(row)
    }

    /// The machine's newest isolation or release still pending (or in progress) at
    /// Defender, as the cache last saw it (Defender takes one at a time).
    pub(crate) fn pending_isolation(&self, machine_id: &str) -> Option<MachineAction> {
        self.cache()
            .actions
            .values()
            .filter(|a| crate::fleet::same_machine(a, machine_id))
            .filter(|a| matches!(a.action_type, ActionType::Isolate | ActionType::Unisolate))
            .filter(|a| crate::fleet::in_flight(&a.status))
            .max_by_key(|a| a.creation_date_time_utc)
            .cloned()
    }

    fn action_row(&self, a: &MachineAction) -> ActionRow {
        let machine_name = a
            .computer_dns_name
            .clone()
            .or_else(|| self.name_of(a.machine_id.as_deref()?));
        ActionRow {
            action_id: a.id.clone(),
            action_type: a.action_type.as_str().to_owned(),
            status: a.status.as_str().to_owned(),
            scope: a.scope.clone(),
            machine_id: a.machine_id.clone(),
            machine_name,
            requestor: a.requestor.clone().unwrap_or_default(),
            comment: a.requestor_comment.clone().unwrap_or_default(),
            created: rfc3339(a.creation_date_time_utc),
            updated: a.last_update_date_time_utc.map(rfc3339),
            cancelled_by: a.cancellation_requestor.clone(),
            cancel_comment: a.cancellation_comment.clone(),
        }
    }
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Defender's spelling of `word` (case-insensitive), or a validation error listing
/// the accepted words.
pub fn canonical(field: &str, word: &str, vocabulary: &[&'static str]) -> Result<&'static str> {
    vocabulary
        .iter()
        .find(|v| v.eq_ignore_ascii_case(word))
        .copied()
        .ok_or_else(|| CoreError::Invalid {
            field: field.into(),
            message: format!("“{word}” is not one of: {}.", vocabulary.join(", ")),
        })
}

/// An RFC 3339 time (a bare date means its midnight UTC).
pub fn parse_since(text: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(t.and_utc());
    }
    Err(CoreError::Invalid {
        field: "since".into(),
        message: format!(
            "“{text}” is not a time: use RFC 3339, e.g. 2025-01-31T08:00:00Z (or a date, 2025-01-31)."
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_canonicalised_or_refused() {
        assert_eq!(
            canonical("status", "inprogress", ACTION_STATUSES).ok(),
            Some("InProgress")
        );
        assert!(matches!(
            canonical("status", "Done", ACTION_STATUSES),
            Err(CoreError::Invalid { field, .. }) if field == "status"
        ));
    }

    #[test]
    fn since_takes_rfc3339_or_a_date() {
        assert!(parse_since("2025-01-31T08:00:00+02:00").is_ok());
        assert_eq!(
            parse_since("2025-01-31").ok().map(rfc3339),
            Some("2025-01-31T00:00:00Z".into())
        );
        assert!(parse_since("yesterday").is_err());
    }
}
