//! Connection URLs in the datasource, by target Prisma major.
//!
//! Prisma 6 requires `url` and reads `url`, `directUrl` and
//! `shadowDatabaseUrl` as a string literal or `env("NAME")`; the shadow
//! database must differ from the main and the direct one. Prisma 7 moved
//! all three to `prisma.config.ts` and rejects them in the schema. ehrdb
//! adds one rule of its own: a literal URL with a password is an error,
//! whose message shows the URL with the password masked and whose span
//! avoids the line that holds it, so the password never reaches a
//! terminal or a CI log through ehrdb.

use super::{Ctx, describe, is_env};
use crate::ast::{Block, Expr, Property};
use crate::diagnostics::Diagnostic;

const URL_PROPERTIES: [&str; 3] = ["url", "directUrl", "shadowDatabaseUrl"];

pub(super) fn connection_urls_follow_the_prisma_major(ctx: &mut Ctx) {
    let Some(datasource) = ctx.schema.datasource else { return };
    if ctx.prisma_major >= 7 {
        urls_live_in_prisma_config(ctx, datasource);
    } else {
        urls_are_strings_or_env(ctx, datasource);
    }
}

fn urls_live_in_prisma_config(ctx: &mut Ctx, datasource: &Block) {
    for property in datasource.properties().filter(|p| URL_PROPERTIES.contains(&p.name.name.as_str())) {
        let name = &property.name.name;
        let mut diagnostic = Diagnostic::error(
            "url-in-schema",
            property.span,
            format!("`{name}` is not allowed in the schema with Prisma 7"),
        )
        .label("Prisma 7 moved connection URLs to prisma.config.ts");
        diagnostic = if name == "url" {
            diagnostic.help(
                "move it to `datasource.url` in prisma.config.ts (ehrdb reads --database-url or DATABASE_URL), \
                 or set `prisma-version = 6` in ehrdb.toml if the project still runs Prisma 6",
            )
        } else {
            diagnostic.help(format!("move it to `datasource.{name}` in prisma.config.ts"))
        };
        ctx.push(diagnostic);
    }
}

fn urls_are_strings_or_env(ctx: &mut Ctx, datasource: &Block) {
    if datasource.property("url").is_none() {
        ctx.push(
            Diagnostic::error(
                "missing-url",
                datasource.name.span,
                format!("datasource `{}` has no `url`", datasource.name.name),
            )
            .label("Prisma 6 requires a connection URL here")
            .help("add `url = env(\"DATABASE_URL\")`, or set `prisma-version = 7` in ehrdb.toml for Prisma 7"),
        );
    }
    let mut values: Vec<(&Property, Option<UrlSource>)> = Vec::new();
    for name in URL_PROPERTIES {
        let Some(property) = datasource.property(name) else { continue };
        let source = url_source(ctx, property);
        if let Some(UrlSource::Literal(text)) = &source {
            if let Some(redacted) = redact_password(text) {
                password_is_not_written_in_the_schema(ctx, datasource, property, &redacted);
            }
        }
        values.push((property, source));
    }
    shadow_database_is_its_own(ctx, &values);
}

/// Where a URL comes from: `"postgres://..."` or `env("NAME")`.
#[derive(Debug, PartialEq, Eq)]
enum UrlSource {
    Literal(String),
    Env(String),
}

fn url_source(ctx: &mut Ctx, property: &Property) -> Option<UrlSource> {
    match &property.value {
        Expr::String(s) => Some(UrlSource::Literal(s.value().to_owned())),
        value if is_env(value) => env_variable(ctx, value).map(|name| UrlSource::Env(name.to_owned())),
        value => {
            ctx.push(
                Diagnostic::error(
                    "url-not-a-string",
                    value.span(),
                    format!("`{}` must be a string or `env(\"NAME\")`", property.name.name),
                )
                .label(format!("found {}", describe(value)))
                .help(format!("write `{} = env(\"DATABASE_URL\")`", property.name.name)),
            );
            None
        }
    }
}

/// The variable an `env("NAME")` call reads: exactly one string argument,
/// as Prisma requires (the parser reports a trailing comma). A named
/// argument works but is reported, as Prisma does.
pub(super) fn env_variable<'a>(ctx: &mut Ctx, expr: &'a Expr) -> Option<&'a str> {
    let Expr::Function(_, args) = expr else { return None };
    if args.items.len() != 1 {
        let first = args.items.first().and_then(|a| a.value.as_ref()).filter(|v| v.as_str().is_some());
        let example = first.map(|v| ctx.text(v.span())).unwrap_or("\"NAME\"");
        ctx.push(
            Diagnostic::error(
                "invalid-env-call",
                expr.span(),
                "`env()` takes exactly one argument: the variable's name",
            )
            .label(format!("{} arguments", args.items.len()))
            .help(format!("pass only the variable's name: `env({example})`")),
        );
        return None;
    }
    let arg = &args.items[0];
    if let Some(name) = &arg.name {
        ctx.push(
            Diagnostic::warning("env-named-argument", name.span, "`env()` takes no named argument")
                .label("the name is ignored")
                .help(format!("write `env({})`", arg.value.as_ref().map(|v| ctx.text(v.span())).unwrap_or("\"NAME\""))),
        );
    }
    let value = arg.value.as_ref()?;
    match value.as_str() {
        Some(name) => Some(name),
        None => {
            ctx.push(
                Diagnostic::error("invalid-env-call", value.span(), "the argument of `env()` must be a string")
                    .label(format!("found {}", describe(value)))
                    .help("quote the variable's name: `env(\"DATABASE_URL\")`"),
            );
            None
        }
    }
}

/// Reported at the datasource's name, not at the URL, so the rendered
/// snippet never shows the secret; the message names the line.
fn password_is_not_written_in_the_schema(ctx: &mut Ctx, datasource: &Block, property: &Property, redacted: &str) {
    let (line, _) = ctx.schema.fragments.sources.get(property.span.file).line_col(property.span.start as usize);
    ctx.push(
        Diagnostic::error(
            "password-in-url",
            datasource.name.span,
            format!("`{}` on line {line} holds a password: {redacted}", property.name.name),
        )
        .label(format!("its `{}` is a literal URL with a password (not shown)", property.name.name))
        .help(format!(
            "write `{} = env(\"DATABASE_URL\")` and keep the URL in the environment or a git-ignored .env file; \
             then change the password: it is in version control",
            property.name.name
        )),
    );
}

/// Prisma 6 refuses a shadow database that is the main or the direct one:
/// `migrate dev` resets the shadow database, which would wipe real data.
fn shadow_database_is_its_own(ctx: &mut Ctx, values: &[(&Property, Option<UrlSource>)]) {
    let get = |name: &str| values.iter().find(|(p, _)| p.name.name == name);
    let Some((shadow, Some(shadow_source))) = get("shadowDatabaseUrl") else { return };
    if *shadow_source == UrlSource::Literal(String::new()) {
        return;
    }
    for other in ["url", "directUrl"] {
        if let Some((property, Some(source))) = get(other) {
            if source == shadow_source {
                ctx.push(
                    Diagnostic::error(
                        "shadow-database-is-not-separate",
                        shadow.value.span(),
                        format!("`shadowDatabaseUrl` is the same as `{other}`"),
                    )
                    .label("the shadow database is reset by `prisma migrate dev`")
                    .also(property.value.span(), format!("`{other}` set here"))
                    .help("point `shadowDatabaseUrl` at a separate, disposable database"),
                );
            }
        }
    }
}

/// The URL with its secrets masked, or `None` when it holds none (no
/// `user:password@`, no `password=`, `api_key=` or other secret parameter).
pub(crate) fn redact_password(url: &str) -> Option<String> {
    (!crate::secrets::passwords(url).is_empty()).then(|| crate::secrets::redact(url))
}

#[cfg(test)]
mod tests {
    use super::redact_password;

    #[test]
    fn passwords_are_masked_and_nothing_else() {
        assert_eq!(redact_password("postgres://user:secret@host/db").as_deref(), Some("postgres://user:****@host/db"));
        assert_eq!(
            redact_password("postgresql://u:p%40ss@h:5432/d?schema=public").as_deref(),
            Some("postgresql://u:****@h:5432/d?schema=public")
        );
        assert_eq!(
            redact_password("postgresql://u@h/d?sslmode=require&password=hunter2").as_deref(),
            Some("postgresql://u@h/d?sslmode=require&password=****")
        );
        assert_eq!(redact_password("postgresql://u@h/d"), None);
        assert_eq!(redact_password("postgresql://u:@h/d"), None);
        // An `@` after the host may be a password cut short: masked up to it.
        assert_eq!(redact_password("postgresql://h/d?x=a:b@c").as_deref(), Some("postgresql://****@c"));
        assert_eq!(
            redact_password("prisma://accelerate.prisma-data.net/?api_key=k3y").as_deref(),
            Some("prisma://accelerate.prisma-data.net/?api_key=****")
        );
        assert_eq!(redact_password("file:./dev.db"), None);
    }
}
