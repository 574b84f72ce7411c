//! Secrets in what ehrdb shows: database URLs with their passwords masked,
//! and a last mask over every line the command layer prints.
//!
//! Takes text (a URL, a message, a diff, a rendered report) and returns it
//! with every secret replaced by `****`: the password in a URL's user info,
//! the value of any parameter named like a secret (`password`,
//! `sslpassword`, `api_key`, `token`, ...), and every secret a URL parsed
//! in this process held ([`remember`]). Nothing here prints or connects.
//!
//! A URL is cut as Prisma (the WHATWG URL rules) and libpq cut it: the host
//! part ends at the first `/`, `?` or `#`, and the last `@` before that ends
//! the user info. A password that holds one of `/?#` unencoded cannot be
//! told apart from the host, path or query that follow; such a URL is
//! [`Url::Unreadable`], and shown only from its last `@` on, since no
//! password character can come after the `@` that ends the user info.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::{Mutex, PoisonError};

/// What a secret is shown as.
pub const MASK: &str = "****";

/// Parameters whose value may hold an `@` after the host part (an
/// `application_name` of `deploy@ward3`, an Azure-style `user=ehr@server`).
/// An `@` anywhere else after the host is a password cut short.
const AT_ALLOWED: [&str; 4] = ["application_name", "options", "user", "password"];

/// A URL cut at its separators, as written (nothing decoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlParts<'a> {
    pub scheme: &'a str,
    pub user_info: Option<&'a str>,
    pub host_port: &'a str,
    /// From the `/` after the host to the query, empty when absent.
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub fragment: Option<&'a str>,
}

/// A URL as [`split_url`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Url<'a> {
    Parts(UrlParts<'a>),
    /// An `@` after the host part: a password (or user name) with an
    /// unencoded `/`, `?` or `#`, whose pieces could be anywhere in it.
    Unreadable {
        scheme: &'a str,
        /// The text after the last `@`: no password character is in it.
        after_last_at: &'a str,
    },
}

impl UrlParts<'_> {
    /// The password as written in the user info, if any.
    pub fn password(&self) -> Option<&str> {
        self.user_info.and_then(|info| info.split_once(':')).map(|(_, password)| password)
    }
}

/// `scheme://...` cut into its parts; `None` when the text is not a URL.
pub fn split_url(url: &str) -> Option<Url<'_>> {
    let (scheme, after) = url.split_once("://")?;
    if !is_scheme(scheme) {
        return None;
    }
    let authority_end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let authority = &after[..authority_end];
    let (user_info, host_port) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    let rest = &after[authority_end..];
    let (before_fragment, fragment) = match rest.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (rest, None),
    };
    let (path, query) = before_fragment.split_once('?').map_or((before_fragment, None), |(p, q)| (p, Some(q)));
    let at_in_query = query.is_some_and(|query| {
        query.split('&').any(|parameter| match parameter.split_once('=') {
            Some((key, value)) => key.contains('@') || (value.contains('@') && !AT_ALLOWED.contains(&key)),
            None => parameter.contains('@'),
        })
    });
    // `user:pa/ss@host` reads as host `user` with port `pa`: a port that is
    // not a number, with an `@` further on, is a password cut short.
    let port_cut_short = user_info.is_none()
        && !host_port.starts_with('[')
        && host_port.split_once(':').is_some_and(|(_, port)| !port.bytes().all(|b| b.is_ascii_digit()))
        && rest.contains('@');
    if path.contains('@') || fragment.is_some_and(|f| f.contains('@')) || at_in_query || port_cut_short {
        let after_last_at = &after[after.rfind('@').map_or(0, |at| at + 1)..];
        return Some(Url::Unreadable { scheme, after_last_at });
    }
    Some(Url::Parts(UrlParts { scheme, user_info, host_port, path, query, fragment }))
}

/// A URL scheme: a letter, then letters, digits, `+`, `-` or `.`.
fn is_scheme(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Whether a query parameter holds a secret: a password (`password`,
/// `sslpassword`, and near misses such as `pasword` or `pwd`, which are
/// errors but are shown in the error), an API key or a token.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    const PARTS: [&str; 10] =
        ["pass", "pwd", "secret", "token", "apikey", "api_key", "api-key", "auth", "credential", "signature"];
    PARTS.iter().any(|part| key.contains(part))
        || ["pw", "key", "access_key", "private_key"].contains(&key.as_str())
        || ["password", "sslpassword"].iter().any(|name| strsim::osa_distance(&key, name) <= 2)
}

/// The URL to show a user: its password in the user info and the value of
/// every secret parameter replaced by `****`. Text that is not a URL is not
/// shown at all, since it may be a password pasted in the wrong place.
pub fn redact(url: &str) -> String {
    match split_url(url) {
        None => "(not a URL)".to_owned(),
        Some(Url::Unreadable { scheme, after_last_at }) => format!("{scheme}://{MASK}@{after_last_at}"),
        Some(Url::Parts(parts)) => {
            let mut shown = format!("{}://", parts.scheme);
            if let Some(user_info) = parts.user_info {
                match user_info.split_once(':') {
                    Some((user, _)) => shown.push_str(&format!("{user}:{MASK}@")),
                    None => shown.push_str(&format!("{user_info}@")),
                }
            }
            shown.push_str(parts.host_port);
            shown.push_str(parts.path);
            if let Some(query) = parts.query {
                shown.push('?');
                shown.push_str(&redact_query(query));
            }
            if let Some(fragment) = parts.fragment {
                shown.push('#');
                shown.push_str(fragment);
            }
            shown
        }
    }
}

/// A query string with the value of every secret parameter masked.
fn redact_query(query: &str) -> String {
    let parameters: Vec<String> = query
        .split('&')
        .map(|parameter| match parameter.split_once('=') {
            Some((key, _)) if is_secret_key(key) => format!("{key}={MASK}"),
            _ => parameter.to_owned(),
        })
        .collect();
    parameters.join("&")
}

/// Every secret in `url`, as written and percent-decoded, longest first.
pub fn passwords(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    match split_url(url) {
        None => {}
        Some(Url::Unreadable { .. }) => {
            // Everything before the last `@` may be the password, whole or in pieces.
            let (_, after) = url.split_once("://").unwrap_or_default();
            let user_info = &after[..after.rfind('@').unwrap_or_default()];
            found.push(user_info.to_owned());
            found.extend(user_info.split_once(':').map(|(_, password)| password.to_owned()));
        }
        Some(Url::Parts(parts)) => {
            found.extend(parts.password().map(str::to_owned));
            for parameter in parts.query.unwrap_or_default().split('&') {
                if let Some((key, value)) = parameter.split_once('=') {
                    if is_secret_key(key) {
                        found.push(value.to_owned());
                    }
                }
            }
        }
    }
    // `+` is a space in a query and itself in the user info; mask both.
    let decoded: Vec<String> = [true, false]
        .iter()
        .flat_map(|&plus| found.iter().map(move |p| String::from_utf8_lossy(&percent_decode(p, plus)).into_owned()))
        .collect();
    found.extend(decoded);
    found.retain(|p| !p.is_empty());
    // Longest first, so a password that contains another is masked whole.
    found.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    found.dedup();
    found
}

/// `text` with its `%XX` escapes decoded, and `+` read as a space when
/// `plus_is_space` (in a query, not in the user info).
pub fn percent_decode(text: &str, plus_is_space: bool) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// Below this length a secret is masked only where it stands as a word of
/// its own: a password `p` must not turn "lookup" into "loo****".
const SHORT_SECRET: usize = 8;

/// `message` with every occurrence of each secret replaced by `****`.
pub fn scrub(message: &str, secrets: &[String]) -> String {
    let mut message = message.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if !message.contains(secret.as_str()) {
            continue;
        }
        if secret.len() >= SHORT_SECRET {
            message = message.replace(secret.as_str(), MASK);
            continue;
        }
        let mut out = String::with_capacity(message.len());
        let mut rest = message.as_str();
        while let Some(at) = rest.find(secret.as_str()) {
            let end = at + secret.len();
            let before = rest[..at].chars().next_back();
            let after = rest[end..].chars().next();
            let alone = !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric);
            out.push_str(&rest[..at]);
            out.push_str(if alone { MASK } else { secret });
            rest = &rest[end..];
        }
        out.push_str(rest);
        message = out;
    }
    message
}

/// Secrets met in this run (the passwords of every URL parsed), which
/// [`mask`] removes from any text, whatever form a message gives them.
static REMEMBERED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Adds secrets for [`mask`] to remove from everything printed.
pub fn remember(secrets: &[String]) {
    let mut remembered = REMEMBERED.lock().unwrap_or_else(PoisonError::into_inner);
    for secret in secrets {
        if !secret.is_empty() && !remembered.contains(secret) {
            remembered.push(secret.clone());
        }
    }
    remembered.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
}

/// `text` with every secret masked: URLs redacted wherever they stand,
/// `key=value` pairs whose key names a secret, and the remembered secrets.
/// Text without any of them is returned as it is, without a copy.
pub fn mask(text: &str) -> Cow<'_, str> {
    let mut masked = Cow::Borrowed(text);
    let with_secrets = urls_in(&masked).filter(|url| redact(&masked[url.clone()]) != masked[url.clone()]);
    if let Some(urls) = replace_ranges(&masked, with_secrets, redact) {
        masked = Cow::Owned(urls);
    }
    if let Some(pairs) = replace_ranges(&masked, secret_values_in(&masked), |_| MASK.to_owned()) {
        masked = Cow::Owned(pairs);
    }
    let remembered = REMEMBERED.lock().unwrap_or_else(PoisonError::into_inner);
    if remembered.iter().any(|secret| masked.contains(secret.as_str())) {
        masked = Cow::Owned(scrub(&masked, &remembered));
    }
    masked
}

/// Where a URL written in running text ends: at white space, a quote, a
/// backtick or an angle bracket.
fn url_end(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>')
}

/// The byte ranges of the URLs written in `text`: a scheme, `://`, and
/// everything up to [`url_end`].
fn urls_in(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut search = 0;
    let mut done = 0;
    std::iter::from_fn(move || {
        while let Some(found) = text[search..].find("://") {
            let colon = search + found;
            let start = text[..colon]
                .char_indices()
                .rev()
                .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                .last()
                .map_or(colon, |(i, _)| i)
                .max(done);
            let end = text[colon..].find(url_end).map_or(text.len(), |i| colon + i);
            // Punctuation of the sentence around the URL, not part of it.
            let end = colon + text[colon..end].trim_end_matches([':', ',', '.', ';', ')']).len();
            search = end.max(colon + 3);
            if split_url(&text[start..end]).is_some() {
                done = end;
                return Some(start..end);
            }
        }
        None
    })
}

/// The byte ranges of the values of `key=value` pairs whose key names a
/// secret (a conninfo string, an error that quotes a parameter): up to the
/// next white space, `&`, `;`, `,` or quote.
fn secret_values_in(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    text.match_indices('=').filter_map(|(equals, _)| {
        let key_start = text[..equals]
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .last()
            .map_or(equals, |(i, _)| i);
        if key_start == equals || !is_secret_key(&text[key_start..equals]) {
            return None;
        }
        let start = equals + 1;
        let end = text[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '&' | ';' | ',' | '"' | '\'' | '`'))
            .map_or(text.len(), |i| start + i);
        (end > start && !text[start..end].starts_with(MASK)).then_some(start..end)
    })
}

/// `text` with each of `ranges` (in order, not overlapping) replaced by
/// what `with` makes of it; `None` when there are none.
fn replace_ranges(
    text: &str,
    ranges: impl Iterator<Item = Range<usize>>,
    with: impl Fn(&str) -> String,
) -> Option<String> {
    let mut out = String::new();
    let mut done = 0;
    for range in ranges {
        out.push_str(&text[done..range.start]);
        out.push_str(&with(&text[range.clone()]));
        done = range.end;
    }
    if done == 0 {
        return None;
    }
    out.push_str(&text[done..]);
    Some(out)
}

/// Byte ranges of `line` that hold a secret: the password of each URL in
/// it, the value of each secret parameter, and each remembered secret; in
/// order, merged where they overlap. For showing a source line with its
/// secrets masked while its labels still point at the right columns.
pub fn secret_ranges(line: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    for url in urls_in(line) {
        let after = line[url.clone()].find("://").map_or(url.start, |i| url.start + i + 3);
        match split_url(&line[url.clone()]) {
            Some(Url::Unreadable { after_last_at, .. }) => ranges.push(after..url.end - after_last_at.len() - 1),
            Some(Url::Parts(parts)) => {
                if let Some(colon) = parts.user_info.and_then(|info| info.find(':')) {
                    ranges.push(after + colon + 1..after + parts.user_info.map_or(0, str::len));
                }
            }
            None => {}
        }
    }
    ranges.extend(secret_values_in(line));
    let remembered = REMEMBERED.lock().unwrap_or_else(PoisonError::into_inner);
    for secret in remembered.iter().filter(|s| s.len() >= SHORT_SECRET) {
        ranges.extend(line.match_indices(secret.as_str()).map(|(at, s)| at..at + s.len()));
    }
    ranges.retain(|r| !r.is_empty());
    ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

#[cfg(test)]
mod tests;
