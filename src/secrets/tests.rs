use super::*;

#[test]
fn redaction_masks_passwords_and_keeps_the_rest() {
    assert_eq!(redact("postgres://ehr:s3cr3t@db:5432/ehr"), "postgres://ehr:****@db:5432/ehr");
    assert_eq!(redact("postgresql://ehr@db/ehr?sslmode=require"), "postgresql://ehr@db/ehr?sslmode=require");
    assert_eq!(
        redact("postgres://db/ehr?user=ehr&password=hunter2&sslmode=verify-full"),
        "postgres://db/ehr?user=ehr&password=****&sslmode=verify-full"
    );
    // An `@` in a password: the last one before the path ends the user info.
    assert_eq!(redact("postgres://ehr:p@ss@db/ehr"), "postgres://ehr:****@db/ehr");
    assert_eq!(redact("postgres://ehr:p%40ss@db"), "postgres://ehr:****@db");
    assert_eq!(redact("postgres://ehr:@db/ehr"), "postgres://ehr:****@db/ehr");
    assert_eq!(redact("hunter2"), "(not a URL)");
}

#[test]
fn a_password_the_url_rules_would_cut_short_is_never_shown_in_part() {
    // Unencoded `/`, `?` and `#` end the host part; no piece of the
    // password may end up shown as a host, a path, a query or a fragment.
    for (url, shown) in [
        ("postgres://ehr:pa/ss@db/ehr", "postgres://****@db/ehr"),
        ("postgres://ehr:pa?ss@db/ehr?schema=s", "postgres://****@db/ehr?schema=s"),
        ("postgres://ehr:pa#ss@db:5432/ehr", "postgres://****@db:5432/ehr"),
        ("postgres://ehr:p@s/s@db:5432/ehr", "postgres://****@db:5432/ehr"),
        ("postgres://ehr:pa?ss=x@db/ehr", "postgres://****@db/ehr"),
        ("postgres://ehr:12?s=s@db/ehr", "postgres://****@db/ehr"),
        ("postgres://ehr:a/b:c@d@db/ehr", "postgres://****@db/ehr"),
    ] {
        assert_eq!(redact(url), shown, "{url}");
        assert!(matches!(split_url(url), Some(Url::Unreadable { .. })), "{url}");
    }
    // A port, an IPv6 host or an `@` in a value that may hold one are not passwords.
    for url in [
        "postgres://db:5432/ehr?application_name=a@b",
        "postgres://[::1]/ehr?application_name=a@b",
        "postgres://u@db/ehr?user=ehr@server&options=-c%20x=y",
    ] {
        assert_eq!(redact(url), url);
    }
}

#[test]
fn every_parameter_named_like_a_secret_is_masked() {
    assert_eq!(
        redact("postgres://db/ehr?sslpassword=p12&pasword=typo&pwd=x&pssword=y&schema=s"),
        "postgres://db/ehr?sslpassword=****&pasword=****&pwd=****&pssword=****&schema=s"
    );
    assert_eq!(
        redact("prisma+postgres://accelerate.prisma-data.net/?api_key=eyJhbGciOi.secret"),
        "prisma+postgres://accelerate.prisma-data.net/?api_key=****"
    );
    assert_eq!(
        redact("postgres://db/ehr?token=t0k3n&apiKey=k&sslmode=require"),
        "postgres://db/ehr?token=****&apiKey=****&sslmode=require"
    );
    for harmless in ["sslmode", "schema", "connection_limit", "application_name", "sslcert", "host"] {
        assert!(!is_secret_key(harmless), "{harmless}");
    }
}

#[test]
fn passwords_are_found_as_written_and_decoded() {
    assert_eq!(passwords("postgres://ehr:p%40ss+w@db/ehr"), ["p%40ss+w", "p@ss w", "p@ss+w"]);
    assert_eq!(passwords("postgres://ehr@db/ehr?PASSWORD=a%20b#x"), ["a%20b", "a b"]);
    assert_eq!(passwords("postgres://ehr:same@db/ehr?password=same"), ["same"]);
    assert!(passwords("postgres://ehr@db/ehr").is_empty());
    assert_eq!(passwords("postgres://db/ehr?api_key=k3y&sslpassword=p12"), ["k3y", "p12"]);
    // Cut short: the whole user info and the part after its first `:`.
    assert_eq!(passwords("postgres://ehr:pa/ss@db/ehr"), ["ehr:pa/ss", "pa/ss"]);
}

#[test]
fn scrubbing_masks_long_secrets_everywhere_and_short_ones_where_they_stand_alone() {
    let secrets = passwords("postgres://u:pw%21@h/d");
    assert_eq!(scrub("bad pw! and pw%21 again pw!", &secrets), "bad **** and **** again ****");
    // A one-letter password must not garble the words that contain it.
    let secrets = passwords("postgres://u:p@h/d");
    assert_eq!(scrub("failed to lookup p: no", &secrets), "failed to lookup ****: no");
    let secrets = vec!["Sup3rS3cretValue".to_owned()];
    assert_eq!(scrub("xSup3rS3cretValuex", &secrets), "x****x");
}

#[test]
fn mask_finds_urls_and_secret_pairs_in_running_text() {
    assert_eq!(
        mask(r#"+  url = "postgres://ehr:Sup3r@db:5432/ehr?sslmode=require""#),
        r#"+  url = "postgres://ehr:****@db:5432/ehr?sslmode=require""#
    );
    assert_eq!(
        mask("cannot connect to postgresql://u:p/w@db/ehr: refused"),
        "cannot connect to postgresql://****@db/ehr: refused"
    );
    // The sentence's punctuation after a URL stays where it is.
    assert_eq!(
        mask("invalid database URL prisma+postgres://a.net/?api_key=k3y: refused"),
        "invalid database URL prisma+postgres://a.net/?api_key=****: refused"
    );
    assert_eq!(mask("see postgres://u:pw@h/d."), "see postgres://u:****@h/d.");
    assert_eq!(mask("conninfo host=db password=hunter2 user=ehr"), "conninfo host=db password=**** user=ehr");
    assert_eq!(mask("DATABASE_URL='postgres://a:b@c/d'"), "DATABASE_URL='postgres://a:****@c/d'");
    // Nothing to mask: the same text, not a copy.
    assert!(matches!(mask("see https://example.com/docs and key ordering"), Cow::Borrowed(_)));
}

#[test]
fn secret_ranges_point_at_the_secrets_of_a_source_line() {
    let line = r#"  url = "postgres://ehr:Sup3r@db/ehr?password=x2&sslmode=require""#;
    let ranges = secret_ranges(line);
    let texts: Vec<&str> = ranges.iter().map(|r| &line[r.clone()]).collect();
    assert_eq!(texts, ["Sup3r", "x2"]);
    let line = r#"  directUrl = "postgres://ehr:pa/ss@db/ehr""#;
    let texts: Vec<&str> = secret_ranges(line).into_iter().map(|r| &line[r]).collect();
    assert_eq!(texts, ["ehr:pa/ss"]);
    assert!(secret_ranges("model Patient {").is_empty());
}
