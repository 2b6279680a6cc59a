//! The one parser of `#[migration(...)]`'s arguments.
//!
//! Three front ends read the attribute: the attribute macro's fast path (on the
//! compiler's own tokens), its full path (on `proc_macro2` tokens, with `syn` for string
//! literals) and the run-time scanner of migration files (on [`crate::lex`] tokens). Each
//! turns its tokens into [`ArgToken`]s, with a position of its own kind `P` (a span, a
//! line); [`parse`] reads them, checks every rule and words every error, so that all three
//! accept the same attributes and say the same thing about the others.
//!
//! Errors accumulate in the order a reader meets them (the macro reports all of them, the
//! scanner the first). A syntax error (a missing `=` or `,`, a token that cannot start an
//! argument) stops the parse, and then a missing `revision` is not also claimed.
//!
//! ```
//! use migrate_core::attr::{parse, ArgToken};
//!
//! let tokens = vec![
//!     ArgToken::Ident { name: "revision".into(), pos: 1 },
//!     ArgToken::Punct { ch: '=', pos: 1 },
//!     ArgToken::Str { value: "3f9a1c2b7d10".into(), pos: 1 },
//!     ArgToken::Punct { ch: ',', pos: 1 },
//!     ArgToken::Ident { name: "mesage".into(), pos: 2 },
//!     ArgToken::Punct { ch: '=', pos: 2 },
//!     ArgToken::Str { value: "add items".into(), pos: 2 },
//! ];
//! let (args, errors) = parse(tokens, 0u32);
//! assert_eq!(args.revision.unwrap().value, "3f9a1c2b7d10");
//! assert_eq!(errors[0].pos, 2);
//! assert_eq!(errors[0].error.to_string(), "unknown argument `mesage`: did you mean `message`?");
//! ```

use std::borrow::Cow;
use std::fmt;

use crate::id::{self, IdError, DEFAULT_LEN, MAX_LEN, MIN_LEN};
use crate::lex::{describe_text, EscapeError};
use crate::similar;

/// The argument names `#[migration(...)]` accepts.
pub const ARGUMENTS: &[&str] = &[
    "revision",
    "down_revision",
    "message",
    "branch_labels",
    "depends_on",
];

/// One token of the arguments, as a front end hands it to [`parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgToken<'a, P> {
    /// An identifier (an argument name, or `None`).
    Ident {
        /// Its text.
        name: Cow<'a, str>,
        /// Where it is.
        pos: P,
    },
    /// A string literal, decoded.
    Str {
        /// Its value.
        value: String,
        /// Where it is (the literal, quotes included).
        pos: P,
    },
    /// One punctuation character.
    Punct {
        /// The character.
        ch: char,
        /// Where it is.
        pos: P,
    },
    /// A bracketed list `[...]` and its tokens.
    List {
        /// The tokens between the brackets.
        items: Vec<ArgToken<'a, P>>,
        /// Where it is (its opening bracket).
        pos: P,
    },
    /// Any other token: another literal, another group (its text is then its opening
    /// bracket).
    Other {
        /// Its text, as an error names it.
        text: Cow<'a, str>,
        /// Where it is.
        pos: P,
    },
    /// A literal the front end could not read (a malformed escape): a syntax error.
    Invalid {
        /// Why.
        error: EscapeError,
        /// Where it is.
        pos: P,
    },
}

impl<P: Copy> ArgToken<'_, P> {
    /// Where the token is.
    pub fn pos(&self) -> P {
        match self {
            ArgToken::Ident { pos, .. }
            | ArgToken::Str { pos, .. }
            | ArgToken::Punct { pos, .. }
            | ArgToken::List { pos, .. }
            | ArgToken::Other { pos, .. }
            | ArgToken::Invalid { pos, .. } => *pos,
        }
    }

    /// How an error names the token.
    fn describe(&self) -> String {
        match self {
            ArgToken::Str { .. } => "a string literal".to_owned(),
            ArgToken::Ident { name, .. } => describe_text(name),
            ArgToken::Punct { ch, .. } => format!("`{ch}`"),
            ArgToken::List { .. } => "`[`".to_owned(),
            ArgToken::Other { text, .. } => describe_text(text),
            ArgToken::Invalid { .. } => "a malformed literal".to_owned(),
        }
    }

    fn is_punct(&self, c: char) -> bool {
        matches!(self, ArgToken::Punct { ch, .. } if *ch == c)
    }
}

/// A string argument's value and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lit<P> {
    /// Its value.
    pub value: String,
    /// Where it is.
    pub pos: P,
}

/// The arguments read, each field holding what could be understood and is valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args<P> {
    /// `revision = "..."`, when given and valid.
    pub revision: Option<Lit<P>>,
    /// `down_revision = "..." | [...]`: the valid ids.
    pub down_revisions: Vec<Lit<P>>,
    /// `message = "..."`.
    pub message: Option<Lit<P>>,
    /// `branch_labels = "..." | [...]`: the valid labels.
    pub branch_labels: Vec<Lit<P>>,
    /// `depends_on = "..." | [...]`: the valid ids.
    pub depends_on: Vec<Lit<P>>,
}

impl<P> Default for Args<P> {
    fn default() -> Self {
        Args {
            revision: None,
            down_revisions: Vec::new(),
            message: None,
            branch_labels: Vec::new(),
            depends_on: Vec::new(),
        }
    }
}

/// Why a branch label is refused: labels are names typed on the command line (letters,
/// digits, `_` and `-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelError {
    /// The label is empty.
    Empty,
    /// The label has a character outside letters, digits, `_` and `-`.
    Char {
        /// The label.
        label: String,
        /// The first character refused.
        ch: char,
    },
}

impl fmt::Display for LabelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabelError::Empty => {
                f.write_str("branch label is empty: use a short name such as \"shop\"")
            }
            LabelError::Char { label, ch } => write!(
                f,
                "branch label `{label}` has {ch:?}: use letters, digits, `_` and `-` only"
            ),
        }
    }
}

impl std::error::Error for LabelError {}

/// Checks a branch label: letters, digits, `_` and `-`, not empty.
///
/// ```
/// use migrate_core::attr::check_label;
/// assert!(check_label("shop-v2").is_ok());
/// assert_eq!(
///     check_label("a b").unwrap_err().to_string(),
///     "branch label `a b` has ' ': use letters, digits, `_` and `-` only"
/// );
/// ```
pub fn check_label(label: &str) -> Result<(), LabelError> {
    if label.is_empty() {
        return Err(LabelError::Empty);
    }
    match label
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        Some(ch) => Err(LabelError::Char {
            label: label.to_owned(),
            ch,
        }),
        None => Ok(()),
    }
}

/// What is wrong with the arguments: each variant carries the facts, its
/// [`Display`](fmt::Display) is the message the macro and the scanner show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgError {
    /// Something other than a name where an argument starts (a syntax error).
    ExpectedName {
        /// How the token is named.
        found: String,
    },
    /// A name without `=` (a syntax error).
    ExpectedEq {
        /// The name.
        key: String,
    },
    /// A value followed by something other than `,` (a syntax error).
    ExpectedComma {
        /// The argument.
        key: String,
        /// How the token is named.
        found: String,
    },
    /// Two items of a list without a `,` between them (a syntax error).
    ExpectedCommaInList {
        /// The argument.
        key: String,
        /// How the token is named.
        found: String,
    },
    /// A string literal the front end could not decode (a syntax error).
    Escape(EscapeError),
    /// A list item that is not a string literal.
    NotStringInList {
        /// The argument.
        key: String,
    },
    /// `down_revision = None`.
    DownRevisionNone,
    /// A value that is neither a string literal nor a list.
    ExpectedString {
        /// The argument.
        key: String,
    },
    /// A name that is not an argument.
    Unknown {
        /// The name.
        key: String,
        /// The closest argument name, if it is a likely typo.
        closest: Option<&'static str>,
    },
    /// An argument given twice.
    Duplicate {
        /// The argument.
        key: String,
    },
    /// `revision = [...]`.
    RevisionList,
    /// `message = [...]`.
    MessageList,
    /// An id listed twice in `down_revision` or `depends_on`.
    RepeatedId {
        /// The argument.
        key: String,
        /// The id.
        id: String,
    },
    /// A malformed id.
    BadId {
        /// The argument.
        key: String,
        /// The id as written.
        value: String,
        /// What is wrong with it.
        error: IdError,
    },
    /// A branch label listed twice.
    RepeatedLabel {
        /// The label.
        label: String,
    },
    /// A malformed branch label.
    BadLabel(LabelError),
    /// No `revision` argument.
    MissingRevision {
        /// A fresh id to write (stable for the same arguments).
        suggestion: String,
    },
}

impl ArgError {
    /// Whether the error stops the parse (the tokens after it are not read).
    pub fn is_syntax(&self) -> bool {
        matches!(
            self,
            ArgError::ExpectedName { .. }
                | ArgError::ExpectedEq { .. }
                | ArgError::ExpectedComma { .. }
                | ArgError::ExpectedCommaInList { .. }
                | ArgError::Escape(_)
        )
    }
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgError::ExpectedName { found } => write!(
                f,
                "expected an argument name such as `revision`, found {found}"
            ),
            ArgError::ExpectedEq { key } => {
                let fix = if ARGUMENTS.contains(&key.as_str()) {
                    format!("{key} = \"...\"")
                } else {
                    "name = \"value\"".to_owned()
                };
                write!(f, "expected `=` after `{key}`: arguments are written {fix}")
            }
            ArgError::ExpectedComma { key, found } => {
                write!(f, "expected `,` after the value of `{key}`, found {found}")
            }
            ArgError::ExpectedCommaInList { key, found } => write!(
                f,
                "expected `,` between the items of the `{key}` list, found {found}"
            ),
            ArgError::Escape(e) => e.fmt(f),
            ArgError::NotStringInList { key } => write!(
                f,
                "expected a string literal in the `{key}` list: write [\"...\", \"...\"]"
            ),
            ArgError::DownRevisionNone => f.write_str(
                "`down_revision = None` is written by leaving it out: a migration without \
                 down_revision is the root",
            ),
            ArgError::ExpectedString { key } => match key.as_str() {
                "down_revision" | "depends_on" | "branch_labels" => write!(
                    f,
                    "expected a string literal: write {key} = \"...\" or {key} = [\"...\", \"...\"]"
                ),
                _ => write!(f, "expected a string literal: write {key} = \"...\""),
            },
            ArgError::Unknown { key, closest } => match closest {
                Some(close) => write!(f, "unknown argument `{key}`: did you mean `{close}`?"),
                None => write!(
                    f,
                    "unknown argument `{key}`: expected one of {}",
                    ARGUMENTS.join(", ")
                ),
            },
            ArgError::Duplicate { key } => write!(
                f,
                "duplicate argument `{key}`: give it once, remove this one"
            ),
            ArgError::RevisionList => f.write_str(
                "`revision` takes one id, not a list: write revision = \"3f9a1c2b7d10\"",
            ),
            ArgError::MessageList => {
                f.write_str("`message` takes one string, not a list: write message = \"add items\"")
            }
            ArgError::RepeatedId { key, id } => {
                write!(f, "{key} lists `{id}` twice: remove this one")
            }
            ArgError::BadId { key, value, error } => write_id_error(f, key, value, error),
            ArgError::RepeatedLabel { label } => {
                write!(f, "branch label `{label}` is listed twice: remove this one")
            }
            ArgError::BadLabel(e) => e.fmt(f),
            ArgError::MissingRevision { suggestion } => write!(
                f,
                "missing `revision` argument: add revision = \"{suggestion}\" (a fresh id)"
            ),
        }
    }
}

impl std::error::Error for ArgError {}

/// `<what> id `<value>` <reason>: <fix>`, with a corrected id when one is obvious.
fn write_id_error(
    f: &mut fmt::Formatter<'_>,
    what: &str,
    value: &str,
    error: &IdError,
) -> fmt::Result {
    let fresh = || similar::fresh_id(value);
    let reason = match error {
        IdError::Empty => {
            return write!(
                f,
                "{what} id is empty: use {DEFAULT_LEN} lowercase hex digits, e.g. \"{}\"",
                fresh()
            );
        }
        IdError::TooShort { len } => format!("is too short ({len} characters, at least {MIN_LEN})"),
        IdError::TooLong { len } => format!("is too long ({len} characters, at most {MAX_LEN})"),
        IdError::Uppercase { lowercase } => {
            return write!(
                f,
                "{what} id `{value}` must be lowercase: write \"{lowercase}\""
            )
        }
        IdError::NotHex { ch, index } => format!(
            "has {ch:?} at position {}, only hex digits 0-9 and a-f are allowed",
            index + 1
        ),
    };
    let cleaned: String = value
        .chars()
        .filter(char::is_ascii_hexdigit)
        .collect::<String>()
        .to_ascii_lowercase();
    let fix = if cleaned != value && id::is_valid(&cleaned) {
        format!("write \"{cleaned}\"")
    } else if what == "revision" {
        format!("write \"{}\" (a fresh id)", fresh())
    } else {
        "copy the `revision` of the migration it names".to_owned()
    };
    write!(f, "{what} id `{value}` {reason}: {fix}")
}

/// An [`ArgError`] and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<P> {
    /// Where the error is: the token at fault, or the attribute for a missing argument.
    pub pos: P,
    /// What is wrong.
    pub error: ArgError,
}

/// Each literal, and whether an earlier one of the list has the same value.
fn with_repeats<P>(lits: Vec<Lit<P>>) -> impl Iterator<Item = (Lit<P>, bool)> {
    let repeated: Vec<bool> = (0..lits.len())
        .map(|i| lits[..i].iter().any(|l| l.value == lits[i].value))
        .collect();
    lits.into_iter().zip(repeated)
}

/// A value as written: one string, a list of strings, or something already reported.
enum Value<P> {
    One(Lit<P>),
    List(Vec<Lit<P>>),
    Bad,
}

impl<P> Value<P> {
    fn into_list(self) -> Vec<Lit<P>> {
        match self {
            Value::One(lit) => vec![lit],
            Value::List(list) => list,
            Value::Bad => Vec::new(),
        }
    }
}

struct Parser<P> {
    args: Args<P>,
    errors: Vec<Located<P>>,
    seen: Vec<&'static str>,
    revision_given: bool,
}

/// A syntax error: the parse stops.
struct Stop;

impl<P: Copy> Parser<P> {
    fn add(&mut self, pos: P, error: ArgError) {
        self.errors.push(Located { pos, error });
    }

    fn stop(&mut self, pos: P, error: ArgError) -> Stop {
        self.add(pos, error);
        Stop
    }

    /// Reads every argument; `Err` after a syntax error (already added).
    fn arguments<'a>(
        &mut self,
        tokens: &mut std::iter::Peekable<std::vec::IntoIter<ArgToken<'a, P>>>,
    ) -> Result<(), Stop> {
        while let Some(token) = tokens.next() {
            let ArgToken::Ident { name, pos } = token else {
                let found = token.describe();
                return Err(self.stop(token.pos(), ArgError::ExpectedName { found }));
            };
            if !tokens.peek().is_some_and(|t| t.is_punct('=')) {
                let key = name.into_owned();
                return Err(self.stop(pos, ArgError::ExpectedEq { key }));
            }
            tokens.next();
            let value = self.value(tokens, &name, pos)?;
            if let Some(next) = tokens.next() {
                if !next.is_punct(',') {
                    let (key, found) = (name.into_owned(), next.describe());
                    return Err(self.stop(next.pos(), ArgError::ExpectedComma { key, found }));
                }
            }
            self.argument(&name, pos, value);
        }
        Ok(())
    }

    /// The value after `key =`: a string, a list of strings, or an error.
    fn value<'a>(
        &mut self,
        tokens: &mut std::iter::Peekable<std::vec::IntoIter<ArgToken<'a, P>>>,
        key: &str,
        key_pos: P,
    ) -> Result<Value<P>, Stop> {
        match tokens.next() {
            Some(ArgToken::Str { value, pos }) => Ok(Value::One(Lit { value, pos })),
            Some(ArgToken::List { items, .. }) => self.list(items, key).map(Value::List),
            Some(ArgToken::Invalid { error, pos }) => Err(self.stop(pos, ArgError::Escape(error))),
            Some(ArgToken::Ident { name, pos }) if key == "down_revision" && name == "None" => {
                self.add(pos, ArgError::DownRevisionNone);
                Ok(Value::Bad)
            }
            other => {
                let pos = other.as_ref().map_or(key_pos, ArgToken::pos);
                let key = key.to_owned();
                self.add(pos, ArgError::ExpectedString { key });
                // Skip the rest of the value.
                while tokens.peek().is_some_and(|t| !t.is_punct(',')) {
                    if let Some(ArgToken::Invalid { error, pos }) = tokens.next() {
                        return Err(self.stop(pos, ArgError::Escape(error)));
                    }
                }
                Ok(Value::Bad)
            }
        }
    }

    /// The strings of a list; other items are reported and skipped.
    fn list<'a>(&mut self, items: Vec<ArgToken<'a, P>>, key: &str) -> Result<Vec<Lit<P>>, Stop> {
        let mut list = Vec::with_capacity(items.len().div_ceil(2));
        let mut items = items.into_iter().peekable();
        while let Some(item) = items.next() {
            match item {
                ArgToken::Str { value, pos } => list.push(Lit { value, pos }),
                ArgToken::Invalid { error, pos } => {
                    return Err(self.stop(pos, ArgError::Escape(error)))
                }
                other => {
                    let key = key.to_owned();
                    self.add(other.pos(), ArgError::NotStringInList { key });
                    while items.peek().is_some_and(|t| !t.is_punct(',')) {
                        items.next();
                    }
                }
            }
            if let Some(next) = items.next() {
                if !next.is_punct(',') {
                    let (key, found) = (key.to_owned(), next.describe());
                    return Err(self.stop(next.pos(), ArgError::ExpectedCommaInList { key, found }));
                }
            }
        }
        Ok(list)
    }

    /// Checks one argument and keeps what is valid.
    fn argument(&mut self, key: &str, key_pos: P, value: Value<P>) {
        let Some(&known) = ARGUMENTS.iter().find(|a| **a == key) else {
            let closest = similar::closest(key, ARGUMENTS.iter().copied());
            let key = key.to_owned();
            return self.add(key_pos, ArgError::Unknown { key, closest });
        };
        if self.seen.contains(&known) {
            let key = key.to_owned();
            return self.add(key_pos, ArgError::Duplicate { key });
        }
        self.seen.push(known);
        match (known, value) {
            ("revision", value) => {
                self.revision_given = true;
                match value {
                    Value::One(lit) => {
                        if let Some(lit) = self.valid_id(lit, known) {
                            self.args.revision = Some(lit);
                        }
                    }
                    Value::List(list) => {
                        let pos = list.first().map_or(key_pos, |l| l.pos);
                        self.add(pos, ArgError::RevisionList);
                    }
                    Value::Bad => {}
                }
            }
            ("message", Value::One(lit)) => self.args.message = Some(lit),
            ("message", Value::List(list)) => {
                let pos = list.first().map_or(key_pos, |l| l.pos);
                self.add(pos, ArgError::MessageList);
            }
            ("down_revision" | "depends_on", value) => {
                let ids = self.id_list(value.into_list(), known);
                if known == "down_revision" {
                    self.args.down_revisions = ids;
                } else {
                    self.args.depends_on = ids;
                }
            }
            ("branch_labels", value) => {
                for (lit, repeated) in with_repeats(value.into_list()) {
                    if repeated {
                        let label = lit.value;
                        self.add(lit.pos, ArgError::RepeatedLabel { label });
                    } else if let Err(e) = check_label(&lit.value) {
                        self.add(lit.pos, ArgError::BadLabel(e));
                    } else {
                        self.args.branch_labels.push(lit);
                    }
                }
            }
            _ => {}
        }
    }

    /// The valid, distinct ids of a list; repeats and malformed ids are reported.
    fn id_list(&mut self, lits: Vec<Lit<P>>, key: &str) -> Vec<Lit<P>> {
        let mut ids = Vec::with_capacity(lits.len());
        for (lit, repeated) in with_repeats(lits) {
            if repeated {
                let (key, id) = (key.to_owned(), lit.value);
                self.add(lit.pos, ArgError::RepeatedId { key, id });
            } else if let Some(lit) = self.valid_id(lit, key) {
                ids.push(lit);
            }
        }
        ids
    }

    fn valid_id(&mut self, lit: Lit<P>, key: &str) -> Option<Lit<P>> {
        match id::validate(&lit.value) {
            Ok(()) => Some(lit),
            Err(error) => {
                let (key, value) = (key.to_owned(), lit.value);
                self.add(lit.pos, ArgError::BadId { key, value, error });
                None
            }
        }
    }
}

/// Reads and checks the arguments of `#[migration(...)]`.
///
/// Returns what could be understood (each field holds the valid values) and every error,
/// in order, each at the token at fault; a missing `revision` is reported at `whole` (the
/// attribute). An empty error list means the attribute is valid, and then
/// [`Args::revision`] is set.
pub fn parse<P: Copy>(tokens: Vec<ArgToken<'_, P>>, whole: P) -> (Args<P>, Vec<Located<P>>) {
    let mut parser = Parser {
        args: Args::default(),
        errors: Vec::new(),
        seen: Vec::with_capacity(ARGUMENTS.len()),
        revision_given: false,
    };
    let mut tokens = tokens.into_iter().peekable();
    // After a syntax error, do not also claim that `revision` is missing.
    if parser.arguments(&mut tokens).is_ok() && !parser.revision_given {
        let suggestion = similar::fresh_id(&format!(
            "{:?}{:?}",
            parser.args.down_revisions.first().map(|l| &l.value),
            parser.args.message.as_ref().map(|l| &l.value)
        ));
        parser.add(whole, ArgError::MissingRevision { suggestion });
    }
    (parser.args, parser.errors)
}
