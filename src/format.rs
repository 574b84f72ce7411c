//! Syntax tree to canonical text, byte for byte what `prisma format` prints.
//!
//! Takes a parsed [`SchemaFile`] (and the sources, for text kept verbatim)
//! and returns its canonical form; the same printer serves `ehrdb fmt` and
//! `ehrdb merge`. It never changes meaning and never drops a comment: the
//! two places where Prisma's formatter loses or moves a comment (after a
//! block's `{` or `}`) were turned into ordinary comment lines by the
//! parser. Prisma's rules, in short:
//!
//! * one blank line after every block; runs of blank lines become one;
//! * inside a block, members form tables whose columns are padded to the
//!   widest cell (in bytes) plus one space; only a blank line starts a new
//!   table, comments do not;
//! * block attributes move to the end of the block after one blank line,
//!   stably sorted, taking the comments written directly above them along;
//! * field attributes are stably sorted (`@id`, `@unique`, `@default`, ...);
//! * argument lists are rebuilt from tokens; strings and numbers are kept
//!   exactly as written;
//! * a `/* */` comment on its own line becomes a `/** ... */` doc block.
//!
//! Prisma also inserts missing back-relation fields; ehrdb reports them as
//! validation errors instead, so that a formatter never edits a schema's
//! meaning.

use crate::ast::*;
use crate::diagnostics::Sources;

const INDENT: &str = "  ";

/// The canonical text of one file.
pub fn format(file: &SchemaFile, sources: &Sources) -> String {
    let mut out = String::with_capacity(sources.get(file.file).text.len() + 64);
    let mut previous_was_block = false;
    let mut blank_pending = false;
    let mut first = true;
    for item in &file.items {
        if matches!(item, TopItem::BlankLine) {
            blank_pending = true;
            continue;
        }
        if !first && (previous_was_block || blank_pending) {
            out.push('\n');
        }
        first = false;
        blank_pending = false;
        previous_was_block = matches!(item, TopItem::Block(_));
        match item {
            TopItem::Block(block) => Printer { out: &mut out, sources }.block(block),
            TopItem::Comment(comment) => push_comment(&mut out, "", comment),
            TopItem::Invalid(span) => {
                out.push_str(sources.slice(*span));
                out.push('\n');
            }
            TopItem::BlankLine => unreachable!("skipped above"),
        }
    }
    if out.is_empty() {
        out.push('\n');
    }
    out
}

/// One line of a table: cells padded to the column widths, then an
/// unpadded suffix (the trailing comment); or a line printed as it is.
enum Row {
    Cells(Vec<String>, Option<String>),
    Verbatim(String),
    Blank,
}

struct Printer<'o, 's> {
    out: &'o mut String,
    sources: &'s Sources,
}

impl Printer<'_, '_> {
    fn block(&mut self, block: &Block) {
        for doc in &block.doc {
            push_comment(self.out, "", doc);
        }
        self.out.push_str(block.kind.keyword());
        self.out.push(' ');
        self.out.push_str(&block.name.name);
        self.out.push_str(" {\n");

        let members = &block.members;
        let mut rows: Vec<Row> = Vec::new();
        let mut attributes: Vec<(&[Member], &BlockAttribute)> = Vec::new();
        let mut blank_pending = false;
        let mut i = members.iter().position(|m| !matches!(m, Member::BlankLine)).unwrap_or(members.len());
        while i < members.len() {
            match &members[i] {
                Member::BlankLine => {
                    // Only a blank line between two kept lines survives;
                    // one before a block attribute or the `}` does not.
                    blank_pending = !rows.is_empty();
                    i += 1;
                }
                Member::Comment(_) => {
                    let end = i + members[i..].iter().take_while(|m| matches!(m, Member::Comment(_))).count();
                    if let Some(Member::Attribute(attribute)) = members.get(end) {
                        // Comments written directly above a block attribute
                        // travel with it.
                        attributes.push((&members[i..end], attribute));
                        blank_pending = false;
                        i = end + 1;
                        continue;
                    }
                    self.blank_if_pending(&mut rows, &mut blank_pending);
                    for member in &members[i..end] {
                        let Member::Comment(comment) = member else { unreachable!() };
                        rows.push(Row::Verbatim(comment_text(comment)));
                    }
                    i = end;
                }
                Member::Attribute(attribute) => {
                    attributes.push((&[], attribute));
                    blank_pending = false;
                    i += 1;
                }
                member => {
                    self.blank_if_pending(&mut rows, &mut blank_pending);
                    self.member_rows(member, &mut rows);
                    i += 1;
                }
            }
        }
        flush(self.out, &rows);

        if !attributes.is_empty() {
            self.out.push('\n');
            attributes.sort_by_key(|(_, attribute)| attribute_rank(&attribute.attribute.name.name));
            for (comments, attribute) in attributes {
                for comment in comments {
                    let Member::Comment(comment) = comment else { unreachable!() };
                    push_comment(self.out, INDENT, comment);
                }
                self.out.push_str(INDENT);
                self.out.push_str("@@");
                attribute_text(self.out, &attribute.attribute);
                if let Some(trailing) = &attribute.trailing {
                    self.out.push(' ');
                    self.out.push_str(&trailing.text);
                }
                self.out.push('\n');
            }
        }
        self.out.push_str("}\n");
    }

    /// A blank line ends a table: print what is collected and start anew.
    fn blank_if_pending(&mut self, rows: &mut Vec<Row>, blank_pending: &mut bool) {
        if std::mem::take(blank_pending) {
            flush(self.out, rows);
            rows.clear();
            rows.push(Row::Blank);
        }
    }

    fn member_rows(&self, member: &Member, rows: &mut Vec<Row>) {
        let trailing = |c: &Option<Box<Comment>>| c.as_ref().map(|c| c.text.clone());
        match member {
            Member::Field(field) => {
                rows.extend(field.doc.iter().map(|c| Row::Verbatim(comment_text(c))));
                let mut attributes: Vec<&Attribute> = field.attributes.iter().collect();
                attributes.sort_by_key(|a| attribute_rank(&a.name.name));
                let mut text = String::new();
                for (n, attribute) in attributes.into_iter().enumerate() {
                    if n > 0 {
                        text.push(' ');
                    }
                    text.push('@');
                    attribute_text(&mut text, attribute);
                }
                let cells = vec![field.name.name.to_string(), self.type_text(&field.ty), text];
                rows.push(Row::Cells(cells, trailing(&field.trailing)));
            }
            Member::EnumValue(value) => {
                rows.extend(value.doc.iter().map(|c| Row::Verbatim(comment_text(c))));
                // Prisma neither sorts nor spaces the attributes of an enum
                // value (only one, @map, is valid there).
                let mut text = String::new();
                for attribute in &value.attributes {
                    text.push('@');
                    attribute_text(&mut text, attribute);
                }
                rows.push(Row::Cells(vec![value.name.name.to_string(), text], trailing(&value.trailing)));
            }
            Member::Property(property) => {
                let mut value = String::from("= ");
                expr_text(&mut value, &property.value);
                rows.push(Row::Cells(vec![property.name.name.to_string(), value], trailing(&property.trailing)));
            }
            Member::Invalid(span) => rows.push(Row::Verbatim(self.sources.slice(*span).to_owned())),
            Member::Comment(_) | Member::Attribute(_) | Member::BlankLine => unreachable!("handled by the caller"),
        }
    }

    fn type_text(&self, ty: &FieldType) -> String {
        let mut text = match &ty.name {
            TypeName::Named(name) => name.name.to_string(),
            // Copied as written, spaces inside the parentheses included.
            TypeName::Unsupported(_, span) => self.sources.slice(*span).to_owned(),
        };
        text.push_str(match ty.arity {
            Arity::Required => "",
            Arity::Optional => "?",
            Arity::List => "[]",
            Arity::OptionalList => "[]?",
        });
        text
    }
}

/// Prints a table: every cell but a row's last is padded to its column's
/// widest cell plus one space. Widths count bytes, as Prisma's do.
fn flush(out: &mut String, rows: &[Row]) {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        if let Row::Cells(cells, _) = row {
            let used = used_cells(cells);
            if widths.len() < used {
                widths.resize(used, 0);
            }
            for (width, cell) in widths.iter_mut().zip(&cells[..used]) {
                *width = (*width).max(cell.len());
            }
        }
    }
    for row in rows {
        match row {
            Row::Blank => out.push('\n'),
            Row::Verbatim(text) => {
                for line in text.split('\n') {
                    out.push_str(INDENT);
                    out.push_str(line);
                    out.push('\n');
                }
            }
            Row::Cells(cells, suffix) => {
                let used = used_cells(cells);
                out.push_str(INDENT);
                for (n, cell) in cells[..used].iter().enumerate() {
                    out.push_str(cell);
                    if n + 1 < used {
                        out.extend(std::iter::repeat_n(' ', widths[n] - cell.len() + 1));
                    }
                }
                if let Some(suffix) = suffix {
                    if used > 0 {
                        out.push(' ');
                    }
                    out.push_str(suffix);
                }
                out.push('\n');
            }
        }
    }
}

/// Cells up to the last non-empty one: empty trailing cells are not printed.
fn used_cells(cells: &[String]) -> usize {
    cells.iter().rposition(|c| !c.is_empty()).map_or(0, |last| last + 1)
}

/// Prisma's order for attributes on a field and on a block; the rest keep
/// their written order after these.
fn attribute_rank(name: &str) -> u8 {
    match name {
        "id" => 0,
        "unique" => 1,
        "default" => 2,
        "updatedAt" => 3,
        "index" => 4,
        "fulltext" => 5,
        "map" => 6,
        "relation" => 7,
        "ignore" => 8,
        _ => 9,
    }
}

/// `name(args)` of an attribute, without its `@` or `@@`.
fn attribute_text(out: &mut String, attribute: &Attribute) {
    out.push_str(&attribute.name.name);
    if let Some(args) = &attribute.args {
        arguments_text(out, args);
    }
}

fn arguments_text(out: &mut String, args: &Arguments) {
    out.push('(');
    for (n, arg) in args.items.iter().enumerate() {
        if n > 0 {
            out.push_str(", ");
        }
        if let Some(name) = &arg.name {
            out.push_str(&name.name);
            out.push_str(": ");
        }
        if let Some(value) = &arg.value {
            expr_text(out, value);
        }
    }
    out.push(')');
}

fn expr_text(out: &mut String, expr: &Expr) {
    match expr {
        Expr::String(s) => {
            out.push('"');
            out.push_str(&s.raw);
            out.push('"');
        }
        Expr::Number(n) | Expr::Constant(n) => out.push_str(&n.name),
        Expr::Array(items, _) => {
            out.push('[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                expr_text(out, item);
            }
            out.push(']');
        }
        Expr::Function(name, args) => {
            out.push_str(&name.name);
            arguments_text(out, args);
        }
        // `prisma format` writes `{ a: 1, b: { not: null } }` and `{}`.
        Expr::Object(entries, _) if entries.is_empty() => out.push_str("{}"),
        Expr::Object(entries, _) => {
            out.push_str("{ ");
            for (n, entry) in entries.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                out.push_str(&entry.key.name);
                out.push_str(": ");
                expr_text(out, &entry.value);
            }
            out.push_str(" }");
        }
    }
}

/// A comment on its own line, at `indent`.
fn push_comment(out: &mut String, indent: &str, comment: &Comment) {
    for line in comment_text(comment).split('\n') {
        out.push_str(indent);
        out.push_str(line);
        out.push('\n');
    }
}

/// The text of a comment on its own line: `//` and `///` as written; a
/// `/* */` comment rewritten as a `/** ... */` block, one trimmed line each,
/// a leading `*` removed, empty lines dropped (Prisma's rendering).
fn comment_text(comment: &Comment) -> String {
    let Some(body) = comment.text.strip_prefix("/*").and_then(|t| t.strip_suffix("*/")) else {
        return comment.text.clone();
    };
    let mut text = String::from("/**");
    for line in body.lines() {
        let line = line.trim();
        let line = line.strip_prefix('*').map_or(line, str::trim_start);
        if !line.is_empty() {
            text.push_str("\n * ");
            text.push_str(line);
        }
    }
    text.push_str("\n */");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn used_cells_drops_empty_trailing_cells_only() {
        let cells = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(used_cells(&cells(&["a", "Int", ""])), 2);
        assert_eq!(used_cells(&cells(&["a", "", "@x"])), 3);
        assert_eq!(used_cells(&cells(&["", ""])), 0);
    }

    #[test]
    fn block_comments_become_doc_blocks() {
        let comment = |text: &str| Comment {
            text: text.into(),
            span: crate::diagnostics::Span::new(crate::diagnostics::FileId(0), 0..0),
        };
        assert_eq!(comment_text(&comment("/* one */")), "/**\n * one\n */");
        assert_eq!(comment_text(&comment("/*\n  * a\n\n  b  */")), "/**\n * a\n * b\n */");
        assert_eq!(comment_text(&comment("/**/")), "/**\n */");
        assert_eq!(comment_text(&comment("// plain  ")), "// plain  ");
    }
}
