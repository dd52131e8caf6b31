//! The audit log as the core offers it: filtered reads, CSV and JSON exports, and
//! appends for steps that are not item transitions (e.g. auto-reconcile's decisions),
//! signed with the identity the journal names. The rows of item transitions are
//! written by the store, in the same transaction as the change they describe.

use chrono::{DateTime, Utc};

use crate::dto::ActionRow;
use crate::dto::jobs::{AuditEntry, AuditFilter, AuditPage, ExportFormat};
use crate::error::{CoreError, Result};
use crate::jobs::Jobs;
use crate::store::NewAudit;

impl Jobs {
    /// One page of the audit entries matching `filter` ([`AuditPage`]: counted from
    /// the newest, oldest first within the page).
    pub fn audit(&self, filter: &AuditFilter) -> Result<AuditPage> {
        let (since, until) = bounds(filter)?;
        self.store.audit_page(filter, since, until)
    }

    /// Every audit entry matching `filter` (its `offset`/`limit` ignored), oldest first.
    pub fn audit_all(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let (since, until) = bounds(filter)?;
        let mut out = Vec::new();
        self.store.audit_each(filter, since, until, &mut |e| {
            out.push(e);
            Ok(())
        })?;
        Ok(out)
    }

    /// Every matching audit entry (not a page) as CSV or JSON.
    pub fn audit_export(&self, filter: &AuditFilter, format: ExportFormat) -> Result<String> {
        let entries = self.audit_all(filter)?;
        match format {
            ExportFormat::Json => serde_json::to_string_pretty(&entries)
                .map_err(|e| CoreError::Storage(format!("encoding the audit log: {e}"))),
            ExportFormat::Csv => audit_csv(&entries),
        }
    }

    /// Cancels a `Pending` or `InProgress` action in Defender (the fleet's verb) and
    /// audits it (`action.cancelled`, with the machine, the action and the comment):
    /// a cancel from the app or the CLI is in the log like every other action.
    pub async fn cancel_action(&self, action_id: &str, comment: &str) -> Result<ActionRow> {
        let row = self.fleet.cancel(action_id, comment).await?;
        let detail = format!(
            "{} {} is {} in Defender",
            row.action_type, row.action_id, row.status
        );
        self.audit_append(
            "action.cancelled",
            None,
            row.machine_id.as_deref(),
            Some(&row.action_id),
            Some(comment.trim()),
            &detail,
        )?;
        Ok(row)
    }

    /// Appends one audit entry (e.g. an auto-reconcile step), signed by this core.
    pub fn audit_append(
        &self,
        event: &str,
        job_id: Option<&str>,
        machine_id: Option<&str>,
        action_id: Option<&str>,
        comment: Option<&str>,
        detail: &str,
    ) -> Result<()> {
        let row = NewAudit {
            actor: self.identity_now(),
            event: event.to_owned(),
            job_id: job_id.map(str::to_owned),
            machine_id: machine_id.map(str::to_owned),
            action_id: action_id.map(str::to_owned),
            comment: comment.map(str::to_owned),
            detail: detail.to_owned(),
            ..NewAudit::default()
        };
        self.store.audit_append(Utc::now(), &row)
    }
}

/// A filter's `since` and `until`, parsed.
type Bounds = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The filter's `since`/`until`, parsed.
fn bounds(filter: &AuditFilter) -> Result<Bounds> {
    let parse = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(crate::fleet::actions::parse_since)
            .transpose()
    };
    Ok((parse(&filter.since)?, parse(&filter.until)?))
}

/// CSV of audit entries ([`crate::export::csv`]).
pub fn audit_csv(entries: &[AuditEntry]) -> Result<String> {
    let header = [
        "seq",
        "at",
        "actor",
        "event",
        "job_id",
        "machine_id",
        "machine_name",
        "action_id",
        "comment",
        "detail",
    ];
    crate::export::csv(
        &header,
        entries.iter().map(|e| {
            [
                e.seq.to_string(),
                e.at.clone(),
                e.actor.clone(),
                e.event.clone(),
                e.job_id.clone().unwrap_or_default(),
                e.machine_id.clone().unwrap_or_default(),
                e.machine_name.clone().unwrap_or_default(),
                e.action_id.clone().unwrap_or_default(),
                e.comment.clone().unwrap_or_default(),
                e.detail.clone(),
            ]
        }),
    )
}
