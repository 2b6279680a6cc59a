//! Items learn whether they ship: digital goods need no address.
use migrate_runtime::prelude::*;

// No downgrade written: it is derived (drop_column "items"."is_physical").
#[migration(
    revision = "3f9a1c2b7d10",
    down_revision = "1a2b3c4d5e6f",
    message = "add is_physical to items"
)]
pub fn upgrade() -> Vec<Op> {
    vec![op::add_column(
        "items",
        Column::new("is_physical", Type::Boolean)
            .not_null()
            .server_default(false),
    )]
}
