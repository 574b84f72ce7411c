//! Configuration: the datasource and generator blocks, and the server's
//! query logging.
//!
//! The schema checks read the merged blocks as written (the validator has
//! already judged their syntax); a generator counts as Prisma Client's
//! when its provider is `prisma-client-js` or `prisma-client`.

use super::{Area, Finding, Inputs, Priority, Spec, server};
use crate::ast::{Block, BlockKind, Expr};

const URL_LITERAL: Spec = Spec {
    id: "datasource-url-literal",
    area: Area::Configuration,
    why: "A password in schema.prisma is in every clone of the repository, its history and every CI log that \
          prints the schema; it cannot be rotated without a commit, and every environment shares it.",
    fix: "Write url = env(\"DATABASE_URL\") (Prisma 6) or move the URL to prisma.config.ts (Prisma 7), rotate \
          the password, and remove it from the repository's history.",
};

const OUTPUT: Spec = Spec {
    id: "generator-output",
    area: Area::Configuration,
    why: "Without output, Prisma Client is generated into node_modules, where a package install or a pruned \
          production image can drop or replace it; newer Prisma versions require an explicit path.",
    fix: "Add output = \"../generated/prisma\" (any path inside the application) to the generator and import \
          the client from there.",
};

const TARGETS: Spec = Spec {
    id: "generator-binary-targets",
    area: Area::Configuration,
    why: "Prisma Client loads a query engine built for the platform it runs on; when binaryTargets lacks the \
          deployment's platform, the application fails at start-up (\"Query engine library for current \
          platform could not be found\"). \"native\" is the platform that ran prisma generate.",
    fix: "Add the deployment's target to binaryTargets, e.g. binaryTargets = [\"native\", \
          \"debian-openssl-3.0.x\"].",
};

const SLOW_QUERIES: Spec = Spec {
    id: "slow-query-logging",
    area: Area::Configuration,
    why: "Without slow-query logging or pg_stat_statements, a query that degrades as a table grows is found by \
          users (a theatre list that takes 20 s), not by the team.",
    fix: "Set log_min_duration_statement = '500ms' (or what the service's latency budget says), or add \
          pg_stat_statements to shared_preload_libraries and CREATE EXTENSION pg_stat_statements.",
};

/// Properties that hold a connection URL.
const URL_PROPERTIES: [&str; 3] = ["url", "directUrl", "shadowDatabaseUrl"];

/// The generators that produce Prisma Client. Every generator block in
/// fragment order: a second one of the same name (an error already) is
/// judged too.
fn client_generators<'a>(inputs: &'a Inputs) -> Vec<&'a Block> {
    inputs
        .schema
        .blocks
        .iter()
        .copied()
        .filter(|b| b.kind == BlockKind::Generator)
        .filter(|g| {
            let provider = g.property("provider").and_then(|p| p.value.as_str());
            matches!(provider, Some("prisma-client-js" | "prisma-client"))
        })
        .collect()
}

pub(super) fn the_datasource_url_holds_no_password(inputs: &Inputs) -> Vec<Finding> {
    let Some(datasource) = inputs.schema.datasource else {
        return vec![URL_LITERAL.skipped("the schema has no datasource")];
    };
    let mut with_password = Vec::new();
    let mut seen = Vec::new();
    for name in URL_PROPERTIES {
        let Some(property) = datasource.property(name) else { continue };
        match &property.value {
            Expr::String(text) => {
                let url = text.value();
                if url.contains("://") && crate::secrets::redact(url) != url {
                    with_password.push(format!("{name} = \"{}\"", crate::secrets::redact(url)));
                } else {
                    seen.push(format!("{name} is a literal without a password"));
                }
            }
            Expr::Function(function, _) if function.name == "env" => seen.push(format!("{name} comes from env()")),
            _ => seen.push(format!("{name} is neither a string nor env()")),
        }
    }
    let finding = if !with_password.is_empty() {
        URL_LITERAL.failed(
            Priority::P0,
            format!("datasource `{}` holds a password: {}", datasource.name.name, with_password.join(", ")),
        )
    } else if seen.is_empty() {
        URL_LITERAL.passed(format!("datasource `{}` has no url (Prisma 7: prisma.config.ts)", datasource.name.name))
    } else {
        URL_LITERAL.passed(format!("datasource `{}`: {}", datasource.name.name, seen.join(", ")))
    };
    vec![finding]
}

pub(super) fn the_generator_has_an_output_path(inputs: &Inputs) -> Vec<Finding> {
    let generators = client_generators(inputs);
    if generators.is_empty() {
        return vec![OUTPUT.skipped("the schema has no Prisma Client generator")];
    }
    generators
        .into_iter()
        .map(|generator| {
            let name = &generator.name.name;
            match generator.property("output") {
                Some(output) => match output.value.as_str() {
                    Some(path) => OUTPUT.passed(format!("generator `{name}` writes to {path}")),
                    None => OUTPUT.passed(format!("generator `{name}` has an output path from env()")),
                },
                None => OUTPUT.failed(
                    Priority::P2,
                    format!("generator `{name}` has no output: Prisma Client goes to node_modules/.prisma/client"),
                ),
            }
        })
        .collect()
}

pub(super) fn binary_targets_include_the_deployment(inputs: &Inputs) -> Vec<Finding> {
    let Some(deployment) = inputs.binary_target.as_deref() else {
        return vec![TARGETS.skipped("no deployment target: give --binary-target or `binary-target` in ehrdb.toml")];
    };
    if inputs.prisma_major >= 7 {
        return vec![TARGETS.skipped("Prisma 7's client runs without a query engine binary")];
    }
    let generators = client_generators(inputs);
    if generators.is_empty() {
        return vec![TARGETS.skipped("the schema has no Prisma Client generator")];
    }
    generators
        .into_iter()
        .map(|generator| {
            let name = &generator.name.name;
            let targets: Vec<Option<&str>> = match generator.property("binaryTargets").map(|p| &p.value) {
                Some(Expr::Array(items, _)) => items.iter().map(Expr::as_str).collect(),
                Some(other) => vec![other.as_str()],
                None => vec![Some("native")],
            };
            let written: Vec<&str> = targets.iter().map(|t| t.unwrap_or("env(...)")).collect();
            let seen = format!("generator `{name}`: binaryTargets = [{}]", written.join(", "));
            if targets.contains(&Some(deployment)) {
                TARGETS.passed(format!("{seen} includes {deployment}"))
            } else if targets.contains(&None) {
                TARGETS.inconclusive(
                    format!(
                        "a binary target comes from env(), which ehrdb cannot read; the deployment needs {deployment}"
                    ),
                    seen,
                )
            } else {
                TARGETS.failed(Priority::P1, format!("{seen} lacks the deployment's {deployment}"))
            }
        })
        .collect()
}

pub(super) fn slow_queries_are_logged(inputs: &Inputs) -> Vec<Finding> {
    let server = match server(inputs) {
        Ok(server) => server,
        Err(reason) => return vec![SLOW_QUERIES.skipped(reason)],
    };
    let (settings, extensions) = match (&server.settings, &server.extensions) {
        (Ok(settings), Ok(extensions)) => (settings, extensions),
        (Err(why), _) | (_, Err(why)) => return vec![SLOW_QUERIES.inconclusive(why.clone(), "")],
    };
    let duration = settings.log_min_duration_statement;
    let statements = extensions.iter().any(|e| e == "pg_stat_statements");
    let finding = match (duration >= 0, statements) {
        (true, true) => SLOW_QUERIES
            .passed(format!("log_min_duration_statement = {duration} ms, and pg_stat_statements is installed")),
        (true, false) => SLOW_QUERIES.passed(format!("log_min_duration_statement = {duration} ms")),
        (false, true) => SLOW_QUERIES.passed("pg_stat_statements is installed"),
        (false, false) => SLOW_QUERIES
            .failed(Priority::P2, "log_min_duration_statement = -1 (off) and no pg_stat_statements extension"),
    };
    vec![finding]
}
