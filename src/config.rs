//! `ehrdb.toml`: where the schema, its merged output and the migrations live,
//! which Prisma major the schema targets, and what `ehrdb check` should
//! know about the deployment (instances, binary target, the application's
//! folder).
//!
//! Takes the optional file and the command-line overrides, returns a
//! [`Config`] with every path resolved. Unknown keys are errors that name
//! the key, so a typo never silently falls back to a default.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use serde::Deserialize;

pub const FILE_NAME: &str = "ehrdb.toml";

/// The file as written; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    schema: Option<PathBuf>,
    output: Option<PathBuf>,
    migrations: Option<PathBuf>,
    prisma_version: Option<u8>,
    instances: Option<u32>,
    binary_target: Option<String>,
    app: Option<PathBuf>,
    replicas: Option<Vec<String>>,
    targets: Option<std::collections::BTreeMap<String, String>>,
    ddl_lock_timeout: Option<u64>,
    ddl_retries: Option<u32>,
    migration_style: Option<crate::cli::MigrationStyle>,
    lints: Option<crate::levels::Table>,
    check: Option<CheckTable>,
    split: Option<std::collections::BTreeMap<String, Vec<String>>>,
}

/// `[check]`: what `ehrdb check` takes from the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckTable {
    /// Finding id = the reason the team accepts it.
    ignore: Option<crate::levels::Table>,
}

/// Settings after the file and the flags are combined.
#[derive(Debug, Clone)]
pub struct Config {
    /// The folder of fragments.
    pub schema_dir: PathBuf,
    /// The merged `schema.prisma`.
    pub output: PathBuf,
    pub migrations_dir: PathBuf,
    /// 6 or 7; `None` means "decide from the datasource" (6 when it has a
    /// url, 7 otherwise).
    pub prisma_version: Option<u8>,
    /// How many application instances share the database (`ehrdb check`'s
    /// connection budget).
    pub instances: Option<u32>,
    /// The Prisma binary target of the deployment (`ehrdb check`).
    pub binary_target: Option<String>,
    /// The application's folder (`ehrdb check`'s application area).
    pub app: Option<PathBuf>,
    /// Environment variables that hold the URLs of the primary's streaming
    /// replicas (`ehrdb check`, `ehrdb apply --wait-for-replicas`).
    pub replicas: Vec<String>,
    /// The databases of a fleet: a name for each, and the environment
    /// variable that holds its URL, in name order.
    pub targets: Vec<(String, String)>,
    /// Milliseconds DDL may wait for a table lock (apply, rollback).
    pub ddl_lock_timeout: Option<u64>,
    /// How many times DDL that timed out is tried again.
    pub ddl_retries: Option<u32>,
    /// The path new migrations' SQL takes (migrate, diff --sql).
    pub migration_style: crate::cli::MigrationStyle,
    /// `[lints]`: the level of each lint code it names.
    pub levels: crate::levels::Levels,
    /// `[check.ignore]`: findings the team accepts, with the reason.
    pub check_ignore: Vec<crate::levels::IgnoredCheck>,
    /// `[split]`: fragment name -> the models `ehrdb split` puts in it.
    pub split: Vec<(String, Vec<String>)>,
}

/// What the command line says about paths; each overrides the file.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub schema: Option<PathBuf>,
    pub output: Option<PathBuf>,
    pub migrations: Option<PathBuf>,
}

impl Config {
    /// Reads `--config`, else `./ehrdb.toml` if it exists, and applies the
    /// overrides. Paths in the file are relative to the file's folder.
    pub fn load(overrides: &Overrides) -> Result<Config> {
        let ((mut file, text), base) = match &overrides.config {
            Some(path) => (read(path)?, path.parent().map(Path::to_path_buf).unwrap_or_default()),
            None if Path::new(FILE_NAME).exists() => (read(Path::new(FILE_NAME))?, PathBuf::new()),
            None => ((ConfigFile::default(), String::new()), PathBuf::new()),
        };
        let levels =
            crate::levels::Levels::from_table(&config_name(overrides), &text, file.lints.take().unwrap_or_default())?;
        let check_ignore = crate::levels::ignored_checks(
            &config_name(overrides),
            &text,
            file.check.take().and_then(|c| c.ignore).unwrap_or_default(),
        )?;
        if let Some(version) = file.prisma_version {
            if version != 6 && version != 7 {
                bail!("{}: prisma-version must be 6 or 7, not {version}", config_name(overrides));
            }
        }
        if let Some(instances) = file.instances.filter(|n| !(1..=crate::cli::MAX_INSTANCES).contains(n)) {
            bail!(
                "{}: instances must be from 1 to {}, not {instances}",
                config_name(overrides),
                crate::cli::MAX_INSTANCES
            );
        }
        if file.ddl_lock_timeout.is_some_and(|ms| ms > 600_000) {
            bail!("{}: ddl-lock-timeout is in milliseconds, at most 600000 (ten minutes)", config_name(overrides));
        }
        if file.ddl_retries.is_some_and(|n| n > 1000) {
            bail!("{}: ddl-retries must be at most 1000", config_name(overrides));
        }
        let from_file = |p: &Option<PathBuf>| p.as_ref().map(|p| join(&base, p));

        let schema_dir =
            overrides.schema.clone().or_else(|| from_file(&file.schema)).unwrap_or_else(|| base.join("schema"));
        let output = overrides
            .output
            .clone()
            .or_else(|| from_file(&file.output))
            .unwrap_or_else(|| beside(&schema_dir, "schema.prisma"));
        let migrations_dir = overrides
            .migrations
            .clone()
            .or_else(|| from_file(&file.migrations))
            .unwrap_or_else(|| beside(&schema_dir, "migrations"));
        Ok(Config {
            schema_dir,
            output,
            migrations_dir,
            prisma_version: file.prisma_version,
            instances: file.instances,
            binary_target: file.binary_target,
            app: from_file(&file.app),
            replicas: file.replicas.unwrap_or_default(),
            targets: file.targets.unwrap_or_default().into_iter().collect(),
            ddl_lock_timeout: file.ddl_lock_timeout,
            ddl_retries: file.ddl_retries,
            migration_style: file.migration_style.unwrap_or(crate::cli::MigrationStyle::Safe),
            levels,
            check_ignore,
            split: file.split.unwrap_or_default().into_iter().collect(),
        })
    }
}

fn config_name(overrides: &Overrides) -> String {
    overrides.config.as_ref().map_or_else(|| FILE_NAME.to_owned(), |p| p.display().to_string())
}

/// The file, and its text for placing errors found later.
fn read(path: &Path) -> Result<(ConfigFile, String)> {
    let text = crate::input::read_text(path)?;
    let file = toml::from_str(&text)
        .map_err(|error| anyhow::anyhow!("{}: {}", path.display(), error.to_string().trim_end()))?;
    Ok((file, text))
}

fn join(base: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() || base.as_os_str().is_empty() { path.to_path_buf() } else { base.join(path) }
}

/// `name` in the folder that holds `dir` (`schema/` -> `schema.prisma`).
fn beside(dir: &Path, name: &str) -> PathBuf {
    match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join(name),
        _ => PathBuf::from(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_key_is_named() {
        let error = toml::from_str::<ConfigFile>("schema = \"s\"\nshema-dir = \"x\"\n").unwrap_err();
        assert!(error.to_string().contains("shema-dir"), "{error}");
    }

    #[test]
    fn outputs_default_to_beside_the_schema_folder() {
        assert_eq!(beside(Path::new("schema"), "schema.prisma"), PathBuf::from("schema.prisma"));
        assert_eq!(beside(Path::new("db/schema"), "migrations"), PathBuf::from("db/migrations"));
    }
}
