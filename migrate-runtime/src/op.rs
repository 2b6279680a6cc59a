//! The migration DSL (placeholder, being written).

/// One schema change.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Raw SQL.
    Execute(String),
}
