//! Revision ids and revision-graph checks shared by compile time and run time.
//!
//! `migrate-macros` uses this crate to reject a broken migration folder at compile time;
//! `migrate-runtime` uses the same [`Graph`] to plan upgrades and downgrades. It depends on
//! nothing but `strsim` (for "did you mean" suggestions).
//!
//! It is also the one front end of migration files: [`lex`] reads Rust source text at run
//! time, [`attr`] parses and checks `#[migration(...)]`'s arguments for the macro and the
//! scanner alike, [`scan`] reads and writes migration files, [`similar`] makes the
//! suggestions of error messages.
//!
//! ```
//! use migrate_core::{Graph, GraphError, Revision};
//!
//! let graph = Graph::new([
//!     Revision::new("aaaa0001").message("create users"),
//!     Revision::new("aaaa0002").parent("aaaa0001"),
//!     Revision::new("aaaa0003").parent("aaaa0002"),
//! ]);
//! assert!(graph.check().is_empty());
//! let path: Vec<_> = graph.path(Some("aaaa0001"), "aaaa0003").unwrap()
//!     .into_iter().map(|r| r.id.as_str()).collect();
//! assert_eq!(path, ["aaaa0002", "aaaa0003"]);
//!
//! let broken = Graph::new([Revision::new("aaaa0001"), Revision::new("bbbb0002").parent("aaaa0011")]);
//! assert!(matches!(&broken.check()[0], GraphError::MissingParent { closest: Some(c), .. } if c.id == "aaaa0001"));
//! ```
#![deny(missing_docs)]

pub mod attr;
pub mod check;
pub mod graph;
pub mod id;
pub mod lex;
pub mod scan;
pub mod similar;
pub mod target;

pub use check::{Cycle, EdgeKind, GraphError};
pub use graph::{Graph, PathError, PrefixError, Revision};
pub use id::IdError;
pub use target::{Anchor, Target, TargetError};

#[cfg(test)]
mod tests;
