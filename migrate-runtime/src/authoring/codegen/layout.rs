//! Layout: rustfmt's rules (default configuration, edition 2021) for the generated
//! expressions.

#[allow(unused_imports)]
use super::expr::*;
#[allow(unused_imports)]
use super::*;

// ---------------------------------------------------------------------------------------
// Layout: rustfmt's rules (default configuration, edition 2021) for these expressions.
// Widths are character counts: every character written is one column wide.
// ---------------------------------------------------------------------------------------

pub(super) const MAX_WIDTH: usize = 100;
pub(super) const TAB: usize = 4;
/// `fn_call_width`, `array_width` and `chain_width`.
pub(super) const SHORT_WIDTH: usize = 60;
/// `struct_lit_width`.
pub(super) const STRUCT_LIT_WIDTH: usize = 18;
/// `short_array_element_width_threshold`.
pub(super) const SHORT_ITEM: usize = 10;

/// rustfmt's `Shape` with block indentation only: `indent` columns of indentation for
/// following lines, `offset` columns already used on the first line, `width` columns left.
#[derive(Debug, Clone, Copy)]
pub(super) struct Shape {
    pub(super) width: usize,
    pub(super) indent: usize,
    pub(super) offset: usize,
}

impl Shape {
    pub(super) fn indented(indent: usize) -> Shape {
        Shape {
            width: MAX_WIDTH.saturating_sub(indent),
            indent,
            offset: 0,
        }
    }

    pub(super) fn offset_left(self, d: usize) -> Option<Shape> {
        Some(Shape {
            width: self.width.checked_sub(d)?,
            offset: self.offset + d,
            ..self
        })
    }

    pub(super) fn sub_width(self, d: usize) -> Option<Shape> {
        Some(Shape {
            width: self.width.checked_sub(d)?,
            ..self
        })
    }

    pub(super) fn block_indent(self, d: usize) -> Shape {
        Shape {
            width: self.width,
            indent: self.indent + d,
            offset: 0,
        }
    }

    pub(super) fn with_max_width(self) -> Shape {
        Shape {
            width: MAX_WIDTH.saturating_sub(self.indent),
            ..self
        }
    }

    pub(super) fn used_width(self) -> usize {
        self.indent + self.offset
    }

    pub(super) fn rhs_overhead(self) -> usize {
        MAX_WIDTH.saturating_sub(self.used_width() + self.width)
    }
}

pub(super) fn width(s: &str) -> usize {
    s.chars().count()
}

pub(super) fn first_line_width(s: &str) -> usize {
    width(s.split('\n').next().unwrap_or(""))
}

pub(super) fn last_line_width(s: &str) -> usize {
    width(s.rsplit('\n').next().unwrap_or(""))
}

pub(super) fn spaces(n: usize) -> String {
    " ".repeat(n)
}

/// rustfmt's `filtered_str_fits`: the first line fits the shape, the others the maximum
/// width, the last the shape's right edge.
pub(super) fn fits(s: &str, shape: Shape) -> bool {
    if s.is_empty() {
        return true;
    }
    if first_line_width(s) > shape.width {
        return false;
    }
    if !s.contains('\n') {
        return true;
    }
    if s.split('\n').skip(1).any(|l| width(l) > MAX_WIDTH) {
        return false;
    }
    last_line_width(s) <= shape.used_width() + shape.width
}

pub(super) fn last_line_extendable(s: &str) -> bool {
    if s.ends_with("\"#") {
        return true;
    }
    for c in s.chars().rev() {
        match c {
            '(' | ')' | ']' | '}' | '?' | '>' => continue,
            '\n' => break,
            c if c.is_whitespace() => continue,
            _ => return false,
        }
    }
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tactic {
    Horizontal,
    Vertical,
    Mixed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Trailing {
    Vertical,
    Never,
}

/// One item of a list: its rewrite (`None` when it did not fit) and the comment lines
/// written above it.
pub(super) struct Item {
    pub(super) text: Option<String>,
    pub(super) comment: Option<String>,
}

impl Item {
    pub(super) fn inner(&self) -> &str {
        self.text.as_deref().unwrap_or("")
    }

    pub(super) fn multiline(&self) -> bool {
        self.inner().contains('\n')
    }
}

pub(super) fn definitive_tactic(items: &[Item], limit: usize) -> Tactic {
    if items.iter().any(|i| i.comment.is_some()) {
        return Tactic::Vertical;
    }
    let total: usize =
        items.iter().map(|i| width(i.inner())).sum::<usize>() + 2 * items.len().saturating_sub(1);
    if total <= limit && !items.iter().any(Item::multiline) {
        Tactic::Horizontal
    } else {
        Tactic::Vertical
    }
}

/// rustfmt's `write_list`, for comma-separated expression lists.
pub(super) fn write_list(
    items: &[Item],
    tactic: Tactic,
    shape: Shape,
    trailing: Trailing,
    ends_with_newline: bool,
) -> Option<String> {
    let needs_trailing = match trailing {
        Trailing::Vertical => tactic == Tactic::Vertical,
        Trailing::Never => false,
    };
    let indent = spaces(shape.indent);
    let mut result = String::new();
    let mut line_len = 0;
    for (i, item) in items.iter().enumerate() {
        let inner = item.text.as_deref()?;
        let first = i == 0;
        let last = i + 1 == items.len();
        let mut separate = !last || needs_trailing;
        let sep_len = usize::from(separate);
        match tactic {
            Tactic::Horizontal if !first => result.push(' '),
            Tactic::Vertical if !first && !inner.is_empty() && !result.is_empty() => {
                result.push('\n');
                result.push_str(&indent);
            }
            Tactic::Mixed => {
                let total = width(inner) + sep_len;
                if line_len > 0 && line_len + 1 + total > shape.width {
                    result.push('\n');
                    result.push_str(&indent);
                    line_len = 0;
                } else if line_len > 0 {
                    result.push(' ');
                    line_len += 1;
                }
                if last && ends_with_newline {
                    separate = trailing != Trailing::Never;
                }
                line_len += total;
            }
            _ => {}
        }
        if let Some(comment) = &item.comment {
            result.push_str(&comment.replace('\n', &format!("\n{indent}")));
            result.push('\n');
            result.push_str(&indent);
        }
        result.push_str(inner);
        if separate {
            result.push(',');
        }
    }
    Some(result)
}

pub(super) fn is_nested_call(e: &Expr) -> bool {
    matches!(e, Expr::Call { .. } | Expr::Array { mac: true, .. })
}

pub(super) fn is_simple(e: &Expr) -> bool {
    matches!(e, Expr::Atom { simple: true, .. })
}

pub(super) fn can_be_overflowed(e: &Expr, len: usize) -> bool {
    match e {
        Expr::Atom { .. } => false,
        _ => len == 1,
    }
}

pub(super) struct Layout {
    /// rustfmt's `force_one_line_chain`: set while an overflowing last argument that is a
    /// method chain is tried on the rest of the line.
    pub(super) force_one_line_chain: Cell<bool>,
    /// Atoms fit anywhere: for the layout of code rustfmt cannot format (and leaves as it
    /// is written).
    pub(super) lenient: bool,
}

impl Layout {
    pub(super) fn new(lenient: bool) -> Layout {
        Layout {
            force_one_line_chain: Cell::new(false),
            lenient,
        }
    }

    /// rustfmt's rewrite of `e` in `shape`: `None` when it does not fit.
    ///
    /// A flat expression (see [`flat`]) that fits on the first line is written on it
    /// without trying the alternatives: rustfmt's rules choose that line for it (its
    /// arguments are at most 60 columns and fit, so each list is horizontal and each last
    /// argument overflows onto the same line; a chain's parts fit the budget), and the
    /// full rules give the same text, only slower.
    pub(super) fn rewrite(&self, e: &Expr, shape: Shape) -> Option<String> {
        if let Some(text) = flat(e) {
            let w = width(text);
            let fast = match e {
                Expr::Atom { .. } | Expr::Struct { .. } => false,
                Expr::Call { .. } | Expr::Array { .. } => w <= shape.width,
                Expr::Chain {
                    root, widest_child, ..
                } => {
                    let child_width = MAX_WIDTH.saturating_sub(shape.indent + TAB);
                    w <= shape.width
                        && flat(root).is_some_and(|r| width(r) > TAB.saturating_sub(shape.offset))
                        && shape.indent + TAB + widest_child <= MAX_WIDTH
                        && child_width >= shape.rhs_overhead()
                }
            };
            if fast {
                return Some(text.to_owned());
            }
        }
        match e {
            Expr::Atom { text, .. } => (self.lenient || fits(text, shape)).then(|| text.clone()),
            Expr::Call { callee, args, .. } => {
                if !self.lenient && width(callee) > shape.width {
                    return None;
                }
                self.rewrite_list(callee, args, &[], shape, ListKind::Call)
            }
            Expr::Array { mac, items, .. } => {
                let kind = if *mac {
                    ListKind::VecMacro
                } else {
                    ListKind::Array
                };
                self.rewrite_list(if *mac { "vec!" } else { "" }, items, &[], shape, kind)
            }
            Expr::Chain { root, calls, .. } => self.rewrite_chain(root, calls, shape),
            Expr::Struct { path, fields, base } => {
                self.rewrite_struct(path, fields, base.as_deref(), shape)
            }
        }
    }

    /// rustfmt's overflow `Context`: `ident(items)` / `ident[items]`.
    pub(super) fn rewrite_list(
        &self,
        ident: &str,
        items: &[Expr],
        comments: &[Option<String>],
        shape: Shape,
        kind: ListKind,
    ) -> Option<String> {
        let (open, close, max_width) = match kind {
            ListKind::Call => ("(", ")", SHORT_WIDTH),
            ListKind::Array | ListKind::VecMacro => ("[", "]", SHORT_WIDTH),
        };
        let ident_width = width(ident);
        let one_line_width = shape.width.saturating_sub(ident_width + 2);
        let one_line_shape = shape
            .offset_left(ident_width + 1)
            .and_then(|s| s.sub_width(1))
            .unwrap_or(Shape { width: 0, ..shape });
        let nested_shape = Shape {
            width: MAX_WIDTH
                .saturating_sub(shape.indent + TAB)
                .saturating_sub(1),
            indent: shape.indent + TAB,
            offset: 0,
        };

        let mut list: Vec<Item> = items
            .iter()
            .enumerate()
            .map(|(i, e)| Item {
                text: self.rewrite(e, nested_shape),
                comment: comments.get(i).cloned().flatten(),
            })
            .collect();

        // try_overflow_last_item
        let n = items.len();
        // The last item in the nested shape, which rustfmt computes again below.
        let last_nested = list.last().and_then(|i| i.text.clone());
        let combine = n == 1 && ident_width < TAB;
        let overflow_last = combine || items.last().is_some_and(|e| can_be_overflowed(e, n));
        let placeholder = if overflow_last {
            self.overflow_last_item(items, &mut list, kind, combine, one_line_shape, max_width)
        } else {
            None
        };
        let limit = one_line_width.min(max_width);
        let mut tactic = definitive_tactic(&list, limit);
        match (overflow_last, tactic, placeholder) {
            (true, Tactic::Horizontal, Some(overflowed)) if n == 1 => {
                if overflowed.matches('\n').count() == 1 {
                    let rw = last_nested;
                    if rw.as_ref().is_some_and(|s| !s.contains('\n')) {
                        list[0].text = rw;
                    } else {
                        list[0].text = Some(overflowed);
                    }
                } else {
                    list[0].text = Some(overflowed);
                }
            }
            (true, Tactic::Horizontal, Some(overflowed)) => {
                list[n - 1].text = Some(overflowed);
            }
            _ if n > 0 => {
                list[n - 1].text = last_nested;
                if n == 1
                    && one_line_width != 0
                    && list[0].comment.is_none()
                    && !list[0].multiline()
                    && width(list[0].inner()) <= one_line_width
                {
                    tactic = Tactic::Horizontal;
                } else {
                    tactic = definitive_tactic(&list, limit);
                    if tactic == Tactic::Vertical
                        && items.iter().all(is_simple)
                        && list.iter().all(|i| width(i.inner()) <= SHORT_ITEM)
                    {
                        tactic = Tactic::Mixed;
                    }
                }
            }
            _ => {}
        }

        let ends_with_newline = matches!(tactic, Tactic::Vertical | Tactic::Mixed);
        let items_str = write_list(
            &list,
            tactic,
            nested_shape,
            Trailing::Vertical,
            ends_with_newline,
        )?;

        let delimiters = (open, close);
        Some(wrap_items(
            ident,
            delimiters,
            &items_str,
            tactic,
            shape,
            nested_shape,
        ))
    }

    /// rustfmt's `try_overflow_last_item`: the last item rewritten in the space left on
    /// the line (its first line put in `list`), if it fits there.
    pub(super) fn overflow_last_item(
        &self,
        items: &[Expr],
        list: &mut [Item],
        kind: ListKind,
        combine: bool,
        one_line_shape: Shape,
        max_width: usize,
    ) -> Option<String> {
        let n = items.len();
        let old = self.force_one_line_chain.get();
        if !combine && kind != ListKind::VecMacro && matches!(items[n - 1], Expr::Chain { .. }) {
            self.force_one_line_chain.set(true);
        }
        let last_shape = if n == 1 && !is_nested_call(&items[0]) {
            Some(one_line_shape)
        } else {
            let offset: usize = list[..n - 1].iter().map(|i| 2 + width(i.inner())).sum();
            Shape {
                width: max_width.min(one_line_shape.width),
                ..one_line_shape
            }
            .offset_left(offset)
        };
        let result = last_shape.and_then(|s| self.rewrite(&items[n - 1], s));
        if let Some(rw) = &result {
            list[n - 1].text = Some(rw.split('\n').next().unwrap_or("").to_owned());
        }
        self.force_one_line_chain.set(old);
        result
    }

    pub(super) fn rewrite_method(
        &self,
        child: &(&'static str, Vec<Expr>),
        shape: Shape,
    ) -> Option<String> {
        let (name, args) = child;
        self.rewrite_list(&format!(".{name}"), args, &[], shape, ListKind::Call)
    }

    /// The root of a chain, with the calls that fit on its first line when it is short
    /// (rustfmt's chain root): its text, whether it ends with a block, the calls left.
    pub(super) fn chain_root<'c>(
        &self,
        root: &Expr,
        calls: &'c [MethodCall],
        shape: Shape,
    ) -> Option<(String, bool, &'c [MethodCall])> {
        let mut root_rw = self.rewrite(root, shape)?;
        let mut root_ends_with_block = match root {
            Expr::Atom { .. } => false,
            _ => root_rw.contains('\n'),
        };
        let mut children = calls;
        let tab_width = TAB.saturating_sub(shape.offset);
        while width(&root_rw) <= tab_width && !root_rw.contains('\n') {
            let s = shape.offset_left(width(&root_rw))?;
            match self.rewrite_method(&children[0], s) {
                Some(rw) => root_rw.push_str(&rw),
                None => break,
            }
            root_ends_with_block = last_line_extendable(&root_rw);
            children = &children[1..];
            if children.is_empty() {
                break;
            }
        }
        Some((root_rw, root_ends_with_block, children))
    }

    /// rustfmt's block-indented chain formatting.
    pub(super) fn rewrite_chain(
        &self,
        root: &Expr,
        calls: &[(&'static str, Vec<Expr>)],
        shape: Shape,
    ) -> Option<String> {
        let force = self.force_one_line_chain.get();
        let (root_rw, root_ends_with_block, children) = self.chain_root(root, calls, shape)?;
        if children.is_empty() {
            return (self.lenient || fits(&root_rw, shape)).then_some(root_rw);
        }

        let child_shape = if root_ends_with_block {
            shape.block_indent(0)
        } else {
            shape.block_indent(TAB)
        }
        .with_max_width();
        // Forced onto one line, the chain fails as soon as a part breaks or the parts before
        // the last exceed the one-line budget (the outcome rustfmt reaches after the rest).
        let limit = if calls.len() == 1 {
            shape.width
        } else {
            shape.width.min(SHORT_WIDTH)
        };
        let mut total = width(&root_rw);
        if force && (root_rw.contains('\n') || total >= limit) {
            return None;
        }
        let mut rewrites = vec![root_rw];
        for child in &children[..children.len() - 1] {
            let rw = self.rewrite_method(child, child_shape)?;
            total += width(&rw);
            if force && (rw.contains('\n') || total >= limit) {
                return None;
            }
            rewrites.push(rw);
        }

        // format_last_child
        let last_child = &children[children.len() - 1];
        let extendable = last_line_extendable(&rewrites[0]);
        let almost_total = if extendable {
            last_line_width(&rewrites[0])
        } else {
            rewrites.iter().map(|r| width(r)).sum()
        };
        let one_line_budget = if calls.len() == 1 {
            shape.width
        } else {
            shape.width.min(SHORT_WIDTH)
        }
        .saturating_sub(almost_total);
        let all_in_one_line = rewrites.iter().all(|r| !r.contains('\n')) && one_line_budget > 0;
        let last_shape = if all_in_one_line {
            shape
        } else if extendable {
            child_shape
        } else {
            child_shape.sub_width(shape.rhs_overhead())?
        };
        let mut fits_single_line = false;
        let mut last = None;
        if all_in_one_line || extendable {
            if let Some(one_line_shape) = last_shape.offset_left(almost_total) {
                if let Some(rw) = self.rewrite_method(last_child, one_line_shape) {
                    let line_count = rw.lines().count();
                    let could_fit = first_line_width(&rw) <= one_line_budget;
                    if could_fit && line_count >= 5 {
                        last = Some(rw);
                        fits_single_line = all_in_one_line;
                    } else {
                        let own_line = child_shape.sub_width(shape.rhs_overhead())?;
                        match self.rewrite_method(last_child, own_line) {
                            Some(new) if !could_fit => last = Some(new),
                            Some(new) if new.lines().count() >= line_count => {
                                last = Some(rw);
                                fits_single_line = could_fit && all_in_one_line;
                            }
                            Some(new) => last = Some(new),
                            None => {
                                last = Some(rw);
                                fits_single_line = could_fit && all_in_one_line;
                            }
                        }
                    }
                }
            }
        }
        let last = match last {
            Some(l) => l,
            None => self.rewrite_method(last_child, last_shape)?,
        };
        rewrites.push(last);

        let connector = if fits_single_line {
            String::new()
        } else {
            if self.force_one_line_chain.get() {
                return None;
            }
            format!("\n{}", spaces(child_shape.indent))
        };
        let result = rewrites.join(&connector);
        (self.lenient || fits(&result, shape)).then_some(result)
    }

    /// rustfmt's struct literal formatting (fields are never aligned: every literal here
    /// has a base).
    pub(super) fn rewrite_struct(
        &self,
        path: &str,
        fields: &[(String, Expr)],
        base: Option<&Expr>,
        shape: Shape,
    ) -> Option<String> {
        if !self.lenient && width(path) > shape.sub_width(2)?.width {
            return None;
        }
        let v_shape = Shape::indented(shape.indent + TAB);
        let h_width = shape
            .width
            .checked_sub(width(path) + 3 + 2)
            .map(|w| w.min(STRUCT_LIT_WIDTH));
        let field_shape = v_shape.sub_width(1)?;
        let mut items: Vec<Item> = fields
            .iter()
            .map(|(name, e)| Item {
                text: self.rewrite_field(name, e, field_shape),
                comment: None,
            })
            .collect();
        if let Some(b) = base {
            let text = v_shape
                .offset_left(2)
                .and_then(|s| self.rewrite(b, s))
                .map(|s| format!("..{s}"));
            items.push(Item {
                text,
                comment: None,
            });
        }
        let tactic = match h_width {
            Some(w) => definitive_tactic(&items, w),
            None => Tactic::Vertical,
        };
        let trailing = if base.is_some() {
            Trailing::Never
        } else {
            Trailing::Vertical
        };
        let list_shape = match (tactic, h_width) {
            (Tactic::Horizontal, Some(w)) => Shape {
                width: w,
                indent: shape.indent,
                offset: 0,
            },
            _ => v_shape,
        };
        let fields_str = write_list(
            &items,
            tactic,
            list_shape,
            trailing,
            tactic == Tactic::Vertical,
        )?;
        let one_line_width = h_width.unwrap_or(0);
        if fields_str.contains('\n') || width(&fields_str) > one_line_width {
            Some(format!(
                "{path} {{\n{}{fields_str}\n{}}}",
                spaces(v_shape.indent),
                spaces(shape.indent)
            ))
        } else {
            Some(format!("{path} {{ {fields_str} }}"))
        }
    }

    pub(super) fn rewrite_field(&self, name: &str, e: &Expr, shape: Shape) -> Option<String> {
        let expr_shape = shape.offset_left(width(name) + 2)?;
        match self.rewrite(e, expr_shape) {
            Some(s) => Some(format!("{name}: {s}")),
            None => {
                let indent = shape.indent + TAB;
                self.rewrite(e, Shape::indented(indent))
                    .map(|s| format!("{name}:\n{}{s}", spaces(indent)))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ListKind {
    Call,
    Array,
    VecMacro,
}

/// A layout that cannot fail: every list one item a line. Only used when even the lenient
/// layout finds no room (nesting deeper than the line is wide).
pub(super) fn vertical(e: &Expr, indent: usize) -> String {
    let inner = indent + TAB;
    let list = |open: String, items: Vec<String>, close: &str| -> String {
        if items.is_empty() {
            return format!("{open}{close}");
        }
        let mut s = open;
        for i in items {
            s.push_str(&format!("\n{}{i},", spaces(inner)));
        }
        s.push_str(&format!("\n{}{close}", spaces(indent)));
        s
    };
    match e {
        Expr::Atom { text, .. } => text.clone(),
        Expr::Call { callee, args, .. } => list(
            format!("{callee}("),
            args.iter().map(|a| vertical(a, inner)).collect(),
            ")",
        ),
        Expr::Array { mac, items, .. } => list(
            format!("{}[", if *mac { "vec!" } else { "" }),
            items.iter().map(|a| vertical(a, inner)).collect(),
            "]",
        ),
        Expr::Chain { root, calls, .. } => {
            let mut s = vertical(root, indent);
            for (m, args) in calls {
                s.push_str(&format!("\n{}", spaces(inner)));
                s.push_str(&list(
                    format!(".{m}("),
                    args.iter().map(|a| vertical(a, inner + TAB)).collect(),
                    ")",
                ));
            }
            s
        }
        Expr::Struct { path, fields, base } => {
            let mut s = format!("{path} {{");
            for (name, value) in fields {
                s.push_str(&format!(
                    "\n{}{name}: {},",
                    spaces(inner),
                    vertical(value, inner)
                ));
            }
            if let Some(b) = base {
                s.push_str(&format!("\n{}..{}", spaces(inner), vertical(b, inner)));
            }
            s.push_str(&format!("\n{}}}", spaces(indent)));
            s
        }
    }
}
