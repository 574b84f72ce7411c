//! `ehrdb check`: a production-readiness audit of the schema, the
//! connection settings and a live database.
//!
//! Takes [`Inputs`]: the parsed fragments with their diagnostics and
//! relational model, the merged file on disk, the migrations folder, the
//! parsed URL and what the server answered ([`live::Live`], gathered by the
//! command beforehand). Returns [`Finding`]s, passed ones included, which a
//! [`Report`] scores and grades (the model is in `findings`). Each check is one small function named for
//! what must hold, listed in order in [`CHECKS`]; every check returns at
//! least one finding, so a report always shows what was looked at. Nothing
//! here opens a connection, prints, or changes anything.
//!
//! Priorities: P0 critical (fix before the release), P1 high, P2 medium.
//! They are written for production; with [`Env::Development`] every TLS
//! failure counts as P2, since a database on a laptop need not encrypt.
//!
//! Scoring: 100 minus 25 per P0, 10 per P1 and 3 per P2 finding, never
//! below 0. The grade follows the score (A from 90, B from 80, C from 70,
//! D from 60, F below) with two caps: an A needs no P0 and no P1 (one P1
//! grades B at best), and any P0 grades D at best. Skipped and inconclusive
//! findings cost nothing: the report says how many there were instead.

pub mod application;
mod configuration;
mod findings;
mod hba;
mod immutability;
mod indexes;
mod inputs;
mod integrity;
pub mod live;
mod pool;
pub mod probe;
mod replication;
pub mod report;
mod tls;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_live;

pub(crate) use findings::Spec;
pub use findings::{Area, Connection, Env, Finding, Grade, Priority, Report, Verdict, grade, score};
pub use inputs::{DEFAULT_STATS_WINDOW_DAYS, Inputs, NO_APPLICATION};
pub(crate) use inputs::{diagnostics_seen, listed};
pub use live::Live;
pub use tls::url_parameter;

/// A check: reads the inputs, returns at least one finding.
pub type Check = fn(&Inputs) -> Vec<Finding>;

/// Every check, in report order: by area, static ones before live ones.
pub const CHECKS: &[Check] = &[
    tls::sslmode_requires_tls,
    tls::the_server_certificate_is_verified,
    tls::the_server_has_ssl_on,
    tls::this_connection_is_encrypted,
    tls::tls_is_at_least_1_2,
    hba::remote_clients_need_tls,
    pool::the_connection_limit_is_set,
    pool::the_pool_timeout_is_set,
    pool::a_transaction_pooler_has_pgbouncer_true,
    pool::the_instances_fit_in_max_connections,
    pool::connections_in_use_stay_below_80_percent,
    replication::no_slot_retains_wal_unread,
    replication::replicas_keep_up,
    replication::replicas_let_reports_finish,
    replication::replicas_carry_the_immutability_triggers,
    indexes::foreign_keys_have_an_index,
    indexes::live_foreign_keys_have_an_index,
    indexes::every_index_is_used,
    indexes::no_two_indexes_are_the_same,
    indexes::every_index_is_valid,
    immutability::the_trigger_function_is_ehrdbs,
    immutability::every_immutable_table_has_its_triggers,
    immutability::no_session_skips_the_triggers,
    immutability::only_marked_tables_have_the_triggers,
    immutability::only_owners_may_add_triggers,
    immutability::the_database_refuses_changes,
    integrity::the_fragments_validate,
    integrity::schema_prisma_matches_the_fragments,
    integrity::ehrdb_sum_matches_the_migrations,
    integrity::every_migration_is_applied,
    integrity::the_database_matches_the_schema,
    configuration::the_datasource_url_holds_no_password,
    configuration::the_generator_has_an_output_path,
    configuration::binary_targets_include_the_deployment,
    configuration::slow_queries_are_logged,
    application::prisma_client_is_generated_before_the_build,
    application::the_build_copies_the_client,
    application::migrations_are_applied_by_deploy,
    application::the_package_has_migration_scripts,
    application::one_client_instance,
    application::the_client_disconnects_on_shutdown,
    application::the_database_has_a_health_check,
    application::queries_are_logged_by_environment,
    application::slow_queries_are_logged_in_the_app,
    application::urls_are_not_set_in_code,
    application::ci_validates_the_schema,
    application::a_pre_commit_hook_validates_the_schema,
    application::the_env_example_documents_the_url,
    application::tests_have_their_own_database,
    application::no_committed_env_file_holds_a_password,
];

/// Runs every check and applies the environment's severities.
pub fn run(inputs: &Inputs, env: Env) -> Vec<Finding> {
    let mut findings: Vec<Finding> = CHECKS.iter().flat_map(|check| check(inputs)).collect();
    if env == Env::Development {
        for finding in findings.iter_mut().filter(|f| f.area == Area::Tls) {
            if let Verdict::Failed(severity) = &mut finding.outcome {
                *severity = Priority::P2;
            }
        }
    }
    findings
}

/// The server's answers, or why a live check cannot run.
pub(crate) fn server<'i>(inputs: &'i Inputs) -> Result<&'i live::Server, &'static str> {
    match &inputs.live {
        Live::Connected(server) => Ok(server),
        Live::NoUrl => Err("no connection"),
        Live::Unreachable(_) => Err("cannot connect to the database"),
    }
}

pub(crate) use crate::text::count;
