//! The datasource and generator blocks.
//!
//! The datasource must be PostgreSQL (`postgresql` or its alias
//! `postgres`), name only properties Prisma knows, and keep its connection
//! URLs where the target Prisma major wants them (see [`url`]). Its
//! `relationMode`, `extensions` and `schemas` follow Prisma's rules, and
//! `@@schema` names a listed schema. Generators are checked in
//! [`generator`]. The merge already reports a second or a missing
//! datasource; these rules read the first one.

mod features;
mod generator;
mod url;

use crate::collections::HashMap;

use super::{Ctx, Rule, closest};
use crate::ast::{Arguments, Block, BlockKind, Expr, Property};
use crate::diagnostics::{Diagnostic, Span};

pub(super) const CHECKS: &[Rule] = &[
    Rule::schema("the_datasource_targets_postgresql", the_datasource_targets_postgresql),
    Rule::schema("every_config_property_is_set_once", every_config_property_is_set_once),
    Rule::schema("every_datasource_property_is_known", every_datasource_property_is_known),
    Rule::schema("connection_urls_follow_the_prisma_major", url::connection_urls_follow_the_prisma_major),
    Rule::schema("the_relation_mode_is_prisma_or_foreign_keys", the_relation_mode_is_prisma_or_foreign_keys),
    Rule::schema("extensions_are_names_with_string_options", extensions_are_names_with_string_options),
    Rule::schema("extensions_need_their_preview_feature", extensions_need_their_preview_feature),
    Rule::schema("schemas_are_a_list_of_distinct_names", schemas_are_a_list_of_distinct_names),
    Rule::blocks("every_schema_attribute_names_a_listed_schema", every_schema_attribute_names_a_listed_schema),
    Rule::blocks("every_block_has_a_schema_when_schemas_are_listed", every_block_has_a_schema_when_schemas_are_listed),
    Rule::schema("every_generator_has_a_provider", generator::every_generator_has_a_provider),
    Rule::schema("generator_settings_are_strings", generator::generator_settings_are_strings),
    Rule::schema("preview_features_are_known", generator::preview_features_are_known),
];

/// What Prisma reads in a datasource; anything else is an error.
const DATASOURCE_PROPERTIES: &[&str] = &[
    "provider",
    "url",
    "directUrl",
    "shadowDatabaseUrl",
    "relationMode",
    "referentialIntegrity",
    "extensions",
    "schemas",
];

/// Providers Prisma knows besides PostgreSQL: valid for Prisma, not for ehrdb.
const OTHER_PROVIDERS: &[&str] = &["mysql", "sqlite", "sqlserver", "mongodb", "cockroachdb"];

fn the_datasource_targets_postgresql(ctx: &mut Ctx) {
    let Some(datasource) = ctx.schema.datasource else { return };
    let name = &datasource.name.name;
    let Some(provider) = datasource.property("provider") else {
        ctx.push(
            Diagnostic::error(
                "missing-provider",
                datasource.name.span,
                format!("datasource `{name}` has no `provider`"),
            )
            .label("no `provider = ...` in this block")
            .help("add `provider = \"postgresql\"`"),
        );
        return;
    };
    let value = &provider.value;
    let Some(text) = value.as_str() else {
        let diagnostic = if is_env(value) {
            Diagnostic::error("provider-from-env", value.span(), "the datasource provider cannot come from `env()`")
                .label("Prisma must know the provider before it reads the environment")
        } else {
            Diagnostic::error("provider-not-a-string", value.span(), "the datasource provider must be a string literal")
                .label(format!("found {}", describe(value)))
        };
        ctx.push(diagnostic.help("write `provider = \"postgresql\"`"));
        return;
    };
    match text {
        "postgresql" | "postgres" => {}
        "" => ctx.push(
            Diagnostic::error("empty-provider", value.span(), "the datasource provider is empty")
                .label("empty string")
                .help("write `provider = \"postgresql\"`"),
        ),
        other if OTHER_PROVIDERS.contains(&other) => ctx.push(
            Diagnostic::error(
                "unsupported-provider",
                value.span(),
                format!("provider `{other}` is not supported: ehrdb targets PostgreSQL"),
            )
            .label("not PostgreSQL")
            .help("write `provider = \"postgresql\"`; ehrdb's validation, migrations and checks are PostgreSQL's"),
        ),
        other => {
            let mut diagnostic =
                Diagnostic::error("unknown-provider", value.span(), format!("unknown datasource provider `{other}`"))
                    .label("not a provider Prisma knows");
            diagnostic = match closest(other, ["postgresql", "postgres"]) {
                Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`?")),
                None => diagnostic.help("ehrdb targets PostgreSQL: write `provider = \"postgresql\"`"),
            };
            ctx.push(diagnostic);
        }
    }
}

/// Prisma reads a config block into a map: a key given twice is an error.
fn every_config_property_is_set_once(ctx: &mut Ctx) {
    let blocks: Vec<&Block> = ctx.schema.datasource.into_iter().chain(ctx.schema.generators.iter().copied()).collect();
    for block in blocks {
        let mut seen: HashMap<&str, &Property> = HashMap::default();
        for property in block.properties() {
            let Some(first) = seen.get(property.name.name.as_str()) else {
                seen.insert(&property.name.name, property);
                continue;
            };
            ctx.push(
                Diagnostic::error(
                    "duplicate-property",
                    property.name.span,
                    format!("`{}` is set twice in {} `{}`", property.name.name, block.kind.keyword(), block.name.name),
                )
                .label("second setting")
                .also(first.name.span, "first set here")
                .help("keep one of the two lines"),
            );
        }
    }
}

fn every_datasource_property_is_known(ctx: &mut Ctx) {
    let Some(datasource) = ctx.schema.datasource else { return };
    for property in datasource.properties() {
        let name = property.name.name.as_str();
        if DATASOURCE_PROPERTIES.contains(&name) {
            continue;
        }
        let diagnostic = if name == "previewFeatures" {
            Diagnostic::error(
                "preview-features-in-datasource",
                property.span,
                "`previewFeatures` belongs in a generator, not in the datasource",
            )
            .label("Prisma reads preview features from the generator block")
            .help("move this line into `generator client { ... }`")
        } else {
            let diagnostic = Diagnostic::error(
                "unknown-datasource-property",
                property.name.span,
                format!("unknown datasource property `{name}`"),
            )
            .label("Prisma does not know this property");
            match closest(name, DATASOURCE_PROPERTIES.iter().copied()) {
                Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`?")),
                None => diagnostic.help(format!(
                    "a datasource takes {}",
                    DATASOURCE_PROPERTIES.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
                )),
            }
        };
        ctx.push(diagnostic);
    }
}

fn the_relation_mode_is_prisma_or_foreign_keys(ctx: &mut Ctx) {
    let Some(datasource) = ctx.schema.datasource else { return };
    let relation_mode = datasource.property("relationMode");
    let legacy = datasource.property("referentialIntegrity");
    if let Some(legacy) = legacy {
        ctx.push(
            Diagnostic::warning(
                "deprecated-referential-integrity",
                legacy.name.span,
                "`referentialIntegrity` is deprecated",
            )
            .label("renamed to `relationMode`")
            .help("write `relationMode` instead; the values are the same"),
        );
        if let Some(relation_mode) = relation_mode {
            ctx.push(
                Diagnostic::error(
                    "relation-mode-set-twice",
                    legacy.name.span,
                    "`referentialIntegrity` and `relationMode` cannot be used together",
                )
                .label("the deprecated name of `relationMode`")
                .also(relation_mode.name.span, "`relationMode` set here")
                .help("remove the `referentialIntegrity` line"),
            );
            return;
        }
    }
    let Some(property) = relation_mode.or(legacy) else { return };
    let value = &property.value;
    match value.as_str() {
        Some("prisma" | "foreignKeys") => {}
        Some(other) => {
            let mut diagnostic =
                Diagnostic::error("unknown-relation-mode", value.span(), format!("unknown relation mode `{other}`"))
                    .label("expected \"prisma\" or \"foreignKeys\"");
            diagnostic = match closest(other, ["prisma", "foreignKeys"]) {
                Some(suggestion) => diagnostic.help(format!("did you mean `\"{suggestion}\"`?")),
                None => diagnostic.help(
                    "\"foreignKeys\" (the default) lets PostgreSQL enforce relations; \"prisma\" emulates them in Prisma Client",
                ),
            };
            ctx.push(diagnostic);
        }
        None => ctx.push(
            Diagnostic::error(
                "relation-mode-not-a-string",
                value.span(),
                format!("`{}` must be a string", property.name.name),
            )
            .label(format!("found {}", describe(value)))
            .help("write `relationMode = \"foreignKeys\"` or `relationMode = \"prisma\"`"),
        ),
    }
}

/// `extensions = [pg_trgm, postgis(schema: "gis", version: "3.4", map: "postgis")]`.
fn extensions_are_names_with_string_options(ctx: &mut Ctx) {
    let Some(property) = ctx.schema.datasource.and_then(|d| d.property("extensions")) else { return };
    for item in items(&property.value) {
        match item {
            Expr::Constant(name) => extension_name_has_no_dash(ctx, &name.name, name.span),
            Expr::Function(name, args) => {
                extension_name_has_no_dash(ctx, &name.name, name.span);
                extension_options_are_named_strings(ctx, args);
            }
            Expr::String(text) if text.value().contains('-') => ctx.push(
                Diagnostic::error("invalid-extension", item.span(), "an extension is named by an identifier")
                    .label("found a string")
                    .help(map_help(text.value())),
            ),
            other => ctx.push(
                Diagnostic::error("invalid-extension", other.span(), "an extension is named by an identifier")
                    .label(format!("found {}", describe(other)))
                    .help("write the extension's name without quotes, as in `extensions = [pg_trgm, citext]`"),
            ),
        }
    }
}

/// Prisma reads `uuid-ossp` as one name, then refuses the `-` in it.
fn extension_name_has_no_dash(ctx: &mut Ctx, name: &str, span: Span) {
    if name.contains('-') {
        ctx.push(
            Diagnostic::error("invalid-extension-name", span, "the character `-` is not allowed in extension names")
                .label("Prisma refuses this name")
                .help(map_help(name)),
        );
    }
}

/// How to name an extension whose PostgreSQL name has a `-`.
fn map_help(name: &str) -> String {
    format!(
        "name it without the `-` and give PostgreSQL's name with `map:`, as in `{}(map: \"{name}\")`",
        name.replace('-', "_")
    )
}

fn extension_options_are_named_strings(ctx: &mut Ctx, args: &Arguments) {
    const OPTIONS: [&str; 3] = ["schema", "version", "map"];
    let mut seen: Vec<&str> = Vec::new();
    for arg in &args.items {
        let Some(name) = &arg.name else {
            ctx.push(
                Diagnostic::error("unnamed-extension-option", arg.span, "an extension option needs a name")
                    .label("positional option")
                    .help("name it: `schema: \"...\"`, `version: \"...\"` or `map: \"...\"`"),
            );
            continue;
        };
        if !OPTIONS.contains(&name.name.as_str()) {
            let mut diagnostic = Diagnostic::error(
                "unknown-extension-option",
                name.span,
                format!("extensions have no option `{}`", name.name),
            )
            .label("unknown option");
            diagnostic = match closest(&name.name, OPTIONS) {
                Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`?")),
                None => diagnostic.help("the options are `schema`, `version` and `map`"),
            };
            ctx.push(diagnostic);
            continue;
        }
        if seen.contains(&name.name.as_str()) {
            ctx.push(
                Diagnostic::error(
                    "duplicate-extension-option",
                    arg.span,
                    format!("option `{}` is given twice", name.name),
                )
                .label("given again")
                .help("keep one of them"),
            );
            continue;
        }
        seen.push(&name.name);
        if let Some(value) = &arg.value {
            if value.as_str().is_none() {
                ctx.push(
                    Diagnostic::error(
                        "extension-option-not-a-string",
                        value.span(),
                        format!("extension option `{}` must be a string", name.name),
                    )
                    .label(format!("found {}", describe(value)))
                    .help(format!("quote it: `{}: \"...\"`", name.name)),
                );
            }
        }
    }
}

fn extensions_need_their_preview_feature(ctx: &mut Ctx) {
    let Some(property) = ctx.schema.datasource.and_then(|d| d.property("extensions")) else { return };
    if generator::preview_feature_enabled(ctx, "postgresqlExtensions") {
        return;
    }
    ctx.push(
        Diagnostic::error(
            "extensions-without-preview-feature",
            property.name.span,
            "`extensions` needs the `postgresqlExtensions` preview feature",
        )
        .label("Prisma ignores extensions unless the feature is enabled")
        .help("add `previewFeatures = [\"postgresqlExtensions\"]` to the generator"),
    );
}

fn schemas_are_a_list_of_distinct_names(ctx: &mut Ctx) {
    let Some(property) = ctx.schema.datasource.and_then(|d| d.property("schemas")) else { return };
    if matches!(&property.value, Expr::Array(items, _) if items.is_empty()) {
        ctx.push(
            Diagnostic::error("empty-schemas", property.value.span(), "`schemas` is an empty list")
                .label("no schema")
                .help("list the PostgreSQL schemas the models live in, or remove the line"),
        );
        return;
    }
    let mut seen: Vec<(&str, &Expr)> = Vec::new();
    for item in items(&property.value) {
        let Some(name) = item.as_str() else {
            ctx.push(
                Diagnostic::error("schema-name-not-a-string", item.span(), "a schema name must be a string")
                    .label(format!("found {}", describe(item)))
                    .help("quote it, as in `schemas = [\"public\", \"audit\"]`"),
            );
            continue;
        };
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
            ctx.push(
                Diagnostic::error("duplicate-schema", item.span(), format!("schema `{name}` is listed twice"))
                    .label("listed again")
                    .also(first.span(), "first listed here")
                    .help("remove one of them"),
            );
            continue;
        }
        seen.push((name, item));
    }
}

/// The schemas the datasource lists, when it lists any.
fn listed_schemas<'a>(ctx: &Ctx<'a>) -> Option<(&'a Property, Vec<&'a str>)> {
    let property = ctx.schema.datasource?.property("schemas")?;
    Some((property, items(&property.value).filter_map(Expr::as_str).collect()))
}

fn every_schema_attribute_names_a_listed_schema(ctx: &mut Ctx) {
    let listed = listed_schemas(ctx);
    let names: Vec<&str> = listed.as_ref().map(|(_, names)| names.clone()).unwrap_or_default();
    for block in ctx.blocks() {
        for attribute in block.attributes_named("schema") {
            let Some(Expr::String(value)) = attribute.positional().or_else(|| attribute.named("name")) else {
                continue;
            };
            let name = value.value();
            if names.contains(&name) {
                continue;
            }
            let mut diagnostic = Diagnostic::error(
                "unknown-schema",
                value.span,
                format!("schema `{name}` is not listed in the datasource"),
            )
            .label("not in the datasource's `schemas`");
            diagnostic = match &listed {
                Some((property, _)) => {
                    let diagnostic = diagnostic.also(property.span, "the listed schemas");
                    match closest(name, names.iter().copied()) {
                        Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`?")),
                        None => diagnostic.help(format!("add \"{name}\" to the datasource's `schemas`")),
                    }
                }
                None => diagnostic.help(format!("list it in the datasource: `schemas = [\"{name}\"]`")),
            };
            ctx.push(diagnostic);
        }
    }
}

fn every_block_has_a_schema_when_schemas_are_listed(ctx: &mut Ctx) {
    let Some((property, _)) = listed_schemas(ctx) else { return };
    for block in ctx.blocks() {
        if !matches!(block.kind, BlockKind::Model | BlockKind::View | BlockKind::Enum) {
            continue;
        }
        if block.attributes_named("schema").next().is_some() {
            continue;
        }
        ctx.push(
            Diagnostic::error(
                "missing-schema",
                block.name.span,
                format!("{} `{}` has no `@@schema`", block.kind.keyword(), block.name.name),
            )
            .label("the datasource lists schemas, so every model, view and enum names one")
            .also(property.span, "schemas listed here")
            .help("add `@@schema(\"...\")` with one of the listed schemas"),
        );
    }
}

/// The elements of a list; a single value counts as a list of one, as Prisma reads it.
fn items(expr: &Expr) -> impl Iterator<Item = &Expr> {
    let slice = match expr {
        Expr::Array(items, _) => items.as_slice(),
        other => std::slice::from_ref(other),
    };
    slice.iter()
}

fn is_env(expr: &Expr) -> bool {
    matches!(expr, Expr::Function(name, _) if name.name == "env")
}

/// What kind of value an expression is, for "found ..." labels.
fn describe(expr: &Expr) -> String {
    match expr {
        Expr::String(_) => "a string".to_owned(),
        Expr::Number(n) => format!("the number `{}`", n.name),
        Expr::Constant(c) => format!("the bare word `{}`", c.name),
        Expr::Array(..) => "a list".to_owned(),
        Expr::Object(..) => "an object".to_owned(),
        Expr::Function(name, _) => format!("a call to `{}()`", name.name),
    }
}

#[cfg(test)]
mod tests;
