//! TLS in pg_hba.conf: whether a client from another machine can connect
//! without it.
//!
//! Takes the rules `pg_hba_file_rules` read (superusers only, unless
//! granted) and returns one finding: the rules that admit a remote client
//! over a connection that need not be encrypted. Such a rule is a `host`,
//! `hostnossl` or `hostnogssenc` line (only `hostssl` and `hostgssenc` need
//! encryption) that does not reject, for an address other than the
//! loopback ones (127.0.0.0/8, ::1) or `samehost`, and that no earlier
//! `reject` line for plain connections shadows (the server takes the first
//! line that matches). Lines with an error are not judged: the server
//! cannot load the file while they are there, and the report says so. The
//! view shows the file as it is now, which may be newer than what the
//! server loaded.

use std::net::IpAddr;

use super::live::HbaRule;
use super::{Area, Finding, Inputs, Priority, Spec, server};

const HBA: Spec = Spec {
    id: "tls-hba-no-ssl",
    area: Area::Tls,
    why: "pg_hba.conf decides how each client may connect. A `host` line (rather than `hostssl`) for addresses \
          beyond this machine accepts the connection encrypted or not, so a client with a missing or weak sslmode \
          sends passwords and patient data in plain text, and the server never refuses it.",
    fix: "Write hostssl instead of host on those lines (host is fine for 127.0.0.1/32 and ::1/128), or put \
          `hostnossl all all 0.0.0.0/0 reject` and `hostnossl all all ::/0 reject` above them, then SELECT \
          pg_reload_conf(). On a managed service, turn on its force-TLS setting instead (rds.force_ssl on \
          Amazon RDS, require_secure_transport on Azure).",
};

/// How many offending lines a finding lists.
const SHOWN: usize = 5;

/// What a rule's address column matches.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Address {
    /// `all`: any IP address.
    All,
    /// `samehost`: the server's own addresses.
    SameHost,
    /// `samenet`: any subnet the server is directly connected to.
    SameNet,
    /// An IP address with the prefix length of its mask.
    Net(IpAddr, u32),
    /// A host name (or `.domain` suffix), resolved at connection time.
    Name(String),
}

impl Address {
    fn of(rule: &HbaRule) -> Option<Address> {
        let address = rule.address.as_deref()?;
        let parsed = match address {
            "all" => Address::All,
            "samehost" => Address::SameHost,
            "samenet" => Address::SameNet,
            _ => match address.parse::<IpAddr>() {
                Ok(ip) => {
                    let full = if ip.is_ipv4() { 32 } else { 128 };
                    let prefix = match rule.netmask.as_deref().map(str::parse::<IpAddr>) {
                        Some(Ok(IpAddr::V4(mask))) => u32::from(mask).leading_ones(),
                        Some(Ok(IpAddr::V6(mask))) => u128::from(mask).leading_ones(),
                        _ => full,
                    };
                    Address::Net(ip, prefix)
                }
                Err(_) => Address::Name(address.to_ascii_lowercase()),
            },
        };
        Some(parsed)
    }

    /// Whether only this machine can connect from it.
    fn is_local(&self) -> bool {
        match self {
            Address::SameHost => true,
            Address::Name(name) => name == "localhost",
            Address::Net(IpAddr::V4(ip), prefix) => ip.octets()[0] == 127 && *prefix >= 8,
            Address::Net(IpAddr::V6(ip), prefix) => match ip.to_ipv4_mapped() {
                Some(v4) => v4.octets()[0] == 127 && *prefix >= 104,
                None => ip.is_loopback() && *prefix == 128,
            },
            Address::All | Address::SameNet => false,
        }
    }

    /// Whether every address `other` matches, this one matches too.
    fn covers(&self, other: &Address) -> bool {
        match (self, other) {
            (Address::All, _) => true,
            (Address::Net(net, prefix), Address::Net(ip, other_prefix)) if prefix <= other_prefix => match (net, ip) {
                (IpAddr::V4(net), IpAddr::V4(ip)) => {
                    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
                    u32::from(*net) & mask == u32::from(*ip) & mask
                }
                (IpAddr::V6(net), IpAddr::V6(ip)) => {
                    let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
                    u128::from(*net) & mask == u128::from(*ip) & mask
                }
                _ => false,
            },
            _ => self == other,
        }
    }

    fn text(&self) -> String {
        match self {
            Address::All => "all".to_owned(),
            Address::SameHost => "samehost".to_owned(),
            Address::SameNet => "samenet".to_owned(),
            Address::Net(ip, prefix) => format!("{ip}/{prefix}"),
            Address::Name(name) => name.clone(),
        }
    }
}

/// Whether a connection without TLS can match the rule's type.
fn admits_plain_text(kind: &str) -> bool {
    matches!(kind, "host" | "hostnossl" | "hostnogssenc")
}

/// Whether `names` (a rule's databases or users) include every name of
/// `other`. `all` covers every database but `replication`, which only a
/// rule naming it matches.
fn names_cover(names: &[String], other: &[String]) -> bool {
    let all = names.iter().any(|n| n == "all");
    other.iter().all(|name| (all && name != "replication") || names.contains(name))
}

/// A rule as pg_hba.conf would spell it, with where it is.
fn describe(rule: &HbaRule, address: &Address) -> String {
    let file = rule.file.as_deref().and_then(|f| f.rsplit('/').next()).unwrap_or("pg_hba.conf");
    format!(
        "{file} line {}: {} {} {} {} {}",
        rule.line,
        rule.kind.as_deref().unwrap_or("?"),
        rule.databases.join(","),
        rule.users.join(","),
        address.text(),
        rule.auth_method.as_deref().unwrap_or("?"),
    )
}

/// The rules that let a remote client in without TLS, as text.
fn plain_text_rules(rules: &[HbaRule]) -> Vec<String> {
    // Earlier `reject` lines that catch plain connections: later lines they
    // cover are never reached by them.
    let mut rejects: Vec<(&HbaRule, Address)> = Vec::new();
    let mut found = Vec::new();
    for rule in rules.iter().filter(|r| r.error.is_none()) {
        let (Some(kind), Some(address)) = (rule.kind.as_deref(), Address::of(rule)) else { continue };
        if !admits_plain_text(kind) {
            continue;
        }
        if rule.auth_method.as_deref() == Some("reject") {
            rejects.push((rule, address));
            continue;
        }
        let shadowed = rejects.iter().any(|(reject, reject_address)| {
            reject_address.covers(&address)
                && names_cover(&reject.databases, &rule.databases)
                && names_cover(&reject.users, &rule.users)
        });
        if !address.is_local() && !shadowed {
            found.push(describe(rule, &address));
        }
    }
    found
}

pub(super) fn remote_clients_need_tls(inputs: &Inputs) -> Vec<Finding> {
    let server = match server(inputs) {
        Ok(server) => server,
        Err(reason) => return vec![HBA.skipped(reason)],
    };
    let rules = match &server.hba_rules {
        Ok(rules) => rules,
        Err(why) => return vec![HBA.inconclusive(why.clone(), "")],
    };
    let errors = rules.iter().filter(|r| r.error.is_some()).count();
    let unjudged = match errors {
        0 => String::new(),
        n => format!("; {} not judged (see pg_hba_file_rules.error)", super::count(n, "line with an error")),
    };
    let plain = plain_text_rules(rules);
    let finding = if plain.is_empty() {
        let remote = rules
            .iter()
            .filter(|r| r.error.is_none() && Address::of(r).is_some_and(|a| !a.is_local()))
            .filter(|r| r.auth_method.as_deref() != Some("reject"))
            .count();
        let judged = rules.len() - errors;
        let seen = match remote {
            0 => format!(
                "pg_hba.conf admits no remote client: its {} for local connections",
                if judged == 1 { "1 rule is".to_owned() } else { format!("{judged} rules are") }
            ),
            n => format!("remote clients are admitted only over TLS ({n} of {judged} rules)"),
        };
        HBA.passed(format!("{seen}{unjudged}"))
    } else {
        let seen = format!(
            "{} remote clients without TLS: {}{unjudged}",
            if plain.len() == 1 { "1 rule admits" } else { "rules admit" },
            super::listed(plain.len(), &plain[..plain.len().min(SHOWN)]),
        );
        HBA.failed(Priority::P1, seen)
    };
    vec![finding]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(line: i32, text: &str) -> HbaRule {
        let words: Vec<&str> = text.split_whitespace().collect();
        let list = |word: &str| word.split(',').map(str::to_owned).collect::<Vec<_>>();
        let (address, netmask, auth) = match words[0] {
            "local" => (None, None, words[3]),
            _ => match words[3].split_once('/') {
                Some((ip, bits)) => {
                    let bits: u32 = bits.parse().unwrap();
                    let mask: IpAddr = if ip.contains(':') {
                        std::net::Ipv6Addr::from(u128::MAX.checked_shl(128 - bits).unwrap_or(0)).into()
                    } else {
                        std::net::Ipv4Addr::from(u32::MAX.checked_shl(32 - bits).unwrap_or(0)).into()
                    };
                    (Some(ip.to_owned()), Some(mask.to_string()), words[4])
                }
                None => (Some(words[3].to_owned()), None, words[4]),
            },
        };
        HbaRule {
            file: None,
            line,
            kind: Some(words[0].to_owned()),
            databases: list(words[1]),
            users: list(words[2]),
            address,
            netmask,
            auth_method: Some(auth.to_owned()),
            error: None,
        }
    }

    fn plain(lines: &[&str]) -> Vec<String> {
        let rules: Vec<HbaRule> = lines.iter().enumerate().map(|(i, l)| rule(i as i32 + 1, l)).collect();
        plain_text_rules(&rules)
    }

    #[test]
    fn host_lines_for_remote_addresses_admit_plain_text() {
        assert_eq!(plain(&["host all all 0.0.0.0/0 trust"]), ["pg_hba.conf line 1: host all all 0.0.0.0/0 trust"]);
        assert_eq!(plain(&["hostnossl all app 10.0.0.0/8 scram-sha-256"]).len(), 1);
        assert_eq!(plain(&["hostnogssenc all all ::/0 md5"]).len(), 1);
        assert_eq!(plain(&["host all all samenet md5"]).len(), 1);
        assert_eq!(plain(&["host all all all md5"]).len(), 1);
        assert_eq!(plain(&["host all all .example.com md5"]).len(), 1);
        assert_eq!(plain(&["host replication all 192.168.1.7/32 md5"]).len(), 1);
    }

    #[test]
    fn tls_only_local_and_rejecting_lines_do_not() {
        let fine = [
            "local all all trust",
            "host all all 127.0.0.1/32 trust",
            "host all all 127.0.0.0/8 trust",
            "host all all ::1/128 trust",
            "host all all ::ffff:127.0.0.1/128 trust",
            "host all all samehost trust",
            "host all all localhost trust",
            "hostssl all all 0.0.0.0/0 scram-sha-256",
            "hostgssenc all all 0.0.0.0/0 gss",
            "host all all 0.0.0.0/0 reject",
        ];
        assert!(plain(&fine).is_empty(), "{:?}", plain(&fine));
        // 127.0.0.0/7 reaches 126.x, which is another machine.
        assert_eq!(plain(&["host all all 127.0.0.0/7 trust"]).len(), 1);
        assert_eq!(plain(&["host all all ::/0 trust"]).len(), 1);
    }

    #[test]
    fn an_earlier_reject_for_plain_connections_shadows_later_lines() {
        let shadowed = ["hostnossl all all 0.0.0.0/0 reject", "host all all 10.0.0.0/8 scram-sha-256"];
        assert!(plain(&shadowed).is_empty());
        assert!(plain(&["host all all all reject", "host all all ::/0 md5"]).is_empty());
        // After the line it is too late; IPv4 does not cover IPv6; a
        // narrower network, database or user list leaves the rest open.
        assert_eq!(plain(&["host all all 10.0.0.0/8 md5", "hostnossl all all 0.0.0.0/0 reject"]).len(), 1);
        assert_eq!(plain(&["hostnossl all all 0.0.0.0/0 reject", "host all all ::/0 md5"]).len(), 1);
        assert_eq!(plain(&["hostnossl all all 10.1.0.0/16 reject", "host all all 10.0.0.0/8 md5"]).len(), 1);
        assert_eq!(plain(&["hostnossl ehr all 0.0.0.0/0 reject", "host all all 10.0.0.0/8 md5"]).len(), 1);
        assert_eq!(plain(&["hostnossl all app 0.0.0.0/0 reject", "host all all 10.0.0.0/8 md5"]).len(), 1);
        // `all` does not match replication connections.
        assert_eq!(plain(&["hostnossl all all 0.0.0.0/0 reject", "host replication all 10.0.0.0/8 md5"]).len(), 1);
        // A hostssl reject is no shield for plain connections.
        assert_eq!(plain(&["hostssl all all 0.0.0.0/0 reject", "host all all 10.0.0.0/8 md5"]).len(), 1);
    }
}
