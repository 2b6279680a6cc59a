//! Accumulates every error found so one build shows all of them.

use proc_macro2::{Span, TokenStream};
use std::fmt::Display;

/// A bag of `syn::Error`s, combined into one at the end.
#[derive(Default)]
pub struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    /// An empty bag.
    pub fn new() -> Self {
        Errors::default()
    }

    /// Adds an error at `span`.
    pub fn add(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Adds an existing error.
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(all) => all.combine(error),
            None => self.combined = Some(error),
        }
    }

    /// Whether no error was added.
    pub fn is_empty(&self) -> bool {
        self.combined.is_none()
    }

    /// The number of errors added.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.combined.as_ref().map_or(0, |e| e.into_iter().count())
    }

    /// The messages, in order (for tests).
    #[cfg(test)]
    pub fn messages(&self) -> Vec<String> {
        self.combined
            .as_ref()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default()
    }

    /// `compile_error!` invocations for every error (empty when none).
    pub fn to_compile_errors(&self) -> TokenStream {
        self.combined
            .as_ref()
            .map(syn::Error::to_compile_error)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrate_core::similar::fresh_id as suggested_id;

    #[test]
    fn accumulates_in_order() {
        let mut errors = Errors::new();
        assert!(errors.is_empty());
        errors.add(Span::call_site(), "first");
        errors.add(Span::call_site(), "second");
        assert_eq!(errors.len(), 2);
        assert_eq!(errors.messages(), ["first", "second"]);
        let text = errors.to_compile_errors().to_string();
        assert_eq!(text.matches("compile_error").count(), 2);
    }

    #[test]
    fn suggested_id_is_valid_and_stable() {
        let id = suggested_id("versions/a.rs");
        assert!(migrate_core::id::is_valid(&id), "{id}");
        assert_eq!(id.len(), 12);
        assert_eq!(id, suggested_id("versions/a.rs"));
        assert_ne!(id, suggested_id("versions/b.rs"));
    }
}
