//! The table locks a statement takes, and whether it may run in a
//! transaction block.
//!
//! Takes SQL text (or one statement of squawk's tree) and returns a
//! [`StatementLocks`]: the strongest lock, the relations the statement
//! names with the lock each gets, and whether PostgreSQL refuses the
//! statement inside a transaction block. The modes are PostgreSQL's own
//! (`AlterTableGetLockLevel` for ALTER TABLE, the documentation of each
//! command otherwise), for PostgreSQL 14 and later. It reads the statement
//! only, never the catalog: a lock on an object the statement does not
//! name (the table of an index it drops, the tables a `CASCADE` reaches)
//! counts in `mode` but is not in `relations`.
//!
//! A statement it does not know (a `DO` block, a procedure call) is taken
//! to lock ACCESS EXCLUSIVE: for a runner that sets a lock timeout from
//! this, a timeout too strict for a statement costs a retry, while one too
//! lax lets it stall every query of a table behind it.

use serde::Serialize;
use squawk_syntax::SyntaxKind;
use squawk_syntax::ast::{self, AstNode};

use super::names::{ObjectName, has_keyword, name_of, path_name};

/// PostgreSQL's table lock modes, weakest first, so `Ord` is strength.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LockMode {
    /// SELECT. Conflicts only with ACCESS EXCLUSIVE.
    AccessShare,
    /// SELECT ... FOR UPDATE.
    RowShare,
    /// INSERT, UPDATE, DELETE.
    RowExclusive,
    /// VACUUM, ANALYZE, CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT:
    /// blocks other schema changes, not reads or writes.
    ShareUpdateExclusive,
    /// CREATE INDEX: blocks writes.
    Share,
    /// CREATE TRIGGER, a foreign key: blocks writes.
    ShareRowExclusive,
    /// REFRESH MATERIALIZED VIEW CONCURRENTLY: blocks writes.
    Exclusive,
    /// Most ALTER TABLE forms, DROP, TRUNCATE: blocks reads and writes.
    AccessExclusive,
}

impl LockMode {
    /// The name PostgreSQL gives it (`ACCESS EXCLUSIVE`).
    pub fn sql(self) -> &'static str {
        match self {
            LockMode::AccessShare => "ACCESS SHARE",
            LockMode::RowShare => "ROW SHARE",
            LockMode::RowExclusive => "ROW EXCLUSIVE",
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::Exclusive => "EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// Whether the application's INSERT, UPDATE and DELETE wait behind it.
    pub fn blocks_writes(self) -> bool {
        self >= LockMode::Share
    }

    /// Whether the application's SELECTs wait behind it.
    pub fn blocks_reads(self) -> bool {
        self == LockMode::AccessExclusive
    }
}

/// A relation a statement names, and the lock it takes on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockedRelation {
    pub name: ObjectName,
    pub mode: LockMode,
}

/// What a statement locks. `mode` is `None` for a statement that takes no
/// lock an application query could wait behind (`SET`, `CREATE TYPE`,
/// `CREATE TABLE` of a new table without foreign keys).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatementLocks {
    /// The strongest lock it takes on any relation, named or not.
    pub mode: Option<LockMode>,
    /// The existing relations it names, in order, each with its lock.
    pub relations: Vec<LockedRelation>,
    /// PostgreSQL refuses it inside a transaction block (`CREATE INDEX
    /// CONCURRENTLY`, `VACUUM`, ...): it must run in a step of its own.
    pub outside_transaction: bool,
}

impl StatementLocks {
    fn lock(&mut self, name: Option<ObjectName>, mode: LockMode) {
        self.mode = self.mode.max(Some(mode));
        let Some(name) = name else { return };
        match self.relations.iter_mut().find(|r| r.name == name) {
            Some(known) => known.mode = known.mode.max(mode),
            None => self.relations.push(LockedRelation { name, mode }),
        }
    }

    fn merge(&mut self, other: StatementLocks) {
        if let Some(mode) = other.mode {
            self.lock(None, mode);
        }
        for relation in other.relations {
            self.lock(Some(relation.name), relation.mode);
        }
        self.outside_transaction |= other.outside_transaction;
    }
}

/// The locks of the statements in `sql` together (normally one, as
/// `migrations::split` cuts them).
pub fn locks(sql: &str) -> StatementLocks {
    let parse = squawk_syntax::SourceFile::parse(sql);
    let mut all = StatementLocks::default();
    for statement in parse.tree().stmts() {
        all.merge(classify(&statement));
    }
    all
}

/// A `CREATE [UNIQUE] INDEX CONCURRENTLY`: an interrupted or failed one
/// leaves an invalid index behind, which a rerun must find and rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcurrentIndex {
    pub index: ObjectName,
    pub table: ObjectName,
}

/// The index a `CREATE INDEX CONCURRENTLY` statement builds, if `sql` is one
/// and names it.
pub fn concurrent_index(sql: &str) -> Option<ConcurrentIndex> {
    let parse = squawk_syntax::SourceFile::parse(sql);
    parse.tree().stmts().find_map(|statement| match statement {
        ast::Stmt::CreateIndex(create) if has_keyword(create.syntax(), SyntaxKind::CONCURRENTLY_KW) => {
            let table = name_of(create.table_relation_name())?;
            // An index lives in its table's schema.
            let mut index = name_of(create.index())?;
            index.schema = index.schema.or_else(|| table.schema.clone());
            Some(ConcurrentIndex { index, table })
        }
        _ => None,
    })
}

/// The locks of one parsed statement.
pub(crate) fn classify(statement: &ast::Stmt) -> StatementLocks {
    use LockMode::*;
    let mut locks = StatementLocks::default();
    let node = statement.syntax();
    let concurrently = || has_keyword(node, SyntaxKind::CONCURRENTLY_KW);
    match statement {
        ast::Stmt::AlterTable(alter) => alter_table(alter, &mut locks),
        ast::Stmt::CreateIndex(create) => {
            let mode = if concurrently() { ShareUpdateExclusive } else { Share };
            locks.lock(name_of(create.table_relation_name()), mode);
            locks.outside_transaction = concurrently();
        }
        ast::Stmt::DropIndex(drop) => {
            let mode = if concurrently() { ShareUpdateExclusive } else { AccessExclusive };
            for index in drop.index_refs() {
                locks.lock(path_name(index.syntax()), mode);
            }
            locks.outside_transaction = concurrently();
        }
        ast::Stmt::Reindex(reindex) => {
            // A rebuilt index is locked ACCESS EXCLUSIVE and its table SHARE;
            // CONCURRENTLY takes SHARE UPDATE EXCLUSIVE on both.
            let (table, index) =
                if concurrently() { (ShareUpdateExclusive, ShareUpdateExclusive) } else { (Share, AccessExclusive) };
            match reindex.reindex_target() {
                Some(ast::ReindexTarget::ReindexTargetTable(target)) => {
                    locks.lock(path_name(target.syntax()), table);
                    locks.lock(None, index);
                }
                Some(ast::ReindexTarget::ReindexTargetIndex(target)) => {
                    locks.lock(path_name(target.syntax()), index);
                    locks.lock(None, table);
                }
                // Schema, database, system: every table, one transaction each.
                _ => {
                    locks.lock(None, index);
                    locks.outside_transaction = true;
                }
            }
            locks.outside_transaction |= concurrently();
        }
        ast::Stmt::AlterIndex(alter) => {
            let mode = match alter.action() {
                Some(ast::AlterIndexAction::IndexRenameTo(_)) => ShareUpdateExclusive,
                Some(ast::AlterIndexAction::SetOptions(_) | ast::AlterIndexAction::ResetOptions(_)) => {
                    ShareUpdateExclusive
                }
                Some(ast::AlterIndexAction::AlterSetStatistics(_)) => ShareUpdateExclusive,
                _ => AccessExclusive,
            };
            locks.lock(name_of(alter.index_ref()), mode);
        }
        ast::Stmt::CreateTable(create) => {
            if let Some(parent) = create.partition_of() {
                locks.lock(name_of(parent.table_name_ref()), AccessExclusive);
            }
            if let Some(inherits) = create.inherits() {
                for parent in inherits.table_name_refs() {
                    locks.lock(path_name(parent.syntax()), ShareUpdateExclusive);
                }
            }
            // The new table is invisible to others until commit; the tables
            // its foreign keys reference get triggers, as with ALTER TABLE.
            if let Some(args) = create.table_arg_list() {
                for referenced in referenced_tables(args.syntax()) {
                    locks.lock(Some(referenced), ShareRowExclusive);
                }
            }
        }
        ast::Stmt::DropTable(drop) => {
            for table in drop.table_name_refs() {
                locks.lock(path_name(table.syntax()), AccessExclusive);
            }
        }
        ast::Stmt::Truncate(truncate) => {
            for table in truncate.table_list().iter().flat_map(|list| list.table_relation_names()) {
                locks.lock(path_name(table.syntax()), AccessExclusive);
            }
        }
        ast::Stmt::Insert(insert) => locks.lock(name_of(insert.relation_name_ref()), RowExclusive),
        ast::Stmt::Update(update) => locks.lock(name_of(update.relation_name()), RowExclusive),
        ast::Stmt::Delete(delete) => locks.lock(name_of(delete.relation_name()), RowExclusive),
        ast::Stmt::Merge(merge) => locks.lock(name_of(merge.table_relation_name()), RowExclusive),
        ast::Stmt::Select(_) | ast::Stmt::CompoundSelect(_) | ast::Stmt::ParenSelect(_) => {
            locks.lock(None, AccessShare)
        }
        ast::Stmt::CreateTrigger(create) => locks.lock(on_relation(create.on_relation()), ShareRowExclusive),
        ast::Stmt::DropTrigger(drop) => locks.lock(on_relation(drop.on_relation()), AccessExclusive),
        ast::Stmt::AlterTrigger(alter) => locks.lock(on_relation(alter.on_relation()), AccessExclusive),
        ast::Stmt::CreatePolicy(create) => locks.lock(name_of(create.on_table()), AccessExclusive),
        ast::Stmt::AlterPolicy(alter) => locks.lock(name_of(alter.on_table()), AccessExclusive),
        ast::Stmt::DropPolicy(drop) => locks.lock(name_of(drop.on_table()), AccessExclusive),
        ast::Stmt::CreateRule(create) => {
            locks.lock(create.rule_on().and_then(|on| name_of(on.relation_name_ref())), AccessExclusive)
        }
        ast::Stmt::DropRule(drop) => locks.lock(on_relation(drop.on_relation()), AccessExclusive),
        ast::Stmt::Lock(lock) => {
            let mode = lock.lock_mode_clause().and_then(|c| c.lock_mode()).map_or(AccessExclusive, |m| match m {
                ast::LockMode::AccessShare(_) => AccessShare,
                ast::LockMode::RowShare(_) => RowShare,
                ast::LockMode::RowExclusive(_) => RowExclusive,
                ast::LockMode::ShareUpdateExclusive(_) => ShareUpdateExclusive,
                ast::LockMode::Share(_) => Share,
                ast::LockMode::ShareRowExclusive(_) => ShareRowExclusive,
                ast::LockMode::Exclusive(_) => Exclusive,
                ast::LockMode::AccessExclusive(_) => AccessExclusive,
            });
            for table in lock.relation_list().iter().flat_map(|list| list.relation_names()) {
                locks.lock(path_name(table.syntax()), mode);
            }
        }
        ast::Stmt::Vacuum(vacuum) => {
            let mode = if has_keyword(node, SyntaxKind::FULL_KW) { AccessExclusive } else { ShareUpdateExclusive };
            tables_and_columns(vacuum.table_and_columns_list(), mode, &mut locks);
            locks.outside_transaction = true;
        }
        ast::Stmt::Analyze(analyze) => {
            tables_and_columns(analyze.table_and_columns_list(), ShareUpdateExclusive, &mut locks)
        }
        ast::Stmt::Cluster(cluster) => {
            locks.lock(name_of(cluster.table_name_ref()), AccessExclusive);
            // Without a table it clusters every table, each in its own transaction.
            locks.outside_transaction = cluster.table_name_ref().is_none();
        }
        ast::Stmt::Refresh(refresh) => {
            let mode = if concurrently() { Exclusive } else { AccessExclusive };
            locks.lock(name_of(refresh.view_ref()), mode);
        }
        ast::Stmt::AlterView(alter) => locks.lock(name_of(alter.view_ref()), AccessExclusive),
        ast::Stmt::DropView(drop) => {
            for view in drop.view_refs() {
                locks.lock(path_name(view.syntax()), AccessExclusive);
            }
        }
        ast::Stmt::DropMaterializedView(drop) => {
            for view in drop.view_refs() {
                locks.lock(path_name(view.syntax()), AccessExclusive);
            }
        }
        // A new domain constraint is checked against every column of the
        // domain's type, each table locked SHARE; the statement names none.
        ast::Stmt::AlterDomain(alter) => {
            if matches!(
                alter.action(),
                Some(ast::AlterDomainAction::AddConstraint(_) | ast::AlterDomainAction::SetNotNull(_))
            ) {
                locks.lock(None, Share);
            }
        }
        ast::Stmt::CreateDatabase(_)
        | ast::Stmt::DropDatabase(_)
        | ast::Stmt::AlterSystem(_)
        | ast::Stmt::CreateTablespace(_)
        | ast::Stmt::DropTablespace(_) => locks.outside_transaction = true,
        // Objects of their own, no table: types, functions, schemas,
        // sequences, extensions, settings, privileges, comments.
        ast::Stmt::CreateType(_)
        | ast::Stmt::AlterType(_)
        | ast::Stmt::DropType(_)
        | ast::Stmt::CreateFunction(_)
        | ast::Stmt::AlterFunction(_)
        | ast::Stmt::DropFunction(_)
        | ast::Stmt::CreateProcedure(_)
        | ast::Stmt::DropProcedure(_)
        | ast::Stmt::CreateSchema(_)
        | ast::Stmt::DropSchema(_)
        | ast::Stmt::CreateSequence(_)
        | ast::Stmt::AlterSequence(_)
        | ast::Stmt::DropSequence(_)
        | ast::Stmt::CreateExtension(_)
        | ast::Stmt::CreateView(_)
        | ast::Stmt::CreateDomain(_)
        | ast::Stmt::CommentOn(_)
        | ast::Stmt::Grant(_)
        | ast::Stmt::Revoke(_)
        | ast::Stmt::Set(_)
        | ast::Stmt::Reset(_)
        | ast::Stmt::SetRole(_)
        | ast::Stmt::ResetRole(_)
        | ast::Stmt::Show(_)
        | ast::Stmt::Begin(_)
        | ast::Stmt::Commit(_)
        | ast::Stmt::Rollback(_)
        | ast::Stmt::SavepointCreate(_)
        | ast::Stmt::ReleaseSavepoint(_)
        | ast::Stmt::SetTransaction(_)
        | ast::Stmt::SetConstraints(_)
        | ast::Stmt::EmptyStmt(_) => {}
        _ => locks.lock(None, AccessExclusive),
    }
    locks
}

/// ALTER TABLE: the strongest of its actions' locks, as PostgreSQL's
/// `AlterTableGetLockLevel` decides them.
fn alter_table(alter: &ast::AlterTable, locks: &mut StatementLocks) {
    use LockMode::*;
    let table = name_of(alter.table_relation_name());
    for action in alter.actions() {
        let mode = match &action {
            ast::AlterTableAction::AddConstraint(add) => match add.constraint() {
                Some(ast::Constraint::ForeignKeyConstraint(fk)) => {
                    locks.lock(name_of(fk.table_name_ref()), ShareRowExclusive);
                    ShareRowExclusive
                }
                Some(ast::Constraint::ReferencesConstraint(fk)) => {
                    locks.lock(name_of(fk.table()), ShareRowExclusive);
                    ShareRowExclusive
                }
                _ => AccessExclusive,
            },
            ast::AlterTableAction::AddColumn(add) => {
                for referenced in referenced_tables(add.syntax()) {
                    locks.lock(Some(referenced), ShareRowExclusive);
                }
                AccessExclusive
            }
            ast::AlterTableAction::AlterColumn(column) => match column.option() {
                Some(
                    ast::AlterColumnOption::SetStatistics(_)
                    | ast::AlterColumnOption::SetOptions(_)
                    | ast::AlterColumnOption::SetOptionsList(_)
                    | ast::AlterColumnOption::ResetOptions(_),
                ) => ShareUpdateExclusive,
                _ => AccessExclusive,
            },
            // The referenced table of a foreign key gets ROW SHARE, but the
            // statement names only the constraint.
            ast::AlterTableAction::ValidateConstraint(_) => ShareUpdateExclusive,
            ast::AlterTableAction::DisableTrigger(_)
            | ast::AlterTableAction::EnableTrigger(_)
            | ast::AlterTableAction::EnableAlwaysTrigger(_)
            | ast::AlterTableAction::EnableReplicaTrigger(_) => ShareRowExclusive,
            ast::AlterTableAction::SetOptions(_)
            | ast::AlterTableAction::ResetOptions(_)
            | ast::AlterTableAction::ClusterOn(_)
            | ast::AlterTableAction::SetWithoutCluster(_) => ShareUpdateExclusive,
            ast::AlterTableAction::AttachPartition(attach) => {
                locks.lock(name_of(attach.table_name_ref()), AccessExclusive);
                ShareUpdateExclusive
            }
            ast::AlterTableAction::DetachPartition(detach) => {
                let concurrently = has_keyword(detach.syntax(), SyntaxKind::CONCURRENTLY_KW);
                locks.outside_transaction |= concurrently;
                let mode = if concurrently { ShareUpdateExclusive } else { AccessExclusive };
                locks.lock(name_of(detach.table_name_ref()), mode);
                mode
            }
            _ => AccessExclusive,
        };
        locks.lock(table.clone(), mode);
    }
}

/// The tables that `REFERENCES` clauses below `node` name.
fn referenced_tables(node: &squawk_syntax::SyntaxNode) -> Vec<ObjectName> {
    node.descendants()
        .filter_map(|n| match n.kind() {
            SyntaxKind::FOREIGN_KEY_CONSTRAINT => name_of(ast::ForeignKeyConstraint::cast(n)?.table_name_ref()),
            SyntaxKind::REFERENCES_CONSTRAINT => name_of(ast::ReferencesConstraint::cast(n)?.table()),
            _ => None,
        })
        .collect()
}

fn on_relation(on: Option<ast::OnRelation>) -> Option<ObjectName> {
    name_of(on?.relation_name_ref())
}

fn tables_and_columns(list: Option<ast::TableAndColumnsList>, mode: LockMode, locks: &mut StatementLocks) {
    let tables: Vec<_> = list.iter().flat_map(|l| l.table_and_columnss()).collect();
    if tables.is_empty() {
        // Every table of the database.
        locks.lock(None, mode);
    }
    for table in tables {
        locks.lock(name_of(table.table_relation_name()), mode);
    }
}

#[cfg(test)]
mod tests;
