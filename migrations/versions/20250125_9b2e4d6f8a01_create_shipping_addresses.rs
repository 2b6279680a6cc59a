//! Physical orders get an encrypted shipping address, deleted with the order.
use migrate_runtime::prelude::*;

#[migration(
    revision = "9b2e4d6f8a01",
    down_revision = "3f9a1c2b7d10",
    message = "create shipping_addresses"
)]
pub fn upgrade() -> Vec<Op> {
    vec![op::create_table(
        Table::new("shipping_addresses")
            .column(Column::new("id", Type::Integer).primary_key().autoincrement())
            .column(Column::new("order_id", Type::Integer).not_null())
            .column(Column::new("encrypted_address", Type::Binary).not_null())
            .foreign_key(
                ForeignKey::new(["order_id"], "orders", ["id"]).on_delete(FkAction::Cascade),
            )
            .index(Index::new(["order_id"])),
    )]
}
