//! Alerts a test raises through the control API (`POST /_sim/alerts`), in their own file
//! to keep the client's main file short.

use serde::Deserialize;

use super::{ControlResult, NewAlert, SimControl};

impl SimControl {
    /// Raises these alerts at the simulated now (`POST /_sim/alerts`), each published
    /// after its `visible_after_secs`; the new alerts' ids, in order. A wrong one (no such
    /// machine, no such severity) is a 400 and none is raised.
    pub async fn post_alerts(&self, alerts: &[NewAlert]) -> ControlResult<Vec<String>> {
        #[derive(Deserialize)]
        struct Raised {
            alerts: Vec<String>,
        }
        let r: Raised = self.post("/_sim/alerts", alerts).await?;
        Ok(r.alerts)
    }
}
