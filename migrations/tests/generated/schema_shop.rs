// diesel's view of the schema, printed by migrate_runtime::models::print_schema_rs.

diesel::table! {
    items (id) {
        id -> Integer,
        #[max_length = 255]
        name -> Varchar,
        description -> Nullable<Text>,
        price_cents -> Integer,
        created_at -> Timestamp,
        is_physical -> Bool,
    }
}

diesel::table! {
    orders (id) {
        id -> Integer,
        user_id -> Integer,
        item_id -> Integer,
        quantity -> Integer,
        created_at -> Timestamp,
        #[max_length = 50]
        status -> Varchar,
    }
}

diesel::table! {
    shipping_addresses (id) {
        id -> Integer,
        order_id -> Integer,
        encrypted_address -> Binary,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
        #[max_length = 255]
        email -> Varchar,
        #[max_length = 255]
        name -> Varchar,
        created_at -> Timestamp,
        #[max_length = 100]
        display_name -> Nullable<Varchar>,
    }
}

diesel::joinable!(orders -> items (item_id));
diesel::joinable!(orders -> users (user_id));
diesel::joinable!(shipping_addresses -> orders (order_id));

diesel::allow_tables_to_appear_in_same_query!(items, orders, shipping_addresses, users);
