//! Each application finding's passing and failing cases, on small
//! applications written to a temporary folder and read as the command
//! reads them.

use std::path::Path;
use std::process::Command as Process;

use super::read;
use crate::check::{Env, Finding, Inputs, run};
use crate::fragments::Fragments;

const SCHEMA: &str = "generator client {\n  provider = \"prisma-client-js\"\n}\n\ndatasource db {\n  provider = \"postgresql\"\n  url      = env(\"DATABASE_URL\")\n}\n\nmodel Patient {\n  id  Int    @id\n  mrn String @unique\n}\n";

const PACKAGE: &str = r#"{ "scripts": { "build": "nest build" } }"#;

/// An application of `files` (path, text) with a schema whose generator
/// has `generator`'s body: every finding of the application area.
struct Audit {
    dir: tempfile::TempDir,
}

impl Audit {
    fn new(files: &[(&str, &str)]) -> Audit {
        let audit = Audit { dir: tempfile::tempdir().unwrap() };
        for (path, text) in files {
            audit.write(path, text);
        }
        audit
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn findings_with(&self, schema: &str) -> Vec<Finding> {
        let fragments = Fragments::from_texts(vec![(
            "prisma/schema/a.prisma".to_owned(),
            self.dir.path().join("prisma/schema/a.prisma"),
            schema.to_owned(),
        )]);
        let mut inputs = Inputs::new(&fragments, None);
        inputs.merged_path = self.dir.path().join("prisma/schema.prisma");
        inputs.application = Ok(Box::new(read(self.dir.path()).unwrap()));
        run(&inputs, Env::Production).into_iter().filter(|f| f.id.starts_with("app-")).collect()
    }

    fn findings(&self) -> Vec<Finding> {
        self.findings_with(SCHEMA)
    }

    /// `passed`, `failed P1`, ... of each finding with `id`, and its seen.
    fn verdicts(&self, id: &str) -> Vec<(String, String)> {
        let found: Vec<(String, String)> = self
            .findings()
            .into_iter()
            .filter(|f| f.id == id)
            .map(|f| {
                let verdict = match f.outcome.severity() {
                    Some(severity) => format!("failed {}", severity.as_str()),
                    None => f.outcome.as_str().to_owned(),
                };
                (verdict, f.seen)
            })
            .collect();
        assert!(!found.is_empty(), "no {id}");
        found
    }

    fn verdict(&self, id: &str) -> String {
        let found = self.verdicts(id);
        assert_eq!(found.len(), 1, "{found:?}");
        found[0].0.clone()
    }

    fn seen(&self, id: &str) -> String {
        self.verdicts(id).into_iter().map(|(_, seen)| seen).collect::<Vec<_>>().join("\n")
    }

    fn git(&self, args: &[&str]) {
        let status = Process::new("git").arg("-C").arg(self.dir.path()).args(args).output().unwrap();
        assert!(status.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&status.stderr));
    }
}

fn verdicts(audit: &Audit, id: &str) -> Vec<String> {
    audit.verdicts(id).into_iter().map(|(verdict, _)| verdict).collect()
}

#[test]
fn without_an_application_every_finding_is_skipped() {
    let fragments = Fragments::from_texts(vec![("a.prisma".into(), Path::new("a.prisma").into(), SCHEMA.into())]);
    let inputs = Inputs::new(&fragments, None);
    let findings: Vec<Finding> =
        run(&inputs, Env::Production).into_iter().filter(|f| f.id.starts_with("app-")).collect();
    assert_eq!(findings.len(), 15);
    assert!(findings.iter().all(|f| f.outcome.reason() == Some(crate::check::NO_APPLICATION)), "{findings:?}");
}

#[test]
fn client_generation_in_package_scripts() {
    let missing = Audit::new(&[("package.json", PACKAGE)]);
    assert_eq!(missing.verdict("app-client-generated"), "failed P0");
    assert!(missing.seen("app-client-generated").contains("package.json:1 `nest build`"));

    let prebuild =
        Audit::new(&[("package.json", r#"{ "scripts": { "prebuild": "prisma generate", "build": "nest build" } }"#)]);
    assert_eq!(prebuild.verdict("app-client-generated"), "passed");

    let postinstall =
        Audit::new(&[("package.json", r#"{ "scripts": { "postinstall": "npx prisma generate", "build": "tsc" } }"#)]);
    assert_eq!(postinstall.verdict("app-client-generated"), "passed");
    assert!(postinstall.seen("app-client-generated").starts_with("every install generates"));

    let nothing = Audit::new(&[("package.json", r#"{ "scripts": { "start": "node main.js" } }"#)]);
    assert_eq!(nothing.verdict("app-client-generated"), "skipped");
}

#[test]
fn client_generation_in_dockerfiles_and_entrypoints() {
    let generates = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npx prisma generate && npm run build\n";
    let audit = Audit::new(&[
        ("package.json", r#"{ "scripts": { "prebuild": "prisma generate", "build": "nest build" } }"#),
        ("Dockerfile", generates),
    ]);
    assert_eq!(verdicts(&audit, "app-client-generated"), ["passed", "passed"]);

    let builds = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\n";
    let audit = Audit::new(&[("package.json", PACKAGE), ("Dockerfile", builds)]);
    assert_eq!(verdicts(&audit, "app-client-generated"), ["failed P0", "failed P0"]);
    assert!(
        audit.seen("app-client-generated").contains("Dockerfile:5 `npm run build` -> "),
        "{}",
        audit.seen("app-client-generated")
    );

    // postinstall runs at `npm ci`, before the schema is copied: it finds no schema.
    let early = "FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n";
    let package = r#"{ "scripts": { "postinstall": "prisma generate", "build": "nest build" } }"#;
    let audit = Audit::new(&[("package.json", package), ("Dockerfile", early)]);
    assert_eq!(verdicts(&audit, "app-client-generated"), ["passed", "failed P0"]);
    assert!(audit.seen("app-client-generated").contains("before the schema is copied"));

    let entrypoint = "#!/bin/sh\nset -e\nnpm run build\nexec node dist/main.js\n";
    let audit = Audit::new(&[("docker-entrypoint.sh", entrypoint)]);
    assert_eq!(audit.verdict("app-client-generated"), "failed P0");
    let fixed = "#!/bin/sh\nnpx prisma generate\nnpm run build\n";
    let audit = Audit::new(&[("docker-entrypoint.sh", fixed)]);
    assert_eq!(audit.verdict("app-client-generated"), "passed");
}

#[test]
fn the_final_stage_carries_the_client() {
    let image = |copies: &str| {
        format!(
            "FROM node:20 AS build\nWORKDIR /app\nCOPY . .\nRUN npx prisma generate && npx tsc\n\nFROM node:20-slim\nWORKDIR /app\nCOPY --from=build /app/dist ./dist\n{copies}CMD [\"node\", \"dist/main.js\"]\n"
        )
    };
    let without = Audit::new(&[("Dockerfile", &image(""))]);
    assert_eq!(without.verdict("app-client-copied"), "failed P1");
    assert!(
        without
            .seen("app-client-copied")
            .contains("copies /app/dist from the build stage, not the generated client at node_modules/.prisma/client")
    );

    let with = Audit::new(&[("Dockerfile", &image("COPY --from=build /app/node_modules ./node_modules\n"))]);
    assert_eq!(with.verdict("app-client-copied"), "passed");

    let custom = SCHEMA.replace(
        "provider = \"prisma-client-js\"",
        "provider = \"prisma-client-js\"\n  output   = \"../generated/prisma\"",
    );
    let generated = Audit::new(&[("Dockerfile", &image("COPY --from=build /app/generated ./generated\n"))]);
    let findings = generated.findings_with(&custom);
    let copied = findings.iter().find(|f| f.id == "app-client-copied").unwrap();
    assert!(copied.outcome.severity().is_none(), "{copied:?}");
    assert!(copied.seen.contains("generated/prisma"), "{copied:?}");

    let single = Audit::new(&[("Dockerfile", "FROM node:20\nCOPY . .\nRUN npx prisma generate && npx tsc\n")]);
    assert_eq!(single.verdict("app-client-copied"), "skipped");
}

#[test]
fn migrations_in_deployment() {
    let deploy = "FROM node:20\nCOPY . .\nCMD [\"sh\", \"-c\", \"npx prisma migrate deploy && node dist/main\"]\n";
    let audit = Audit::new(&[("Dockerfile", deploy)]);
    assert_eq!(audit.verdict("app-migrations-deploy"), "passed");

    let push = r#"{ "scripts": { "start:prod": "prisma db push --accept-data-loss && node dist/main" } }"#;
    let audit = Audit::new(&[("package.json", push)]);
    assert_eq!(audit.verdict("app-migrations-deploy"), "failed P0");
    assert!(audit.seen("app-migrations-deploy").contains("`prisma db push --accept-data-loss`"));

    let ehrdb = "services:\n  migrate:\n    image: ehrdb\n    command: ehrdb apply\n";
    assert_eq!(Audit::new(&[("docker-compose.yml", ehrdb)]).verdict("app-migrations-deploy"), "passed");

    // A development image may run `migrate dev`; nothing else deploys.
    let dev = "FROM node:20\nCMD [\"npx\", \"prisma\", \"migrate\", \"dev\"]\n";
    let audit = Audit::new(&[("Dockerfile.dev", dev)]);
    assert_eq!(audit.verdict("app-migrations-deploy"), "failed P2");

    let scripts = r#"{ "scripts": { "db:deploy": "prisma migrate deploy", "db:status": "ehrdb status" } }"#;
    assert_eq!(Audit::new(&[("package.json", scripts)]).verdict("app-migration-scripts"), "passed");
    let audit = Audit::new(&[("package.json", r#"{ "scripts": { "db:deploy": "ehrdb apply" } }"#)]);
    assert_eq!(audit.verdict("app-migration-scripts"), "failed P2");
    assert!(audit.seen("app-migration-scripts").contains("no script shows their status"));
}

const SERVICE: &str = "@Injectable()\nexport class PrismaService extends PrismaClient implements OnModuleDestroy {\n  async onModuleDestroy() {\n    await this.$disconnect();\n  }\n}\n";

#[test]
fn one_client_per_process() {
    let audit = Audit::new(&[("src/prisma.service.ts", SERVICE)]);
    assert_eq!(audit.verdict("app-client-single-instance"), "passed");

    let two = Audit::new(&[
        ("src/prisma.service.ts", SERVICE),
        ("src/reports/db.ts", "export const reportsDb = new PrismaClient();\n"),
        ("prisma/seed.ts", "const prisma = new PrismaClient();\n"),
        ("src/prisma.service.spec.ts", "const client = new PrismaClient();\n"),
    ]);
    assert_eq!(two.verdict("app-client-single-instance"), "failed P1");
    assert!(
        two.seen("app-client-single-instance").starts_with("2 places make a PrismaClient"),
        "seeds and tests do not count"
    );

    let per_call = Audit::new(&[("src/db.ts", "export function db() {\n  return new PrismaClient();\n}\n")]);
    assert_eq!(per_call.verdict("app-client-single-instance"), "failed P1");

    let none = Audit::new(&[("src/main.ts", "console.log('no prisma');\n")]);
    assert_eq!(none.verdict("app-client-single-instance"), "skipped");
}

#[test]
fn disconnect_on_shutdown() {
    let main = "const app = await NestFactory.create(AppModule);\napp.enableShutdownHooks();\n";
    let nest = Audit::new(&[("src/prisma.service.ts", SERVICE), ("src/main.ts", main)]);
    assert_eq!(nest.verdict("app-client-shutdown"), "passed");

    let no_hooks = Audit::new(&[("src/prisma.service.ts", SERVICE)]);
    assert_eq!(no_hooks.verdict("app-client-shutdown"), "failed P1");
    assert!(no_hooks.seen("app-client-shutdown").contains("nothing calls app.enableShutdownHooks()"));

    let signal = "export const prisma = new PrismaClient();\nprocess.on('SIGTERM', async () => {\n  await prisma.$disconnect();\n});\n";
    assert_eq!(Audit::new(&[("src/db.ts", signal)]).verdict("app-client-shutdown"), "passed");

    let sigint = signal.replace("SIGTERM", "SIGINT");
    let audit = Audit::new(&[("src/db.ts", &sigint)]);
    assert_eq!(audit.verdict("app-client-shutdown"), "failed P1");
    assert!(audit.seen("app-client-shutdown").contains("on SIGINT only"));

    let none = Audit::new(&[("src/db.ts", "export const prisma = new PrismaClient();\n")]);
    assert_eq!(none.verdict("app-client-shutdown"), "failed P1");
}

#[test]
fn health_logs_and_slow_queries() {
    let client = "export const prisma = new PrismaClient({ log: ['query', 'info'] });\n";
    let audit = Audit::new(&[("src/db.ts", client)]);
    assert_eq!(audit.verdict("app-health-check"), "failed P1");
    assert_eq!(audit.verdict("app-client-log-levels"), "failed P2");
    assert!(audit.seen("app-client-log-levels").contains("every statement, with its parameters"));
    assert_eq!(audit.verdict("app-slow-query-log"), "failed P2");

    let health =
        "export class HealthController {\n  ping() {\n    return prisma.$queryRawUnsafe('SELECT 1');\n  }\n}\n";
    let chosen = "export const prisma = new PrismaClient({ log: isProduction ? ['error'] : ['query'] });\nprisma.$on('query', (e) => {\n  if (e.duration > 300) console.warn(e.query);\n});\n";
    let audit = Audit::new(&[("src/db.ts", chosen), ("src/health/health.controller.ts", health)]);
    assert_eq!(audit.verdict("app-health-check"), "passed");
    assert_eq!(audit.verdict("app-client-log-levels"), "passed");
    assert_eq!(audit.verdict("app-slow-query-log"), "passed");

    let absent = Audit::new(&[("src/db.ts", "export const prisma = new PrismaClient();\n")]);
    assert!(absent.seen("app-client-log-levels").contains("no log option"));
}

#[test]
fn urls_written_in_code() {
    let literal =
        "export const prisma = new PrismaClient({ datasources: { db: { url: 'postgres://ehr:Xk9mQ2@db/ehr' } } });\n";
    let audit = Audit::new(&[("src/db.ts", literal)]);
    assert_eq!(audit.verdict("app-url-in-code"), "failed P0");
    let seen = audit.seen("app-url-in-code");
    assert!(seen.contains("postgres://ehr:****@db/ehr") && !seen.contains("Xk9mQ2"), "{seen}");

    let host = "export const prisma = new PrismaClient({ datasourceUrl: 'postgres://db.internal/ehr' });\n";
    assert_eq!(Audit::new(&[("src/db.ts", host)]).verdict("app-url-in-code"), "failed P1");

    let env = "export const prisma = new PrismaClient({ datasourceUrl: process.env.DATABASE_URL });\n";
    let audit = Audit::new(&[("src/db.ts", env)]);
    assert_eq!(audit.verdict("app-url-in-code"), "passed");
    assert!(audit.seen("app-url-in-code").contains("datasourceUrl = process.env.DATABASE_URL"));
}

#[test]
fn validation_in_ci_and_pre_commit() {
    let none = Audit::new(&[("package.json", PACKAGE)]);
    assert_eq!(none.verdict("app-ci-validation"), "failed P1");
    assert_eq!(none.verdict("app-pre-commit-validation"), "failed P2");

    let tests_only = ".github/workflows/ci.yml";
    let audit = Audit::new(&[(tests_only, "jobs:\n  test:\n    steps:\n      - run: npm test\n")]);
    assert_eq!(audit.verdict("app-ci-validation"), "failed P1");
    assert!(audit.seen("app-ci-validation").contains("ci.yml"));

    let github = "jobs:\n  schema:\n    steps:\n      - run: npx ehrdb merge --check\n";
    assert_eq!(Audit::new(&[(tests_only, github)]).verdict("app-ci-validation"), "passed");
    let gitlab = "validate:\n  script:\n    - npx prisma validate\n";
    assert_eq!(Audit::new(&[(".gitlab-ci.yml", gitlab)]).verdict("app-ci-validation"), "passed");

    let hooks = "repos:\n  - repo: local\n    hooks:\n      - id: schema\n        name: schema\n        entry: ehrdb fmt --check\n        language: system\n";
    assert_eq!(Audit::new(&[(".pre-commit-config.yaml", hooks)]).verdict("app-pre-commit-validation"), "passed");
    let staged = r#"{ "scripts": {}, "lint-staged": { "*.prisma": "ehrdb validate" } }"#;
    let husky = Audit::new(&[("package.json", staged), (".husky/pre-commit", "npx lint-staged\n")]);
    assert_eq!(husky.verdict("app-pre-commit-validation"), "passed");
    let lint_only = Audit::new(&[(".husky/pre-commit", "npm run lint\n")]);
    assert_eq!(lint_only.verdict("app-pre-commit-validation"), "failed P2");
}

#[test]
fn the_env_example_and_the_test_database() {
    let none = Audit::new(&[("package.json", PACKAGE)]);
    assert_eq!(none.verdict("app-env-example"), "failed P2");
    assert_eq!(none.verdict("app-env-test"), "failed P2");

    let real = Audit::new(&[(
        ".env.example",
        "DATABASE_URL=postgres://ehr:Xk9mQ2vLp@db/ehr?sslmode=require&connection_limit=5&pool_timeout=10\n",
    )]);
    assert_eq!(real.verdict("app-env-example"), "failed P1");
    assert!(!real.seen("app-env-example").contains("Xk9mQ2vLp"));

    let plain = Audit::new(&[(".env.example", "DATABASE_URL=postgres://ehr:password@db/ehr?sslmode=prefer\n")]);
    assert_eq!(plain.verdict("app-env-example"), "failed P2");
    assert!(plain.seen("app-env-example").ends_with("has sslmode=prefer, no connection_limit, no pool_timeout"));

    let good = "DATABASE_URL=postgres://ehr:<password>@db/ehr?sslmode=require&connection_limit=5&pool_timeout=10\n";
    let same = Audit::new(&[(".env.example", good), (".env.test", good)]);
    assert_eq!(same.verdict("app-env-example"), "passed");
    assert_eq!(same.verdict("app-env-test"), "failed P2");
    let own = Audit::new(&[
        (".env.example", good),
        (".env.test", "DATABASE_URL=postgres://postgres:postgres@localhost/ehr_test\n"),
    ]);
    assert_eq!(own.verdict("app-env-test"), "passed");
}

#[test]
fn env_files_with_passwords_and_git() {
    let secret = "DATABASE_URL=postgres://ehr:Xk9mQ2vLp@db/ehr\n";
    let outside_git = Audit::new(&[(".env", secret)]);
    assert_eq!(outside_git.verdict("app-env-committed"), "inconclusive");

    let committed = Audit::new(&[(".env", secret)]);
    committed.git(&["init", "-q"]);
    let findings = committed.findings();
    let unignored = findings.iter().find(|f| f.id == "app-env-committed").unwrap();
    assert_eq!(unignored.outcome.severity(), Some(crate::check::Priority::P1));
    committed.git(&["add", ".env"]);
    assert_eq!(committed.verdict("app-env-committed"), "failed P0");
    let seen = committed.seen("app-env-committed");
    assert!(seen.contains("DATABASE_URL (line 1)") && !seen.contains("Xk9mQ2vLp"), "{seen}");

    let ignored = Audit::new(&[(".env", secret), (".gitignore", ".env\n")]);
    ignored.git(&["init", "-q"]);
    assert_eq!(ignored.verdict("app-env-committed"), "passed");
}
