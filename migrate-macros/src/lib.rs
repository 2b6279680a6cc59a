//! Procedural macros for migrate-runtime.
use proc_macro::TokenStream;

/// Marks a migration function or module (placeholder).
#[proc_macro_attribute]
pub fn migration(_args: TokenStream, input: TokenStream) -> TokenStream {
    input
}

/// Embeds a folder of migrations (placeholder).
#[proc_macro]
pub fn embed_migrations(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
