//! Database names: the table a model is stored in, the column of a field,
//! the label of an enum value, the PostgreSQL schema of a block, and
//! Prisma Migrate's default constraint names. The validator checks that
//! these names do not collide and the SQL stage creates them, so both
//! read them here and always agree on a name.

use crate::ast::{Attribute, Block, EnumValue, Expr, Field};

impl Block {
    /// The block attributes of that name (`"index"` for `@@index`).
    pub fn attributes_named<'b>(&'b self, name: &'b str) -> impl Iterator<Item = &'b Attribute> + 'b {
        self.attributes().map(|a| &a.attribute).filter(move |a| a.name.name == name)
    }

    /// The table a model is stored in (or the type an enum is): its
    /// `@@map` name or its own.
    pub fn table_name(&self) -> &str {
        self.attributes_named("map").next().and_then(mapped_name).unwrap_or(&self.name.name)
    }

    /// The PostgreSQL schema of a model or enum (`@@schema("audit")`) as
    /// written; `None` without one, for the connection's default schema.
    pub fn schema_name(&self) -> Option<&str> {
        self.attributes_named("schema").next().and_then(|a| a.positional()).and_then(Expr::as_str)
    }
}

impl Field {
    /// The column a field is stored in: its `@map` name or its own.
    pub fn column_name(&self) -> &str {
        self.attribute("map").and_then(mapped_name).unwrap_or(&self.name.name)
    }
}

impl EnumValue {
    /// The label the database stores: its `@map`, else its own name.
    pub fn database_name(&self) -> &str {
        self.attributes.iter().find(|a| a.name.name == "map").and_then(mapped_name).unwrap_or(&self.name.name)
    }
}

/// The name in `@map("name")` or `@map(name: "name")`.
fn mapped_name(map: &Attribute) -> Option<&str> {
    map.positional().or_else(|| map.named("name")).and_then(Expr::as_str)
}

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
