//! TLS: what the URL asks for, and what the server and this session do.
//!
//! The URL checks read [`Target::ssl`] and the `sslmode` text as written:
//! Prisma's query engine (Prisma 6) knows only `disable`, `prefer` and
//! `require` and reads libpq's other spellings (`allow`, `verify-ca`,
//! `verify-full`) as `prefer`, so a URL that ehrdb reads as verified TLS
//! can give the application plain text. That engine also verifies the
//! server's certificate only with `sslaccept=strict`, where ehrdb (as
//! libpq) verifies against an `sslrootcert` CA as well. Prisma 7 connects
//! through a driver adapter, which reads libpq's spellings as libpq does.

use super::{Area, Finding, Inputs, Live, Priority, Spec, server};
use crate::db::url::SslMode;

const SSLMODE: Spec = Spec {
    id: "tls-sslmode",
    area: Area::Tls,
    why: "Patient data crosses the network on every query. Without sslmode=require the client falls back to plain \
          text whenever TLS is not offered, which an attacker in the path can arrange; Prisma's default is prefer.",
    fix: "Add sslmode=require to the URL, with sslaccept=strict to verify the server's certificate (and \
          sslcert=<CA file> for a private CA).",
};

const VERIFIED: Spec = Spec {
    id: "tls-certificate-not-verified",
    area: Area::Tls,
    why: "TLS without certificate verification encrypts the traffic but not to whom: anyone in the path can \
          present a certificate of their own and read everything. Prisma does not verify unless told to.",
    fix: "Add sslaccept=strict to the URL, and sslcert=<CA file> (relative to schema.prisma) when the server's \
          certificate comes from a private CA such as your cloud provider's.",
};

const SERVER_SSL: Spec = Spec {
    id: "tls-server-ssl",
    area: Area::Tls,
    why: "With ssl off the server cannot encrypt any connection, whatever the clients ask for.",
    fix: "Set ssl = on with ssl_cert_file and ssl_key_file in postgresql.conf and reload (on a managed \
          service, enable TLS or force it in the instance's settings).",
};

const SESSION: Spec = Spec {
    id: "tls-connection-encrypted",
    area: Area::Tls,
    why: "ehrdb connects with the application's URL: when its own session is not encrypted, the \
          application's are not either.",
    fix: "Turn ssl on at the server and set sslmode=require in the URL.",
};

const VERSION: Spec = Spec {
    id: "tls-version",
    area: Area::Tls,
    why: "TLS 1.0 and 1.1 are deprecated (RFC 8996) and have known weaknesses; health-data regulators expect \
          TLS 1.2 or later.",
    fix: "Set ssl_min_protocol_version = 'TLSv1.2' (or 'TLSv1.3') in postgresql.conf and reload.",
};

/// The libpq spellings Prisma's query engine reads as `prefer`.
const READ_AS_PREFER_BY_PRISMA_6: [&str; 3] = ["allow", "verify-ca", "verify-full"];

/// The `sslmode` text when Prisma's query engine reads it as `prefer`.
fn prisma_reads_as_prefer<'i>(inputs: &'i Inputs) -> Option<&'i str> {
    let text = inputs.sslmode_text.as_deref()?;
    (inputs.prisma_major <= 6 && READ_AS_PREFER_BY_PRISMA_6.contains(&text)).then_some(text)
}

pub(super) fn sslmode_requires_tls(inputs: &Inputs) -> Vec<Finding> {
    let target = match &inputs.target {
        Some(target) => target,
        None => return vec![SSLMODE.skipped("no database URL")],
    };
    if let Some(text) = prisma_reads_as_prefer(inputs) {
        return vec![
            SSLMODE
                .failed(
                    Priority::P0,
                    format!(
                        "sslmode={text}: Prisma {}'s query engine knows only disable, prefer and require, and reads \
                         {text} as prefer, which falls back to plain text",
                        inputs.prisma_major
                    ),
                )
                .with_fix(
                    "Write sslmode=require&sslaccept=strict (and sslcert=<CA file> for a private CA): that is how \
                     Prisma spells verified TLS.",
                ),
        ];
    }
    let finding = match (target.ssl.mode_given, target.ssl.mode) {
        (false, _) => SSLMODE.failed(
            Priority::P0,
            "sslmode is not in the URL: Prisma uses prefer, which falls back to plain text when TLS is not offered",
        ),
        (true, SslMode::Disable) => SSLMODE.failed(Priority::P0, "sslmode=disable: no connection is encrypted"),
        (true, SslMode::Prefer) => SSLMODE.failed(
            Priority::P0,
            format!(
                "sslmode={}: TLS is used only when the server offers it, plain text otherwise",
                inputs.sslmode_text.as_deref().unwrap_or("prefer")
            ),
        ),
        (true, SslMode::Require) => SSLMODE.passed("the URL requires TLS"),
    };
    vec![finding]
}

pub(super) fn the_server_certificate_is_verified(inputs: &Inputs) -> Vec<Finding> {
    let target = match &inputs.target {
        Some(target) => target,
        None => return vec![VERIFIED.skipped("no database URL")],
    };
    if target.ssl.mode != SslMode::Require || prisma_reads_as_prefer(inputs).is_some() {
        return vec![VERIFIED.skipped("the URL does not require TLS (see tls-sslmode)")];
    }
    // Prisma's query engine accepts any certificate unless told `strict`.
    let verify = match inputs.prisma_major {
        ..=6 => inputs.sslaccept_text.as_deref() == Some("strict"),
        _ => target.ssl.verify,
    };
    let finding = match (verify, &target.ssl.root_cert) {
        (false, _) => VERIFIED.failed(
            Priority::P1,
            "TLS is required but the server's certificate is not verified (Prisma's query engine verifies only \
             with sslaccept=strict)",
        ),
        (true, Some(cert)) => {
            VERIFIED.passed(format!("the server's certificate is verified against {}", cert.display()))
        }
        (true, None) => VERIFIED.passed("the server's certificate is verified against the client's default CA roots"),
    };
    vec![finding]
}

/// What the driver says when the server answers a TLS request with no.
const TLS_REFUSED: &str = "server does not support TLS";

pub(super) fn the_server_has_ssl_on(inputs: &Inputs) -> Vec<Finding> {
    let server = match (&inputs.live, server(inputs)) {
        // The server's answer to the TLS request is enough to know.
        (Live::Unreachable(error), _) if error.contains(TLS_REFUSED) => {
            return vec![SERVER_SSL.failed(
                Priority::P0,
                "the server refused TLS when ehrdb asked for it (\"server does not support TLS\"): ssl is off, and \
                 a URL that requires TLS cannot connect at all",
            )];
        }
        (_, Ok(server)) => server,
        (_, Err(reason)) => return vec![SERVER_SSL.skipped(reason)],
    };
    let finding = match &server.settings {
        Err(why) => SERVER_SSL.inconclusive(why.clone(), ""),
        Ok(settings) if settings.ssl => SERVER_SSL.passed("ssl = on"),
        Ok(_) => SERVER_SSL.failed(Priority::P0, "ssl = off: the server accepts no TLS connection"),
    };
    vec![finding]
}

pub(super) fn this_connection_is_encrypted(inputs: &Inputs) -> Vec<Finding> {
    let server = match server(inputs) {
        Ok(server) => server,
        Err(reason) => return vec![SESSION.skipped(reason)],
    };
    let finding = match &server.session_ssl {
        Err(why) => SESSION.inconclusive(why.clone(), ""),
        Ok(session) if session.ssl => SESSION.passed(format!(
            "ehrdb's session is encrypted ({})",
            session.version.as_deref().unwrap_or("TLS version not reported")
        )),
        Ok(_) => SESSION.failed(Priority::P0, "ehrdb's session is not encrypted (pg_stat_ssl.ssl = false)"),
    };
    vec![finding]
}

pub(super) fn tls_is_at_least_1_2(inputs: &Inputs) -> Vec<Finding> {
    let server = match server(inputs) {
        Ok(server) => server,
        Err(reason) => return vec![VERSION.skipped(reason)],
    };
    let settings = match &server.settings {
        Err(why) => return vec![VERSION.inconclusive(why.clone(), "")],
        Ok(settings) if !settings.ssl => return vec![VERSION.skipped("the server has ssl off (see tls-server-ssl)")],
        Ok(settings) => settings,
    };
    let old = |version: &str| matches!(version, "" | "SSLv3" | "TLSv1" | "TLSv1.1");
    let minimum = match settings.ssl_min_protocol_version.as_str() {
        "" => "(none)",
        minimum => minimum,
    };
    let session = server.session_ssl.as_ref().ok().and_then(|s| s.version.as_deref());
    let mut below = Vec::new();
    if old(&settings.ssl_min_protocol_version) {
        below.push(format!("ssl_min_protocol_version = {minimum} lets clients use TLS below 1.2"));
    }
    if let Some(version) = session.filter(|v| old(v)) {
        below.push(format!("ehrdb's session uses {version}"));
    }
    let finding = if below.is_empty() {
        let session = session.map(|v| format!("; ehrdb's session uses {v}")).unwrap_or_default();
        VERSION.passed(format!("ssl_min_protocol_version = {minimum}{session}"))
    } else {
        VERSION.failed(Priority::P1, below.join("; "))
    };
    vec![finding]
}

/// The parameter `key` of `url` as written, lower-cased; `None` when the
/// URL has none. For the TLS parameters only: it never decodes a value.
pub fn url_parameter(url: &str, key: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    query.split('&').find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        (name == key).then(|| value.to_ascii_lowercase())
    })
}
