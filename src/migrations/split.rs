//! Cutting a migration's SQL into statements, so that a failure names the
//! statement and its line and a `-- ehrdb:no-transaction` migration can run
//! and resume statement by statement.
//!
//! Takes SQL text and returns its statements in order, each a slice of the
//! input without the `;` and without the comments and blank lines before
//! it; statements that hold nothing but comments are dropped. It splits
//! where psql would: not inside `--` or nested `/* */` comments, quoted
//! strings (`'it''s'`, `E'it\'s'`), quoted identifiers, dollar-quoted
//! bodies (`$$ ... $$`, `$fn$ ... $fn$`), parentheses (a rule's action
//! list), or the `BEGIN ATOMIC ... END` body of a SQL-standard function.
//! It never checks that a statement is valid SQL: the server does, and
//! unterminated text simply runs to the end of the input.

/// One statement of a SQL text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statement<'a> {
    /// From the statement's first token to its last, without the `;`.
    pub text: &'a str,
    /// 1-based line of the first token.
    pub line: usize,
    /// 1-based position among the statements.
    pub number: usize,
}

/// Splits `sql` into its statements.
pub fn split(sql: &str) -> Vec<Statement<'_>> {
    let mut splitter = Splitter { sql, bytes: sql.as_bytes(), at: 0, line: 1, statements: Vec::new() };
    splitter.run();
    splitter.statements
}

struct Splitter<'a> {
    sql: &'a str,
    bytes: &'a [u8],
    at: usize,
    line: usize,
    statements: Vec<Statement<'a>>,
}

/// What the splitter knows about the statement it is inside.
#[derive(Default)]
struct Current {
    /// Byte offset and line of the first token; `None` before it.
    start: Option<(usize, usize)>,
    parens: usize,
    /// `BEGIN` and `CASE` not yet closed by `END`, in a routine's body.
    blocks: usize,
    /// The first unquoted words, lower case, to recognise `CREATE [OR
    /// REPLACE] FUNCTION | PROCEDURE`.
    words: Vec<String>,
    /// The byte before is part of an identifier or number, so `$` and `E'`
    /// continue it rather than open a quote (`a$b$`, `type'...'`).
    in_word: bool,
}

impl Current {
    fn is_routine(&self) -> bool {
        let w = |i: usize| self.words.get(i).map_or("", String::as_str);
        let routine = |word: &str| word == "function" || word == "procedure";
        w(0) == "create" && (routine(w(1)) || (w(1) == "or" && w(2) == "replace" && routine(w(3))))
    }
}

impl<'a> Splitter<'a> {
    fn peek(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.at + offset).copied()
    }

    /// Moves to `to`, counting the lines passed.
    fn advance_to(&mut self, to: usize) {
        let to = to.min(self.bytes.len());
        self.line += self.bytes[self.at..to].iter().filter(|&&b| b == b'\n').count();
        self.at = to;
    }

    fn run(&mut self) {
        let mut current = Current::default();
        while let Some(byte) = self.peek(0) {
            if byte.is_ascii_whitespace() {
                self.advance_to(self.at + 1);
                current.in_word = false;
                continue;
            }
            if byte == b'-' && self.peek(1) == Some(b'-') {
                let end = self.find_from(self.at, b"\n").unwrap_or(self.bytes.len());
                self.advance_to(end);
                current.in_word = false;
                continue;
            }
            if byte == b'/' && self.peek(1) == Some(b'*') {
                self.skip_block_comment();
                current.in_word = false;
                continue;
            }
            if current.start.is_none() {
                current.start = Some((self.at, self.line));
            }
            match byte {
                b';' if current.parens == 0 && current.blocks == 0 => {
                    self.finish(&current, self.at);
                    self.advance_to(self.at + 1);
                    current = Current::default();
                }
                b'\'' => self.skip_quoted(b'\'', false),
                b'"' => self.skip_quoted(b'"', false),
                b'$' if !current.in_word => match self.dollar_tag() {
                    Some(tag) => self.skip_dollar_body(tag),
                    // `$1`: a parameter; its digits follow as a number.
                    None => self.advance_to(self.at + 1),
                },
                b'(' => {
                    current.parens += 1;
                    self.advance_to(self.at + 1);
                }
                b')' => {
                    current.parens = current.parens.saturating_sub(1);
                    self.advance_to(self.at + 1);
                }
                _ if is_word_byte(byte) && !current.in_word => {
                    self.word(&mut current);
                    continue;
                }
                _ => self.advance_to(self.at + 1),
            }
            current.in_word = is_word_byte(byte) || (byte == b'$' && current.in_word);
        }
        if current.start.is_some() {
            self.finish(&current, self.bytes.len());
        }
    }

    /// Records the statement from its start to `end`.
    fn finish(&mut self, current: &Current, end: usize) {
        let Some((start, line)) = current.start else { return };
        let text = self.sql[start..end].trim_end();
        if !text.is_empty() {
            self.statements.push(Statement { text, line, number: self.statements.len() + 1 });
        }
    }

    /// An unquoted word or number; `E'` opens an escape string.
    fn word(&mut self, current: &mut Current) {
        let start = self.at;
        let end = (start..self.bytes.len()).find(|&i| !is_word_byte(self.bytes[i])).unwrap_or(self.bytes.len());
        let word = &self.sql[start..end];
        self.advance_to(end);
        if word.eq_ignore_ascii_case("e") && self.peek(0) == Some(b'\'') {
            self.skip_quoted(b'\'', true);
            current.in_word = false;
            return;
        }
        current.in_word = true;
        if word.starts_with(|c: char| c.is_ascii_digit()) {
            return;
        }
        let lower = word.to_ascii_lowercase();
        if current.is_routine() {
            match lower.as_str() {
                "begin" | "case" => current.blocks += 1,
                "end" => current.blocks = current.blocks.saturating_sub(1),
                _ => {}
            }
        }
        if current.words.len() < 4 {
            current.words.push(lower);
        }
    }

    /// From an opening quote past its closing one; a doubled quote stands
    /// for itself, and in an `E'...'` string a backslash escapes the next
    /// byte.
    fn skip_quoted(&mut self, quote: u8, backslash: bool) {
        let mut i = self.at + 1;
        while i < self.bytes.len() {
            match self.bytes[i] {
                b'\\' if backslash => i += 2,
                b if b == quote && self.bytes.get(i + 1) == Some(&quote) => i += 2,
                b if b == quote => {
                    i += 1;
                    break;
                }
                _ => i += 1,
            }
        }
        self.advance_to(i);
    }

    /// Past a nested `/* ... */` comment.
    fn skip_block_comment(&mut self) {
        let mut depth = 0usize;
        let mut i = self.at;
        while i < self.bytes.len() {
            match (self.bytes[i], self.bytes.get(i + 1)) {
                (b'/', Some(b'*')) => {
                    depth += 1;
                    i += 2;
                }
                (b'*', Some(b'/')) => {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                }
                _ => i += 1,
            }
        }
        self.advance_to(i);
    }

    /// The opening `$tag$` at the current byte, if it is one: `$` and an
    /// optional identifier that does not start with a digit, then `$`.
    fn dollar_tag(&self) -> Option<&'a [u8]> {
        let rest = &self.bytes[self.at + 1..];
        let length = rest.iter().position(|&b| !is_word_byte(b) || b == b'$').unwrap_or(rest.len());
        let starts_well = rest.first().is_some_and(|b| !b.is_ascii_digit());
        (rest.get(length) == Some(&b'$') && (length == 0 || starts_well))
            .then(|| &self.bytes[self.at..self.at + length + 2])
    }

    /// Past a dollar-quoted body and its closing tag.
    fn skip_dollar_body(&mut self, tag: &[u8]) {
        let body = self.at + tag.len();
        let end = self.find_from(body, tag).map_or(self.bytes.len(), |i| i + tag.len());
        self.advance_to(end);
    }

    fn find_from(&self, from: usize, needle: &[u8]) -> Option<usize> {
        self.bytes[from..].windows(needle.len()).position(|w| w == needle).map(|i| from + i)
    }
}

/// Bytes that continue an identifier or number. PostgreSQL takes every
/// non-ASCII byte as an identifier letter, and `$` inside an identifier.
fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The statements' texts.
    fn texts(sql: &str) -> Vec<&str> {
        split(sql).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn statements_end_at_semicolons_and_empty_ones_are_dropped() {
        assert_eq!(texts("SELECT 1; SELECT 2;"), ["SELECT 1", "SELECT 2"]);
        assert_eq!(texts("SELECT 1;\n\n;;  ;\nSELECT 2"), ["SELECT 1", "SELECT 2"]);
        assert_eq!(texts(""), Vec::<&str>::new());
        assert_eq!(texts(" \n\t"), Vec::<&str>::new());
    }

    #[test]
    fn lines_and_numbers_point_at_the_first_token() {
        let sql = "-- CreateTable\nCREATE TABLE \"a\" (\n  id INT\n);\n\n/* two\nlines */ CREATE INDEX i ON a (id);";
        let statements = split(sql);
        assert_eq!(statements.len(), 2);
        assert_eq!((statements[0].line, statements[0].number), (2, 1));
        assert!(statements[0].text.starts_with("CREATE TABLE") && statements[0].text.ends_with(')'));
        assert_eq!((statements[1].line, statements[1].number, statements[1].text), (7, 2, "CREATE INDEX i ON a (id)"));
    }

    #[test]
    fn comments_hide_semicolons() {
        assert_eq!(texts("SELECT 1 -- a; b\n+ 1; SELECT 2"), ["SELECT 1 -- a; b\n+ 1", "SELECT 2"]);
        assert_eq!(
            texts("SELECT /* a; /* nested; */ still; */ 1; SELECT 2"),
            ["SELECT /* a; /* nested; */ still; */ 1", "SELECT 2"]
        );
        assert_eq!(texts("-- only a comment;\n/* and; another */"), Vec::<&str>::new());
        assert_eq!(texts("SELECT 1; -- trailing;\n"), ["SELECT 1"]);
        assert_eq!(texts("SELECT 2 - -1; SELECT 3"), ["SELECT 2 - -1", "SELECT 3"]);
    }

    #[test]
    fn single_quoted_strings_hide_semicolons_and_comments() {
        assert_eq!(
            texts("SELECT 'a;b', 'it''s; -- no', '/*'; SELECT 2"),
            ["SELECT 'a;b', 'it''s; -- no', '/*'", "SELECT 2"]
        );
        // Standard strings take a backslash literally: the string ends at the second quote.
        assert_eq!(texts(r"SELECT 'C:\'; SELECT 2"), [r"SELECT 'C:\'", "SELECT 2"]);
        assert_eq!(texts("SELECT U&'d\\0061t;a', B'1;0', X'1;F', N'n;'; SELECT 2").len(), 2);
    }

    #[test]
    fn escape_strings_take_backslashes() {
        assert_eq!(texts(r"SELECT E'it\'s; \\', e'a'';b'; SELECT 2"), [r"SELECT E'it\'s; \\', e'a'';b'", "SELECT 2"]);
        // `E` ending a longer word is no prefix: `typE'` is a word and a plain string.
        assert_eq!(texts(r"SELECT typE'\'; SELECT 2"), [r"SELECT typE'\'", "SELECT 2"]);
    }

    #[test]
    fn quoted_identifiers_hide_semicolons() {
        assert_eq!(
            texts(r#"CREATE TABLE "a;""b" ("c;" INT); SELECT 2"#),
            [r#"CREATE TABLE "a;""b" ("c;" INT)"#, "SELECT 2"]
        );
    }

    #[test]
    fn dollar_quoted_bodies_hide_everything_but_their_tag() {
        let function =
            "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RAISE 'x; $y'; -- ;\nEND;\n$$";
        assert_eq!(texts(&format!("{function};\nSELECT 2;")), [function, "SELECT 2"]);
        let tagged = "DO $fn$ BEGIN PERFORM '$$;'; /* $$ */ END $fn$";
        assert_eq!(texts(&format!("{tagged}; SELECT 2")), [tagged, "SELECT 2"]);
        let nested = "DO $outer$ BEGIN EXECUTE $inner$ SELECT 1; $inner$; END $outer$";
        assert_eq!(texts(&format!("{nested}; SELECT 2")), [nested, "SELECT 2"]);
        assert_eq!(texts("DO $ü$ ; $ü$; SELECT 2"), ["DO $ü$ ; $ü$", "SELECT 2"]);
    }

    #[test]
    fn dollar_signs_outside_bodies() {
        // Parameters and identifiers with `$` open no body.
        assert_eq!(
            texts("SELECT $1; SELECT $2 + $10; SELECT a$b$ FROM t; SELECT 4"),
            ["SELECT $1", "SELECT $2 + $10", "SELECT a$b$ FROM t", "SELECT 4"]
        );
        assert_eq!(texts("PREPARE p AS SELECT $1$; SELECT 2"), ["PREPARE p AS SELECT $1$", "SELECT 2"]);
        assert_eq!(texts("SELECT 1 $"), ["SELECT 1 $"]);
    }

    #[test]
    fn parentheses_and_atomic_bodies_keep_their_semicolons() {
        let rule = "CREATE RULE r AS ON INSERT TO a DO ALSO (INSERT INTO b VALUES (1); INSERT INTO c VALUES (2))";
        assert_eq!(texts(&format!("{rule}; SELECT 2")), [rule, "SELECT 2"]);
        let atomic = "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC\n  INSERT INTO a VALUES (1);\n  \
                      SELECT CASE WHEN true THEN 1 END;\nEND";
        assert_eq!(texts(&format!("{atomic};\nSELECT 2")), [atomic, "SELECT 2"]);
        // A transaction's BEGIN is no block.
        assert_eq!(texts("BEGIN; SELECT 1; END;"), ["BEGIN", "SELECT 1", "END"]);
        assert_eq!(
            texts("CREATE TABLE begin_case (\"end\" INT); SELECT 2"),
            ["CREATE TABLE begin_case (\"end\" INT)", "SELECT 2"]
        );
    }

    #[test]
    fn unterminated_text_runs_to_the_end() {
        assert_eq!(texts("SELECT 'open; SELECT 2"), ["SELECT 'open; SELECT 2"]);
        assert_eq!(texts("SELECT 1 /* open; SELECT 2"), ["SELECT 1 /* open; SELECT 2"]);
        assert_eq!(texts("DO $$ open; SELECT 2"), ["DO $$ open; SELECT 2"]);
        assert_eq!(texts(r"SELECT E'\"), [r"SELECT E'\"]);
    }

    /// A piece of SQL that must never be cut: each kind of quote, comment
    /// and body, filled with the characters that end or open the others.
    fn piece() -> impl Strategy<Value = String> {
        let filler =
            || proptest::collection::vec(proptest::sample::select(FILLER.to_vec()), 0..8).prop_map(|v| v.concat());
        prop_oneof![
            proptest::sample::select(vec!["x", "1", "$1", "$12", "a$b$", "(", ")", "-", "/", "*", "e", "ü"])
                .prop_map(str::to_owned),
            filler().prop_map(|f| format!("'{}'", f.replace('\'', "''"))),
            filler().prop_map(|f| format!("E'{}'", f.replace('\\', r"\\").replace('\'', r"\'"))),
            filler().prop_map(|f| format!("\"{}\"", f.replace('"', "\"\""))),
            filler().prop_map(|f| format!("--{}\n", f.replace('\n', " "))),
            // No `/` inside, so the filler can neither open nor close a comment.
            (filler(), filler(), filler()).prop_map(|(a, b, c)| {
                let [a, b, c] = [a, b, c].map(|f| f.replace('/', "|"));
                format!("/* {a} /* {b} */ {c} */")
            }),
            (proptest::sample::select(vec!["", "fn", "x_1", "é"]), filler()).prop_map(|(tag, mut f)| {
                let close = format!("${tag}$");
                while f.contains(&close) {
                    f = f.replace(&close, "$ $");
                }
                format!("{close} {f} {close}")
            }),
        ]
    }

    /// What may stand between two statements.
    const GAPS: &[&str] = &[";\n", ";", " ;\n\n", ";-- c;\n", ";/* c; */\n", "; ;\n"];

    const FILLER: &[&str] = &[";", "'", "''", "\"", "$", "$$", "$fn$", "--", "/*", "*/", "\\", "\n", "a", " ", "E'"];

    /// A statement of pieces, its parentheses balanced so it ends where it
    /// was cut.
    fn statement() -> impl Strategy<Value = String> {
        proptest::collection::vec(piece(), 0..8).prop_map(|pieces| {
            let count = |p: &str| pieces.iter().filter(|piece| piece.as_str() == p).count();
            format!("SELECT {} {} {} x", "( ".repeat(count(")")), pieces.join(" "), ") ".repeat(count("(")))
        })
    }

    proptest! {
        #[test]
        fn joined_statements_split_back(
            statements in proptest::collection::vec(statement(), 1..6),
            gaps in proptest::collection::vec(proptest::sample::select(GAPS.to_vec()), 6),
        ) {
            let mut sql = String::new();
            for (statement, gap) in statements.iter().zip(&gaps) {
                sql.push_str(statement);
                sql.push_str(gap);
            }
            let split = split(&sql);
            let got: Vec<&str> = split.iter().map(|s| s.text).collect();
            let want: Vec<&str> = statements.iter().map(|s| s.trim_end()).collect();
            prop_assert_eq!(got, want, "{}", sql);
            for statement in &split {
                let offset = statement.text.as_ptr() as usize - sql.as_ptr() as usize;
                prop_assert_eq!(statement.line, sql[..offset].matches('\n').count() + 1);
            }
        }
    }
}
