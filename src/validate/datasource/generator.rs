//! Generator blocks: a provider, string settings, and preview features that
//! the target Prisma major knows. Other settings are the generator's own
//! business: Prisma passes them through unchecked, and so does ehrdb.

use super::features::{self, Status};
use super::url::env_variable;
use super::{Ctx, describe, is_env, items};
use crate::ast::{Block, Expr};
use crate::diagnostics::Diagnostic;

pub(super) fn every_generator_has_a_provider(ctx: &mut Ctx) {
    for generator in ctx.schema.generators.clone() {
        match generator.property("provider") {
            Some(provider) => string_or_env(ctx, &provider.value, "provider", "\"prisma-client-js\""),
            None => ctx.push(
                Diagnostic::error(
                    "missing-generator-provider",
                    generator.name.span,
                    format!("generator `{}` has no `provider`", generator.name.name),
                )
                .label("Prisma needs to know what to generate")
                .help("add `provider = \"prisma-client-js\"` (or the generator you use)"),
            ),
        }
    }
}

/// `output` and each of `binaryTargets` are strings or `env("NAME")`;
/// `engineType` is a string.
pub(super) fn generator_settings_are_strings(ctx: &mut Ctx) {
    for generator in ctx.schema.generators.clone() {
        if let Some(output) = generator.property("output") {
            string_or_env(ctx, &output.value, "output", "\"../generated/client\"");
        }
        if let Some(targets) = generator.property("binaryTargets") {
            for target in items(&targets.value) {
                string_or_env(ctx, target, "binaryTargets", "[\"native\", \"debian-openssl-3.0.x\"]");
            }
        }
        if let Some(engine) = generator.property("engineType") {
            if engine.value.as_str().is_none() {
                ctx.push(
                    Diagnostic::error("setting-not-a-string", engine.value.span(), "`engineType` must be a string")
                        .label(format!("found {}", describe(&engine.value)))
                        .help("write `engineType = \"library\"` or `engineType = \"client\"`"),
                );
            }
        }
    }
}

fn string_or_env(ctx: &mut Ctx, value: &Expr, setting: &str, example: &str) {
    if value.as_str().is_some() {
        return;
    }
    if is_env(value) {
        env_variable(ctx, value);
        return;
    }
    ctx.push(
        Diagnostic::error(
            "setting-not-a-string",
            value.span(),
            format!("`{setting}` takes strings or `env(\"NAME\")`"),
        )
        .label(format!("found {}", describe(value)))
        .help(format!("write `{setting} = {example}`")),
    );
}

pub(super) fn preview_features_are_known(ctx: &mut Ctx) {
    let major = ctx.prisma_major;
    for generator in ctx.schema.generators.clone() {
        let Some(property) = generator.property("previewFeatures") else { continue };
        for item in items(&property.value) {
            let Some(name) = item.as_str() else {
                ctx.push(
                    Diagnostic::error("preview-feature-not-a-string", item.span(), "a preview feature is a string")
                        .label(format!("found {}", describe(item)))
                        .help("quote it, as in `previewFeatures = [\"views\"]`; `env()` is not read here"),
                );
                continue;
            };
            let span = item.span();
            let diagnostic = match features::status(name, major) {
                Status::Preview => continue,
                Status::Stable => Diagnostic::warning(
                    "stable-preview-feature",
                    span,
                    format!("preview feature `{name}` is no longer needed"),
                )
                .label(format!("no longer a preview feature in Prisma {major}"))
                .help("remove it from `previewFeatures`"),
                Status::Retiring => Diagnostic::warning(
                    "stable-preview-feature",
                    span,
                    format!("preview feature `{name}` is deprecated and will be removed"),
                )
                .label(format!("Prisma {major} still reads it; the next major does not"))
                .help("remove it from `previewFeatures`"),
                Status::Renamed(to) => Diagnostic::warning(
                    "renamed-preview-feature",
                    span,
                    format!("preview feature `{name}` was renamed"),
                )
                .label(format!("`{to}` on PostgreSQL"))
                .help(format!("write `{to}` instead")),
                Status::Unknown => unknown_feature(name, span, major),
            };
            ctx.push(diagnostic);
        }
    }
}

fn unknown_feature(name: &str, span: crate::diagnostics::Span, major: u8) -> Diagnostic {
    let diagnostic = Diagnostic::error("unknown-preview-feature", span, format!("unknown preview feature `{name}`"))
        .label(format!("not a preview feature of Prisma {major}"));
    let other = if major >= 7 { 6 } else { 7 };
    if matches!(features::status(name, other), Status::Preview | Status::Retiring) {
        return diagnostic.help(format!("`{name}` is a preview feature of Prisma {other}, not of Prisma {major}"));
    }
    match super::closest(name, features::in_preview(major).iter().copied()) {
        Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`?")),
        None => diagnostic.help(format!(
            "the preview features of Prisma {major} are {}",
            features::in_preview(major).iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Whether any generator enables the feature (Prisma takes the union).
pub(crate) fn preview_feature_enabled(ctx: &Ctx, feature: &str) -> bool {
    ctx.schema.generators.iter().any(|g: &&Block| {
        g.property("previewFeatures")
            .is_some_and(|p| items(&p.value).filter_map(Expr::as_str).any(|f| f.eq_ignore_ascii_case(feature)))
    })
}
