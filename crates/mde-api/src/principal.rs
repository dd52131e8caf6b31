//! Who a token speaks for (temporary; replaced by the simulator branch's version).

/// Who a token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub object_id: String,
    pub name: String,
    pub application: bool,
}
