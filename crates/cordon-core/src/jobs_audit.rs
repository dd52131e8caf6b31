//! The audit log and the reconciliation settings as the App offers them: filtered
//! reads, CSV and JSON exports (formula-safe cells), and appends for steps that are not
//! item transitions (e.g. auto-reconcile's decisions). The rows themselves are written
//! by the store, in the same transaction as the change they describe.

use chrono::Utc;

use crate::app::App;
use crate::dto_jobs::{AuditEntry, AuditFilter, ExportFormat, ReconcileSettings};
use crate::error::{CoreError, Result};
use crate::store::NewAudit;

const RECONCILE_SETTINGS: &str = "reconcile";

impl App {
    /// Audit entries matching `filter`, oldest first.
    pub fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let parse = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(crate::actions::parse_since)
                .transpose()
        };
        self.inner
            .store
            .audit_entries(filter, parse(&filter.since)?, parse(&filter.until)?)
    }

    /// The matching audit entries as CSV or JSON.
    pub fn audit_export(&self, filter: &AuditFilter, format: ExportFormat) -> Result<String> {
        let entries = self.audit(filter)?;
        match format {
            ExportFormat::Json => serde_json::to_string_pretty(&entries)
                .map_err(|e| CoreError::Storage(format!("encoding the audit log: {e}"))),
            ExportFormat::Csv => Ok(audit_csv(&entries)),
        }
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
        self.inner.store.audit_append(Utc::now(), &row)
    }

    pub fn reconcile_settings(&self) -> Result<ReconcileSettings> {
        Ok(self
            .inner
            .store
            .setting(RECONCILE_SETTINGS)?
            .unwrap_or_default())
    }

    pub fn set_reconcile_settings(&self, s: ReconcileSettings) -> Result<ReconcileSettings> {
        if s.max_tries > 20 || s.stuck_after_minutes == 0 {
            return Err(CoreError::Invalid {
                field: "reconcileSettings".into(),
                message: "Tries must be 0–20 and the stuck threshold at least one minute.".into(),
            });
        }
        self.inner.store.set_setting(RECONCILE_SETTINGS, &s)?;
        Ok(s)
    }
}

/// CSV of audit entries; a cell that a spreadsheet would run as a formula is quoted
/// with a leading apostrophe.
pub fn audit_csv(entries: &[AuditEntry]) -> String {
    fn cell(s: &str) -> String {
        let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{s}")
        } else {
            s.to_owned()
        };
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    }
    let mut out = String::from("seq,at,actor,event,job_id,machine_id,action_id,comment,detail\n");
    for e in entries {
        let row = [
            e.seq.to_string(),
            e.at.clone(),
            e.actor.clone(),
            e.event.clone(),
            e.job_id.clone().unwrap_or_default(),
            e.machine_id.clone().unwrap_or_default(),
            e.action_id.clone().unwrap_or_default(),
            e.comment.clone().unwrap_or_default(),
            e.detail.clone(),
        ];
        out.push_str(&row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}
