//! `ehrdb check` with the application area, through the binary, on the
//! two fixture applications in tests/fixtures/application: `before`, a
//! NestJS backend as such reviews find it (no client generation in its
//! dev image and entrypoint, no disconnect, no health check, no
//! validation gates, a URL without sslmode), and `after`, the same
//! backend with each fix applied.

use std::path::Path;

use serde_json::Value;

use crate::check_cli::{check, check_json};
use crate::support::{Project, fixtures};

/// A temporary copy of the fixture application `side`.
fn application(side: &str) -> Project {
    let project = Project::new(&[]);
    copy(&fixtures().join("application").join(side), &project, "");
    project
}

fn copy(from: &Path, project: &Project, to: &str) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let target = if to.is_empty() { name } else { format!("{to}/{name}") };
        if path.is_dir() {
            copy(&path, project, &target);
        } else {
            project.write(&target, &std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// `passed`, `failed P0`, ... of every finding with `id`.
fn verdicts(report: &Value, id: &str) -> Vec<String> {
    let found: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == id)
        .map(|f| match f["severity"].as_str() {
            Some(severity) => format!("failed {severity}"),
            None => f["outcome"].as_str().unwrap().to_owned(),
        })
        .collect();
    assert!(!found.is_empty(), "no finding {id}");
    found
}

fn seen(report: &Value, id: &str) -> Vec<String> {
    let findings = report["findings"].as_array().unwrap();
    findings.iter().filter(|f| f["id"] == id).map(|f| f["seen"].as_str().unwrap().to_owned()).collect()
}

fn application_findings(report: &Value) -> Vec<&Value> {
    report["findings"].as_array().unwrap().iter().filter(|f| f["area"] == "application").collect()
}

#[test]
fn the_backend_as_found_has_the_findings_of_an_assessment() {
    let project = application("before");
    let (code, report) = check_json(&project, &[]);
    assert_eq!(code, 1, "the client-generation findings are P0: {report:#}");
    assert_eq!(report["application"], "backend", "found beside the schema folder's parent");

    assert_eq!(verdicts(&report, "app-client-generated"), ["failed P0", "failed P0", "failed P0"]);
    let generation = seen(&report, "app-client-generated").join("\n");
    for place in [
        "`npm run build` compiles at backend/package.json:6 `nest build`",
        "backend/Dockerfile.dev: stage 1 (line 1) compiles at backend/Dockerfile.dev:8 `npm run build`",
        "backend/Dockerfile.dev:14 `docker-entrypoint.sh` -> backend/docker-entrypoint.sh:8 `npm run build`",
    ] {
        assert!(generation.contains(place), "{place}\n{generation}");
    }
    assert_eq!(verdicts(&report, "app-client-shutdown"), ["failed P1"]);
    assert_eq!(verdicts(&report, "app-health-check"), ["failed P1"]);
    assert_eq!(verdicts(&report, "app-ci-validation"), ["failed P1"]);
    assert_eq!(verdicts(&report, "app-pre-commit-validation"), ["failed P2"]);
    assert_eq!(verdicts(&report, "app-env-example"), ["failed P2"]);
    assert_eq!(
        seen(&report, "app-env-example"),
        ["backend/.env.example:2: DATABASE_URL=\"postgresql://ehr:****@localhost:5432/ehr?schema=public\" has no \
             sslmode, no connection_limit, no pool_timeout"]
    );
    assert_eq!(verdicts(&report, "app-env-test"), ["failed P2"]);
    assert_eq!(verdicts(&report, "app-migration-scripts"), ["failed P2"]);
    assert_eq!(verdicts(&report, "app-slow-query-log"), ["failed P2"]);
    // What the backend does right is reported too.
    assert_eq!(
        seen(&report, "app-client-single-instance"),
        ["one PrismaClient: backend/src/prisma/client.ts:14 (made on first use and kept in `prisma`); middleware \
             ($use) at backend/src/prisma/client.ts:15"]
    );
    assert_eq!(verdicts(&report, "app-client-log-levels"), ["passed"]);
    assert_eq!(verdicts(&report, "app-url-in-code"), ["passed"]);
    assert_eq!(verdicts(&report, "app-env-committed"), ["passed"]);
    assert_eq!(verdicts(&report, "app-migrations-deploy"), ["failed P2"], "migrate dev runs in the dev image only");

    // The same application named with --app.
    let (_, named) = check_json(&project, &["--app", "backend"]);
    assert_eq!(application_findings(&named), application_findings(&report));
}

#[test]
fn the_backend_with_each_fix_passes_every_application_check() {
    let project = application("after");
    let (code, report) = check_json(&project, &["--fail-on", "p2"]);
    let failed: Vec<&Value> = application_findings(&report).into_iter().filter(|f| f["outcome"] != "passed").collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(report["application"], "backend", "named by `app` in ehrdb.toml");
    assert_eq!(application_findings(&report).len(), 18, "four places build, each judged");
    assert_eq!(code, 1, "generator-output (P2, configuration) still fails: {report:#}");
    assert_eq!(verdicts(&report, "app-client-generated"), ["passed"; 4]);
    assert!(seen(&report, "app-ci-validation")[0].contains(".github/workflows/ci.yml:20 `npm run schema:check` ->"));
    assert!(
        seen(&report, "app-pre-commit-validation")[0].contains(".pre-commit-config.yaml:5 hook `ehrdb-merge-check`")
    );
    assert!(seen(&report, "app-migrations-deploy")[0].contains("backend/Dockerfile:17"));
}

#[test]
fn the_markdown_assessment_of_the_backend() {
    let project = application("before");
    let (code, stdout, _) = check(&project, &["--format", "markdown"]);
    assert_eq!(code, 1);
    let lines: Vec<&str> =
        stdout.lines().map(|line| if line.starts_with("| Date | ") { "| Date | [date] |" } else { line }).collect();
    insta::assert_snapshot!("check_markdown_application", lines.join("\n"));
}

#[test]
fn a_committed_env_file_is_p0_and_its_password_is_never_shown() {
    let project = application("after");
    let password = "Xk9mQ2vLp7Rt";
    project.write("backend/.env", &format!("DATABASE_URL=\"postgresql://ehr:{password}@db.internal:5432/ehr\"\n"));
    let git = |args: &[&str]| {
        let output = std::process::Command::new("git").current_dir(project.dir.path()).args(args).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "backend/.env"]);
    let (code, report) = check_json(&project, &[]);
    assert_eq!(code, 1);
    assert_eq!(verdicts(&report, "app-env-committed"), ["failed P0"]);
    assert_eq!(
        seen(&report, "app-env-committed"),
        ["backend/.env holds a password in DATABASE_URL (line 1), and git tracks it"]
    );
    for format in ["human", "json", "markdown"] {
        let (_, stdout, stderr) = check(&project, &["--format", format]);
        assert!(!stdout.contains(password) && !stderr.contains(password), "{format}");
    }
}

#[test]
fn an_application_folder_that_does_not_exist_is_exit_2() {
    let project = application("before");
    let (code, _, stderr) = check(&project, &["--app", "frontend"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("application folder frontend: no such folder"), "{stderr}");
}
