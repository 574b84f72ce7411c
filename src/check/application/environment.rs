//! Findings on the application's env files: an example that documents a
//! production-shaped DATABASE_URL without a real password, a test
//! database apart from the development one, and no committed env file
//! holding a password.
//!
//! URLs are shown only through [`crate::db::redact`], secrets only by
//! variable name and line. Whether a password is a placeholder, and
//! whether two URLs name the same database (host, port, database and
//! schema as written), are heuristics the findings' why states.

use super::app;
use super::envfiles::{EnvFile, Kind, Tracked, database_of, placeholder, url_passwords};
use crate::check::{Area, Finding, Inputs, Priority, Spec, url_parameter};

const EXAMPLE: Spec = Spec {
    id: "app-env-example",
    area: Area::Application,
    why: "New environments are set up from .env.example. When its DATABASE_URL lacks sslmode and the pool \
          parameters, every copy of it connects without TLS and with Prisma's default pool; a real password in \
          it is in every clone of the repository. Whether a password is a placeholder is judged by a heuristic \
          (words such as password, changeme, postgres; ${VAR}; <...>).",
    fix: "Document DATABASE_URL as postgresql://USER:PASSWORD@HOST:5432/DB?schema=public&sslmode=require&\
          connection_limit=10&pool_timeout=10 in .env.example, with a placeholder password.",
};

const TEST_DB: Spec = Spec {
    id: "app-env-test",
    area: Area::Application,
    why: "Integration tests reset and seed their database. Pointed at the development database, a test run \
          wipes a developer's data, and tests that pass against it may depend on it. Databases are compared by \
          host, port, database and schema as written (a heuristic).",
    fix: "Add .env.test with a DATABASE_URL of its own (ehr_test) and load it in the test runner (dotenv -e \
          .env.test, or jest's setupFiles).",
};

const COMMITTED: Spec = Spec {
    id: "app-env-committed",
    area: Area::Application,
    why: "An env file in git puts its passwords in every clone, fork and CI cache, for as long as the history \
          exists; rotating the password is then the only fix. ehrdb asks git whether the file is tracked or \
          ignored, and never shows a value.",
    fix: "Remove the file from git (git rm --cached), add it to .gitignore, rotate every password it held, and \
          keep only .env.example in the repository.",
};

/// The first DATABASE_URL among `files` of `kind`, with its file and line.
fn url_of<'f>(files: &'f [EnvFile], kinds: &[Kind]) -> Option<(&'f EnvFile, &'f str, usize)> {
    files
        .iter()
        .filter(|f| kinds.contains(&f.kind))
        .find_map(|f| f.get("DATABASE_URL").map(|(value, line)| (f, value, line)))
}

pub(crate) fn the_env_example_documents_the_url(inputs: &Inputs) -> Vec<Finding> {
    let app = match app(inputs, &EXAMPLE) {
        Ok(app) => app,
        Err(skipped) => return skipped,
    };
    let examples: Vec<&EnvFile> = app.env_files.iter().filter(|f| f.kind == Kind::Example).collect();
    let Some((file, url, line)) = url_of(&app.env_files, &[Kind::Example]) else {
        let seen = match examples.first() {
            Some(example) => format!("{} does not document DATABASE_URL", example.path),
            None => format!("no .env.example (or .env.sample, .env.template) in {}", app.dir),
        };
        return vec![EXAMPLE.failed(Priority::P2, seen)];
    };
    let mut missing = Vec::new();
    match url_parameter(url, "sslmode").as_deref() {
        None => missing.push("no sslmode".to_owned()),
        Some(mode @ ("disable" | "allow" | "prefer")) => missing.push(format!("sslmode={mode}")),
        Some(_) => {}
    }
    for parameter in ["connection_limit", "pool_timeout"] {
        if url_parameter(url, parameter).is_none() {
            missing.push(format!("no {parameter}"));
        }
    }
    let real = url_passwords(url).iter().all(|p| !placeholder(p)) && !url_passwords(url).is_empty();
    let shown = format!("{}:{line}: DATABASE_URL=\"{}\"", file.path, crate::secrets::redact(url));
    let finding = match (real, missing.is_empty()) {
        (true, _) => EXAMPLE.failed(
            Priority::P1,
            format!("{shown} holds what looks like a real password (not shown){}", with(&missing)),
        ),
        (false, false) => EXAMPLE.failed(Priority::P2, format!("{shown} has {}", missing.join(", "))),
        (false, true) => EXAMPLE.passed(format!("{shown}: TLS required, pool set, placeholder password")),
    };
    vec![finding]
}

fn with(missing: &[String]) -> String {
    if missing.is_empty() { String::new() } else { format!(", and has {}", missing.join(", ")) }
}

pub(crate) fn tests_have_their_own_database(inputs: &Inputs) -> Vec<Finding> {
    let app = match app(inputs, &TEST_DB) {
        Ok(app) => app,
        Err(skipped) => return skipped,
    };
    let Some((test, url, line)) = url_of(&app.env_files, &[Kind::Test]) else {
        let seen = match app.env_files.iter().find(|f| f.kind == Kind::Test) {
            Some(file) => format!("{} has no DATABASE_URL", file.path),
            None => format!("no .env.test in {}: tests use whatever DATABASE_URL development uses", app.dir),
        };
        return vec![TEST_DB.failed(Priority::P2, seen)];
    };
    let test_db = database_of(url).unwrap_or_else(|| "a value that is not a URL".into());
    let development = url_of(&app.env_files, &[Kind::Real]).or_else(|| url_of(&app.env_files, &[Kind::Example]));
    let finding = match development {
        Some((dev, dev_url, dev_line)) if database_of(dev_url).as_deref() == Some(test_db.as_str()) => TEST_DB.failed(
            Priority::P2,
            format!("{}:{line} points at {test_db}, the database of {}:{dev_line}", test.path, dev.path),
        ),
        Some((dev, dev_url, dev_line)) => TEST_DB.passed(format!(
            "{}:{line} points at {test_db}; development uses {} ({}:{dev_line})",
            test.path,
            database_of(dev_url).unwrap_or_default(),
            dev.path
        )),
        None => TEST_DB.passed(format!("{}:{line} points at {test_db}; no development URL to compare", test.path)),
    };
    vec![finding]
}

pub(crate) fn no_committed_env_file_holds_a_password(inputs: &Inputs) -> Vec<Finding> {
    let app = match app(inputs, &COMMITTED) {
        Ok(app) => app,
        Err(skipped) => return skipped,
    };
    let mut findings = Vec::new();
    let mut safe = Vec::new();
    for file in app.env_files.iter().filter(|f| f.kind != Kind::Example) {
        let secrets = file.secrets(file.kind == Kind::Test);
        if secrets.is_empty() {
            continue;
        }
        let names: Vec<String> = secrets.iter().map(|(name, line)| format!("{name} (line {line})")).collect();
        let holds = format!("{} holds a password in {}", file.path, names.join(", "));
        match &file.tracked {
            Tracked::Committed => findings.push(COMMITTED.failed(Priority::P0, format!("{holds}, and git tracks it"))),
            Tracked::NotIgnored => findings.push(
                COMMITTED.failed(Priority::P1, format!("{holds}, and git does not ignore it: `git add .` commits it")),
            ),
            Tracked::Ignored => safe.push(file.path.clone()),
            Tracked::Unknown(reason) => findings.push(COMMITTED.inconclusive(reason.clone(), holds)),
        }
    }
    if findings.is_empty() {
        findings.push(COMMITTED.passed(match safe.as_slice() {
            [] => "no env file holds a password".to_owned(),
            files => format!("{} hold passwords and git ignores them", files.join(", ")),
        }));
    }
    findings
}
