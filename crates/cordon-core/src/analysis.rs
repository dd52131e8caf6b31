//! The App's reconciliation, grouping and history entry points (over the pure
//! functions in `reconcile`, `grouping` and `history`), and the auto-reconcile step the
//! sync loop runs after each successful round.

use crate::app::App;

impl App {
    /// Runs after every successful sync round: resubmits what auto-reconcile allows.
    pub(crate) async fn auto_reconcile_tick(&self) {}
}
