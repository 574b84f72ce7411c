//! What a statement creates, drops and renames, and the table it works on.
//!
//! Takes one parsed statement and returns its [`Effects`]: the facts the
//! linter needs to tell a hazard from its harmless twin (an index on a
//! table the same file created, a trigger dropped and created again in one
//! transaction, a down.sql removing what its up.sql added). Only the
//! statements migrations use are described; any other has no effects,
//! which leaves every rule's finding on it standing.

use squawk_syntax::ast::{self, AstNode};

use super::names::{ObjectName, ident, name_of, path_name};

/// A schema object, as far as the linter tells them apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Object {
    Table(ObjectName),
    Column(ObjectName, String),
    /// A column's default.
    Default(ObjectName, String),
    Constraint(ObjectName, String),
    Trigger(ObjectName, String),
    Index(ObjectName),
    /// A type or a domain (one namespace).
    Type(ObjectName),
    Function(ObjectName),
    Schema(ObjectName),
    Sequence(ObjectName),
    Extension(ObjectName),
}

impl Object {
    /// Whether both denote one object (see [`ObjectName::same`]).
    pub(crate) fn same(&self, other: &Object) -> bool {
        use Object::*;
        match (self, other) {
            (Table(a), Table(b))
            | (Index(a), Index(b))
            | (Type(a), Type(b))
            | (Function(a), Function(b))
            | (Schema(a), Schema(b))
            | (Sequence(a), Sequence(b))
            | (Extension(a), Extension(b)) => a.same(b),
            (Column(t, a), Column(u, b))
            | (Default(t, a), Default(u, b))
            | (Constraint(t, a), Constraint(u, b))
            | (Trigger(t, a), Trigger(u, b)) => a == b && t.same(u),
            _ => false,
        }
    }

    /// The table a column, default, constraint or trigger belongs to.
    pub(crate) fn table(&self) -> Option<&ObjectName> {
        match self {
            Object::Column(t, _) | Object::Default(t, _) | Object::Constraint(t, _) | Object::Trigger(t, _) => Some(t),
            _ => None,
        }
    }
}

/// The effects of one statement.
#[derive(Debug, Clone, Default)]
pub(crate) struct Effects {
    pub creates: Vec<Object>,
    pub drops: Vec<Object>,
    /// (old, new)
    pub renames: Vec<(Object, Object)>,
    /// The table the statement changes or reads (not the tables its
    /// foreign keys reference).
    pub table: Option<ObjectName>,
}

impl Effects {
    /// What the statement brings in under a name.
    pub(crate) fn born(&self) -> impl Iterator<Item = &Object> {
        self.creates.iter().chain(self.renames.iter().map(|(_, new)| new))
    }
}

/// The effects of one statement.
pub(crate) fn effects(statement: &ast::Stmt) -> Effects {
    let mut effects = Effects::default();
    if objects_of_their_own(statement, &mut effects) {
        return effects;
    }
    match statement {
        ast::Stmt::CreateTable(create) => {
            if let Some(table) = name_of(create.table_name()) {
                effects.creates.push(Object::Table(table));
            }
        }
        ast::Stmt::DropTable(drop) => {
            effects.drops.extend(drop.table_name_refs().filter_map(|t| path_name(t.syntax())).map(Object::Table));
        }
        ast::Stmt::CreateIndex(create) => {
            effects.table = name_of(create.table_relation_name());
            if let Some(index) = name_of(create.index()) {
                effects.creates.push(Object::Index(index));
            }
        }
        ast::Stmt::DropIndex(drop) => {
            effects.drops.extend(drop.index_refs().filter_map(|i| path_name(i.syntax())).map(Object::Index));
        }
        ast::Stmt::AlterIndex(alter) => {
            if let (Some(old), Some(ast::AlterIndexAction::IndexRenameTo(rename))) =
                (name_of(alter.index_ref()), alter.action())
            {
                if let Some(new) = name_of(rename.index()) {
                    let new = ObjectName { schema: old.schema.clone(), name: new.name };
                    effects.renames.push((Object::Index(old), Object::Index(new)));
                }
            }
        }
        ast::Stmt::CreateType(create) => effects.creates.extend(name_of(create.type_name()).map(Object::Type)),
        ast::Stmt::DropType(drop) => {
            effects.drops.extend(drop.type_name_refs().filter_map(|t| path_name(t.syntax())).map(Object::Type));
        }
        ast::Stmt::AlterType(alter) => {
            if let (Some(old), Some(ast::AlterTypeAction::TypeRenameTo(rename))) =
                (name_of(alter.type_name_ref()), alter.action())
            {
                if let Some(new) = name_of(rename.type_name()) {
                    let new = ObjectName { schema: old.schema.clone(), name: new.name };
                    effects.renames.push((Object::Type(old), Object::Type(new)));
                }
            }
        }
        ast::Stmt::CreateFunction(create) => effects.creates.extend(name_of(create.name()).map(Object::Function)),
        ast::Stmt::DropFunction(drop) => {
            let signatures = drop.function_sig_list().into_iter().flat_map(|list| list.function_sigs());
            effects.drops.extend(signatures.filter_map(|sig| name_of(sig.function_name_ref())).map(Object::Function));
        }
        ast::Stmt::CreateTrigger(create) => {
            effects.table = on_relation(create.on_relation());
            if let (Some(table), Some(trigger)) = (&effects.table, create.trigger()) {
                effects.creates.push(Object::Trigger(table.clone(), ident(trigger.syntax())));
            }
        }
        ast::Stmt::DropTrigger(drop) => {
            effects.table = on_relation(drop.on_relation());
            if let (Some(table), Some(trigger)) = (&effects.table, drop.trigger_ref()) {
                effects.drops.push(Object::Trigger(table.clone(), ident(trigger.syntax())));
            }
        }
        ast::Stmt::AlterTable(alter) => {
            effects.table = name_of(alter.table_relation_name());
            if let Some(table) = effects.table.clone() {
                for action in alter.actions() {
                    alter_table_action(&table, &action, &mut effects);
                }
            }
        }
        ast::Stmt::Truncate(truncate) => {
            effects.table = truncate.table_list().and_then(|list| name_of(list.table_relation_names().next()));
        }
        ast::Stmt::Insert(insert) => effects.table = name_of(insert.relation_name_ref()),
        ast::Stmt::Update(update) => effects.table = name_of(update.relation_name()),
        ast::Stmt::Delete(delete) => effects.table = name_of(delete.relation_name()),
        _ => {}
    }
    effects
}

/// Views (relations, like tables), schemas, sequences, domains and
/// extensions: created and dropped, nothing more. False for any other
/// statement.
fn objects_of_their_own(statement: &ast::Stmt, effects: &mut Effects) -> bool {
    // Schemas and extensions have bare names, without a path.
    let bare = |node: Option<squawk_syntax::SyntaxNode>| {
        node.map(|n| Object::Schema(ObjectName { schema: None, name: ast::normalize_name_node(&n) }))
    };
    let extension = |node: &squawk_syntax::SyntaxNode| {
        Object::Extension(ObjectName { schema: None, name: ast::normalize_name_node(node) })
    };
    let (creates, drops): (Vec<Object>, Vec<Object>) = match statement {
        ast::Stmt::CreateView(create) => (name_of(create.view()).map(Object::Table).into_iter().collect(), vec![]),
        ast::Stmt::CreateMaterializedView(create) => {
            (name_of(create.view()).map(Object::Table).into_iter().collect(), vec![])
        }
        ast::Stmt::DropView(drop) => {
            (vec![], drop.view_refs().filter_map(|v| path_name(v.syntax())).map(Object::Table).collect())
        }
        ast::Stmt::DropMaterializedView(drop) => {
            (vec![], drop.view_refs().filter_map(|v| path_name(v.syntax())).map(Object::Table).collect())
        }
        ast::Stmt::CreateSchema(create) => {
            let name = create.syntax().descendants().find(|n| n.kind() == squawk_syntax::SyntaxKind::SCHEMA);
            (bare(name).into_iter().collect(), vec![])
        }
        ast::Stmt::DropSchema(drop) => {
            (vec![], drop.schema_refs().filter_map(|r| bare(Some(r.syntax().clone()))).collect())
        }
        ast::Stmt::CreateSequence(create) => {
            (name_of(create.sequence()).map(Object::Sequence).into_iter().collect(), vec![])
        }
        ast::Stmt::DropSequence(drop) => {
            (vec![], drop.sequence_refs().filter_map(|r| path_name(r.syntax())).map(Object::Sequence).collect())
        }
        ast::Stmt::CreateDomain(create) => (name_of(create.domain()).map(Object::Type).into_iter().collect(), vec![]),
        ast::Stmt::DropDomain(drop) => {
            (vec![], drop.domain_refs().filter_map(|r| path_name(r.syntax())).map(Object::Type).collect())
        }
        ast::Stmt::CreateExtension(create) => {
            (create.extension().map(|e| extension(e.syntax())).into_iter().collect(), vec![])
        }
        ast::Stmt::DropExtension(drop) => (vec![], drop.extension_refs().map(|e| extension(e.syntax())).collect()),
        _ => return false,
    };
    effects.creates = creates;
    effects.drops = drops;
    true
}

fn alter_table_action(table: &ObjectName, action: &ast::AlterTableAction, effects: &mut Effects) {
    let column = |node: Option<ast::ColumnNameRef>| node.map(|n| ident(n.syntax()));
    match action {
        ast::AlterTableAction::AddColumn(add) => {
            let Some(name) = add.column_name().map(|n| ident(n.syntax())) else { return };
            if add.constraints().any(|c| matches!(c, ast::Constraint::DefaultConstraint(_))) {
                effects.creates.push(Object::Default(table.clone(), name.clone()));
            }
            effects.creates.push(Object::Column(table.clone(), name));
        }
        ast::AlterTableAction::DropColumn(drop) => {
            effects.drops.extend(column(drop.column_name_ref()).map(|c| Object::Column(table.clone(), c)));
        }
        ast::AlterTableAction::AlterColumn(alter) => {
            let Some(name) = column(alter.column_name_ref()) else { return };
            match alter.option() {
                Some(ast::AlterColumnOption::SetDefault(_)) => {
                    effects.creates.push(Object::Default(table.clone(), name))
                }
                Some(ast::AlterColumnOption::DropDefault(_)) => {
                    effects.drops.push(Object::Default(table.clone(), name))
                }
                _ => {}
            }
        }
        ast::AlterTableAction::AddConstraint(add) => {
            let name = add.constraint().and_then(|c| c.constraint_name()).map(|n| ident(n.syntax()));
            effects.creates.extend(name.map(|n| Object::Constraint(table.clone(), n)));
        }
        ast::AlterTableAction::DropConstraint(drop) => {
            let name = drop.constraint_name_ref().map(|n| ident(n.syntax()));
            effects.drops.extend(name.map(|n| Object::Constraint(table.clone(), n)));
        }
        ast::AlterTableAction::RenameColumn(rename) => {
            let new = rename.column_name().map(|n| ident(n.syntax()));
            if let (Some(old), Some(new)) = (column(rename.column_name_ref()), new) {
                effects.renames.push((Object::Column(table.clone(), old), Object::Column(table.clone(), new)));
            }
        }
        ast::AlterTableAction::RenameConstraint(rename) => {
            let old = rename.constraint_name_ref().map(|n| ident(n.syntax()));
            let new = rename.constraint_name().map(|n| ident(n.syntax()));
            if let (Some(old), Some(new)) = (old, new) {
                effects.renames.push((Object::Constraint(table.clone(), old), Object::Constraint(table.clone(), new)));
            }
        }
        ast::AlterTableAction::TableRenameTo(rename) => {
            if let Some(new) = name_of(rename.table_name()) {
                let new = ObjectName { schema: table.schema.clone(), name: new.name };
                effects.renames.push((Object::Table(table.clone()), Object::Table(new)));
            }
        }
        _ => {}
    }
}

fn on_relation(on: Option<ast::OnRelation>) -> Option<ObjectName> {
    name_of(on?.relation_name_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(sql: &str) -> Effects {
        let parse = squawk_syntax::SourceFile::parse(sql);
        effects(&parse.tree().stmts().next().unwrap())
    }

    fn table(name: &str) -> ObjectName {
        ObjectName::new(None, name)
    }

    #[test]
    fn migrations_statements_say_what_they_create_drop_and_rename() {
        let e = of(
            r#"ALTER TABLE "t" ADD COLUMN "a" INT NOT NULL DEFAULT 0, DROP COLUMN "b", ALTER COLUMN "c" DROP DEFAULT"#,
        );
        assert_eq!(e.table, Some(table("t")));
        assert_eq!(e.creates, [Object::Default(table("t"), "a".into()), Object::Column(table("t"), "a".into())]);
        assert_eq!(e.drops, [Object::Column(table("t"), "b".into()), Object::Default(table("t"), "c".into())]);

        let e = of(r#"ALTER TYPE "public"."CaseStatus" RENAME TO "CaseStatus_old""#);
        let old = ObjectName::new(Some("public"), "CaseStatus");
        assert_eq!(e.renames, [(Object::Type(old), Object::Type(ObjectName::new(Some("public"), "CaseStatus_old")))]);

        let e = of(r#"DROP TRIGGER IF EXISTS "ehrdb_immutable_row" ON "notes""#);
        assert_eq!(e.drops, [Object::Trigger(table("notes"), "ehrdb_immutable_row".into())]);
        assert_eq!(of(r#"DROP FUNCTION IF EXISTS "f"(), g(int)"#).drops.len(), 2);
        assert_eq!(of(r#"DROP EXTENSION "pg_trgm""#).drops, [Object::Extension(table("pg_trgm"))]);
        assert_eq!(of("CREATE SCHEMA Audit").creates, [Object::Schema(table("audit"))]);
        assert_eq!(of("DROP DOMAIN a.mrn").drops, [Object::Type(ObjectName::new(Some("a"), "mrn"))]);
        assert_eq!(of("CREATE MATERIALIZED VIEW v AS SELECT 1").creates, [Object::Table(table("v"))]);

        let sql = r#"ALTER TABLE "t" ADD CONSTRAINT "t_fkey" FOREIGN KEY ("a") REFERENCES "u"("id")"#;
        assert_eq!(of(sql).creates, [Object::Constraint(table("t"), "t_fkey".into())]);
    }

    #[test]
    fn objects_compare_by_kind_and_name_and_columns_by_table_too() {
        let a = Object::Column(table("t"), "a".into());
        assert!(a.same(&Object::Column(ObjectName::new(Some("public"), "t"), "a".into())));
        assert!(!a.same(&Object::Column(table("u"), "a".into())));
        assert!(!a.same(&Object::Default(table("t"), "a".into())));
        assert_eq!(a.table(), Some(&table("t")));
    }
}
