//! The shop as it stood before migrations: users, items and orders.
use migrate_runtime::prelude::*;

fn id() -> Column {
    Column::new("id", Type::Integer).primary_key().autoincrement()
}

fn created_at() -> Column {
    Column::new("created_at", Type::Timestamp)
        .not_null()
        .server_default(DefaultValue::sql("CURRENT_TIMESTAMP"))
}

#[migration(revision = "1a2b3c4d5e6f", message = "initial shop schema")]
pub fn upgrade() -> Vec<Op> {
    vec![
        op::create_table(
            Table::new("users")
                .column(id())
                .column(Column::new("email", Type::Varchar(255)).not_null().unique())
                .column(Column::new("name", Type::Varchar(255)).not_null())
                .column(created_at()),
        ),
        op::create_table(
            Table::new("items")
                .column(id())
                .column(Column::new("name", Type::Varchar(255)).not_null())
                .column(Column::new("description", Type::Text))
                .column(Column::new("price_cents", Type::Integer).not_null())
                .column(created_at())
                .check(Check::new("price_not_negative", "price_cents >= 0")),
        ),
        op::create_table(
            Table::new("orders")
                .column(id())
                .column(Column::new("user_id", Type::Integer).not_null())
                .column(Column::new("item_id", Type::Integer).not_null())
                .column(Column::new("quantity", Type::Integer).not_null().server_default(1))
                // 0 = pending, 1 = paid: the integer codes a later migration turns into text.
                .column(Column::new("status", Type::Integer).not_null().server_default(0))
                .column(created_at())
                .foreign_key(
                    ForeignKey::new(["user_id"], "users", ["id"]).on_delete(FkAction::Cascade),
                )
                .foreign_key(ForeignKey::new(["item_id"], "items", ["id"]))
                .index(Index::new(["user_id"]))
                .index(Index::new(["item_id"])),
        ),
    ]
}
