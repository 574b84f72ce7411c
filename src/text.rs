//! Small pieces of English the messages share.

/// `1 migration`, `2 migrations`: a count with its noun, plural by `s`.
pub fn count(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_singular_and_the_rest_plural() {
        assert_eq!(super::count(0, "change"), "0 changes");
        assert_eq!(super::count(1, "change"), "1 change");
        assert_eq!(super::count(2, "statement"), "2 statements");
    }
}
