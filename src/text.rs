//! Small pieces of English the messages share: counts with their noun,
//! and the name to suggest for a near miss.

/// `1 migration`, `2 migrations`: a count with its noun, plural by `s`.
pub fn count(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The closest of `candidates` to `name`, when close enough to suggest.
pub fn closest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// Edits (insert, delete, replace, swap of neighbours) that turn `a` into
/// `b`: the optimal string alignment distance.
fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_the_rest_plural() {
        assert_eq!(super::count(0, "change"), "0 changes");
        assert_eq!(super::count(1, "change"), "1 change");
        assert_eq!(super::count(2, "statement"), "2 statements");
    }

    #[test]
    fn closest_suggests_near_names_only() {
        assert_eq!(closest("Strin", ["String", "Int"]), Some("String"));
        assert_eq!(closest("Flaot", ["Float", "Int"]), Some("Float"));
        assert_eq!(closest("Datetime", ["DateTime", "Decimal"]), Some("DateTime"));
        assert_eq!(closest("Quux", ["String", "Int"]), None);
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
        assert_eq!(edit_distance("flaot", "float"), 1);
    }
}
