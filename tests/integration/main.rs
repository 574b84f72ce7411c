//! ehrdb's integration tests: one binary, so the crate and its
//! dependencies are linked once.

mod support;

mod adopt;
mod adoption;
mod baseline;
mod check_app;
mod check_cli;
mod check_live;
mod check_tls;
mod cli;
mod db_apply;
mod db_commands;
mod db_safety;
mod db_steps;
mod db_url;
mod diagram;
mod fmt;
mod hardening;
mod introspect;
mod lint;
mod lower;
mod merge;
mod migrate_cli;
mod migrations;
mod parse;
mod pg_harness;
mod props;
mod renames;
mod roundtrip;
mod secrets;
mod topology;
mod validate;

mod ci_output;
mod levels;
mod shell;
mod split;
