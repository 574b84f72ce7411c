//! The switch from Prisma Migrate on two real projects' histories: each
//! database is built as `prisma migrate deploy` builds it (every
//! `migration.sql` in folder order, each in one transaction with its
//! `_prisma_migrations` row), then taken over with `ehrdb adopt`, and
//! ehrdb's history goes on from there.
//!
//! The histories are test data outside the repository:
//! `../shared/data/prisma-histories` (its README says what they are), or
//! the folder EHRDB_PRISMA_HISTORIES names. Missing, the tests fail: they
//! never pass without having run.

use std::path::PathBuf;

use ehrdb::db::introspect;
use ehrdb::fragments::Fragments;
use ehrdb::sql::{self, Change};
use sha2::Digest;

use crate::support::{Project, pg, repo, run};

fn histories() -> PathBuf {
    let dir = std::env::var_os("EHRDB_PRISMA_HISTORIES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/data/prisma-histories"));
    assert!(
        dir.join("umami/prisma/migrations").is_dir() && dir.join("papermark/prisma/migrations").is_dir(),
        "the Prisma histories are not at {}: set EHRDB_PRISMA_HISTORIES to the folder that holds umami/ and papermark/",
        dir.display()
    );
    dir
}

/// The database `prisma migrate deploy` builds from `project`'s history.
fn built_by_prisma(project: &str) -> pg::TestDb {
    let db = pg::database();
    db.psql(
        "CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, \
         finished_at timestamptz, migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz, \
         started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count integer NOT NULL DEFAULT 0);",
    );
    let dir = histories().join(project).join("prisma/migrations");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("migration.sql").is_file())
        .collect();
    folders.sort();
    for folder in &folders {
        let sql = std::fs::read_to_string(folder.join("migration.sql")).unwrap();
        let checksum: String = sha2::Sha256::digest(sql.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        let name = folder.file_name().unwrap().to_string_lossy();
        db.psql(&format!(
            "BEGIN;\n{sql}\n;\nINSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, \
             applied_steps_count) VALUES (gen_random_uuid()::text, '{checksum}', now(), '{name}', 1);\nCOMMIT;\n"
        ));
    }
    db
}

/// An empty project folder to adopt into.
fn empty_project() -> Project {
    let project = Project::new(&[]);
    std::fs::remove_dir(project.path("schema")).unwrap();
    project
}

fn adopt(project: &Project, name: &str, url: &str) -> (i32, String, String) {
    let prisma = histories().join(name).join("prisma");
    let output = project
        .ehrdb()
        .args(["adopt", "--prisma", prisma.to_str().unwrap(), "--database-url", url])
        .output()
        .expect("ehrdb runs");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
}

/// What the database needs to match the project's fragments.
fn drift(project: &Project, db: &pg::TestDb) -> Vec<Change> {
    let fragments = Fragments::load(&project.path("schema")).unwrap();
    let expected = crate::support::lowered(&fragments, "the adopted fragments");
    let catalog = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let mut conn = db.connect().await;
        introspect::introspect(&mut conn, "public").await.unwrap()
    });
    assert!(!expected.tables.is_empty());
    sql::diff::diff(&catalog, &expected)
}

#[test]
fn umami_is_refused_until_it_has_its_schema_then_adopted_and_migrated_further() {
    let project = empty_project();
    let db = built_by_prisma("umami");
    let url = db.url();
    // Its history never created `@@index([visitId])` of SessionReplay.
    let (code, stdout, stderr) = adopt(&project, "umami", &url);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("(19 migrations) stays where it is"), "{stdout}");
    assert!(stderr.contains("_init: it needs 1 change to match\n"), "{stderr}");
    assert!(
        stderr.contains("~ \"session_replay\": + index \"session_replay_visit_id_idx\" (\"visit_id\")"),
        "{stderr}"
    );
    assert!(stderr.ends_with("nothing was written\n"), "{stderr}");
    assert!(!project.path("schema").exists() && !project.path("migrations").exists());

    db.psql("CREATE INDEX \"session_replay_visit_id_idx\" ON \"session_replay\"(\"visit_id\");");
    let (code, stdout, stderr) = adopt(&project, "umami", &url);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("_init (96 changes)\n"), "{stdout}");
    let (code, stdout, _) = run(&project, &url, &["status"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.ends_with("1 applied, 0 pending: up to date\n"), "{stdout}");
    // pgcrypto, created by hand in 01_init, is not drift: the schema does not manage extensions.
    assert_eq!(db.psql("SELECT count(*) FROM pg_extension WHERE extname = 'pgcrypto'"), "1\n");
    let changes = drift(&project, &db);
    assert!(changes.is_empty(), "{}", sql::summary::summary(&changes));

    let schema = project.read("schema/schema.prisma");
    let edited = schema.replacen(
        "  deletedAt   DateTime? @map(\"deleted_at\") @db.Timestamptz(6)\n",
        "  deletedAt   DateTime? @map(\"deleted_at\") @db.Timestamptz(6)\n  locale      String?   @db.VarChar(10)\n",
        1,
    );
    assert_ne!(edited, schema, "the edit applies");
    project.write("schema/schema.prisma", &edited);
    project.ehrdb().args(["merge"]).assert().success();
    project.ehrdb().args(["migrate", "add_user_locale"]).assert().success();
    let (code, stdout, stderr) = run(&project, &url, &["apply"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (code, stdout, _) = run(&project, &url, &["status"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.ends_with("2 applied, 0 pending: up to date\n"), "{stdout}");
}

#[test]
fn papermark_is_adopted_with_the_indexes_its_history_made_by_hand() {
    let project = empty_project();
    let db = built_by_prisma("papermark");
    let url = db.url();
    let (code, stdout, stderr) = adopt(&project, "papermark", &url);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("(10 files); Prisma's history"), "{stdout}");
    assert!(stdout.contains("(107 migrations) stays where it is"), "{stdout}");
    assert!(stdout.contains("and 3 objects it does not describe, which stay as they are"), "{stdout}");
    assert!(stdout.contains("_init (389 changes)\n"), "{stdout}");
    assert_eq!(ehrdb::migrations::load(&project.path("migrations")).unwrap().len(), 1);
    let (code, stdout, _) = run(&project, &url, &["status"]);
    assert_eq!(code, 0, "{stdout}");
    let drift = sql::summary::summary(&drift(&project, &db));
    assert_eq!(
        drift,
        "~ \"View\": - index \"View_viewerId_viewedAt_idx\"\n~ \"Viewer\": - index \"Viewer_email_prefix_idx\"\n\
         ~ \"Viewer\": - index \"Viewer_teamId_email_idx\"\n"
    );
}
