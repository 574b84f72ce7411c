//! Column defaults as PostgreSQL prints them (`pg_get_expr` of
//! `pg_attrdef.adbin`) become the canonical [`ColumnDefault`] that lowering
//! writes for the same `@default(...)`.
//!
//! PostgreSQL stores a default as an expression tree and prints it back
//! with the casts it added: Prisma's `DEFAULT -1` comes back as
//! `'-1'::integer`, `'GBP'` on a CHAR column as `'GBP'::bpchar`, and
//! `ARRAY['a']::TEXT[]` as `ARRAY['a'::text]`. A constant here loses its
//! casts and keeps its quoting exactly as printed (`''` stays doubled), a
//! number keeps its digits, a date or time is written the way Prisma
//! writes a DateTime default, and an array of constants is `ARRAY[...]` of
//! its elements. Anything that is not a constant is an
//! [`ColumnDefault::Expression`] of the printed text, never evaluated.
//! Whether a `nextval(...)` default is the column's own sequence needs the
//! catalog, so that is decided by the caller, not here.

use crate::number::is_unsigned_decimal;
use crate::sql::ColumnDefault;

/// The canonical default of a column whose default PostgreSQL prints as
/// `printed`.
pub(crate) fn normalize(printed: &str) -> ColumnDefault {
    let text = printed.trim();
    let mut parser = Parser { text, at: 0 };
    match parser.expression() {
        Some(value) if parser.at == text.len() => match value {
            Value::Now => ColumnDefault::Now,
            // A bare quoted number (no cast) is the number.
            Value::String(quoted) if quoted.len() == text.len() && is_number(&quoted[1..quoted.len() - 1]) => {
                ColumnDefault::Literal(quoted[1..quoted.len() - 1].to_owned())
            }
            value => ColumnDefault::Literal(value.sql()),
        },
        _ => ColumnDefault::Expression(text.to_owned()),
    }
}

/// A printed default as far as it is understood: a constant, its casts
/// already applied, or the current time.
#[derive(Debug)]
enum Value {
    /// `'...'`, quotes and `''` escapes as printed.
    String(String),
    /// Digits, an optional sign, fraction and exponent; `true`, `false`.
    Bare(String),
    Array(Vec<Value>),
    /// `CURRENT_TIMESTAMP` or `now()`, however cast.
    Now,
}

impl Value {
    fn sql(&self) -> String {
        match self {
            Value::String(text) | Value::Bare(text) => text.clone(),
            Value::Array(items) => {
                let items: Vec<String> = items.iter().map(Value::sql).collect();
                format!("ARRAY[{}]", items.join(", "))
            }
            Value::Now => "CURRENT_TIMESTAMP".to_owned(),
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn eat(&mut self, token: &str) -> bool {
        let found = self.rest().starts_with(token);
        if found {
            self.at += token.len();
        }
        found
    }

    fn skip_spaces(&mut self) {
        self.at += self.rest().len() - self.rest().trim_start().len();
    }

    /// A primary followed by any number of `::type` casts.
    fn expression(&mut self) -> Option<Value> {
        let mut value = self.primary()?;
        while self.eat("::") {
            let ty = self.type_name()?;
            value = cast(value, &ty)?;
        }
        Some(value)
    }

    fn primary(&mut self) -> Option<Value> {
        let rest = self.rest();
        if rest.starts_with('\'') {
            return self.string().map(Value::String);
        }
        if self.eat("(") {
            let value = self.expression()?;
            return self.eat(")").then_some(value);
        }
        if self.eat("ARRAY[") {
            let mut items = Vec::new();
            if !self.eat("]") {
                loop {
                    match self.expression()? {
                        Value::Now => return None,
                        item => items.push(item),
                    }
                    self.skip_spaces();
                    if self.eat("]") {
                        break;
                    }
                    if !self.eat(",") {
                        return None;
                    }
                    self.skip_spaces();
                }
            }
            return Some(Value::Array(items));
        }
        for word in ["CURRENT_TIMESTAMP", "now()"] {
            if self.eat(word) {
                return Some(Value::Now);
            }
        }
        for word in ["true", "false"] {
            if rest.starts_with(word) && !rest[word.len()..].starts_with(is_word_char) {
                self.at += word.len();
                return Some(Value::Bare(word.to_owned()));
            }
        }
        let end =
            rest.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.'))).unwrap_or(rest.len());
        let number = &rest[..end];
        is_number(number).then(|| {
            self.at += end;
            Value::Bare(number.to_owned())
        })
    }

    /// A single-quoted string, quotes included, `''` kept as printed.
    fn string(&mut self) -> Option<String> {
        let rest = self.rest();
        let mut chars = rest.char_indices().skip(1).peekable();
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if chars.peek().is_some_and(|&(_, next)| next == '\'') {
                    chars.next();
                    continue;
                }
                self.at += i + 1;
                return Some(rest[..=i].to_owned());
            }
        }
        None
    }

    /// The type after `::`: `integer`, `"ActorType"`, `audit."Kind"`,
    /// `character varying(16)`, `timestamp(3) without time zone`, `text[]`.
    /// It ends where the enclosing expression goes on: `)`, `,`, `]`, a
    /// further `::` or the end.
    fn type_name(&mut self) -> Option<String> {
        let start = self.at;
        loop {
            let rest = self.rest();
            let Some(c) = rest.chars().next() else { break };
            if c == '"' {
                let close = rest[1..].find('"')? + 2;
                self.at += close;
            } else if c == '(' {
                let close = rest.find(')')? + 1;
                if !rest[1..close - 1].chars().all(|c| c.is_ascii_digit() || c == ',') {
                    return None;
                }
                self.at += close;
            } else if rest.starts_with("[]") {
                self.at += 2;
            } else if is_word_char(c) || c == '.' {
                self.at += c.len_utf8();
            } else if c == ' ' && TYPE_WORDS.iter().any(|w| rest[1..].starts_with(w)) {
                self.at += 1;
            } else {
                break;
            }
        }
        let ty = self.text[start..self.at].trim_end();
        self.at = start + ty.len();
        (!ty.is_empty()).then(|| ty.to_owned())
    }
}

/// The words after the first in PostgreSQL's printed type names
/// (`double precision`, `character varying`, `time with time zone`); any
/// other word after a space is not part of a cast.
const TYPE_WORDS: [&str; 6] = ["precision", "varying", "without", "with", "time", "zone"];

/// A cast keeps the value's text: PostgreSQL prints a negative or large
/// number as a string cast to a numeric type (`'-1'::integer`), which is the
/// bare number, and an empty array as `'{}'` cast to an array type.
fn cast(value: Value, ty: &str) -> Option<Value> {
    let Value::String(quoted) = value else { return Some(value) };
    let inner = &quoted[1..quoted.len() - 1];
    Some(if is_numeric_type(ty) && is_number(inner) {
        Value::Bare(inner.to_owned())
    } else if let Some(datetime) = prisma_datetime(inner, ty) {
        Value::String(format!("'{datetime}'"))
    } else if ty.ends_with("[]") {
        // A non-empty array constant needs the element type's quoting
        // rules; it stays an expression.
        (inner == "{}").then_some(Value::Array(Vec::new()))?
    } else {
        Value::String(quoted)
    })
}

/// A date or time constant the way Prisma writes a DateTime default,
/// `2024-01-01 08:00:00.500 +00:00`, from the way PostgreSQL prints it for
/// its type in the ISO style (which sqlx sets, with the UTC time zone):
/// `2024-01-01 08:00:00.5` (TIMESTAMP), `2024-01-01 08:00:00.5+00`
/// (TIMESTAMPTZ), `2024-01-01` (DATE, midnight), `08:00:00` (TIME, on
/// 1970-01-01 as Prisma has it), `08:00:00+02` (TIMETZ). The type drops
/// what it cannot hold, so this is Prisma's text only for a default
/// written in UTC, at midnight for a DATE, on 1970-01-01 for a TIME.
fn prisma_datetime(text: &str, ty: &str) -> Option<String> {
    let ty = match ty.split_once('(') {
        Some((base, rest)) => format!("{base}{}", rest.split_once(')')?.1),
        None => ty.to_owned(),
    };
    let (date, clock, zoned) = match ty.as_str() {
        "timestamp without time zone" => (text.get(..10)?, text.get(11..)?, false),
        "timestamp with time zone" => (text.get(..10)?, text.get(11..)?, true),
        "date" => (text, "00:00:00", false),
        "time without time zone" => ("1970-01-01", text, false),
        "time with time zone" => ("1970-01-01", text, true),
        _ => return None,
    };
    let date_ok = date.len() == 10
        && date.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    let (time, offset) = if zoned {
        let at = clock.find(['+', '-'])?;
        (&clock[..at], offset(&clock[at..])?)
    } else {
        (clock, "+00:00".to_owned())
    };
    let (whole, fraction) = time.split_once('.').unwrap_or((time, ""));
    let whole_ok = whole.len() == 8
        && whole.bytes().enumerate().all(|(i, b)| if i == 2 || i == 5 { b == b':' } else { b.is_ascii_digit() });
    if !date_ok || !whole_ok || fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos: u64 = format!("{fraction:0<9}").parse().ok()?;
    let fraction = crate::sql::datetime_fraction(nanos);
    Some(format!("{date} {whole}{fraction} {offset}"))
}

/// `+00`, `-04`, `+05:30` as `+00:00`, `-04:00`, `+05:30`.
fn offset(text: &str) -> Option<String> {
    let digits = &text[1..];
    let ok = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    match digits.split_once(':') {
        Some((hours, minutes)) if ok(hours) && ok(minutes) => Some(text.to_owned()),
        None if ok(digits) => Some(format!("{text}:00")),
        _ => None,
    }
}

fn is_numeric_type(ty: &str) -> bool {
    let base = ty.split('(').next().unwrap_or(ty).trim();
    matches!(base, "integer" | "bigint" | "smallint" | "numeric" | "double precision" | "real")
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `-12`, `12.50`, `1e3`, `-1.5E-3`: what PostgreSQL accepts as a numeric
/// constant, with an optional minus.
fn is_number(text: &str) -> bool {
    is_unsigned_decimal(text.strip_prefix('-').unwrap_or(text))
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use crate::sql::ColumnDefault::{self, Expression, Literal, Now};

    fn literal(text: &str) -> ColumnDefault {
        Literal(text.to_owned())
    }

    #[test]
    fn casts_are_dropped_from_constants() {
        assert_eq!(normalize("'GBP'::bpchar"), literal("'GBP'"));
        assert_eq!(normalize("'USER'::\"ActorType\""), literal("'USER'"));
        assert_eq!(normalize("'A'::audit.\"Kind\""), literal("'A'"));
        assert_eq!(normalize("'x'::character varying"), literal("'x'"));
        assert_eq!(normalize("'{\"a\": 1}'::jsonb"), literal("'{\"a\": 1}'"));
        assert_eq!(normalize("'101'::\"bit\""), literal("'101'"));
        assert_eq!(normalize("'\\x68656c6c6f'::bytea"), literal("'\\x68656c6c6f'"));
        assert_eq!(normalize("true"), literal("true"));
        assert_eq!(normalize("false"), literal("false"));
    }

    #[test]
    fn numbers_lose_their_quotes_only_when_cast_to_a_number() {
        assert_eq!(normalize("'-1'::integer"), literal("-1"));
        assert_eq!(normalize("'-1'"), literal("-1"));
        assert_eq!(normalize("'5000000000'::bigint"), literal("5000000000"));
        assert_eq!(normalize("'-0.5'::numeric"), literal("-0.5"));
        assert_eq!(normalize("'-2.25'::numeric(10,2)"), literal("-2.25"));
        assert_eq!(normalize("'1e3'::double precision"), literal("1e3"));
        assert_eq!(normalize("0"), literal("0"));
        assert_eq!(normalize("12.50"), literal("12.50"));
        assert_eq!(normalize("-7"), literal("-7"));
        assert_eq!(normalize("'-1'::text"), literal("'-1'"));
        assert_eq!(normalize("'NaN'::double precision"), literal("'NaN'"));
    }

    #[test]
    fn quotes_inside_strings_are_kept_as_printed() {
        assert_eq!(normalize("'it''s'::character varying"), literal("'it''s'"));
        assert_eq!(normalize("'a ''b'' \"c\" d\\e'::text"), literal("'a ''b'' \"c\" d\\e'"));
        assert_eq!(normalize("'::text'::text"), literal("'::text'"));
        assert_eq!(normalize("''''::text"), literal("''''"));
        assert_eq!(normalize("''::text"), literal("''"));
    }

    #[test]
    fn nested_casts_and_parentheses_are_unwrapped() {
        assert_eq!(normalize("('abc'::text)::character varying"), literal("'abc'"));
        assert_eq!(normalize("(('-1'::integer))::bigint"), literal("-1"));
        assert_eq!(
            normalize("('2024-01-01'::date)::timestamp(3) without time zone"),
            literal("'2024-01-01 00:00:00 +00:00'")
        );
    }

    #[test]
    fn arrays_become_array_constructors_of_their_elements() {
        assert_eq!(normalize("ARRAY['A01'::text, 'B02'::text]"), literal("ARRAY['A01', 'B02']"));
        assert_eq!(normalize("'{}'::text[]"), literal("ARRAY[]"));
        assert_eq!(normalize("ARRAY[]::text[]"), literal("ARRAY[]"));
        assert_eq!(normalize("ARRAY[1, '-1'::integer]"), literal("ARRAY[1, -1]"));
        assert_eq!(normalize("ARRAY['USER'::\"ActorType\", 'sys'::\"ActorType\"]"), literal("ARRAY['USER', 'sys']"));
        assert_eq!(normalize("ARRAY['x'::character varying(16)]"), literal("ARRAY['x']"));
        assert_eq!(normalize("ARRAY['a,b'::text, 'c]'::text]"), literal("ARRAY['a,b', 'c]']"));
        assert_eq!(normalize("'{a,b}'::text[]"), Expression("'{a,b}'::text[]".to_owned()));
    }

    #[test]
    fn dates_and_times_are_written_as_prisma_writes_a_datetime() {
        let cases = [
            ("'2024-01-01 08:00:00'::timestamp without time zone", "'2024-01-01 08:00:00 +00:00'"),
            ("'2024-06-01 08:00:00.5'::timestamp without time zone", "'2024-06-01 08:00:00.500 +00:00'"),
            ("'2024-01-01 08:00:00.123456+00'::timestamp with time zone", "'2024-01-01 08:00:00.123456 +00:00'"),
            ("'2024-01-01 13:30:00.1+05:30'::timestamp with time zone", "'2024-01-01 13:30:00.100 +05:30'"),
            ("'2024-01-01'::date", "'2024-01-01 00:00:00 +00:00'"),
            ("'08:30:00'::time without time zone", "'1970-01-01 08:30:00 +00:00'"),
            ("'08:30:00.5+02'::time with time zone", "'1970-01-01 08:30:00.500 +02:00'"),
            ("'08:30:00.25-04'::time(3) with time zone", "'1970-01-01 08:30:00.250 -04:00'"),
        ];
        for (printed, prisma) in cases {
            assert_eq!(normalize(printed), literal(prisma), "{printed}");
        }
        // What Prisma could not have written stays as printed, without its cast.
        assert_eq!(normalize("'infinity'::timestamp without time zone"), literal("'infinity'"));
        assert_eq!(
            normalize("'2024-01-01 08:00:00 BC'::timestamp without time zone"),
            literal("'2024-01-01 08:00:00 BC'")
        );
    }

    #[test]
    fn the_current_time_is_now_however_cast() {
        assert_eq!(normalize("CURRENT_TIMESTAMP"), Now);
        assert_eq!(normalize("now()"), Now);
        assert_eq!(normalize("(CURRENT_TIMESTAMP)::date"), Now);
        assert_eq!(normalize("(now())::timestamp(3) without time zone"), Now);
    }

    #[test]
    fn everything_else_is_an_expression_as_printed() {
        for text in [
            "gen_random_uuid()",
            "(now() + '1 day'::interval)",
            "nextval('\"D_id_seq\"'::regclass)",
            "CURRENT_TIMESTAMP(3)",
            "('a'::text || 'b'::text)",
            "(1 + 2)",
            "trueish()",
            "'unterminated",
            "ARRAY[gen_random_uuid()]",
            "ARRAY[now()]",
            "('a'::text COLLATE \"C\")",
        ] {
            assert_eq!(normalize(text), Expression(text.to_owned()), "{text}");
        }
    }
}
