// diesel's view of the schema, printed by migrate_runtime::models::print_schema_rs.

pub mod sql_types {
    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(
        name = "a_rather_long_enum_type_name_that_breaks_the_attribute_line_x"
    ))]
    pub struct ARatherLongEnumTypeNameThatBreaksTheAttributeLineX;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "order_status"))]
    pub struct OrderStatus;
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::ARatherLongEnumTypeNameThatBreaksTheAttributeLineX;
    use super::sql_types::OrderStatus;

    events (id) {
        id -> Uuid,
        at -> Timestamptz,
        status -> Nullable<OrderStatus>,
        kind -> ARatherLongEnumTypeNameThatBreaksTheAttributeLineX,
    }
}
