//! No command ever shows a secret: every command, its error paths, its
//! JSON and Markdown, run with a known password and API key in every place
//! one can stand (a literal URL in the schema, `--database-url`,
//! DATABASE_URL, `.env`, PGPASSWORD), against a real server. The output of
//! every run is searched for the secrets in every spelling.

use crate::support::{Project, example_project, pg};

const PASSWORD: &str = "S3cr3tPw-Zq9x";
/// The same password with characters a URL must encode, written raw.
const RAW_PASSWORD: &str = "p@ss/w0rd?Zq9x";
const API_KEY: &str = "ApiKey7fJ2kqWv";
const PGPASSWORD: &str = "PgEnvPw-55Kp3";

/// A schema whose datasource holds the secrets as literals, not formatted.
fn literal_schema(port: u16) -> String {
    format!(
        "datasource db {{\n  provider = \"postgresql\"\n  url = \"postgres://ehr:{PASSWORD}@127.0.0.1:{port}/ehr?sslmode=disable\"\n  \
         directUrl = \"postgresql://ehr:{PASSWORD}@127.0.0.1:{port}/ehr\"\n  \
         shadowDatabaseUrl = \"prisma+postgres://accelerate.prisma-data.net/?api_key={API_KEY}\"\n}}\n\n\
         model Ward {{\n  id Int @id\n    name String\n}}\n"
    )
}

struct Matrix {
    outputs: Vec<(String, String)>,
}

impl Matrix {
    /// Runs `ehrdb <args>` in the project with `env`; returns the exit code.
    fn run(&mut self, project: &Project, args: &[&str], env: &[(&str, &str)]) -> i32 {
        let mut command = project.ehrdb();
        command.args(args).env("PGPASSWORD", PGPASSWORD);
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command.output().expect("ehrdb runs");
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        let code = output.status.code().unwrap_or(-1);
        assert_ne!(code, 101, "{args:?} panicked: {text}");
        self.outputs.push((format!("{args:?} {env:?}"), text));
        code
    }

    fn assert_clean(&self) {
        let encoded = RAW_PASSWORD.replace('@', "%40").replace('/', "%2F").replace('?', "%3F");
        for (what, output) in &self.outputs {
            for secret in [PASSWORD, RAW_PASSWORD, &encoded, "w0rd", API_KEY, PGPASSWORD] {
                assert!(!output.contains(secret), "{what} shows {secret}:\n{output}");
            }
        }
    }
}

#[test]
fn no_command_shows_a_password_or_an_api_key() {
    let db = pg::database();
    let mut matrix = Matrix { outputs: Vec::new() };
    let port = db.url().rsplit_once(':').unwrap().1.split('/').next().unwrap().parse::<u16>().unwrap();

    // Secrets written into the schema: validate refuses them, the check
    // reports them, and every diff that shows the datasource masks them.
    let literal = Project::new(&[("base.prisma", &literal_schema(port))]);
    for (args, code) in [
        (&["validate"][..], 1),
        (&["validate", "--format", "json"], 1),
        (&["merge"], 1),
        (&["merge", "--check"], 1),
        (&["fmt", "--check"], 1),
        (&["diff"], 1),
        (&["diff", "--sql", "--from", "empty"], 1),
        (&["migrate", "init"], 1),
        (&["check"], 1),
        (&["check", "--format", "json"], 1),
        (&["check", "--format", "markdown"], 1),
        (&["debug", "parse", "schema/base.prisma"], 0),
    ] {
        assert_eq!(matrix.run(&literal, args, &[]), code, "{args:?}: {:?}", matrix.outputs.last());
    }
    matrix.run(&literal, &["fmt"], &[]);
    matrix.run(&literal, &["merge", "--check"], &[]);

    // A clean project with a history; the secrets come with the URL.
    let project = example_project();
    std::fs::create_dir_all(project.path("schema")).unwrap();
    for entry in std::fs::read_dir(crate::support::repo().join("schema")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, project.path(&format!("schema/{}", path.file_name().unwrap().to_str().unwrap()))).unwrap();
    }
    // Trust authentication ignores the password, so every command gets to run.
    let url = db.url().replacen("postgres@", &format!("postgres:{PASSWORD}@"), 1);
    project.write("migrations/20261201_000000_broken/up.sql", "CREATE TABLE ok (id int);\nSELECT * FROM nowhere;\n");
    project.write("migrations/20261201_000000_broken/down.sql", "DROP TABLE ok;\n");
    project.ehrdb().args(["migrate", "--rehash"]).assert().success();
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let unreachable = format!("postgres://ehr:{PASSWORD}@127.0.0.1:{closed_port}/ehr");
    let bad_urls = [
        format!("postgres://ehr:{PASSWORD}@127.0.0.1:notaport/ehr"),
        format!("postgres://ehr:{RAW_PASSWORD}@127.0.0.1:{port}/ehr"),
        format!("postgres://ehr@127.0.0.1:{port}/ehr?api_key={API_KEY}"),
        format!("postgres://ehr@127.0.0.1:{port}/ehr?token={API_KEY}&sslmode=require"),
        format!("postgres://ehr@127.0.0.1:{port}/ehr?password={PASSWORD}&sslmdoe=require"),
        format!("prisma+postgres://accelerate.prisma-data.net/?api_key={API_KEY}"),
        format!("prisma://accelerate.prisma-data.net/?api_key={API_KEY}"),
        PASSWORD.to_owned(),
    ];
    let with = |args: &[&str], url: &str| -> Vec<String> {
        args.iter().map(|a| a.to_string()).chain(["--database-url".to_owned(), url.to_owned()]).collect()
    };
    let mut expect = |project: &Project, args: Vec<String>, env: &[(&str, &str)], code: i32| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(matrix.run(project, &args, env), code, "{args:?}: {:?}", matrix.outputs.last());
    };
    expect(&project, with(&["apply", "--dry-run"], &url), &[], 0);
    expect(&project, with(&["apply", "--to", "20261124210840"], &url), &[], 0);
    expect(&project, with(&["apply"], &url), &[], 1);
    expect(&project, with(&["status"], &url), &[], 1);
    expect(&project, with(&["status", "--format", "json"], &url), &[], 1);
    expect(&project, with(&["lint"], &url), &[], 0);
    expect(&project, with(&["lint", "--format", "json"], &url), &[], 0);
    expect(&project, with(&["rollback", "--dry-run"], &url), &[], 0);
    expect(&project, with(&["rollback"], &url), &[], 0);
    expect(&project, with(&["baseline"], &url), &[], 1);
    expect(&project, with(&["check", "--probe", "--fail-on", "none"], &url), &[], 0);
    expect(&project, with(&["check", "--format", "json", "--fail-on", "none"], &url), &[], 0);
    expect(&project, with(&["check", "--format", "markdown", "--fail-on", "none"], &url), &[], 0);
    expect(&project, vec!["diff".into()], &[], 2);
    expect(&project, vec!["migrate".into(), "--verify".into()], &[], 0);
    expect(&project, with(&["status"], &unreachable), &[], 2);
    expect(&project, with(&["apply"], &unreachable), &[], 2);
    expect(&project, with(&["lint"], &unreachable), &[], 2);
    expect(&project, with(&["check", "--format", "markdown"], &unreachable), &[], 1);
    for bad in &bad_urls {
        for command in ["status", "apply", "rollback", "baseline", "check", "lint"] {
            expect(&project, with(&[command], bad), &[], 2);
        }
        expect(&project, vec!["status".into()], &[("DATABASE_URL", bad.as_str())], 2);
    }
    expect(&project, vec!["status".into()], &[("DATABASE_URL", unreachable.as_str())], 2);
    project.write(".env", &format!("DATABASE_URL=\"{unreachable}\"\n"));
    expect(&project, vec!["status".into()], &[], 2);
    project.write(".env", &format!("DATABASE_URL='{}'\n", bad_urls[1]));
    expect(&project, vec!["check".into(), "--format".into(), "json".into()], &[], 2);

    matrix.assert_clean();
    // The output did name the server, masked.
    assert!(matrix.outputs.iter().any(|(_, o)| o.contains("postgres:****@127.0.0.1")));
    assert!(matrix.outputs.iter().any(|(_, o)| o.contains("api_key=****")));
}
