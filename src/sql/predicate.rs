//! A partial index's predicate compared by meaning, not by spelling.
//!
//! Lowering writes a predicate as Prisma does (`"status" = 'ACTIVE' AND
//! "deletedAt" IS NULL`); PostgreSQL prints it back its own way
//! (`(status = 'ACTIVE'::"Status") AND ("deletedAt" IS NULL)`). [`same`]
//! says whether two spellings mean one predicate by comparing their
//! [`canonical`] forms: the tokens with the casts PostgreSQL adds removed,
//! identifiers unquoted where the quotes change nothing, `!=` as `<>`,
//! `~~` as `LIKE`, a negative number PostgreSQL quotes (`'-1'::integer`)
//! as the number, and parentheses that group nothing (around one
//! comparison or value) dropped; parentheses that group `AND`s and `OR`s
//! stay, so the grouping of a condition is kept. Left out: `IN (...)`
//! against `= ANY (ARRAY[...])`, and a timestamp literal PostgreSQL
//! rewrites in its own format.

/// Whether two predicates mean the same condition (both absent counts).
pub fn same(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a == b || canonical(a) == canonical(b),
        _ => false,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// An identifier as PostgreSQL would print it: lower case unless quoted.
    Name(String),
    Word(String),
    Text(String),
    Number(String),
    Operator(String),
    Open,
    Close,
    Comma,
    Cast,
}

/// The predicate's tokens in one spelling, joined by spaces.
pub fn canonical(text: &str) -> String {
    let tokens = without_casts(tokenize(&super::normalize_predicate(text)));
    let tokens = without_idle_parentheses(tokens);
    tokens
        .iter()
        .map(|token| match token {
            Token::Name(name) => name.clone(),
            Token::Word(word) => word.clone(),
            Token::Text(text) => format!("'{}'", text.replace('\'', "''")),
            Token::Number(n) => n.clone(),
            Token::Operator(op) => op.clone(),
            Token::Open => "(".to_owned(),
            Token::Close => ")".to_owned(),
            Token::Comma => ",".to_owned(),
            Token::Cast => "::".to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// SQL words that are keywords in a predicate, not names.
const KEYWORDS: &[&str] = &[
    "AND", "OR", "NOT", "IS", "NULL", "TRUE", "FALSE", "LIKE", "ILIKE", "IN", "ANY", "ALL", "ARRAY", "BETWEEN",
    "DISTINCT", "FROM", "SIMILAR", "TO", "ESCAPE",
];

fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            ':' if chars.get(i + 1) == Some(&':') => {
                tokens.push(Token::Cast);
                i += 2;
            }
            '\'' | '"' => {
                let mut value = String::new();
                i += 1;
                while i < chars.len() {
                    if chars[i] == c {
                        if chars.get(i + 1) == Some(&c) {
                            value.push(c);
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    value.push(chars[i]);
                    i += 1;
                }
                tokens.push(if c == '\'' { Token::Text(value) } else { quoted_name(value) });
            }
            c if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                tokens.push(Token::Number(chars[start..i].iter().collect()));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let upper = word.to_uppercase();
                tokens.push(if KEYWORDS.contains(&upper.as_str()) {
                    Token::Word(upper)
                } else {
                    Token::Name(word.to_lowercase())
                });
            }
            _ => {
                let start = i;
                while i < chars.len() && "<>=!~*+-/%^&|#@".contains(chars[i]) {
                    i += 1;
                }
                if i == start {
                    i += 1;
                }
                let op: String = chars[start..i].iter().collect();
                match op.as_str() {
                    "!=" => tokens.push(Token::Operator("<>".to_owned())),
                    "~~" => tokens.push(Token::Word("LIKE".to_owned())),
                    "~~*" => tokens.push(Token::Word("ILIKE".to_owned())),
                    "!~~" => tokens.extend([Token::Word("NOT".to_owned()), Token::Word("LIKE".to_owned())]),
                    "!~~*" => tokens.extend([Token::Word("NOT".to_owned()), Token::Word("ILIKE".to_owned())]),
                    // A minus before a number is its sign.
                    "-" if matches!(tokens.last(), None | Some(Token::Operator(_) | Token::Open | Token::Comma))
                        && chars.get(i).is_some_and(char::is_ascii_digit) =>
                    {
                        let start = i;
                        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                            i += 1;
                        }
                        tokens.push(Token::Number(format!("-{}", chars[start..i].iter().collect::<String>())));
                    }
                    _ => tokens.push(Token::Operator(op)),
                }
            }
        }
    }
    tokens
}

/// A quoted identifier prints without quotes when they change nothing.
fn quoted_name(name: String) -> Token {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    Token::Name(if plain { name } else { format!("\"{}\"", name.replace('"', "\"\"")) })
}

/// The words a type name can go on with (`double precision`,
/// `timestamp without time zone`, `character varying`).
const TYPE_WORDS: &[&str] = &["precision", "varying", "with", "without", "time", "zone"];

/// The tokens without `::type` casts; a number PostgreSQL quotes to cast
/// it (`'-1'::integer`) is the number again.
fn without_casts(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] != Token::Cast {
            out.push(tokens[i].clone());
            i += 1;
            continue;
        }
        i += 1;
        let Some(first) = tokens.get(i) else { break };
        let numeric = matches!(first, Token::Name(n) if matches!(n.as_str(), "integer" | "bigint" | "smallint" | "numeric" | "real" | "double"));
        i += 1;
        while matches!(tokens.get(i), Some(Token::Name(n)) if TYPE_WORDS.contains(&n.as_str())) {
            i += 1;
        }
        // `(3)`, `(65,30)` and `[]` after the name.
        if tokens.get(i) == Some(&Token::Open) {
            while i < tokens.len() && tokens[i] != Token::Close {
                i += 1;
            }
            i += 1;
        }
        while matches!(tokens.get(i), Some(Token::Operator(op)) if op == "[]" || op == "[" || op == "]") {
            i += 1;
        }
        if numeric {
            if let Some(Token::Text(text)) = out.last() {
                if text.parse::<f64>().is_ok() {
                    let number = text.clone();
                    *out.last_mut().expect("just seen") = Token::Number(number);
                }
            }
        }
    }
    out
}

/// Drops each pair of parentheses that holds no `AND` or `OR` of its own
/// and is no function's argument list, innermost first.
fn without_idle_parentheses(mut tokens: Vec<Token>) -> Vec<Token> {
    loop {
        let mut stack: Vec<(usize, bool)> = Vec::new();
        let mut drop = None;
        for (i, token) in tokens.iter().enumerate() {
            match token {
                Token::Open => {
                    let call = matches!(
                        i.checked_sub(1).map(|p| &tokens[p]),
                        Some(Token::Name(_)) | Some(Token::Word(_))
                    ) && !matches!(i.checked_sub(1).map(|p| &tokens[p]), Some(Token::Word(w)) if w == "AND" || w == "OR" || w == "NOT");
                    stack.push((i, call));
                }
                Token::Word(w) if w == "AND" || w == "OR" => {
                    if let Some(top) = stack.last_mut() {
                        top.1 = true;
                    }
                }
                Token::Comma => {
                    if let Some(top) = stack.last_mut() {
                        top.1 = true;
                    }
                }
                Token::Close => {
                    if let Some((open, keep)) = stack.pop() {
                        if !keep {
                            drop = Some((open, i));
                            break;
                        }
                    }
                }
                _ => {}
            }
        }
        let Some((open, close)) = drop else { return tokens };
        tokens.remove(close);
        tokens.remove(open);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn means_the_same(prisma: &str, postgresql: &str) {
        assert!(
            same(Some(prisma), Some(postgresql)),
            "{prisma:?} / {postgresql:?}: {} / {}",
            canonical(prisma),
            canonical(postgresql)
        );
    }

    #[test]
    fn postgresqls_spelling_of_prismas_conditions_is_the_same_predicate() {
        means_the_same(r#""status" = 'ACTIVE'"#, r#"status = 'ACTIVE'::"Status""#);
        means_the_same(r#""n" = 5 AND "label" = 'a'"#, "(n = 5) AND (label = 'a'::text)");
        means_the_same(r#""label" != 'x'"#, "label <> 'x'::text");
        means_the_same(r#""deletedAt" IS NOT NULL"#, r#""deletedAt" IS NOT NULL"#);
        means_the_same(r#""f" = 1.5"#, "f = (1.5)::double precision");
        means_the_same(r#""n" = -1"#, "n = '-1'::integer");
        means_the_same(r#""label" = 'it''s'"#, "(label)::text = 'it''s'::text");
        means_the_same("name LIKE 'a%'", "name ~~ 'a%'::text");
        means_the_same(r#""at" > '2024-01-01'"#, "at > '2024-01-01'::timestamp without time zone");
    }

    #[test]
    fn different_conditions_and_groupings_differ() {
        assert!(!same(Some(r#""status" = 'ACTIVE'"#), Some("status = 'CLOSED'::\"Status\"")));
        assert!(!same(Some(r#""deletedAt" IS NULL"#), Some(r#""deletedAt" IS NOT NULL"#)));
        assert!(!same(Some("a OR b AND c"), Some("(a OR b) AND c")));
        assert!(!same(Some(r#""Label" = 'a'"#), Some("label = 'a'")), "a quoted name keeps its case");
        assert!(!same(Some("n = 5"), None));
        assert!(same(Some("lower(name) = 'a'"), Some("lower((name)::text) = 'a'::text")));
    }
}
