//! Finding `#[migration(...)]` in a file's tokens, and handing its arguments to the one
//! parser ([`crate::attr`]) as tokens positioned by line.

use std::borrow::Cow;

use super::{ScanError, ScanErrorKind};
use crate::attr::{self, ArgToken};
use crate::graph::Revision;
use crate::lex::{Token, TokenKind};

/// A `#[migration]` attribute found at the top level of a file.
pub(super) struct Attr {
    /// The line of its `#`.
    pub(super) line: u32,
    /// The argument tokens, as a range of token indices (empty for `#[migration]`).
    args: std::ops::Range<usize>,
}

fn attribute_error(file: &str, line: u32, message: String) -> ScanError {
    ScanError::new(ScanErrorKind::Attribute, file, line, message)
}

/// The end of the attribute path starting at `j` (`::`? ident (`::` ident)*) before
/// `close`, and its last segment.
fn attribute_path<'a>(
    tokens: &[Token<'a>],
    mut j: usize,
    close: usize,
) -> (usize, Option<&'a str>) {
    let is_colons = |j: usize| {
        j + 1 < close
            && tokens[j].kind == TokenKind::Punct(':')
            && tokens[j + 1].kind == TokenKind::Punct(':')
    };
    if is_colons(j) {
        j += 2;
    }
    let mut last = None;
    while j < close && matches!(tokens[j].kind, TokenKind::Ident { .. }) {
        last = Some(tokens[j].text);
        j += 1;
        if is_colons(j) {
            j += 2;
        } else {
            break;
        }
    }
    (j, last)
}

/// Every top-level `#[...migration...]` attribute, as the macro finds them: an outer
/// attribute of a top-level item whose path ends in `migration`.
pub(super) fn find_attributes(
    tokens: &[Token<'_>],
    matching: &[usize],
    file: &str,
) -> Result<Vec<Attr>, ScanError> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let is_attr = tokens[i].kind == TokenKind::Punct('#')
            && tokens
                .get(i + 1)
                .is_some_and(|t| t.kind == TokenKind::Open('['));
        if !is_attr {
            // Skip whole groups: only the top level counts.
            i = match tokens[i].kind {
                TokenKind::Open(_) => matching[i] + 1,
                _ => i + 1,
            };
            continue;
        }
        let close = matching[i + 1];
        let line = tokens[i].line;
        let (j, last) = attribute_path(tokens, i + 2, close);
        if last == Some("migration") {
            let args = if j == close {
                j..j // `#[migration]`: no arguments, so `revision` is missing
            } else if let TokenKind::Open(_) = tokens[j].kind {
                let end = matching[j];
                if end + 1 != close {
                    return Err(attribute_error(
                        file,
                        tokens[end + 1].line,
                        format!(
                            "unexpected {} after the arguments of #[migration(...)]: remove it",
                            tokens[end + 1].describe()
                        ),
                    ));
                }
                j + 1..end
            } else {
                return Err(attribute_error(
                    file,
                    tokens[j].line,
                    format!(
                        "unexpected {} after `migration`: the arguments go in parentheses, #[migration(revision = \"...\")]",
                        tokens[j].describe()
                    ),
                ));
            };
            found.push(Attr { line, args });
        }
        i = close + 1;
    }
    Ok(found)
}

/// The tokens of `range` as the attribute parser reads them.
fn arg_tokens<'a>(
    tokens: &[Token<'a>],
    matching: &[usize],
    range: std::ops::Range<usize>,
) -> Vec<ArgToken<'a, u32>> {
    let mut out = Vec::new();
    let mut i = range.start;
    while i < range.end {
        let t = &tokens[i];
        let pos = t.line;
        let token = match t.kind {
            TokenKind::Ident { .. } => ArgToken::Ident {
                name: Cow::Borrowed(t.text),
                pos,
            },
            TokenKind::Str { .. } => match t.string_value() {
                Some(Ok(value)) => ArgToken::Str { value, pos },
                Some(Err(error)) => ArgToken::Invalid { error, pos },
                None => unreachable!("a string literal has a value"),
            },
            TokenKind::Punct(ch) => ArgToken::Punct { ch, pos },
            TokenKind::Open('[') => {
                let close = matching[i];
                let items = arg_tokens(tokens, matching, i + 1..close);
                i = close;
                ArgToken::List { items, pos }
            }
            TokenKind::Open(_) => {
                i = matching[i];
                ArgToken::Other {
                    text: Cow::Borrowed(t.text),
                    pos,
                }
            }
            TokenKind::Lit | TokenKind::Close(_) => ArgToken::Other {
                text: Cow::Borrowed(t.text),
                pos,
            },
        };
        out.push(token);
        i += 1;
    }
    out
}

/// Reads the arguments of the attribute into a revision, with the first error the macro
/// reports (the macro reports them all).
pub(super) fn parse_args(
    tokens: &[Token<'_>],
    matching: &[usize],
    attr: &Attr,
    file: &str,
) -> Result<Revision, ScanError> {
    let (args, errors) = attr::parse(arg_tokens(tokens, matching, attr.args.clone()), attr.line);
    if let Some(first) = errors.into_iter().next() {
        return Err(attribute_error(file, first.pos, first.error.to_string()));
    }
    let values = |lits: Vec<attr::Lit<u32>>| lits.into_iter().map(|l| l.value).collect();
    let mut rev = Revision::new("").at(file, attr.line);
    rev.id = args.revision.map(|l| l.value).unwrap_or_default();
    rev.parents = values(args.down_revisions);
    rev.depends_on = values(args.depends_on);
    rev.branch_labels = values(args.branch_labels);
    rev.message = args.message.map(|l| l.value).unwrap_or_default();
    Ok(rev)
}
