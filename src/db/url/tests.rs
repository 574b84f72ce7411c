use std::ffi::OsString;

use super::parse::near_miss;
use super::*;

fn target(url: &str) -> Target {
    Target::parse(url, Path::new("")).unwrap_or_else(|e| panic!("{url}: {e:#}"))
}

/// The `options` the driver sends at startup.
fn startup_options(target: &Target) -> Option<String> {
    with_search_path(&target.options, target.search_path_option.as_deref()).get_options().map(str::to_owned)
}

fn error(url: &str) -> String {
    format!("{:#}", Target::parse(url, Path::new("")).expect_err(url))
}

fn ssl_of(query: &str) -> (Ssl, PgSslMode) {
    let target = target(&format!("postgres://db/ehr?{query}"));
    let mode = target.driver_ssl_mode();
    (target.ssl, mode)
}

#[test]
fn a_plain_url_gets_prismas_defaults() {
    let t = target("postgres://ehr:pw@db/ehr");
    assert_eq!(t.shown, "postgres://ehr:****@db/ehr");
    assert_eq!(t.schema, "public");
    assert!(!t.pgbouncer);
    assert_eq!((t.connection_limit, t.pool_timeout), (None, None));
    assert_eq!(t.connect_timeout, Some(Duration::from_secs(5)));
    assert_eq!(t.ssl, Ssl { mode: SslMode::Prefer, verify: false, root_cert: None, mode_given: false });
    assert!(matches!(t.driver_ssl_mode(), PgSslMode::Prefer));
    let o = &t.options;
    assert_eq!((o.get_host(), o.get_port(), o.get_username(), o.get_database()), ("db", 5432, "ehr", Some("ehr")));
    assert_eq!(startup_options(&t).as_deref(), Some(r#"-c search_path="public""#));
    assert_eq!(o.get_application_name(), None, "left for connect to fill in");
}

#[test]
fn host_port_user_and_database_come_from_the_url_or_its_parameters() {
    let o = target("postgresql://ehr%40clinic:pw@db.example:6543/ehr%20main").options;
    assert_eq!(
        (o.get_host(), o.get_port(), o.get_username(), o.get_database()),
        ("db.example", 6543, "ehr@clinic", Some("ehr main"))
    );

    // Prisma's `host` parameter wins over the URL's host; `/` makes it a socket folder.
    let o = target("postgres://ehr@localhost/ehr?host=/var/run/postgresql").options;
    assert_eq!(o.get_socket().map(|p| p.to_str().unwrap()), Some("/var/run/postgresql"));
    let o = target("postgres://ehr@%2Ftmp%2Fpg/ehr").options;
    assert_eq!(o.get_socket().map(|p| p.to_str().unwrap()), Some("/tmp/pg"));
    let o = target("postgres://ehr@ignored/ehr?host=db2&port=7000&user=other&password=x").options;
    assert_eq!((o.get_host(), o.get_port(), o.get_username()), ("db2", 7000, "other"));

    let o = target("postgres://[::1]:5433/ehr").options;
    assert_eq!((o.get_host(), o.get_port()), ("::1", 5433));
    // Prisma's defaults: localhost and the `postgres` database.
    let o = target("postgres://ehr@/").options;
    assert_eq!((o.get_host(), o.get_port(), o.get_database()), ("localhost", 5432, Some("postgres")));
}

#[test]
fn bad_hosts_and_ports_are_errors() {
    assert!(
        error("postgres://ehr:pw@db:notaport/ehr").ends_with(": the port `notaport` is not a number from 1 to 65535")
    );
    assert!(error("postgres://db/ehr?port=0").ends_with("the port `0` is not a number from 1 to 65535"));
    assert!(error("postgres://db1,db2/ehr").ends_with("several hosts (`db1,db2`): ehrdb connects to one"));
    assert!(error("postgres:///ehr?host=db1,db2").ends_with("several hosts (`db1,db2`): ehrdb connects to one"));
    assert!(error("postgres://[::1/ehr").ends_with("an IPv6 host needs its closing `]`"));
}

#[test]
fn only_direct_postgres_urls_are_accepted() {
    assert_eq!(
        error("prisma://accelerate.prisma-data.net/?api_key=abc"),
        "invalid database URL prisma://accelerate.prisma-data.net/?api_key=****: prisma:// is a Prisma Accelerate \
         URL, which only Prisma Client can use; ehrdb needs a direct database URL (postgres://...), such as the \
         datasource's directUrl"
    );
    assert!(
        error("prisma+postgres://localhost:51213/?api_key=k").contains("prisma+postgres:// is a Prisma Accelerate URL")
    );
    assert!(error("mysql://u:pw@db/x").ends_with("the scheme must be postgres:// or postgresql://, not mysql://"));
    // Text that is not a URL may be a password pasted in the wrong place.
    assert_eq!(
        error("hunter2"),
        "invalid database URL (not a URL): expected postgres://USER:PASSWORD@HOST:PORT/DATABASE"
    );
}

#[test]
fn sslmode_reads_prismas_modes_and_libpqs() {
    let cases = [
        ("sslmode=disable", SslMode::Disable, false, "Disable"),
        ("sslmode=prefer", SslMode::Prefer, false, "Prefer"),
        ("sslmode=allow", SslMode::Prefer, false, "Prefer"),
        ("sslmode=require", SslMode::Require, false, "Require"),
        ("sslmode=verify-ca", SslMode::Require, true, "VerifyCa"),
        ("sslmode=verify-full", SslMode::Require, true, "VerifyFull"),
    ];
    for (query, mode, verify, driver) in cases {
        let (ssl, driver_mode) = ssl_of(query);
        assert_eq!((ssl.mode, ssl.verify, ssl.mode_given), (mode, verify, true), "{query}");
        assert_eq!(format!("{driver_mode:?}"), driver, "{query}");
    }
    assert!(error("postgres://db/ehr?sslmode=on").ends_with(
        "`sslmode` must be disable, prefer or require (or libpq's allow, verify-ca, verify-full), not `on`"
    ));
}

#[test]
fn sslaccept_strict_verifies_and_accept_invalid_certs_does_not() {
    let cases = [
        ("sslmode=require&sslaccept=strict", SslMode::Require, true, "VerifyFull"),
        ("sslmode=require&sslaccept=accept_invalid_certs", SslMode::Require, false, "Require"),
        // The driver cannot verify without insisting on TLS.
        ("sslaccept=strict", SslMode::Prefer, true, "VerifyFull"),
        ("sslmode=verify-ca&sslaccept=strict", SslMode::Require, true, "VerifyCa"),
        ("sslmode=disable&sslaccept=strict", SslMode::Disable, true, "Disable"),
    ];
    for (query, mode, verify, driver) in cases {
        let (ssl, driver_mode) = ssl_of(query);
        assert_eq!((ssl.mode, ssl.verify), (mode, verify), "{query}");
        assert_eq!(format!("{driver_mode:?}"), driver, "{query}");
    }
    assert!(
        error("postgres://db/ehr?sslaccept=yes")
            .ends_with("`sslaccept` must be strict or accept_invalid_certs, not `yes`")
    );
    assert!(error("postgres://db/ehr?sslmode=verify-full&sslaccept=accept_invalid_certs").ends_with(
        "`sslmode=verify-full` verifies the server's certificate and `sslaccept=accept_invalid_certs` does not; give one"
    ));
}

#[test]
fn sslcert_is_the_servers_ca_relative_to_the_schema_folder() {
    let base = Path::new("/srv/app/prisma");
    let t = Target::parse("postgres://db/ehr?sslmode=require&sslcert=certs/ca.pem&sslaccept=strict", base).unwrap();
    assert_eq!(t.ssl.root_cert, Some(PathBuf::from("/srv/app/prisma/certs/ca.pem")));
    assert!(t.ssl.verify);
    let t = Target::parse("postgres://db/ehr?sslcert=%2Fetc%2Fca.pem", base).unwrap();
    assert_eq!(t.ssl.root_cert, Some(PathBuf::from("/etc/ca.pem")));
    // Prisma's default still accepts any certificate, CA or not.
    assert!(!t.ssl.verify);
    let t = target("postgres://db/ehr?sslcert=ca.pem");
    assert_eq!(t.ssl.root_cert, Some(PathBuf::from("ca.pem")), "no base: as written");
}

#[test]
fn sslrootcert_is_libpqs_name_for_the_ca_and_verifies_in_require_mode() {
    let (ssl, driver) = ssl_of("sslmode=require&sslrootcert=/etc/ca.pem");
    assert_eq!((ssl.mode, ssl.verify, ssl.root_cert), (SslMode::Require, true, Some(PathBuf::from("/etc/ca.pem"))));
    assert!(matches!(driver, PgSslMode::VerifyCa));
    let (ssl, driver) = ssl_of("sslmode=require&sslrootcert=/etc/ca.pem&sslaccept=accept_invalid_certs");
    assert!(!ssl.verify && matches!(driver, PgSslMode::Require));
    assert!(
        error("postgres://db/ehr?sslcert=a.pem&sslrootcert=b.pem")
            .ends_with("`sslcert` and `sslrootcert` both name the server's CA certificate; give one")
    );
}

#[test]
fn client_certificates_are_refused_without_showing_their_password() {
    for key in ["sslidentity=id.p12", "sslpassword=p12secret", "sslkey=client.key"] {
        let error = error(&format!("postgres://ehr:pw@db/ehr?sslmode=require&{key}"));
        let name = key.split('=').next().unwrap();
        assert!(
            error.ends_with(&format!(
                "`{name}` gives a TLS client certificate, which ehrdb does not support yet; leave it out and sign in \
                 with a password"
            )),
            "{error}"
        );
        assert!(!error.contains("p12secret") && !error.contains(":pw@"), "{error}");
    }
}

#[test]
fn schema_sets_the_search_path_quoted_and_escaped_for_the_startup_options() {
    let t = target("postgres://db/ehr?schema=clinical");
    assert_eq!(t.schema, "clinical");
    assert_eq!(startup_options(&t).as_deref(), Some(r#"-c search_path="clinical""#));
    let t = target("postgres://db/ehr?schema=My%20%22odd%22%5Cschema&options=-c%20statement_timeout%3D5s");
    assert_eq!(t.schema, r#"My "odd"\schema"#);
    assert_eq!(startup_options(&t).as_deref(), Some(r#"-c statement_timeout=5s -c search_path="My\ ""odd""\\schema""#));
    assert!(error("postgres://db/ehr?schema=").ends_with("`schema` is empty"));
}

#[test]
fn pgbouncer_sets_the_search_path_after_connecting() {
    let t = target("postgres://db/ehr?pgbouncer=true&schema=s");
    assert!(t.pgbouncer);
    assert_eq!(startup_options(&t), None, "PgBouncer refuses startup options");
    assert!(!target("postgres://db/ehr?pgbouncer=false").pgbouncer);
    assert!(error("postgres://db/ehr?pgbouncer=yes").ends_with("`pgbouncer` must be true or false, not `yes`"));
    assert!(error("postgres://db/ehr?pgbouncer").ends_with("`pgbouncer` must be true or false, not ``"));
}

#[test]
fn pool_settings_are_checked_and_kept() {
    let t = target("postgres://db/ehr?connection_limit=10&pool_timeout=20");
    assert_eq!((t.connection_limit, t.pool_timeout), (Some(10), Some(Duration::from_secs(20))));
    assert_eq!(target("postgres://db/ehr?pool_timeout=0").pool_timeout, Some(Duration::ZERO), "0: no limit");
    for bad in ["0", "-1", "ten", "1.5"] {
        assert!(
            error(&format!("postgres://db/ehr?connection_limit={bad}"))
                .ends_with(&format!("`connection_limit` must be a whole number of connections from 1, not `{bad}`")),
            "{bad}"
        );
    }
    assert!(
        error("postgres://db/ehr?pool_timeout=10s")
            .ends_with("`pool_timeout` must be a whole number of seconds from 0 to 3600, not `10s`")
    );
}

#[test]
fn connect_timeout_defaults_to_five_seconds_and_zero_means_none() {
    assert_eq!(target("postgres://db/ehr?connect_timeout=1").connect_timeout, Some(Duration::from_secs(1)));
    assert_eq!(target("postgres://db/ehr?connect_timeout=0").connect_timeout, None);
    // A deadline far off would overflow; an hour is the most that makes sense.
    assert_eq!(target("postgres://db/ehr?connect_timeout=3600").connect_timeout, Some(Duration::from_secs(3600)));
    assert!(
        error("postgres://db/ehr?connect_timeout=18446744073709551615").ends_with(
            "`connect_timeout` must be a whole number of seconds from 0 to 3600, not `18446744073709551615`"
        )
    );
    assert!(
        error("postgres://db/ehr?connect_timeout=-5")
            .ends_with("`connect_timeout` must be a whole number of seconds from 0 to 3600, not `-5`")
    );
}

#[test]
fn prismas_query_settings_are_checked_and_ignored() {
    target(
        "postgres://db/ehr?statement_cache_size=0&socket_timeout=30&max_connection_lifetime=60&max_idle_connection_lifetime=0",
    );
    assert!(
        error("postgres://db/ehr?socket_timeout=soon").ends_with("`socket_timeout` must be a whole number, not `soon`")
    );
}

#[test]
fn application_name_and_options_are_passed_on() {
    let t = target("postgres://db/ehr?application_name=ehr%20deploy&options=-c%20lock_timeout%3D5s");
    assert!(t.application_given);
    assert_eq!(t.options.get_application_name(), Some("ehr deploy"));
    assert_eq!(startup_options(&t).as_deref(), Some(r#"-c lock_timeout=5s -c search_path="public""#));
}

#[test]
fn channel_binding_require_is_refused_as_the_driver_cannot_bind() {
    target("postgres://db/ehr?channel_binding=prefer");
    target("postgres://db/ehr?channel_binding=disable");
    assert!(error("postgres://db/ehr?sslmode=require&channel_binding=require").ends_with(
        "`channel_binding=require` cannot be honoured: ehrdb's driver does not do channel binding; use \
         `channel_binding=prefer` or leave it out"
    ));
    assert!(error("postgres://db/ehr?channel_binding=maybe").ends_with("not `maybe`"));
}

#[test]
fn an_unknown_parameter_is_named_with_the_one_meant_and_the_known_ones() {
    let known = "ehrdb knows application_name, channel_binding, connect_timeout, connection_limit, host, \
                 max_connection_lifetime, max_idle_connection_lifetime, options, password, pgbouncer, pool_timeout, \
                 port, schema, socket_timeout, sslaccept, sslcert, sslmode, sslrootcert, statement_cache_size, user";
    assert_eq!(
        error("postgres://ehr:pw@db/ehr?sslmdoe=require"),
        format!(
            "invalid database URL postgres://ehr:****@db/ehr?sslmdoe=require: unknown parameter `sslmdoe` (did you mean `sslmode`?); {known}"
        )
    );
    for (typo, meant) in [
        ("shema", "schema"),
        ("SSLMODE", "sslmode"),
        ("ssl-mode", "sslmode"),
        ("connection_limt", "connection_limit"),
        ("pgbouncr", "pgbouncer"),
    ] {
        assert!(
            error(&format!("postgres://db/ehr?{typo}=1"))
                .contains(&format!("unknown parameter `{typo}` (did you mean `{meant}`?); ")),
            "{typo}"
        );
    }
    assert!(
        error("postgres://db/ehr?target_session_attrs=any")
            .contains("unknown parameter `target_session_attrs`; ehrdb knows")
    );
    // A misspelt password is masked in the error, like the real one.
    let error = error("postgres://db/ehr?pasword=hunter2");
    assert!(
        error.contains("pasword=****") && error.contains("(did you mean `password`?)") && !error.contains("hunter2"),
        "{error}"
    );
}

#[test]
fn a_parameter_given_twice_is_an_error() {
    assert!(error("postgres://db/ehr?schema=a&schema=b").ends_with("`schema` is given twice"));
}

#[test]
fn passwords_the_url_rules_would_cut_short_are_refused_without_showing_them() {
    for url in [
        "postgres://ehr:pa/ss@db/ehr",
        "postgres://ehr:p@s/s@127.0.0.1:1/ehr",
        "postgres://ehr:pa?ss=x@db/ehr",
        "postgres://ehr:12?s=s@db/ehr",
        "postgres://ehr:pa#ss@db/ehr",
    ] {
        let error = error(url);
        assert!(error.starts_with("invalid database URL postgres://****@"), "{error}");
        assert!(error.contains("must be percent-encoded (%2F, %3F, %23, %40)"), "{error}");
        for piece in ["pa", "ss", "p@s", "12"] {
            assert!(!error.contains(&format!(":{piece}")) && !error.contains(&format!("{piece}@")), "{url}: {error}");
        }
    }
    assert!(error("postgres://ehr@db/ehr#x").ends_with("unexpected `#`: percent-encode it as %23"));
}

#[test]
fn values_that_do_not_decode_are_named_not_shown() {
    assert!(error("postgres://ehr:%FF%FEsecret@db/ehr").ends_with("the password is not UTF-8 once percent-decoded"));
    assert!(error("postgres://db/ehr?schema=a%00b").ends_with("`schema` contains a NUL character"));
}

#[test]
fn debug_shows_the_settings_but_never_a_password() {
    let t = target("postgres://ehr:s3cr3t@db/ehr?password=0th3r&schema=s&connection_limit=3");
    let debug = format!("{t:?}");
    assert!(!debug.contains("s3cr3t") && !debug.contains("0th3r"), "{debug}");
    assert!(
        debug.starts_with(
            r#"Target { shown: "postgres://ehr:****@db/ehr?password=****&schema=s&connection_limit=3", schema: "s""#
        ),
        "{debug}"
    );
    assert!(debug.contains("connection_limit: Some(3)") && debug.ends_with(".. }"), "{debug}");
    // The password still reaches the driver.
    assert!(format!("{:?}", t.options).contains("0th3r"));
    assert_eq!(t.secrets, ["s3cr3t", "0th3r"]);
}

#[test]
fn the_flag_wins_then_the_environment_then_dot_env() {
    let dir = tempfile::tempdir().unwrap();
    let none = Err(VarError::NotPresent);
    assert_eq!(find_url_in(None, none.clone(), dir.path()).unwrap(), None);

    std::fs::write(dir.path().join(".env"), "DATABASE_URL=postgres://from-file\n").unwrap();
    let from_file = (String::from("postgres://from-file"), UrlSource::DotEnv(dir.path().join(".env")));
    assert_eq!(find_url_in(None, none.clone(), dir.path()).unwrap(), Some(from_file.clone()));
    assert_eq!(find_url_in(None, Ok(String::new()), dir.path()).unwrap(), Some(from_file), "empty counts as unset");
    assert_eq!(
        find_url_in(None, Ok("postgres://from-env".into()), dir.path()).unwrap(),
        Some(("postgres://from-env".into(), UrlSource::Environment))
    );
    assert_eq!(
        find_url_in(Some("postgres://from-flag"), Ok("postgres://from-env".into()), dir.path()).unwrap(),
        Some(("postgres://from-flag".into(), UrlSource::Flag))
    );
    assert_eq!(find_url_in(Some(" "), none.clone(), dir.path()).unwrap_err().to_string(), "--database-url is empty");
    let not_unicode = Err(VarError::NotUnicode(OsString::from("x")));
    assert_eq!(
        find_url_in(None, not_unicode, dir.path()).unwrap_err().to_string(),
        "DATABASE_URL in the environment is not valid UTF-8"
    );
    std::fs::write(dir.path().join(".env"), "DATABASE_URL=\n").unwrap();
    assert_eq!(find_url_in(None, none, dir.path()).unwrap(), None);
}

#[test]
fn sources_are_named_for_messages() {
    assert_eq!(UrlSource::Flag.to_string(), "--database-url");
    assert_eq!(UrlSource::Environment.to_string(), "DATABASE_URL");
    assert_eq!(UrlSource::DotEnv(PathBuf::from("app/.env")).to_string(), ".env (app/.env)");
}

#[test]
fn near_misses_are_one_or_two_edits_away() {
    assert_eq!(near_miss("sslmdoe"), Some("sslmode"));
    assert_eq!(near_miss("hots"), Some("host"));
    assert_eq!(near_miss("foo"), None);
    assert_eq!(near_miss("dbname"), None);
}

#[tokio::test]
async fn a_missing_ca_file_is_named_before_the_server_is_asked() {
    let t = target("postgres://ehr:pw@127.0.0.1:1/ehr?sslmode=require&sslcert=/nonexistent/ca.pem");
    let error = t.connect("ehrdb test").await.unwrap_err().to_string();
    assert!(
        error.starts_with("cannot connect to postgres://ehr:****@127.0.0.1:1/ehr?sslmode=require&sslcert=/nonexistent/ca.pem: the CA certificate /nonexistent/ca.pem does not exist"),
        "{error}"
    );
    // A FIFO is refused at once rather than read for ever.
    let t = target("postgres://ehr:pw@127.0.0.1:1/ehr?sslmode=require&sslcert=/dev/zero");
    let error = t.connect("ehrdb test").await.unwrap_err().to_string();
    assert!(
        error.ends_with(
            "the CA certificate: /dev/zero is a character device, not a regular file: ehrdb reads only regular files"
        ),
        "{error}"
    );
}
