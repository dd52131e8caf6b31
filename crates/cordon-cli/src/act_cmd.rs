//! `cordon cancel` and the check every changing command makes first: a comment is
//! required, checked before the tenant is even read (bulk `isolate` and `release` are
//! in `bulk_cmd`).

use std::process::ExitCode;

use cordon_core::{App, CoreError, Result};

use crate::output;

pub async fn cancel(app: &App, action_id: &str, comment: &str, json: bool) -> Result<ExitCode> {
    let row = app.cancel(action_id, comment).await?;
    output::actions(json, std::slice::from_ref(&row));
    Ok(ExitCode::SUCCESS)
}

/// Checked before the tenant is even read, so a missing comment costs no request.
pub fn require_comment(comment: &str) -> Result<()> {
    if comment.trim().is_empty() {
        return Err(CoreError::EmptyComment);
    }
    Ok(())
}
