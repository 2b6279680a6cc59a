//! SQL text in the schema model: a small tokenizer (enough to read SQLite's `CREATE TABLE`
//! text, catalog default expressions and type spellings), the column names an expression
//! uses (and their renaming), and the canonical form check conditions compare by.

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// A bare word: keyword or unquoted identifier.
    Word,
    /// A quoted identifier (`"x"`, `` `x` ``, `[x]`), unquoted in `value`.
    Quoted,
    /// A string literal, unescaped in `value`.
    Str,
    /// A number.
    Num,
    /// Punctuation or an operator.
    Punct,
}

/// One token, with its place in the source text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    /// What it is.
    pub(crate) kind: Kind,
    /// The text (identifiers unquoted, strings unescaped; words as written).
    pub(crate) value: String,
    /// Byte offset of its first character.
    pub(crate) start: usize,
    /// Byte offset just past it.
    pub(crate) end: usize,
}

impl Token {
    /// Whether this is the bare word `w` (any case).
    pub(crate) fn is_word(&self, w: &str) -> bool {
        self.kind == Kind::Word && self.value.eq_ignore_ascii_case(w)
    }

    /// Whether this is the punctuation `p`.
    pub(crate) fn is(&self, p: &str) -> bool {
        self.kind == Kind::Punct && self.value == p
    }

    /// An identifier's name: a bare word or a quoted identifier.
    pub(crate) fn ident(&self) -> Option<&str> {
        matches!(self.kind, Kind::Word | Kind::Quoted).then_some(self.value.as_str())
    }
}

const OPERATORS: [&str; 11] = [
    "::", "<=", ">=", "<>", "!=", "==", "||", "!~~*", "!~~", "~~*", "~~",
];

/// Splits `sql` into tokens, skipping whitespace and comments. `backslash` reads MySQL's
/// lexical rules: `\` escapes inside quotes (its default SQL mode), `#` starts a comment,
/// and `--` does only before whitespace.
pub(crate) fn tokenize(sql: &str, backslash: bool) -> Vec<Token> {
    let chars: Vec<(usize, char)> = sql.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|c| c.1);
    let offset = |i: usize| chars.get(i).map_or(sql.len(), |c| c.0);
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let start = chars[i].0;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let dashes = c == '-'
            && at(i + 1) == Some('-')
            && (!backslash || at(i + 2).is_none_or(char::is_whitespace));
        if dashes || (backslash && c == '#') {
            while i < chars.len() && chars[i].1 != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && at(i + 1) == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i].1 == '*' && at(i + 1) == Some('/')) {
                i += 1;
            }
            i = (i + 2).min(chars.len());
            continue;
        }
        // `[x]` quotes an identifier (SQLite), except in PostgreSQL's `ARRAY[...]`, a
        // subscript after `)` or `]`, and the `[]` of an array type.
        let bracket_quote = c == '['
            && at(i + 1) != Some(']')
            && !out
                .last()
                .is_some_and(|t: &Token| t.is_word("ARRAY") || t.is(")") || t.is("]"));
        if c == '\'' || c == '"' || c == '`' || bracket_quote {
            let close = if c == '[' { ']' } else { c };
            let mut value = String::new();
            let mut j = i + 1;
            while j < chars.len() {
                let d = chars[j].1;
                if backslash && matches!(c, '\'' | '"') && d == '\\' && j + 1 < chars.len() {
                    value.push(match chars[j + 1].1 {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        '0' => '\0',
                        other => other,
                    });
                    j += 2;
                    continue;
                }
                if d == close {
                    if close != ']' && at(j + 1) == Some(close) {
                        value.push(close);
                        j += 2;
                        continue;
                    }
                    break;
                }
                value.push(d);
                j += 1;
            }
            let kind = if c == '\'' { Kind::Str } else { Kind::Quoted };
            i = (j + 1).min(chars.len());
            out.push(Token {
                kind,
                value,
                start,
                end: offset(i),
            });
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && at(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            let mut j = i;
            while j < chars.len() && (chars[j].1.is_ascii_alphanumeric() || chars[j].1 == '.') {
                let e = chars[j].1;
                j += 1;
                if (e == 'e' || e == 'E') && matches!(at(j), Some('+' | '-')) {
                    j += 1;
                }
            }
            out.push(Token {
                kind: Kind::Num,
                value: sql[start..offset(j)].to_owned(),
                start,
                end: offset(j),
            });
            i = j;
            continue;
        }
        if c.is_alphanumeric() || c == '_' || c == '$' {
            let mut j = i;
            while j < chars.len()
                && (chars[j].1.is_alphanumeric() || chars[j].1 == '_' || chars[j].1 == '$')
            {
                j += 1;
            }
            out.push(Token {
                kind: Kind::Word,
                value: sql[start..offset(j)].to_owned(),
                start,
                end: offset(j),
            });
            i = j;
            continue;
        }
        let rest = &sql[start..];
        let op = OPERATORS
            .iter()
            .find(|o| rest.starts_with(*o))
            .map_or_else(|| c.to_string(), |o| (*o).to_owned());
        i += op.chars().count();
        out.push(Token {
            kind: Kind::Punct,
            end: start + op.len(),
            value: op,
            start,
        });
    }
    out
}

/// The index of the `)` closing the `(` at `open`, or `None`.
pub(crate) fn matching_paren(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        if t.is("(") {
            depth += 1;
        } else if t.is(")") {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Splits `tokens` at its top-level commas.
pub(crate) fn split_commas(tokens: &[Token]) -> Vec<&[Token]> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut from = 0;
    for (i, t) in tokens.iter().enumerate() {
        if t.is("(") || t.is("[") {
            depth += 1;
        } else if t.is(")") || t.is("]") {
            depth -= 1;
        } else if t.is(",") && depth == 0 {
            out.push(&tokens[from..i]);
            from = i + 1;
        }
    }
    if from < tokens.len() {
        out.push(&tokens[from..]);
    }
    out
}

/// The tokens of `tokens` that name the column `column`: a quoted identifier with exactly
/// that name, or a bare word equal to it in any case that is not a function's name (not
/// followed by `(`). String literals and comments name nothing.
fn column_references<'t>(tokens: &'t [Token], column: &'t str) -> impl Iterator<Item = &'t Token> {
    tokens.iter().enumerate().filter_map(move |(i, t)| {
        let names = match t.kind {
            Kind::Quoted => t.value == column,
            Kind::Word => {
                t.value.eq_ignore_ascii_case(column)
                    && !tokens.get(i + 1).is_some_and(|n| n.is("("))
            }
            _ => false,
        };
        names.then_some(t)
    })
}

/// Whether the SQL expression `sql` (a check's condition, a partial index's predicate)
/// names the column `column`. The one reading of "this SQL uses that column": replay
/// refuses to drop a column a check still names, diff rebuilds a check whose column goes.
pub(crate) fn names_column(sql: &str, column: &str) -> bool {
    column_references(&tokenize(sql, false), column)
        .next()
        .is_some()
}

/// The SQL expression `sql` with each reference to the column `from` (as
/// [`names_column`] finds them) renamed `to`: a quoted `"from"`, `` `from` `` or `[from]`
/// keeps its quotes, a bare `from` becomes a bare `to`; the rest of the text is kept as
/// written. `None` when a bare reference would have to become a quoted one, which has no
/// spelling common to the three dialects.
pub(crate) fn rename_column(sql: &str, from: &str, to: &str) -> Option<String> {
    let plain = |s: &str| {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    let tokens = tokenize(sql, false);
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    for t in column_references(&tokens, from) {
        out.push_str(&sql[last..t.start]);
        match (t.kind == Kind::Quoted)
            .then(|| sql[t.start..].chars().next())
            .flatten()
        {
            Some('[') if to.contains(']') => return None,
            Some('[') => out.push_str(&format!("[{to}]")),
            Some(q) => {
                out.push(q);
                out.push_str(&to.replace(q, &format!("{q}{q}")));
                out.push(q);
            }
            None if plain(to) => out.push_str(to),
            None => return None,
        }
        last = t.end;
    }
    out.push_str(&sql[last..]);
    Some(out)
}

/// `sql` without the parentheses that wrap all of it (`((a > 0))` is `a > 0`).
pub(crate) fn strip_outer_parens(sql: &str) -> &str {
    let mut s = sql.trim();
    loop {
        let tokens = tokenize(s, false);
        let wrapped = tokens.len() >= 2
            && tokens[0].is("(")
            && matching_paren(&tokens, 0) == Some(tokens.len() - 1);
        if !wrapped {
            return s;
        }
        s = s[tokens[0].end..tokens[tokens.len() - 1].start].trim();
    }
}

/// A SQL expression (a check's condition, a partial index's predicate) in a canonical form
/// for comparison, so that the spellings the backends give back compare equal to what was
/// written: keywords and bare identifiers lowercased, identifier quotes, parentheses and
/// PostgreSQL casts (`::text`) removed, `= ANY (ARRAY[...])` read as `IN (...)`, a
/// one-label `IN ('a')` as `= 'a'`, `!=` as `<>` and `~~` as `LIKE`.
///
/// Removing every parenthesis makes a few different expressions compare equal (`(a OR b)
/// AND c` and `a OR (b AND c)`): a deliberate trade for never reporting a difference that
/// is only the backend's reformatting.
pub(crate) fn normalize_expr(sql: &str) -> String {
    let tokens = tokenize(sql, false);
    // 1. Drop casts: `::name [words] [(args)] [[]]`.
    let mut kept: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].is("::") {
            // A number written as a string and cast (`'-1'::integer`) is that number.
            if let Some(prev) = kept.last_mut() {
                if prev.kind == Kind::Str && prev.value.trim().parse::<f64>().is_ok() {
                    prev.kind = Kind::Num;
                    prev.value = prev.value.trim().to_owned();
                }
            }
            i += 2;
            while i < tokens.len()
                && ["varying", "precision", "without", "with", "time", "zone"]
                    .iter()
                    .any(|w| tokens[i].is_word(w))
            {
                i += 1;
            }
            if i < tokens.len() && tokens[i].is("(") {
                i = matching_paren(&tokens, i).map_or(tokens.len(), |c| c + 1);
            }
            while i + 1 < tokens.len() && tokens[i].is("[") && tokens[i + 1].is("]") {
                i += 2;
            }
            continue;
        }
        // A unary minus sticks to its number: `>= -1` as `>= '-1'::integer` reads.
        let unary = tokens[i].is("-")
            && tokens.get(i + 1).is_some_and(|n| n.kind == Kind::Num)
            && kept
                .last()
                .is_none_or(|p| p.kind == Kind::Punct && !p.is(")") && !p.is("]"));
        if unary {
            let mut n = tokens[i + 1].clone();
            n.value = format!("-{}", n.value);
            kept.push(n);
            i += 2;
            continue;
        }
        kept.push(tokens[i].clone());
        i += 1;
    }
    // 2. A one-item `IN (x)` is `= x`; `NOT IN (x)` is `<> x`.
    let mut words: Vec<String> = Vec::new();
    let mut i = 0;
    while i < kept.len() {
        let t = &kept[i];
        if t.is_word("in") && kept.get(i + 1).is_some_and(|n| n.is("(")) {
            let inner_end = (i + 2..kept.len()).find(|&j| kept[j].is(")"));
            if let Some(end) = inner_end.filter(|&e| e == i + 3) {
                if words.last().is_some_and(|w| w == "not") {
                    words.pop();
                    words.push("<>".into());
                } else {
                    words.push("=".into());
                }
                words.push(render_token(&kept[i + 2]));
                i = end + 1;
                continue;
            }
        }
        words.push(render_token(t));
        i += 1;
    }
    // 3. Parentheses go; `= any array [ items ]` is `in items` (one item: `= item`).
    let words: Vec<String> = words.into_iter().filter(|w| w != "(" && w != ")").collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let is_any = (words[i] == "=" || words[i] == "<>")
            && words.get(i + 1).is_some_and(|w| w == "any" || w == "all")
            && words.get(i + 2).is_some_and(|w| w == "array")
            && words.get(i + 3).is_some_and(|w| w == "[");
        if is_any {
            let negated = words[i] == "<>";
            let close = (i + 4..words.len()).find(|&j| words[j] == "]");
            if let Some(close) = close {
                let items = &words[i + 4..close];
                if items.len() == 1 {
                    out.push(if negated { "<>" } else { "=" }.into());
                } else {
                    if negated {
                        out.push("not".into());
                    }
                    out.push("in".into());
                }
                out.extend(items.iter().cloned());
                i = close + 1;
                continue;
            }
        }
        out.push(words[i].clone());
        i += 1;
    }
    out.join(" ")
}

fn render_token(t: &Token) -> String {
    match t.kind {
        Kind::Word => t.value.to_ascii_lowercase(),
        Kind::Quoted => t.value.clone(),
        Kind::Str => format!("'{}'", t.value.replace('\'', "''")),
        Kind::Num => t.value.to_ascii_lowercase(),
        Kind::Punct => match t.value.as_str() {
            "!=" => "<>".into(),
            "==" => "=".into(),
            "~~" => "like".into(),
            "!~~" => "not like".into(),
            "~~*" => "ilike".into(),
            "!~~*" => "not ilike".into(),
            other => other.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_quotes_and_escapes_apart() {
        let t = tokenize(r#"CHECK ("a""b" IN ('it''s', `c`)) -- x"#, false);
        let values: Vec<&str> = t.iter().map(|t| t.value.as_str()).collect();
        assert_eq!(
            values,
            ["CHECK", "(", "a\"b", "IN", "(", "it's", ",", "c", ")", ")"]
        );
        let m = tokenize(r"'it\'s'", true);
        assert_eq!(m[0].value, "it's");
    }

    #[test]
    fn expressions_compare_by_meaning() {
        let n = normalize_expr;
        assert_eq!(n("price_cents >= 0"), n("(price_cents >= 0)"));
        assert_eq!(n("\"n\" >= 0"), n("`n` >= 0"));
        assert_eq!(n("n >= 0"), n("(n >= (0)::numeric)"));
        assert_eq!(n("score >= -1"), n("(score >= '-1'::integer)"));
        assert_ne!(n("a - 1 > 0"), n("a -1 > 0 OR x"));
        assert_eq!(
            n("status IN ('a', 'b')"),
            n("((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))")
        );
        assert_eq!(n("s IN ('a')"), n("`s` = 'a'"));
        assert_eq!(
            n("a != 1 AND b LIKE 'x%'"),
            n("((a <> 1) AND (b ~~ 'x%'::text))")
        );
        assert_ne!(n("a > 1"), n("a > 2"));
        assert_eq!(
            strip_outer_parens("((a > 0) AND (b > 0))"),
            "(a > 0) AND (b > 0)"
        );
        assert_eq!(strip_outer_parens("(a) + (b)"), "(a) + (b)");
    }
}
