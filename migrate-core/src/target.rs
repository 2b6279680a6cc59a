//! Upgrade, downgrade and stamp targets, as Alembic writes them.
//!
//! | text            | meaning                                                        |
//! |-----------------|----------------------------------------------------------------|
//! | `head`, `heads` | every head                                                     |
//! | `base`          | nothing applied                                                |
//! | `1a2b3c`        | a revision id, a unique prefix of one, or a branch label       |
//! | `label@head`    | the head of the branch that carries `label`                    |
//! | `+2`, `-1`      | two migrations above / one below the database's current state  |
//! | `1a2b+2`        | two migrations above revision `1a2b` (any anchor above works)  |
//!
//! Parsing is pure text work: what a name refers to is decided later, against a graph and a
//! database. A parse never panics, whatever the input.
//!
//! ```
//! use migrate_core::target::{Anchor, Target};
//!
//! assert_eq!(Target::parse("head").unwrap(), Target::at(Anchor::Heads));
//! assert_eq!(
//!     Target::parse("1a2b+2").unwrap(),
//!     Target { anchor: Some(Anchor::Revision("1a2b".into())), steps: 2 }
//! );
//! assert_eq!(Target::parse("-1").unwrap(), Target { anchor: None, steps: -1 });
//! assert!(Target::parse("1a2b+").is_err());
//! ```

use std::fmt;

/// Where a target starts, before any relative steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// `head` or `heads`: every head.
    Heads,
    /// `base`: nothing applied.
    Base,
    /// A revision id, a unique prefix of one, or a branch label.
    Revision(String),
    /// `label@head`: the head of the branch carrying the label.
    LabelHead(String),
}

/// A parsed target: an anchor (none means "the database's current state") and a number of
/// migrations to move from it (positive: up, negative: down).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Where to start; `None` for the current state of the database (`+N`, `-N`).
    pub anchor: Option<Anchor>,
    /// How many migrations to move from the anchor: up when positive, down when negative.
    pub steps: i64,
}

/// Why a target does not parse. Its message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetError {
    /// The text given.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bad target \"{}\": {} (write head, base, a revision id or prefix, <label>@head, +N, -N or <revision>+N)",
            self.input, self.reason
        )
    }
}

impl std::error::Error for TargetError {}

/// The most steps a relative target may take; far beyond any real history.
const MAX_STEPS: u32 = 1_000_000;

impl Target {
    /// A target at `anchor`, with no relative steps.
    pub fn at(anchor: Anchor) -> Target {
        Target {
            anchor: Some(anchor),
            steps: 0,
        }
    }

    /// Parses a target (see the [module docs](self) for the forms).
    pub fn parse(input: &str) -> Result<Target, TargetError> {
        let fail = |reason: &str| TargetError {
            input: input.to_owned(),
            reason: reason.to_owned(),
        };
        let text = input.trim();
        if text.is_empty() {
            return Err(fail("it is empty"));
        }
        // A relative suffix: the last `+` or `-` followed by digits only.
        let (anchor_text, steps) = match text.rfind(['+', '-']) {
            Some(at) if text[at + 1..].bytes().all(|b| b.is_ascii_digit()) => {
                let digits = &text[at + 1..];
                if digits.is_empty() {
                    return Err(fail("a relative step needs a number after the sign"));
                }
                let n: u32 = digits
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_STEPS).contains(n))
                    .ok_or_else(|| fail("the number of steps must be between 1 and 1000000"))?;
                let n = i64::from(n);
                let steps = if text.as_bytes()[at] == b'+' { n } else { -n };
                (&text[..at], steps)
            }
            _ => (text, 0),
        };
        let anchor = if anchor_text.is_empty() {
            None
        } else {
            Some(Self::parse_anchor(anchor_text).map_err(|r| fail(&r.0))?)
        };
        Ok(Target { anchor, steps })
    }

    fn parse_anchor(text: &str) -> Result<Anchor, Reason> {
        if let Some((label, rest)) = text.split_once('@') {
            if rest != "head" {
                return Err(Reason(format!(
                    "after `@` only `head` is understood, not `{rest}`"
                )));
            }
            check_name(label)?;
            return Ok(Anchor::LabelHead(label.to_owned()));
        }
        match text {
            "head" | "heads" => Ok(Anchor::Heads),
            "base" => Ok(Anchor::Base),
            other => {
                check_name(other)?;
                Ok(Anchor::Revision(other.to_owned()))
            }
        }
    }
}

/// Why part of a target is wrong (made a [`TargetError`] with the whole input).
struct Reason(String);

/// A revision id, prefix or branch label: letters, digits, `_`, `-` and `.`.
fn check_name(name: &str) -> Result<(), Reason> {
    if name.is_empty() {
        return Err(Reason("a revision or label is missing".into()));
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        Some(c) => Err(Reason(format!(
            "`{}` is not a revision id or branch label (unexpected {c:?})",
            name.escape_default()
        ))),
        None => Ok(()),
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.anchor {
            None => {}
            Some(Anchor::Heads) => f.write_str("heads")?,
            Some(Anchor::Base) => f.write_str("base")?,
            Some(Anchor::Revision(r)) => f.write_str(r)?,
            Some(Anchor::LabelHead(l)) => write!(f, "{l}@head")?,
        }
        match self.steps {
            0 => Ok(()),
            n if n > 0 => write!(f, "+{n}"),
            n => write!(f, "{n}"),
        }
    }
}

impl std::str::FromStr for Target {
    type Err = TargetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Target::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(s: &str) -> Option<Anchor> {
        Some(Anchor::Revision(s.into()))
    }

    #[test]
    fn every_form_parses() {
        let cases = [
            ("head", Some(Anchor::Heads), 0),
            ("heads", Some(Anchor::Heads), 0),
            ("base", Some(Anchor::Base), 0),
            ("1a2b3c", rev("1a2b3c"), 0),
            ("shop@head", Some(Anchor::LabelHead("shop".into())), 0),
            ("+2", None, 2),
            ("-1", None, -1),
            ("1a2b+3", rev("1a2b"), 3),
            ("1a2b-1", rev("1a2b"), -1),
            ("head-2", Some(Anchor::Heads), -2),
            ("base+1", Some(Anchor::Base), 1),
            ("feature-x", rev("feature-x"), 0),
            (" 1a2b ", rev("1a2b"), 0),
        ];
        for (text, anchor, steps) in cases {
            let t = Target::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(t, Target { anchor, steps }, "{text}");
        }
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "heads", "base", "1a2b", "x@head", "+2", "-1", "1a2b+3", "heads-1",
        ] {
            assert_eq!(Target::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn bad_targets_say_why() {
        let cases = [
            ("", "it is empty"),
            ("+", "needs a number"),
            ("1a2b+", "needs a number"),
            ("-0", "between 1 and"),
            ("+99999999999999999999", "between 1 and"),
            ("x@base", "only `head`"),
            ("@head", "missing"),
            ("1a 2b", "unexpected ' '"),
            ("drop;table", "unexpected ';'"),
        ];
        for (text, wanted) in cases {
            let e = Target::parse(text).unwrap_err().to_string();
            assert!(e.contains(wanted), "{text:?}: {e}");
            assert!(e.contains("write head, base"), "{e}");
        }
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// No input makes the parser panic; what parses prints back to an equal target.
        #[test]
        fn never_panics_and_round_trips(input in "\\PC{0,40}") {
            if let Ok(t) = Target::parse(&input) {
                prop_assert_eq!(Target::parse(&t.to_string()).unwrap(), t);
            }
        }

        #[test]
        fn target_like_inputs_never_panic(input in "[a-f0-9@+\\-:. ]{0,24}(head|base)?[+-]?[0-9]{0,25}") {
            let _ = Target::parse(&input);
        }
    }
}
