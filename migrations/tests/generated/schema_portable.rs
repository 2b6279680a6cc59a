// diesel's view of the schema, printed by migrate_runtime::models::print_schema_rs.
// Table "log" has no primary key: diesel cannot declare it, so it is left out.

diesel::table! {
    alpha (id) {
        id -> Integer,
        type_id -> Nullable<Integer>,
    }
}

diesel::table! {
    beta (id) {
        id -> Integer,
        type_id -> Nullable<Integer>,
    }
}

diesel::table! {
    delta (id) {
        id -> Integer,
        type_id -> Nullable<Integer>,
    }
}

diesel::table! {
    #[sql_name = "diesel"]
    diesel_ (id) {
        id -> Integer,
        #[sql_name = "diesel"]
        diesel__ -> Nullable<Integer>,
    }
}

diesel::table! {
    epsilon (id) {
        id -> Integer,
        type_id -> Nullable<Integer>,
    }
}

diesel::table! {
    eta (id) {
        id -> Integer,
        type_id -> Nullable<Integer>,
    }
}

diesel::table! {
    /// Every portable type.
    /// Two lines of comment.
    every_type (id) {
        id -> Integer,
        big -> BigInt,
        small -> Nullable<SmallInt>,
        text -> Text,
        /// At most 20.
        #[max_length = 20]
        short -> Nullable<Varchar>,
        #[max_length = 3]
        code -> Varchar,
        flag -> Bool,
        ratio -> Nullable<Float>,
        precise -> Nullable<Double>,
        money -> Numeric,
        day -> Nullable<Date>,
        at -> Nullable<Time>,
        stamp -> Timestamp,
        bytes -> Nullable<Binary>,
        doc -> Nullable<Json>,
    }
}

diesel::table! {
    gamma (id) {
        id -> Integer,
        type_id -> Nullable<Integer>,
    }
}

diesel::table! {
    moves (id) {
        id -> Integer,
        from_id -> Integer,
        to_id -> Integer,
    }
}

diesel::table! {
    pairs (left_id, right_id) {
        left_id -> Integer,
        right_id -> Integer,
        parent_left -> Nullable<Integer>,
        parent_right -> Nullable<Integer>,
    }
}

diesel::table! {
    #[sql_name = "type"]
    type_ (id) {
        id -> Integer,
        #[sql_name = "type"]
        type__ -> Text,
        #[sql_name = "match"]
        match_ -> Nullable<Integer>,
        #[sql_name = "Order Total"]
        Order_Total -> Nullable<Double>,
        #[sql_name = "1st"]
        _1st -> Nullable<Bool>,
        every_type_id -> Integer,
        #[sql_name = "table"]
        table_ -> Nullable<Integer>,
        #[sql_name = "star"]
        star_ -> Nullable<Integer>,
        #[sql_name = "dsl"]
        dsl_ -> Nullable<Integer>,
        #[sql_name = "columns"]
        columns_ -> Nullable<Integer>,
        #[sql_name = "Integer"]
        Integer_ -> Nullable<Integer>,
    }
}

diesel::table! {
    zeta (id) {
        id -> Integer,
        type_id -> Nullable<Integer>,
    }
}

diesel::joinable!(alpha -> type_ (type_id));
diesel::joinable!(beta -> type_ (type_id));
diesel::joinable!(delta -> type_ (type_id));
diesel::joinable!(epsilon -> type_ (type_id));
diesel::joinable!(eta -> type_ (type_id));
diesel::joinable!(gamma -> type_ (type_id));
diesel::joinable!(type_ -> every_type (every_type_id));
diesel::joinable!(zeta -> type_ (type_id));

diesel::allow_tables_to_appear_in_same_query!(
    alpha, beta, delta, diesel_, epsilon, eta, every_type, gamma, moves, pairs, type_, zeta
);
