//! Prisma Migrate's PostgreSQL naming conventions, shared by the validator
//! (which checks that names do not collide) and the SQL stage (which
//! creates them), so both always agree on a name.

/// PostgreSQL truncates identifiers longer than this many bytes.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// Prisma's default constraint name: `{table}_{columns}{suffix}` (or
/// `{table}{suffix}` without columns), the prefix cut on a character
/// boundary so the whole fits [`MAX_IDENTIFIER_BYTES`]. Suffixes: `_pkey`,
/// `_key`, `_idx`, `_fkey`.
pub fn default_constraint_name(table: &str, columns: &[&str], suffix: &str) -> String {
    let mut name = if columns.is_empty() { table.to_owned() } else { format!("{table}_{}", columns.join("_")) };
    let limit = MAX_IDENTIFIER_BYTES - suffix.len();
    if name.len() >= limit {
        let mut cut = limit;
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name.truncate(cut);
    }
    name + suffix
}

#[cfg(test)]
mod tests {
    use super::default_constraint_name;

    #[test]
    fn default_names_follow_prisma() {
        assert_eq!(default_constraint_name("Post", &["authorId"], "_fkey"), "Post_authorId_fkey");
        assert_eq!(default_constraint_name("users", &[], "_pkey"), "users_pkey");
        assert_eq!(default_constraint_name("a", &["b", "c"], "_idx"), "a_b_c_idx");
        let long = "t".repeat(70);
        let name = default_constraint_name(&long, &["c"], "_fkey");
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("t_fkey"));
        let wide = "é".repeat(40);
        assert!(default_constraint_name(&wide, &[], "_pkey").len() <= 63);
    }
}
