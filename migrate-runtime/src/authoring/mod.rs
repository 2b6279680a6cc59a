//! Writing migrations and models: the diesel `schema.rs` reader and writer ([`models`]),
//! migration-file code ([`codegen`]), autogenerate's inputs, importing SQL migrations
//! ([`import`]) and new projects and migration files ([`scaffold`]).

pub mod codegen;
pub mod import;
pub mod models;
pub mod scaffold;
