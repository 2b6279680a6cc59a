//! long names and strings
use migrate_runtime::prelude::*;

#[migration(
    revision = "c0de00000002",
    down_revision = "c0de00000001",
    message = "long names and strings"
)]
pub fn upgrade() -> Vec<Op> {
    vec![
        op::create_table(
            Table::new("a_table_with_a_name_long_enough_to_push_everything_onto_lines_of_its_own")
                .column(
                    Column::new(
                        "a_column_whose_name_alone_takes_more_than_half_of_the_line",
                        Type::Varchar(4096),
                    )
                    .not_null()
                    .unique()
                    .server_default(
                        "a default value that is itself rather long for a single line of code",
                    ),
                )
                .column(Column::new("id", Type::Integer).primary_key())
                .index(
                    Index::new([
                        "a_column_whose_name_alone_takes_more_than_half_of_the_line",
                        "id",
                    ])
                    .where_clause("id > 0 AND id < 1000000 AND id <> 42"),
                ),
        ),
        // A drop and an add of the same type may be a rename:
        // op::rename_column("...", "old", "new") keeps the data.
        op::alter_column(
            "a_table_with_a_name_long_enough_to_push_everything_onto_lines_of_its_own",
            "a_column_whose_name_alone_takes_more_than_half_of_the_line",
            AlterColumn::new().rename("short").set_type(Type::Text),
        ),
        op::execute(
            "UPDATE a_table_with_a_name_long_enough_to_push_everything_onto_lines_of_its_own SET short = lower(short) WHERE short IS NOT NULL AND length(short) > 10",
        ),
        op::bulk_insert(
            "a_table_with_a_name_long_enough_to_push_everything_onto_lines_of_its_own",
            ["id", "short"],
            vec![
                vec![0.into(), "row number 0 of four".into()],
                vec![1.into(), "row number 1 of four".into()],
                vec![2.into(), "row number 2 of four".into()],
                vec![3.into(), "row number 3 of four".into()],
            ],
        ),
        // Irreversible once the rows are gone.
        op::drop_table("a_table_with_a_name_long_enough_to_push_everything_onto_lines_of_its_own"),
    ]
}
