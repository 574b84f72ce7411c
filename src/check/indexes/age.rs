//! How long an index's statistics have been counting: since the
//! database's statistics were last reset, or since the migration that
//! created the index was applied, whichever is later.
//!
//! Takes the migrations folder and the history table; returns, per index
//! name, when the newest applied migration that creates it ran (seconds
//! since the epoch, by the server's clock that wrote `applied_at`). Reads
//! `up.sql` text with a small tokenizer that knows quotes and comments;
//! it never runs anything.

use crate::collections::HashMap;
use crate::db::history::AppliedMigration;
use crate::migrations::Migration;

/// Index name -> when the newest applied migration creating it ran.
pub(super) fn created_by_migrations(migrations: &[Migration], history: &[AppliedMigration]) -> HashMap<String, i64> {
    let mut created: HashMap<String, i64> = HashMap::default();
    for row in history {
        let (Some(migration), Some(at)) =
            (migrations.iter().find(|m| m.version == row.version), epoch(&row.applied_at))
        else {
            continue;
        };
        for name in created_indexes(&migration.up) {
            let entry = created.entry(name).or_insert(at);
            *entry = (*entry).max(at);
        }
    }
    created
}

/// The names `CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] name`
/// gives in `sql`, as PostgreSQL stores them (an unquoted name folded to
/// lower case).
pub(super) fn created_indexes(sql: &str) -> Vec<String> {
    let tokens = tokens(sql);
    let word = |i: usize, w: &str| matches!(tokens.get(i), Some(Token::Word(t)) if t.eq_ignore_ascii_case(w));
    let mut names = Vec::new();
    for start in 0..tokens.len() {
        if !word(start, "create") {
            continue;
        }
        let mut i = start + 1;
        if word(i, "unique") {
            i += 1;
        }
        if !word(i, "index") {
            continue;
        }
        i += 1;
        if word(i, "concurrently") {
            i += 1;
        }
        if word(i, "if") && word(i + 1, "not") && word(i + 2, "exists") {
            i += 3;
        }
        match tokens.get(i) {
            // `CREATE INDEX ON t`: PostgreSQL picks the name.
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("on") => {}
            Some(Token::Word(w)) => names.push(w.to_ascii_lowercase()),
            Some(Token::Quoted(q)) => names.push(q.clone()),
            _ => {}
        }
    }
    names
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Other,
}

/// Words, quoted identifiers and everything else, without comments and
/// string literals (their text is never an index's name).
fn tokens(sql: &str) -> Vec<Token> {
    let chars: Vec<char> = sql.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '"' || c == '\'' {
            let mut text = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == c && chars.get(i + 1) == Some(&c) {
                    text.push(c);
                    i += 2;
                } else if chars[i] == c {
                    break;
                } else {
                    text.push(chars[i]);
                    i += 1;
                }
            }
            i += 1;
            tokens.push(if c == '"' { Token::Quoted(text) } else { Token::Other });
        } else if c.is_alphanumeric() || c == '_' {
            let begin = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$') {
                i += 1;
            }
            tokens.push(Token::Word(chars[begin..i].iter().collect()));
        } else {
            if !c.is_whitespace() {
                tokens.push(Token::Other);
            }
            i += 1;
        }
    }
    tokens
}

/// Seconds since the epoch of a UTC `YYYY-MM-DDTHH:MM:SSZ`.
pub(super) fn epoch(text: &str) -> Option<i64> {
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    if text.len() != 20 || !text.ends_with('Z') {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Days from 1970-01-01 in the proleptic Gregorian calendar, counting
    // years from March so the leap day comes last.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// A UTC date, `YYYY-MM-DD`, of seconds since the epoch.
pub(super) fn date(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_index_statements_name_their_indexes() {
        let sql = "-- CREATE INDEX \"commented\" ON x\nCREATE INDEX \"Note_a_idx\" ON \"Note\"(\"a\");\n\
                   create unique index concurrently if not exists Lower_Case on t (b);\n\
                   CREATE INDEX ON t (c); /* CREATE INDEX hidden ON t */ SELECT 'CREATE INDEX s ON t';\n\
                   CREATE UNIQUE INDEX \"a\"\"b\" ON t (d); CREATE TABLE \"index\" (x int);";
        assert_eq!(created_indexes(sql), ["Note_a_idx", "lower_case", "a\"b"]);
    }

    #[test]
    fn timestamps_and_dates_convert_both_ways() {
        assert_eq!(epoch("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(epoch("2000-03-01T00:00:01Z"), Some(951_868_801));
        assert_eq!(epoch("2026-11-24T21:08:30Z"), Some(1_795_554_510));
        assert_eq!(epoch("2026-11-24 21:08:30"), None);
        assert_eq!(epoch("2026-13-24T21:08:30Z"), None);
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_868_801), "2000-03-01");
        assert_eq!(date(1_795_554_510), "2026-11-24");
        assert_eq!(date(epoch("2024-02-29T23:59:59Z").unwrap()), "2024-02-29");
    }
}
