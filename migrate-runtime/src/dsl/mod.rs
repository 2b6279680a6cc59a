//! What migration authors write: the ops ([`op`]), columns and their types ([`column`](mod@column)),
//! tables and their constraints ([`table`]), and Rust data steps ([`data`]).
//!
//! This layer depends on nothing else in the crate but the dialect names a per-dialect
//! SQL text is keyed by.

pub mod column;
pub mod data;
pub mod dialect;
pub mod op;
pub mod table;
