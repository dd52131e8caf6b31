//! A small, real OData query engine: `$filter` is tokenised and parsed (precedence
//! climbing) into a tree that is checked against the entity's properties, then evaluated
//! per row. Enough of OData v4 for what Microsoft's samples and known connectors send.

pub mod eval;
pub mod lexer;
pub mod parser;
pub mod query;

pub use eval::{EntityDef, Record, Val};
pub use query::{Page, Query, parse_query};
