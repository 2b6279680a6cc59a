//! `orders.status` from integer codes to readable text, keeping every row's meaning.
use migrate_runtime::migration;

#[migration(
    revision = "c41d7e2a9f3b",
    down_revision = "9b2e4d6f8a01",
    message = "orders status from integer codes to text"
)]
pub mod orders_status_to_text {
    use migrate_runtime::prelude::*;

    pub fn upgrade() -> Vec<Op> {
        vec![
            op::add_column("orders", Column::new("status_text", Type::Varchar(50))),
            op::execute(
                "UPDATE orders SET status_text = CASE \
                 WHEN status = 0 THEN 'PENDING' \
                 WHEN status = 1 THEN 'PAID' \
                 ELSE 'UNKNOWN' END",
            ),
            op::drop_column("orders", "status"),
            op::alter_column(
                "orders",
                "status_text",
                AlterColumn::new()
                    .rename("status")
                    .not_null()
                    .set_default("PENDING"),
            ),
        ]
    }

    /// The reverse mapping, not `pass`: text back to the integer codes.
    pub fn downgrade() -> Vec<Op> {
        vec![
            op::add_column("orders", Column::new("status_code", Type::Integer)),
            op::execute(
                "UPDATE orders SET status_code = CASE \
                 WHEN status = 'PENDING' THEN 0 \
                 WHEN status = 'PAID' THEN 1 \
                 ELSE -1 END",
            ),
            op::drop_column("orders", "status"),
            op::alter_column(
                "orders",
                "status_code",
                AlterColumn::new().rename("status").not_null().set_default(0),
            ),
        ]
    }
}
