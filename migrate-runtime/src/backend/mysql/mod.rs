//! The mysql backend: how ops render as its SQL ([`render`]) and how its catalog is read
//! back as a schema (`introspect`).

pub(crate) mod introspect;
pub(crate) mod render;

pub(crate) use render::*;
