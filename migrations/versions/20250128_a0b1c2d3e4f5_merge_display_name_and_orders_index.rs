//! Joins the two branches above: nothing to change, only the graph.
use migrate_runtime::prelude::*;

#[migration(
    revision = "a0b1c2d3e4f5",
    down_revision = ["5d8e1f0a2b4c", "7e6f5a4b3c2d"],
    message = "merge display_name and orders index"
)]
pub fn upgrade() -> Vec<Op> {
    vec![]
}
