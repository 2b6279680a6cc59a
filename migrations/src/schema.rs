//! diesel's view of the shop at head (revision `a0b1c2d3e4f5`): what `diesel print-schema`
//! gives for a database migrated to head. Keep it in step with `versions/`.

diesel::table! {
    /// Customers.
    users (id) {
        /// Primary key.
        id -> Integer,
        /// Unique login e-mail.
        email -> Varchar,
        /// Legal name.
        name -> Varchar,
        /// When the row was created (server default).
        created_at -> Timestamp,
        /// Optional public name (`5d8e1f0a2b4c`).
        display_name -> Nullable<Varchar>,
    }
}

diesel::table! {
    /// The catalogue.
    items (id) {
        /// Primary key.
        id -> Integer,
        /// Item name.
        name -> Varchar,
        /// Free text.
        description -> Nullable<Text>,
        /// Price in cents, never negative.
        price_cents -> Integer,
        /// When the row was created (server default).
        created_at -> Timestamp,
        /// Whether the item ships (`3f9a1c2b7d10`, default false).
        is_physical -> Bool,
    }
}

diesel::table! {
    /// Orders of one item by one user.
    orders (id) {
        /// Primary key.
        id -> Integer,
        /// The buyer.
        user_id -> Integer,
        /// The item.
        item_id -> Integer,
        /// How many (default 1).
        quantity -> Integer,
        /// When the row was created (server default).
        created_at -> Timestamp,
        /// `PENDING`, `PAID` or `UNKNOWN` (text since `c41d7e2a9f3b`).
        status -> Varchar,
    }
}

diesel::table! {
    /// Where a physical order ships.
    shipping_addresses (id) {
        /// Primary key.
        id -> Integer,
        /// The order (deleted with it).
        order_id -> Integer,
        /// The address, encrypted by the application.
        encrypted_address -> Binary,
    }
}

diesel::joinable!(orders -> users (user_id));
diesel::joinable!(orders -> items (item_id));
diesel::joinable!(shipping_addresses -> orders (order_id));

diesel::allow_tables_to_appear_in_same_query!(users, items, orders, shipping_addresses);
