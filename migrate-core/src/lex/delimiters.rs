//! Pairing brackets: as indices over flat tokens ([`match_delimiters`]), or as a tree built
//! while lexing ([`nest`]). Both report the same errors, worded once in [`LexErrorKind`].

use super::{tokens, LexError, LexErrorKind, Token, TokenKind};

/// The tokens of a text as a tree built as they are read: `leaf` makes a node of a token
/// other than a bracket, `group` one of a bracketed group (its opening bracket, its line
/// and its nodes). Errors are [`lex`](super::lex)'s and [`match_delimiters`]'s (with `max_depth`),
/// and `leaf`'s own.
pub fn nest<'a, T, E: From<LexError>>(
    text: &'a str,
    max_depth: usize,
    mut leaf: impl FnMut(Token<'a>) -> Result<T, E>,
    mut group: impl FnMut(char, u32, Vec<T>) -> T,
) -> Result<Vec<T>, E> {
    let mut stack: Vec<(char, u32, Vec<T>)> = Vec::new();
    let mut current: Vec<T> = Vec::new();
    for token in tokens(text) {
        let token = token?;
        let error = |kind| {
            E::from(LexError {
                line: token.line,
                kind,
            })
        };
        match token.kind {
            TokenKind::Open(open) => {
                if stack.len() >= max_depth {
                    return Err(error(LexErrorKind::TooDeep { max: max_depth }));
                }
                stack.push((open, token.line, std::mem::take(&mut current)));
            }
            TokenKind::Close(close) => match stack.pop() {
                Some((open, line, outer)) if open == opening(close) => {
                    let inner = std::mem::replace(&mut current, outer);
                    current.push(group(open, line, inner));
                }
                Some((open, open_line, _)) => {
                    return Err(error(LexErrorKind::Mismatched {
                        close,
                        open,
                        open_line,
                    }))
                }
                None => return Err(error(LexErrorKind::Unopened { close })),
            },
            _ => current.push(leaf(token)?),
        }
    }
    match stack.pop() {
        Some((open, line, _)) => Err(E::from(LexError {
            line,
            kind: LexErrorKind::Unclosed { open },
        })),
        None => Ok(current),
    }
}

/// For each bracket, the index of the bracket that matches it (`usize::MAX` for other
/// tokens); an error for unbalanced brackets, or for brackets nested deeper than
/// `max_depth`.
pub fn match_delimiters(tokens: &[Token<'_>], max_depth: usize) -> Result<Vec<usize>, LexError> {
    let mut matching = vec![usize::MAX; tokens.len()];
    let mut open: Vec<usize> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            TokenKind::Open(_) => {
                if open.len() >= max_depth {
                    return Err(LexError {
                        line: t.line,
                        kind: LexErrorKind::TooDeep { max: max_depth },
                    });
                }
                open.push(i);
            }
            TokenKind::Close(close) => match open.pop() {
                Some(o) if tokens[o].kind == TokenKind::Open(opening(close)) => {
                    matching[o] = i;
                    matching[i] = o;
                }
                Some(o) => {
                    return Err(LexError {
                        line: t.line,
                        kind: LexErrorKind::Mismatched {
                            close,
                            open: tokens[o].kind_char(),
                            open_line: tokens[o].line,
                        },
                    })
                }
                None => {
                    return Err(LexError {
                        line: t.line,
                        kind: LexErrorKind::Unopened { close },
                    })
                }
            },
            _ => {}
        }
    }
    match open.pop() {
        Some(o) => Err(LexError {
            line: tokens[o].line,
            kind: LexErrorKind::Unclosed {
                open: tokens[o].kind_char(),
            },
        }),
        None => Ok(matching),
    }
}

/// The opening bracket of `close` (and an opening bracket itself).
fn opening(close: char) -> char {
    match close {
        ')' => '(',
        ']' => '[',
        '}' => '{',
        other => other,
    }
}

impl Token<'_> {
    /// The bracket of an `Open`/`Close` token (`'\0'` otherwise).
    fn kind_char(&self) -> char {
        match self.kind {
            TokenKind::Open(c) | TokenKind::Close(c) | TokenKind::Punct(c) => c,
            _ => '\0',
        }
    }
}
