//! Prisma's preview features, as each target major knows them.
//!
//! Read from the validators themselves: Prisma 7.10.1's (prisma-engines
//! 59be4fda, the oracle's wasm) and Prisma 6.19.3's (the last 6.x; engines
//! c2990dca), by trying every name either one contains. Prisma matches
//! names without regard to case.

/// What Prisma says about one name in `previewFeatures`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    /// A feature still in preview: valid, nothing said.
    Preview,
    /// Now generally available: valid, with a warning to remove it.
    Stable,
    /// Valid, with a warning that it is going away (Prisma 6's `metrics`).
    Retiring,
    /// Replaced on PostgreSQL by the named feature: valid, with a warning.
    Renamed(&'static str),
    Unknown,
}

/// Features in preview that Prisma lists in its error message.
const PREVIEW_7: &[&str] = &[
    "fullTextSearchPostgres",
    "nativeDistinct",
    "partialIndexes",
    "postgresqlExtensions",
    "relationJoins",
    "schemaEngineDriverAdapters",
    "shardKeys",
    "strictUndefinedChecks",
    "typedSql",
    "views",
];

const PREVIEW_6: &[&str] = &[
    "fullTextSearchPostgres",
    "metrics",
    "nativeDistinct",
    "postgresqlExtensions",
    "relationJoins",
    "schemaEngineDriverAdapters",
    "shardKeys",
    "strictUndefinedChecks",
    "views",
];

/// Valid but left out of Prisma's list of features.
const HIDDEN_7: &[&str] = &["reactNative"];
const HIDDEN_6: &[&str] = &["reactNative", "typedSql"];

/// Features that became stable; the same set in 6.19 and 7.10.
const STABLE: &[&str] = &[
    "aggregateApi",
    "atomicNumberOperations",
    "clientExtensions",
    "cockroachdb",
    "connectOrCreate",
    "createMany",
    "dataProxy",
    "deno",
    "distinct",
    "driverAdapters",
    "extendedIndexes",
    "extendedWhereUnique",
    "fieldReference",
    "filterJson",
    "filteredRelationCount",
    "fullTextIndex",
    "groupBy",
    "improvedQueryRaw",
    "interactiveTransactions",
    "jsonProtocol",
    "microsoftSqlServer",
    "middlewares",
    "mongoDb",
    "multiSchema",
    "nApi",
    "namedConstraints",
    "nativeTypes",
    "omitApi",
    "orderByAggregateGroup",
    "orderByNulls",
    "orderByRelation",
    "prismaSchemaFolder",
    "queryCompiler",
    "referentialActions",
    "referentialIntegrity",
    "selectRelationCount",
    "tracing",
    "transactionApi",
    "uncheckedScalarInputs",
];

/// Features in preview for `major`, as Prisma lists them.
pub(super) fn in_preview(major: u8) -> &'static [&'static str] {
    if major >= 7 { PREVIEW_7 } else { PREVIEW_6 }
}

pub(super) fn status(name: &str, major: u8) -> Status {
    let is = |list: &[&str]| list.iter().any(|f| f.eq_ignore_ascii_case(name));
    if name.eq_ignore_ascii_case("fullTextSearch") {
        return Status::Renamed("fullTextSearchPostgres");
    }
    if major < 7 && name.eq_ignore_ascii_case("metrics") {
        return Status::Retiring;
    }
    let hidden = if major >= 7 { HIDDEN_7 } else { HIDDEN_6 };
    if is(in_preview(major)) || is(hidden) {
        Status::Preview
    } else if is(STABLE) {
        Status::Stable
    } else {
        Status::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::{Status, status};

    #[test]
    fn the_majors_differ_where_prisma_does() {
        assert_eq!(status("partialIndexes", 7), Status::Preview);
        assert_eq!(status("partialIndexes", 6), Status::Unknown);
        assert_eq!(status("metrics", 7), Status::Unknown);
        assert_eq!(status("metrics", 6), Status::Retiring);
        assert_eq!(status("typedSql", 6), Status::Preview);
        assert_eq!(status("MULTISCHEMA", 7), Status::Stable);
        assert_eq!(status("fullTextSearch", 6), Status::Renamed("fullTextSearchPostgres"));
        assert_eq!(status("esm", 7), Status::Unknown);
    }
}
