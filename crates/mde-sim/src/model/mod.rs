//! The tenant's data and its lifecycle, free of HTTP: machines, actions, alerts.

pub mod action;
pub mod alert;
pub mod ids;
pub mod machine;
pub mod rules;
pub mod tenant;

#[cfg(test)]
mod tests;

pub use action::{Action, ActionType, Status};
pub use alert::{Alert, Detection};
pub use machine::Machine;
pub use rules::Lifecycle;
pub use tenant::{NewAction, SubmitError, Submitted, Tenant};
