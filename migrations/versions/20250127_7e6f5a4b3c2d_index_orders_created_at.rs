//! Another developer's branch, written the same day: orders are listed by date.
use migrate_runtime::prelude::*;

#[migration(
    revision = "7e6f5a4b3c2d",
    down_revision = "c41d7e2a9f3b",
    message = "index orders by created_at"
)]
pub fn upgrade() -> Vec<Op> {
    vec![op::create_index("orders", Index::new(["created_at"]))]
}
