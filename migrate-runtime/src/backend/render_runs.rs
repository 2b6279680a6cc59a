//! The backends as the schema layer's [`RenderOps`]: what lets
//! [`schema::diff::render`](crate::schema::diff::render) render a diff table run by table
//! run without the schema layer depending on the backends.

use crate::backend::{render, Dialect, RenderError, Statement};
use crate::op::Op;
use crate::schema::diff::RenderOps;
use crate::schema::Schema;

impl RenderOps for Dialect {
    type Statement = Statement;
    type Error = RenderError;

    fn render_ops(&self, before: &Schema, ops: &[Op]) -> Result<Vec<Statement>, RenderError> {
        render(*self, before, ops)
    }
}
