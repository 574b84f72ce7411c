//! Migration names and folder names: `YYYYMMDD_HHMMSS_snake_case_name`,
//! the timestamp in UTC.
//!
//! Takes a clock reading and a name, returns the folder name or an error
//! that says what is wrong with the name and how to spell it instead; reads
//! a folder name back into its version and name. Touches no files.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

/// The longest name after the timestamp, in bytes: long enough for a
/// sentence, short enough that the folder name stays readable in a listing.
pub const MAX_NAME_BYTES: usize = 64;

/// The folder for a migration called `name` written at `now`:
/// `YYYYMMDD_HHMMSS_name` in UTC.
pub fn folder_name(now: SystemTime, name: &str) -> Result<String> {
    check_name(name)?;
    let seconds = now.duration_since(UNIX_EPOCH).context("the clock is set before 1970")?.as_secs();
    let (mut days, time) = (seconds / 86_400, seconds % 86_400);
    let mut year = 1970;
    while days >= days_in_year(year) {
        days -= days_in_year(year);
        year += 1;
    }
    if year > 9999 {
        bail!("the clock reads a year past 9999, which a migration timestamp cannot hold");
    }
    let mut month = 1;
    while days >= days_in_month(year, month) {
        days -= days_in_month(year, month);
        month += 1;
    }
    let (hour, minute, second) = (time / 3600, time / 60 % 60, time % 60);
    Ok(format!("{year:04}{month:02}{:02}_{hour:02}{minute:02}{second:02}_{name}", days + 1))
}

/// Checks that `name` is lower snake case (`[a-z][a-z0-9]*(_[a-z0-9]+)*`)
/// of at most [`MAX_NAME_BYTES`]; the error says what is wrong and suggests
/// a corrected name.
pub fn check_name(name: &str) -> Result<()> {
    let problems = name_problems(name);
    if problems.is_empty() {
        return Ok(());
    }
    let rule = format!("a migration name is lower snake case (add_patient_nhs_number), at most {MAX_NAME_BYTES} bytes");
    match suggestion(name) {
        Some(fixed) => bail!("invalid migration name {name:?}: {}; {rule}: use {fixed:?}", problems.join(", ")),
        None => bail!("invalid migration name {name:?}: {}; {rule}", problems.join(", ")),
    }
}

/// What is wrong with a name, in words; empty when nothing is.
fn name_problems(name: &str) -> Vec<String> {
    if name.is_empty() {
        return vec!["it is empty".to_owned()];
    }
    let mut problems = Vec::new();
    if name.chars().any(|c| c.is_uppercase()) {
        problems.push("it has upper-case letters".to_owned());
    }
    if name.chars().any(char::is_whitespace) {
        problems.push("it has spaces".to_owned());
    }
    let mut others: Vec<char> = name
        .chars()
        .filter(|&c| !(c.is_ascii_alphanumeric() || c == '_' || c.is_whitespace() || c.is_uppercase()))
        .collect();
    others.dedup();
    if !others.is_empty() {
        let shown: Vec<String> = others.iter().map(|c| format!("`{c}`")).collect();
        problems.push(format!("it has characters other than a-z, 0-9 and _ ({})", shown.join(" ")));
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        problems.push("it starts with a digit".to_owned());
    }
    if name.starts_with('_') || name.ends_with('_') || name.contains("__") {
        problems.push("it has an empty word (a leading, trailing or doubled `_`)".to_owned());
    }
    if name.len() > MAX_NAME_BYTES {
        problems.push(format!("it is {} bytes long", name.len()));
    }
    problems
}

/// The name in lower snake case: words split at separators and at
/// camel-case humps (`AddPatientNHSNumber` -> `add_patient_nhs_number`),
/// leading numbers moved to the end (`2024_cleanup` -> `cleanup_2024`), cut
/// to [`MAX_NAME_BYTES`] at a word boundary.
fn suggestion(name: &str) -> Option<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            words.push(std::mem::take(&mut word));
            continue;
        }
        let previous = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        let hump = c.is_ascii_uppercase()
            && previous.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if hump {
            words.push(std::mem::take(&mut word));
        }
        word.push(c.to_ascii_lowercase());
    }
    words.push(word);
    words.retain(|w| !w.is_empty());
    let leading = words.iter().take_while(|w| w.starts_with(|c: char| c.is_ascii_digit())).count();
    if leading == words.len() && !words.is_empty() {
        words.insert(0, "migration".to_owned());
    } else {
        words.rotate_left(leading);
    }
    let mut fixed = String::new();
    for word in words {
        let extra = if fixed.is_empty() { word.len() } else { word.len() + 1 };
        if fixed.len() + extra > MAX_NAME_BYTES {
            break;
        }
        if !fixed.is_empty() {
            fixed.push('_');
        }
        fixed.push_str(&word);
    }
    (!fixed.is_empty() && name_problems(&fixed).is_empty()).then_some(fixed)
}

/// A folder name's version (14 digits) and name, or what is wrong with it.
pub(super) fn parse_folder(folder: &str) -> std::result::Result<(String, String), String> {
    let bytes = folder.as_bytes();
    let shaped = bytes.len() > 16
        && bytes[8] == b'_'
        && bytes[15] == b'_'
        && bytes[..8].iter().chain(&bytes[9..15]).all(u8::is_ascii_digit);
    if !shaped {
        return Err("it does not start with a YYYYMMDD_HHMMSS_ timestamp".to_owned());
    }
    let version = format!("{}{}", &folder[..8], &folder[9..15]);
    check_timestamp(&version)?;
    let name = &folder[16..];
    let problems = name_problems(name);
    if !problems.is_empty() {
        return Err(format!("the name {name:?} is not lower snake case: {}", problems.join(", ")));
    }
    Ok((version, name.to_owned()))
}

/// The version a user means by `text`: 14 digits (`20250314093000`), the
/// folder's timestamp (`20250314_093000`) or a whole folder name.
pub fn parse_version(text: &str) -> Option<String> {
    let text = text.trim();
    let version = if text.len() == 14 {
        text.to_owned()
    } else if text.len() == 15 && text.as_bytes()[8] == b'_' {
        format!("{}{}", &text[..8], &text[9..])
    } else {
        return parse_folder(text).ok().map(|(version, _)| version);
    };
    (version.bytes().all(|b| b.is_ascii_digit()) && check_timestamp(&version).is_ok()).then_some(version)
}

/// Checks that 14 digits are a real date and time.
fn check_timestamp(version: &str) -> std::result::Result<(), String> {
    let number = |range: std::ops::Range<usize>| version[range].parse::<u64>().expect("digits");
    let (year, month, day) = (number(0..4), number(4..6), number(6..8));
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(format!("{} is not a date", &version[..8]));
    }
    if number(8..10) > 23 || number(10..12) > 59 || number(12..14) > 59 {
        return Err(format!("{} is not a time of day", &version[8..]));
    }
    Ok(())
}

fn is_leap(year: u64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_year(year: u64) -> u64 {
    if is_leap(year) { 366 } else { 365 }
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn folder_names_are_utc_timestamps() {
        assert_eq!(folder_name(at(0), "init").unwrap(), "19700101_000000_init");
        // 2024-02-29 23:59:59, a leap day.
        assert_eq!(folder_name(at(1_709_251_199), "leap").unwrap(), "20240229_235959_leap");
        assert_eq!(folder_name(at(1_709_251_200), "next").unwrap(), "20240301_000000_next");
        // 2000 is a leap year, 2100 is not.
        assert_eq!(folder_name(at(951_782_400), "y2k").unwrap(), "20000229_000000_y2k");
        assert_eq!(folder_name(at(4_107_542_400), "c22").unwrap(), "21000301_000000_c22");
        assert_eq!(folder_name(at(1_741_944_600), "add_ward").unwrap(), "20250314_093000_add_ward");
        assert!(folder_name(at(0), "Bad").is_err());
    }

    #[test]
    fn folder_names_read_back() {
        let folder = folder_name(at(1_741_944_600), "add_ward").unwrap();
        assert_eq!(parse_folder(&folder).unwrap(), ("20250314093000".to_owned(), "add_ward".to_owned()));
        assert!(parse_folder("20251301_000000_x").unwrap_err().contains("20251301 is not a date"));
        assert!(parse_folder("20250230_000000_x").unwrap_err().contains("not a date"));
        assert!(parse_folder("20250101_240000_x").unwrap_err().contains("not a time"));
        assert!(parse_folder("2025-01-01_x").unwrap_err().contains("timestamp"));
        assert!(parse_folder("20250101_000000_").unwrap_err().contains("timestamp"));
        assert!(parse_folder("20250101_000000_Add").unwrap_err().contains("upper-case"));
    }

    #[test]
    fn versions_in_any_spelling() {
        for text in ["20250314093000", "20250314_093000", "20250314_093000_add_ward", " 20250314093000\n"] {
            assert_eq!(parse_version(text).as_deref(), Some("20250314093000"), "{text}");
        }
        for text in ["2025031409300", "20251314093000", "2025031409300x", "latest", ""] {
            assert_eq!(parse_version(text), None, "{text}");
        }
    }

    #[test]
    fn good_names_pass() {
        for name in ["init", "add_patient_nhs_number", "v2", "add_icd10_codes", "a_1", &"a".repeat(64)] {
            check_name(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn bad_names_say_why_and_suggest_a_fix() {
        let cases = [
            ("AddPatientNHS", "upper-case", Some("add_patient_nhs")),
            ("addPatientNHSNumber", "upper-case", Some("add_patient_nhs_number")),
            ("add patient", "spaces", Some("add_patient")),
            ("add-ward.v2", "(`-` `.`)", Some("add_ward_v2")),
            ("2024_cleanup", "starts with a digit", Some("cleanup_2024")),
            ("2024", "starts with a digit", Some("migration_2024")),
            ("_add__ward_", "empty word", Some("add_ward")),
            ("", "empty", None),
            ("---", "characters other", None),
        ];
        for (name, problem, fixed) in cases {
            let error = check_name(name).unwrap_err().to_string();
            assert!(error.contains(problem), "{name}: {error}");
            match fixed {
                Some(fixed) => assert!(error.ends_with(&format!("use {fixed:?}")), "{name}: {error}"),
                None => assert!(!error.contains(": use "), "{name}: {error}"),
            }
        }
    }

    #[test]
    fn long_names_are_cut_at_a_word() {
        let name = format!("{}_tail", "word_".repeat(13).trim_end_matches('_'));
        assert!(name.len() > MAX_NAME_BYTES);
        let error = check_name(&name).unwrap_err().to_string();
        assert!(error.contains(&format!("it is {} bytes long", name.len())), "{error}");
        let fixed = error.rsplit("use ").next().unwrap().trim_matches('"');
        assert!(fixed.len() <= MAX_NAME_BYTES && fixed.ends_with("_word") && check_name(fixed).is_ok(), "{fixed}");
    }
}
