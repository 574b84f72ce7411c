//! `ehrdb check` against servers of the tests' own: TLS on (with a CA and
//! a server certificate made for the test) and off, each sslmode a URL
//! can give, an old ssl_min_protocol_version, pg_hba.conf lines with and
//! without TLS, a small max_connections, a port that forwards to the server
//! as a pooler would, and the example database after `ehrdb apply` on a TLS
//! server.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use serde_json::Value;
use sqlx::Connection;

use crate::check_cli::{check_json, example, seen, verdict};
use crate::support::pg::{self, PrivateCluster};
use crate::support::{DATASOURCE, Project};

/// The TLS findings, in report order.
const TLS_IDS: [&str; 6] = [
    "tls-sslmode",
    "tls-certificate-not-verified",
    "tls-server-ssl",
    "tls-connection-encrypted",
    "tls-version",
    "tls-hba-no-ssl",
];

/// A server with ssl on, and the file of the CA that signed its certificate.
struct TlsServer {
    cluster: PrivateCluster,
    ca: PathBuf,
    _dir: tempfile::TempDir,
}

impl TlsServer {
    /// `settings` are added to postgresql.conf, `files` to the data directory.
    fn start(settings: &str, files: &[(&str, &[u8])]) -> TlsServer {
        let (ca, cert, key) = certificates();
        let dir = tempfile::tempdir().unwrap();
        let ca_path = dir.path().join("ca.pem");
        std::fs::write(&ca_path, ca).unwrap();
        let mut all: Vec<(&str, &[u8])> = vec![("server.crt", cert.as_bytes()), ("server.key", key.as_bytes())];
        all.extend_from_slice(files);
        let settings = format!("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n{settings}");
        TlsServer { cluster: PrivateCluster::start_with(&settings, &all), ca: ca_path, _dir: dir }
    }

    fn url(&self, parameters: &str) -> String {
        with_parameters(&self.cluster.url(), parameters, &self.ca)
    }
}

/// A CA, and a certificate it signed for 127.0.0.1 and localhost with its
/// private key, all PEM.
fn certificates() -> (String, String, String) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "ehrdb test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut server = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    server.distinguished_name.push(DnType::CommonName, "127.0.0.1");
    let cert = server.signed_by(&key, &issuer).unwrap();
    (ca_pem, cert.pem(), key.serialize_pem())
}

/// `url` with `parameters` as its query; `{ca}` in them is the CA file.
fn with_parameters(url: &str, parameters: &str, ca: &Path) -> String {
    match parameters {
        "" => url.to_owned(),
        parameters => format!("{url}?{}", parameters.replace("{ca}", &ca.display().to_string())),
    }
}

/// A Prisma 6 schema (its datasource has a url) and nothing else.
fn project() -> Project {
    let datasource = DATASOURCE.replace("}\n", "  url      = env(\"DATABASE_URL\")\n}\n");
    Project::new(&[("base.prisma", &format!("{datasource}\nmodel Patient {{\n  id Int @id\n}}\n"))])
}

/// The verdict of every TLS finding, in [`TLS_IDS`] order.
fn tls_verdicts(report: &Value) -> Vec<String> {
    TLS_IDS.iter().map(|id| verdict(report, id)).collect()
}

/// The URL variants, the query each adds to the server's URL.
const VARIANTS: [(&str, &str); 6] = [
    ("sslmode missing", ""),
    ("disable", "sslmode=disable"),
    ("prefer", "sslmode=prefer"),
    ("require", "sslmode=require"),
    ("require, strict, CA", "sslmode=require&sslaccept=strict&sslcert={ca}"),
    ("verify-full, CA", "sslmode=verify-full&sslrootcert={ca}"),
];

#[test]
fn each_tls_finding_appears_exactly_when_it_should() {
    let tls = TlsServer::start("", &[]);
    let plain = pg::database();
    let project = project();
    let (p0, p1, ok, skip) = ("failed P0", "failed P1", "passed", "skipped");

    // ssl on: the URL decides; every session but disable's is encrypted.
    let on: [[&str; 6]; 6] = [
        [p0, skip, ok, ok, ok, ok],
        [p0, skip, ok, p0, ok, ok],
        [p0, skip, ok, ok, ok, ok],
        [ok, p1, ok, ok, ok, ok],
        [ok, ok, ok, ok, ok, ok],
        // Prisma 6's engine reads verify-full as prefer; ehrdb's own session verifies.
        [p0, skip, ok, ok, ok, ok],
    ];
    // ssl off: nothing is encrypted, and a URL that requires TLS cannot connect.
    let off: [[&str; 6]; 6] = [
        [p0, skip, p0, p0, skip, ok],
        [p0, skip, p0, p0, skip, ok],
        [p0, skip, p0, p0, skip, ok],
        [ok, p1, p0, skip, skip, skip],
        [ok, ok, p0, skip, skip, skip],
        [p0, skip, p0, skip, skip, skip],
    ];
    for ((name, parameters), (on, off)) in VARIANTS.iter().zip(on.iter().zip(&off)) {
        let (_, report) = check_json(&project, &["--database-url", &tls.url(parameters)]);
        assert_eq!(report["connection"]["state"], "connected", "ssl on, {name}: {report:#}");
        assert_eq!(tls_verdicts(&report), on, "ssl on, {name}: {report:#}");
        if verdict(&report, "tls-connection-encrypted") == ok {
            assert!(seen(&report, "tls-connection-encrypted").contains("(TLSv1.3)"), "{report:#}");
        }

        let url = with_parameters(&plain.url(), parameters, &tls.ca);
        let (_, report) = check_json(&project, &["--database-url", &url]);
        assert_eq!(tls_verdicts(&report), off, "ssl off, {name}: {report:#}");
        let state = if off[3] == skip { "failed" } else { "connected" };
        assert_eq!(report["connection"]["state"], state, "ssl off, {name}: {report:#}");
        if state == "failed" {
            assert!(seen(&report, "tls-server-ssl").contains("server does not support TLS"), "{report:#}");
        }
    }

    // Prisma 7's driver adapter reads verify-full as libpq does: verified TLS.
    let prisma_7 = Project::new(&[("base.prisma", &format!("{DATASOURCE}\nmodel Patient {{\n  id Int @id\n}}\n"))]);
    let (_, report) = check_json(&prisma_7, &["--database-url", &tls.url("sslmode=verify-full&sslrootcert={ca}")]);
    assert_eq!(tls_verdicts(&report), [ok; 6], "{report:#}");
    assert!(seen(&report, "tls-certificate-not-verified").contains("ca.pem"), "{report:#}");

    // Development: the same failures, every one P2.
    let (code, report) = check_json(&project, &["--database-url", &plain.url(), "--env", "development"]);
    assert_eq!(tls_verdicts(&report), ["failed P2", skip, "failed P2", "failed P2", skip, ok], "{report:#}");
    assert_eq!(code, 0);
}

#[test]
fn ssl_min_protocol_version_below_tls_1_2_fires_tls_version() {
    let tls = TlsServer::start("ssl_min_protocol_version = 'TLSv1'", &[]);
    let project = project();
    let url = tls.url("sslmode=require&sslaccept=strict&sslcert={ca}");
    let (_, report) = check_json(&project, &["--database-url", &url]);
    assert_eq!(verdict(&report, "tls-version"), "failed P1", "{report:#}");
    assert_eq!(seen(&report, "tls-version"), "ssl_min_protocol_version = TLSv1 lets clients use TLS below 1.2");

    tls.cluster.psql("ALTER SYSTEM SET ssl_min_protocol_version = 'TLSv1.2'");
    reload(&tls.cluster, "SHOW ssl_min_protocol_version", "TLSv1.2");
    let (_, report) = check_json(&project, &["--database-url", &url]);
    assert_eq!(verdict(&report, "tls-version"), "passed", "{report:#}");
    assert_eq!(seen(&report, "tls-version"), "ssl_min_protocol_version = TLSv1.2; ehrdb's session uses TLSv1.3");
}

/// Reloads the configuration and waits until a new session sees `query`
/// answer `expected` (the server rereads its files in the background).
fn reload(cluster: &PrivateCluster, query: &str, expected: &str) {
    cluster.psql("SELECT pg_reload_conf()");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while cluster.psql(query).trim() != expected {
        assert!(std::time::Instant::now() < deadline, "{query} never answered {expected}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

const LOCAL_HBA: &str = "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n";

#[test]
fn a_host_line_for_remote_clients_fires_tls_hba_no_ssl_and_hostssl_does_not() {
    let hba = format!("{LOCAL_HBA}host all all 0.0.0.0/0 trust\n");
    let tls = TlsServer::start("", &[("pg_hba.conf", hba.as_bytes())]);
    let project = project();
    let url = tls.url("sslmode=require&sslaccept=strict&sslcert={ca}");
    let (_, report) = check_json(&project, &["--database-url", &url]);
    assert_eq!(verdict(&report, "tls-hba-no-ssl"), "failed P1", "{report:#}");
    assert_eq!(
        seen(&report, "tls-hba-no-ssl"),
        "1 rule admits remote clients without TLS: pg_hba.conf line 4: host all all 0.0.0.0/0 trust"
    );

    tls.cluster.write_file("pg_hba.conf", format!("{LOCAL_HBA}hostssl all all 0.0.0.0/0 trust\n").as_bytes());
    reload(&tls.cluster, "SELECT type FROM pg_hba_file_rules WHERE line_number = 4", "hostssl");
    let (_, report) = check_json(&project, &["--database-url", &url]);
    assert_eq!(verdict(&report, "tls-hba-no-ssl"), "passed", "{report:#}");
    assert_eq!(seen(&report, "tls-hba-no-ssl"), "remote clients are admitted only over TLS (1 of 4 rules)");

    // Only superusers read the view, unless it and its function are granted;
    // pg_read_all_settings is not enough.
    tls.cluster.psql("CREATE ROLE app LOGIN; GRANT pg_read_all_settings TO app");
    let app = url.replace("postgres@", "app@");
    let (_, report) = check_json(&project, &["--database-url", &app]);
    assert_eq!(verdict(&report, "tls-hba-no-ssl"), "inconclusive", "{report:#}");
    let finding = report["findings"].as_array().unwrap().iter().find(|f| f["id"] == "tls-hba-no-ssl").unwrap();
    assert_eq!(
        finding["reason"],
        "pg_hba_file_rules is readable only by superusers and by roles granted SELECT on it and EXECUTE on the \
         function pg_hba_file_rules(), and ehrdb's role \"app\" is neither"
    );
    assert_eq!(verdict(&report, "tls-server-ssl"), "passed", "the other TLS checks need no privilege");
    tls.cluster.psql("GRANT SELECT ON pg_hba_file_rules TO app; GRANT EXECUTE ON FUNCTION pg_hba_file_rules() TO app");
    let (_, report) = check_json(&project, &["--database-url", &app]);
    assert_eq!(verdict(&report, "tls-hba-no-ssl"), "passed", "{report:#}");
}

#[test]
fn a_small_max_connections_fires_pool_budget_and_held_connections_pool_usage() {
    let cluster = PrivateCluster::start_with("max_connections = 20\nsuperuser_reserved_connections = 3", &[]);
    let project = project();
    let url = |limit: u32| format!("{}?connection_limit={limit}&pool_timeout=10", cluster.url());
    // 4 x 5 = 20 > 20 - 3; 4 x 3 = 12 fits.
    let (_, report) = check_json(&project, &["--database-url", &url(5), "--instances", "4"]);
    assert_eq!(verdict(&report, "pool-budget"), "failed P1", "{report:#}");
    assert_eq!(
        seen(&report, "pool-budget"),
        "4 instances x 5 connections = 20; 17 connections for the application (max_connections 20 - 3 reserved)"
    );
    let (_, report) = check_json(&project, &["--database-url", &url(3), "--instances", "4"]);
    assert_eq!(verdict(&report, "pool-budget"), "passed", "{report:#}");
    assert_eq!(verdict(&report, "pool-usage"), "passed", "{report:#}");
    assert_eq!(seen(&report, "pool-usage"), "1 of max_connections 20 in use (5%)");

    // 16 sessions held open and ehrdb's own: 17 of 20, above 80%.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let held: Vec<sqlx::PgConnection> =
        (0..16).map(|_| runtime.block_on(sqlx::PgConnection::connect(&cluster.url())).expect("a connection")).collect();
    let (_, report) = check_json(&project, &["--database-url", &url(3), "--instances", "4"]);
    assert_eq!(verdict(&report, "pool-usage"), "failed P2", "{report:#}");
    assert_eq!(seen(&report, "pool-usage"), "17 of max_connections 20 in use (85%)");
    drop(held);
}

#[test]
fn the_example_database_on_a_tls_server_grades_a_and_without_sslmode_has_a_p0() {
    let tls = TlsServer::start("log_min_duration_statement = 500", &[]);
    let project = example();
    let good = tls.url("sslmode=require&sslaccept=strict&sslcert={ca}&connection_limit=5&pool_timeout=10");
    let output = project.ehrdb().args(["apply", "--database-url", &good]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let (code, report) = check_json(&project, &["--database-url", &good, "--instances", "2"]);
    let failed: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == "failed")
        .map(|f| format!("{} {}", f["severity"], f["id"]))
        .collect();
    assert_eq!((report["counts"]["P0"].as_u64(), report["counts"]["P1"].as_u64()), (Some(0), Some(0)), "{failed:?}");
    // The example's generator has no output: a P2, 97 points, still an A.
    assert_eq!(verdict(&report, "generator-output"), "failed P2");
    assert!(report["score"].as_u64().unwrap() >= 90, "{failed:?}");
    assert_eq!((code, report["grade"].as_str()), (0, Some("A")), "{failed:?}");
    for id in TLS_IDS.iter().chain(&["pool-connection-limit", "pool-timeout", "pool-budget", "pool-pooler-mode"]) {
        assert_eq!(verdict(&report, id), "passed", "{id}: {report:#}");
    }
    for id in ["pool-usage", "migrations-applied", "schema-drift", "slow-query-logging"] {
        assert_eq!(verdict(&report, id), "passed", "{id}: {report:#}");
    }

    let missing = tls.url("connection_limit=5&pool_timeout=10");
    let (code, report) = check_json(&project, &["--database-url", &missing, "--instances", "2"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(verdict(&report, "tls-sslmode"), "failed P0");
    assert_eq!(report["counts"]["P0"], 1, "{report:#}");
    assert_eq!(report["grade"], "D", "a P0 caps the grade at D");
}

/// A port that forwards every connection to `port`, as a pooler or a proxy
/// would; it listens until the test run ends.
fn forwarder(port: u16) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let own = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", port)) else { continue };
            for (mut from, mut to) in [(client.try_clone().unwrap(), server.try_clone().unwrap()), (server, client)] {
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
            }
        }
    });
    own
}

#[test]
fn a_pooler_is_judged_by_what_connections_show_and_named_by_its_hints_without_one() {
    let db = pg::database();
    let project = project();
    let direct = db.url();
    let port: u16 = direct.rsplit_once(':').unwrap().1.split('/').next().unwrap().parse().unwrap();
    let (_, report) = check_json(&project, &["--database-url", &direct]);
    assert_eq!(verdict(&report, "pool-pooler-mode"), "passed", "{report:#}");
    assert_eq!(
        seen(&report, "pool-pooler-mode"),
        format!("a direct connection to 127.0.0.1:{port}: each client kept its own server process")
    );

    // The server took the session on its own port, not the URL's: something
    // forwards the connection, and it keeps each client on its own server
    // process, as a session-mode pooler or a proxy does.
    let forwarder = forwarder(port);
    let forwarded = direct.replace(&format!(":{port}/"), &format!(":{forwarder}/"));
    let (_, report) = check_json(&project, &["--database-url", &forwarded]);
    assert_eq!(report["connection"]["state"], "connected", "{report:#}");
    assert_eq!(verdict(&report, "pool-pooler-mode"), "passed", "{report:#}");
    assert!(
        seen(&report, "pool-pooler-mode").starts_with(&format!(
            "a pooler or a proxy (the server took the session on port {port}, the URL says {forwarder})"
        )),
        "{report:#}"
    );

    // PgBouncer's port needs pgbouncer=true, whether or not anything answers there.
    let bouncer = "postgres://ehr@127.0.0.1:6432/ehr?connect_timeout=1";
    let (_, report) = check_json(&project, &["--database-url", bouncer]);
    assert_eq!(verdict(&report, "pool-pooler-mode"), "failed P1", "{report:#}");
    assert!(seen(&report, "pool-pooler-mode").contains("port 6432 is PgBouncer's default port"), "{report:#}");
    let (_, report) = check_json(&project, &["--database-url", &format!("{bouncer}&pgbouncer=true")]);
    assert_eq!(verdict(&report, "pool-pooler-mode"), "passed", "{report:#}");
}
