//! `ehrdb adopt`: a Prisma project taken over in one step, on small
//! projects written here; `adoption.rs` runs it on real histories.

use std::path::Path;

use crate::support::{Project, pg, run};

const SCHEMA: &str = "generator client {\n  provider = \"prisma-client-js\"\n}\n\ndatasource db {\n  provider = \"postgresql\"\n}\n\nmodel Ward {\n  id   Int    @id @default(autoincrement())\n  name String @unique\n  beds Bed[]\n}\n\nmodel Bed {\n  id     Int  @id @default(autoincrement())\n  wardId Int\n  ward   Ward @relation(fields: [wardId], references: [id])\n\n  @@index([wardId])\n}\n";

/// What `prisma migrate` wrote for [`SCHEMA`], as Prisma writes it.
const PRISMA_SQL: &str = r#"-- CreateTable
CREATE TABLE "Ward" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "Ward_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Bed" (
    "id" SERIAL NOT NULL,
    "wardId" INTEGER NOT NULL,

    CONSTRAINT "Bed_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Ward_name_key" ON "Ward"("name");

-- CreateIndex
CREATE INDEX "Bed_wardId_idx" ON "Bed"("wardId");

-- AddForeignKey
ALTER TABLE "Bed" ADD CONSTRAINT "Bed_wardId_fkey" FOREIGN KEY ("wardId") REFERENCES "Ward"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
"#;

const PRISMA_MIGRATIONS: &str = "CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) \
     NOT NULL, finished_at timestamptz, migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz, \
     started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count integer NOT NULL DEFAULT 0);
     INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name) VALUES ('1', 'x', now(), '0_init');";

fn prisma_project() -> Project {
    let project = Project::new(&[]);
    std::fs::remove_dir(project.path("schema")).unwrap();
    project.write("prisma/schema.prisma", SCHEMA);
    project.write("prisma/migrations/0_init/migration.sql", PRISMA_SQL);
    project
}

fn adopt(project: &Project, args: &[&str]) -> (i32, String, String) {
    let output = project.ehrdb().arg("adopt").args(args).output().expect("ehrdb runs");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
}

fn folders(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn without_a_database_it_writes_the_fragments_the_merge_and_one_migration() {
    let project = prisma_project();
    let (code, stdout, stderr) = adopt(&project, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("Prisma's history prisma/migrations (1 migration) stays where it is"), "{stdout}");
    assert_eq!(project.read("schema/schema.prisma"), SCHEMA, "copied unchanged");
    let migrations = folders(&project.path("migrations"));
    assert_eq!(migrations.len(), 2, "{migrations:?}");
    assert!(migrations[0].ends_with("_init") && migrations[1] == "ehrdb.sum", "{migrations:?}");
    assert_eq!(project.read(&format!("migrations/{}/schema.prisma", migrations[0])), project.read("schema.prisma"));
    project.ehrdb().args(["merge", "--check"]).assert().success();
    project.ehrdb().args(["migrate", "--verify"]).assert().success();
    project.ehrdb().args(["diff", "--exit-code"]).assert().success();

    let (code, _, stderr) = adopt(&project, &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("schema already holds fragments"), "{stderr}");
    assert!(stderr.ends_with("nothing was written\n"), "{stderr}");
}

#[test]
fn a_database_without_the_schema_gets_nothing_written_and_one_with_it_is_baselined() {
    let project = prisma_project();
    let db = pg::database();
    let url = db.url();
    db.psql(PRISMA_MIGRATIONS);
    db.psql(&PRISMA_SQL.replace("CREATE INDEX \"Bed_wardId_idx\" ON \"Bed\"(\"wardId\");", ""));
    let (code, stdout, stderr) = adopt(&project, &["--database-url", &url]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains("it needs 1 change to match\n  ~ \"Bed\": + index \"Bed_wardId_idx\" (\"wardId\")"),
        "{stderr}"
    );
    assert!(stderr.ends_with("nothing was written\n"), "{stderr}");
    assert!(!project.path("migrations").exists() && !project.path("schema").exists(), "nothing was written");
    assert_eq!(db.psql("SELECT to_regclass('_ehrdb_migrations') IS NULL"), "t\n");

    db.psql("CREATE INDEX \"Bed_wardId_idx\" ON \"Bed\"(\"wardId\"); CREATE INDEX by_hand ON \"Ward\" (lower(name));");
    let (code, stdout, stderr) = adopt(&project, &["--database-url", &url]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("and 1 object it does not describe"), "{stdout}");
    assert!(stdout.contains("- index \"by_hand\""), "{stdout}");
    assert!(stdout.contains("recorded ") && stdout.contains("_init as applied on "), "{stdout}");
    let (code, stdout, _) = run(&project, &url, &["status"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.ends_with("1 applied, 0 pending: up to date\n"), "{stdout}");

    // From here on ehrdb's history goes on.
    project.write(
        "schema/schema.prisma",
        &SCHEMA.replace("  name String @unique\n", "  name String @unique\n  floor Int?\n"),
    );
    project.ehrdb().args(["merge"]).assert().success();
    project.ehrdb().args(["migrate", "add_ward_floor"]).assert().success();
    let (code, stdout, stderr) = run(&project, &url, &["apply"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("applied 1 migration; the database is up to date"), "{stdout}");
    assert_eq!(db.psql("SELECT count(*) FROM _prisma_migrations"), "1\n", "Prisma's history is left as it was");
}
