//! The tenant's data and its lifecycle, free of HTTP: machines, actions, alerts.

pub mod action;
pub mod alert;
pub mod ids;
pub mod machine;
pub mod tenant;

#[cfg(test)]
mod tests;

pub use action::{Action, ActionType, Status};
pub use alert::{Alert, Detection};
pub use machine::Machine;
pub use tenant::{Lifecycle, NewAction, SubmitError, Submitted, Tenant};
