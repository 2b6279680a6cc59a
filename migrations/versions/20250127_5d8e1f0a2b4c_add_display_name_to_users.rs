//! One developer's branch: users get a display name.
use migrate_runtime::prelude::*;

#[migration(
    revision = "5d8e1f0a2b4c",
    down_revision = "c41d7e2a9f3b",
    message = "add display_name to users"
)]
pub fn upgrade() -> Vec<Op> {
    vec![op::add_column(
        "users",
        Column::new("display_name", Type::Varchar(100)),
    )]
}
