//! ehrdb's own rules: what squawk cannot know and an EHR needs.
//!
//! Takes a [`Script`] and the [`Context`] of the schema and returns
//! findings: SQL that would switch off the database's protection of the
//! append-only (audit) tables, or change their rows; drops and renames of
//! tables and columns the schema still reads; statements PostgreSQL
//! refuses in the transaction they would run in. Each rule is one function
//! named for what must hold, walking squawk's syntax tree. The exemptions
//! every rule shares (a table the file created, a trigger dropped and
//! created again in one transaction) are applied later, in `lint::exempt`.

use squawk_syntax::ast::{self, AstNode};
use squawk_syntax::{SyntaxKind, SyntaxNode};

use super::context::{Context, IMMUTABILITY_FUNCTION, IMMUTABILITY_TRIGGERS};
use super::effects::Object;
use super::names::{ObjectName, has_keyword, ident, name_of, path_name};
use super::script::Script;
use super::{FileKind, Finding, Kind};

/// ehrdb's codes with the kind of hazard each reports, in README's order.
pub(crate) const CODES: &[(&str, Kind)] = &[
    ("drop-immutability-trigger", Kind::Compat),
    ("disable-immutability-trigger", Kind::Always),
    ("drop-immutability-function", Kind::Compat),
    ("session-replication-role", Kind::Always),
    ("truncate-immutable-table", Kind::Always),
    ("delete-from-immutable-table", Kind::Always),
    ("update-immutable-table", Kind::Always),
    ("drop-of-table-in-use", Kind::Compat),
    ("drop-of-column-in-use", Kind::Compat),
    ("rename-of-table-in-use", Kind::Compat),
    ("rename-of-column-in-use", Kind::Compat),
    ("cannot-run-in-transaction", Kind::Always),
];

/// An ehrdb finding that says more than a squawk one on the same
/// statement replaces it: (ehrdb's code, squawk's code).
pub(crate) const SUPERSEDES: &[(&str, &str)] = &[
    ("drop-of-table-in-use", "ban-drop-table"),
    ("drop-of-column-in-use", "ban-drop-column"),
    ("rename-of-table-in-use", "renaming-table"),
    ("rename-of-column-in-use", "renaming-column"),
    ("drop-immutability-function", "ban-drop-function"),
];

/// Every ehrdb rule over every statement.
pub(crate) fn run(script: &Script, context: &Context, kind: FileKind) -> Vec<Finding> {
    let mut rules = Rules { script, context, findings: Vec::new() };
    for index in 0..script.statements.len() {
        rules.immutability_triggers_stay(index);
        rules.immutability_function_stays(index);
        rules.replication_role_stays_origin(index);
        rules.immutable_rows_stay(index);
        // down.sql undoes its migration: the schema it moves away from
        // is, by design, the one it no longer matches.
        if kind == FileKind::Up {
            rules.what_the_schema_reads_stays(index);
        }
        rules.statements_fit_their_transaction(index);
    }
    rules.findings
}

struct Rules<'a> {
    script: &'a Script,
    context: &'a Context,
    findings: Vec<Finding>,
}

impl Rules<'_> {
    fn push(&mut self, index: usize, code: &'static str, node: &SyntaxNode, message: String, label: &str, help: &str) {
        let kind = CODES.iter().find(|(c, _)| *c == code).map(|(_, kind)| *kind).expect("a listed code");
        let range = node.text_range();
        self.findings.push(Finding {
            code,
            kind,
            range: usize::from(range.start())..usize::from(range.end()),
            message,
            label: label.to_owned(),
            notes: vec![help.to_owned()],
            statement: Some(index),
        });
    }

    /// The columns an UPDATE may change, when `table` is append-only: in
    /// the schema, or made so by an earlier statement of this file.
    fn immutable(&self, index: usize, table: &ObjectName) -> Option<Vec<String>> {
        if let Some(known) = self.context.immutable_table(table) {
            return Some(known.allow_update.clone());
        }
        self.script.statements[..index].iter().rev().find_map(|statement| match &statement.node {
            ast::Stmt::CreateTrigger(create)
                if is_immutability_trigger(create.trigger().map(|t| t.syntax().clone())) =>
            {
                let on = create.on_relation().and_then(|on| name_of(on.relation_name_ref()))?;
                let call = create.call_expr()?;
                on.same(table).then(|| string_arguments(call.syntax()))
            }
            _ => None,
        })
    }

    /// The triggers that make a table append-only are never dropped or
    /// switched off.
    fn immutability_triggers_stay(&mut self, index: usize) {
        let statement = &self.script.statements[index];
        match &statement.node {
            ast::Stmt::DropTrigger(drop) => {
                let Some(Object::Trigger(table, trigger)) = statement.effects.drops.first() else { return };
                if IMMUTABILITY_TRIGGERS.contains(&trigger.as_str()) {
                    let what = if trigger.ends_with("truncate") { "truncated" } else { "updated and deleted" };
                    self.push(
                        index,
                        "drop-immutability-trigger",
                        drop.syntax(),
                        format!("drops `{trigger}` on `{table}`: its rows can then be {what}"),
                        "the trigger that keeps this table append-only",
                        "an audit table's history must stay as it was written; if the model is no longer \
                         `@ehrdb.immutable`, accept this with `-- ehrdb:allow drop-immutability-trigger` and say why",
                    );
                }
            }
            ast::Stmt::AlterTable(alter) => {
                let Some(table) = name_of(alter.table_relation_name()) else { return };
                for action in alter.actions() {
                    let (node, replica) = match &action {
                        ast::AlterTableAction::DisableTrigger(disable) => (disable.syntax().clone(), false),
                        ast::AlterTableAction::EnableReplicaTrigger(enable) => (enable.syntax().clone(), true),
                        _ => continue,
                    };
                    let named = node.descendants().find(|n| n.kind() == SyntaxKind::TRIGGER_REF);
                    let hits = match named {
                        Some(_) => is_immutability_trigger(named),
                        None => self.immutable(index, &table).is_some(),
                    };
                    if hits {
                        let how = if replica { "fires only in replication sessions" } else { "is disabled" };
                        self.push(
                            index,
                            "disable-immutability-trigger",
                            &node,
                            format!("switches off the immutability of `{table}`: its trigger {how}"),
                            "no longer enforced from here",
                            "rows of an append-only table are never changed, not even by a migration; correct a \
                             record by adding a new row (an amendment)",
                        );
                    }
                }
            }
            _ => {}
        }
    }

    /// The shared trigger function stays: dropping it (with CASCADE)
    /// drops every immutability trigger at once.
    fn immutability_function_stays(&mut self, index: usize) {
        let statement = &self.script.statements[index];
        let ast::Stmt::DropFunction(drop) = &statement.node else { return };
        let hit =
            statement.effects.drops.iter().any(|o| matches!(o, Object::Function(f) if f.name == IMMUTABILITY_FUNCTION));
        if hit {
            let cascade = has_keyword(drop.syntax(), SyntaxKind::CASCADE_KW);
            let what = if cascade {
                "and, with CASCADE, every immutability trigger"
            } else {
                "which every immutability trigger calls"
            };
            self.push(
                index,
                "drop-immutability-function",
                drop.syntax(),
                format!("drops `{IMMUTABILITY_FUNCTION}()`, {what}"),
                "the function behind every append-only table",
                "keep the function while any model is `@ehrdb.immutable`; `ehrdb migrate` drops it with the last one",
            );
        }
    }

    /// Nothing sets `session_replication_role` to `replica`, which
    /// silences every ordinary trigger, the immutability triggers included.
    fn replication_role_stays_origin(&mut self, index: usize) {
        let node = self.script.statements[index].node.syntax().clone();
        for setting in node.descendants() {
            let value = match setting.kind() {
                SyntaxKind::SET_CONFIG | SyntaxKind::SET_CONFIG_PARAM => {
                    let parameter = setting.children().find(|n| n.kind() == SyntaxKind::CONFIG_PARAMETER_REF);
                    if parameter.and_then(|p| path_name(&p)).is_none_or(|p| p.name != REPLICATION_ROLE) {
                        continue;
                    }
                    let value = setting.children().find(|n| n.kind() != SyntaxKind::CONFIG_PARAMETER_REF);
                    value.map(|v| config_value(&v))
                }
                SyntaxKind::CALL_EXPR => {
                    let Some(arguments) = set_config_arguments(&setting) else { continue };
                    if arguments.first().is_none_or(|a| !a.eq_ignore_ascii_case(REPLICATION_ROLE)) {
                        continue;
                    }
                    // A value that is not a literal may be anything.
                    Some(arguments.get(1).cloned().unwrap_or_else(|| "?".to_owned()))
                }
                _ => continue,
            };
            let value = value.unwrap_or_default().to_ascii_lowercase();
            if value != "origin" && value != "default" {
                self.push(
                    index,
                    "session-replication-role",
                    &setting,
                    format!("sets session_replication_role to `{value}`: ordinary triggers stop firing"),
                    "the immutability triggers included",
                    "nothing in a migration may bypass the triggers that keep audit tables append-only; if data \
                     must be loaded, load it with the triggers on",
                );
            }
        }
    }

    /// The rows of an append-only table are never truncated, deleted or
    /// (outside `allowUpdate`) updated: the trigger would refuse, or, if
    /// it is off, the audit history would be lost.
    fn immutable_rows_stay(&mut self, index: usize) {
        let statement = &self.script.statements[index];
        let help = "the rows of an append-only table are never changed; an amendment is a new row";
        match &statement.node {
            ast::Stmt::Truncate(truncate) => {
                for table in truncate.table_list().iter().flat_map(|l| l.table_relation_names()) {
                    let Some(name) = path_name(table.syntax()) else { continue };
                    if self.immutable(index, &name).is_some() {
                        let message = format!("truncates `{name}`, which is append-only (`@ehrdb.immutable`)");
                        self.push(index, "truncate-immutable-table", table.syntax(), message, "append-only", help);
                    }
                }
            }
            ast::Stmt::Delete(delete) => {
                let Some(name) = name_of(delete.relation_name()) else { return };
                if self.immutable(index, &name).is_some() {
                    let message = format!("deletes rows of `{name}`, which is append-only (`@ehrdb.immutable`)");
                    self.push(index, "delete-from-immutable-table", delete.syntax(), message, "append-only", help);
                }
            }
            ast::Stmt::Update(update) => {
                let Some(name) = name_of(update.relation_name()) else { return };
                let Some(allowed) = self.immutable(index, &name) else { return };
                let Some(set) = update.set_clause() else { return };
                let targets = set.syntax().descendants().filter(|n| n.kind() == SyntaxKind::COLUMN_TARGET);
                for target in targets {
                    let column = target.first_child().map(|c| ident(&c)).unwrap_or_default();
                    if !allowed.contains(&column) {
                        let message =
                            format!("updates `{column}` of `{name}`, which is append-only (`@ehrdb.immutable`)");
                        let label = if allowed.is_empty() {
                            "no column may change".to_owned()
                        } else {
                            format!(
                                "only {} may change",
                                allowed.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                            )
                        };
                        self.push(index, "update-immutable-table", &target, message, &label, help);
                    }
                }
            }
            _ => {}
        }
    }

    /// Tables and columns the schema reads are neither dropped nor
    /// renamed: Prisma Client selects every column of a model, so every
    /// query of it would fail.
    fn what_the_schema_reads_stays(&mut self, index: usize) {
        let statement = &self.script.statements[index];
        let node = statement.node.syntax().clone();
        let help = "change the schema first, or keep the old name until no running release reads it (expand, \
                    migrate the data, contract)";
        for (object, renamed) in statement
            .effects
            .drops
            .iter()
            .map(|o| (o, false))
            .chain(statement.effects.renames.iter().map(|(o, _)| (o, true)))
        {
            let (code, message) = match object {
                Object::Table(table) if self.context.table(table).is_some() => {
                    let verb = if renamed { "renames" } else { "drops" };
                    (
                        if renamed { "rename-of-table-in-use" } else { "drop-of-table-in-use" },
                        format!("{verb} `{table}`, which the schema still reads"),
                    )
                }
                Object::Column(table, column) if self.context.column(table, column).is_some() => {
                    let verb = if renamed { "renames" } else { "drops" };
                    (
                        if renamed { "rename-of-column-in-use" } else { "drop-of-column-in-use" },
                        format!("{verb} `{table}.{column}`, which the schema still reads"),
                    )
                }
                _ => continue,
            };
            let at = action_of(&node, object).unwrap_or_else(|| node.clone());
            self.push(index, code, &at, message, "every query of its model fails after this", help);
        }
    }

    /// A statement PostgreSQL refuses in a transaction block is not in one.
    fn statements_fit_their_transaction(&mut self, index: usize) {
        let statement = &self.script.statements[index];
        if !statement.in_transaction || !statement.locks.outside_transaction {
            return;
        }
        let help = super::script::no_transaction_help();
        let node = statement.node.syntax().clone();
        let message = format!("`{}` cannot run inside a transaction block", keywords(&node));
        self.push(index, "cannot-run-in-transaction", &node, message, "PostgreSQL refuses it here", help);
    }
}

const REPLICATION_ROLE: &str = "session_replication_role";

/// The string arguments of a `set_config(...)` call.
fn set_config_arguments(call: &SyntaxNode) -> Option<Vec<String>> {
    let call = ast::CallExpr::cast(call.clone())?;
    let is_set_config = matches!(call.expr(), Some(ast::Expr::NameRef(name)) if name.text() == "set_config");
    is_set_config.then(|| string_arguments(call.syntax()))
}

fn is_immutability_trigger(name: Option<SyntaxNode>) -> bool {
    name.is_some_and(|n| IMMUTABILITY_TRIGGERS.contains(&ident(&n).as_str()))
}

/// The string literals among a call's arguments (`'a'`), in order.
fn string_arguments(call: &SyntaxNode) -> Vec<String> {
    let arguments = call.descendants().find(|n| n.kind() == SyntaxKind::ARG_LIST);
    arguments
        .iter()
        .flat_map(|list| list.children().filter(|n| n.kind() == SyntaxKind::ARG))
        .filter_map(|arg| arg.descendants().find_map(ast::Literal::cast)?.string_value())
        .collect()
}

/// A setting's value as written: `replica`, `'replica'` and `DEFAULT`
/// all give the bare word.
fn config_value(node: &SyntaxNode) -> String {
    if let Some(literal) = node.descendants().find_map(ast::Literal::cast) {
        if let Some(text) = literal.string_value() {
            return text;
        }
    }
    let words = node.descendants_with_tokens().filter_map(|e| e.into_token()).filter(|t| !t.kind().is_trivia());
    words.filter(|t| !matches!(t.kind(), SyntaxKind::EQ | SyntaxKind::TO_KW)).map(|t| t.text().to_owned()).collect()
}

/// The ALTER TABLE action (or whole statement) that drops or renames
/// `object`, for the caret.
fn action_of(statement: &SyntaxNode, object: &Object) -> Option<SyntaxNode> {
    let Object::Column(_, column) = object else { return None };
    statement.descendants().find(|n| {
        matches!(n.kind(), SyntaxKind::DROP_COLUMN | SyntaxKind::RENAME_COLUMN)
            && n.children().find(|c| c.kind() == SyntaxKind::COLUMN_NAME_REF).is_some_and(|c| ident(&c) == *column)
    })
}

/// The statement's leading keywords, upper case: `DROP INDEX CONCURRENTLY`.
fn keywords(node: &SyntaxNode) -> String {
    let tokens = node.descendants_with_tokens().filter_map(|e| e.into_token()).filter(|t| !t.kind().is_trivia());
    let words: Vec<String> = tokens
        .take_while(|t| t.kind().is_keyword() || t.kind() == SyntaxKind::L_PAREN || t.kind() == SyntaxKind::R_PAREN)
        .filter(|t| t.kind().is_keyword())
        .map(|t| t.text().to_ascii_uppercase())
        .collect();
    words.join(" ")
}
