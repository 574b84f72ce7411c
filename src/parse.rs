//! Text to syntax tree.
//!
//! Takes the text of one fragment and returns its [`SchemaFile`], pushing a
//! diagnostic for every line it cannot read; it never stops at the first
//! problem and never fails. This is the only module that sees pest types.
//! It decides nothing about meaning: whether a type exists or an attribute
//! is known is the validator's business.
//!
//! This file runs the grammar item by item and holds the tree builder's
//! token helpers; `blocks` builds blocks and their members, `values`
//! attributes, arguments and expressions, and `nesting` guards the one
//! limit of the recursive descent.

mod blocks;
mod nesting;
mod values;

use pest::Parser;
use pest::iterators::Pair;
use pest_derive::Parser;

use crate::ast::{Comment, Ident, SchemaFile, TopItem};
use crate::diagnostics::{Diagnostic, Diagnostics, FileId, Span};
use nesting::guard_nesting;

#[derive(Parser)]
#[grammar = "../grammar/prisma.pest"]
struct PslParser;

/// Parses one fragment. Problems go to `diagnostics`; the tree keeps what
/// could not be read as `Invalid` items so that nothing is lost.
/// What some editors put before the first character of a UTF-8 file.
pub const BYTE_ORDER_MARK: char = '\u{feff}';

pub fn parse(file: FileId, text: &str, diagnostics: &mut Diagnostics) -> SchemaFile {
    let guarded = guard_nesting(file, text, diagnostics);
    let text = guarded.as_deref().unwrap_or(text);
    let mut builder = Builder { file, diagnostics, offset: 0 };
    // Editors on Windows may save a byte-order mark, which Prisma rejects
    // as an invalid line. Name it, then read the rest as if it were not
    // there, so it is one clear error rather than a cascade.
    if text.starts_with(BYTE_ORDER_MARK) {
        builder.diagnostics.push(
            Diagnostic::error(
                "byte-order-mark",
                Span::new(file, 0..BYTE_ORDER_MARK.len_utf8()),
                "the file starts with a byte-order mark",
            )
            .label("an invisible U+FEFF")
            .help("Prisma rejects it: save the file as UTF-8 without a BOM (`ehrdb fmt` removes it)"),
        );
        builder.offset = BYTE_ORDER_MARK.len_utf8();
    }
    let mut items = Vec::new();
    let mut docs: Vec<Comment> = Vec::new();
    // One pest run per top-level item: the token queue it fills stays the
    // size of one block and its memory is reused for the next, instead of
    // growing to megabytes of fresh pages for a whole fragment.
    loop {
        let rest = &text[builder.offset..];
        let item = match PslParser::parse(Rule::item, rest) {
            Ok(mut pairs) => pairs.next().expect("the item rule yields one pair"),
            // The catch-all rules accept any text, so this is a grammar bug;
            // still, report it rather than panic.
            Err(error) => {
                let at = builder.offset
                    + match error.location {
                        pest::error::InputLocation::Pos(p) => p,
                        pest::error::InputLocation::Span((s, _)) => s,
                    };
                builder.diagnostics.push(Diagnostic::error(
                    "syntax-error",
                    Span::new(file, at..at),
                    "this text could not be parsed",
                ));
                break;
            }
        };
        let end = item.as_span().end();
        let pair = item.into_inner().next().expect("an item or the end of the input");
        if pair.as_rule() == Rule::EOI {
            break;
        }
        builder.item(pair, &mut items, &mut docs);
        builder.offset += end;
    }
    flush_docs(&mut docs, &mut items, TopItem::Comment);
    SchemaFile { file, items }
}

struct Builder<'d> {
    file: FileId,
    diagnostics: &'d mut Diagnostics,
    /// Where the item being built starts in the file: pest's positions
    /// are relative to it.
    offset: usize,
}

impl Builder<'_> {
    /// A pair's span without the implicit whitespace pest may leave at
    /// its end (after a failed optional part), so carets stop at the text.
    /// No token ends in whitespace, so every span is trimmed here, once.
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        let start = self.offset + s.start();
        Span::new(self.file, start..start + s.as_str().trim_end().len())
    }

    /// A name or number token; those are atomic and never end in
    /// whitespace, so their span is taken as it is.
    fn ident(&self, pair: Pair<Rule>) -> Ident {
        let s = pair.as_span();
        let start = self.offset + s.start();
        Ident { name: s.as_str().into(), span: Span::new(self.file, start..self.offset + s.end()) }
    }

    fn comment(&self, pair: Pair<Rule>) -> Comment {
        // trailing_comment wraps a `comment`, which wraps the concrete
        // kind; find the innermost text.
        let mut pair = pair;
        while let Some(inner) = pair.clone().into_inner().next() {
            pair = inner;
        }
        let text = pair.as_str().to_owned();
        let span = self.span(&pair);
        let end = span.start + text.len() as u32;
        Comment { text, span: Span { end, ..span } }
    }

    /// The span of a catch-all match, without its line break.
    fn line_span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        let text = s.as_str().trim_end_matches(['\n', '\r']);
        let trimmed = text.trim();
        let leading = text.len() - text.trim_start().len();
        // A line of nothing but (Unicode) whitespace: an empty span at its start.
        let start = self.offset + s.start() + if trimmed.is_empty() { 0 } else { leading };
        Span::new(self.file, start..start + trimmed.len())
    }
}

fn flush_docs<T>(docs: &mut Vec<Comment>, into: &mut Vec<T>, wrap: fn(Comment) -> T) {
    into.extend(docs.drain(..).map(wrap));
}

/// The items in a list of exactly their number. `collect` leaves room for
/// at least four, and most attribute and argument lists hold one or two:
/// on a large schema the spare room was a third of the tree's memory, and
/// shrinking each list afterwards cost an allocation and a copy.
fn exact<T>(items: impl ExactSizeIterator<Item = T>) -> Vec<T> {
    let mut list = Vec::with_capacity(items.len());
    list.extend(items);
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{Arity, Expr, Member};

    fn parse_ok(text: &str) -> SchemaFile {
        let mut diagnostics = Diagnostics::new();
        let file = parse(FileId(0), text, &mut diagnostics);
        assert!(diagnostics.is_empty(), "unexpected diagnostics: {diagnostics:?}");
        file
    }

    #[test]
    fn doc_comments_attach_to_the_next_block_and_field() {
        let file = parse_ok("/// A patient.\nmodel Patient {\n  /// Medical record number.\n  mrn String @id\n}\n");
        let block = file.blocks().next().unwrap();
        assert_eq!(block.doc.len(), 1);
        let field = block.fields().next().unwrap();
        assert_eq!(field.doc[0].text, "/// Medical record number.");
        assert_eq!(field.ty.arity, Arity::Required);
    }

    #[test]
    fn a_blank_line_detaches_a_doc_comment() {
        let file = parse_ok("/// loose\n\nmodel A {\n  id Int @id\n}\n");
        assert!(file.blocks().next().unwrap().doc.is_empty());
        assert!(matches!(&file.items[0], TopItem::Comment(c) if c.text == "/// loose"));
    }

    #[test]
    fn attribute_arguments_keep_their_shape() {
        let file =
            parse_ok("model A {\n  id Int @id\n  @@index([id(sort: Desc)], type: Gin, where: raw(\"x > 1\"))\n}\n");
        let block = file.blocks().next().unwrap();
        let attribute = &block.attributes().next().unwrap().attribute;
        assert_eq!(attribute.name.name, "index");
        let Some(Expr::Array(items, _)) = attribute.positional() else { panic!("expected an array") };
        assert!(matches!(&items[0], Expr::Function(name, args) if name.name == "id" && args.items.len() == 1));
        assert_eq!(attribute.named("type").and_then(Expr::as_constant), Some("Gin"));
    }

    #[test]
    fn every_bad_line_is_reported_and_parsing_goes_on() {
        let mut diagnostics = Diagnostics::new();
        let text =
            "model A {\n  id Int @id\n  ??? nonsense\n  name @unique\n}\nstray words\nmodel B {\n  id Int @id\n}\n";
        let file = parse(FileId(0), text, &mut diagnostics);
        let codes: Vec<_> = diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["invalid-line", "field-missing-type", "invalid-line"]);
        assert_eq!(file.blocks().count(), 2);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!("model A {{\n  id Int @id @default({}1{})\n}}\n", "[".repeat(100_000), "]".repeat(100_000));
        let mut diagnostics = Diagnostics::new();
        let file = parse(FileId(0), &deep, &mut diagnostics);
        assert_eq!(diagnostics.iter().next().map(|d| d.code), Some("nesting-too-deep"));
        assert!(matches!(file.blocks().next().unwrap().members[0], Member::Invalid(_)));

        let fine = format!(
            "model A {{\n  id Int @id @default({}1{})\n}}\n",
            "[".repeat(nesting::MAX_NESTING - 1),
            "]".repeat(nesting::MAX_NESTING - 1)
        );
        let mut diagnostics = Diagnostics::new();
        parse(FileId(0), &fine, &mut diagnostics);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
    }

    #[test]
    fn spans_of_odd_whitespace_lines_stay_in_order() {
        for text in ["\u{b}", "\u{b}\t", "model A {\n  \u{b}\n}\n"] {
            let mut diagnostics = Diagnostics::new();
            parse(FileId(0), text, &mut diagnostics);
            for d in diagnostics.iter() {
                assert!(d.primary.span.start <= d.primary.span.end, "{text:?}: {d:?}");
            }
        }
    }

    #[test]
    fn a_missing_brace_ends_the_block_at_the_next_header() {
        let mut diagnostics = Diagnostics::new();
        let file = parse(FileId(0), "model A {\n  id Int @id\n\nmodel B {\n  id Int @id\n}\n", &mut diagnostics);
        assert_eq!(diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), ["missing-closing-brace"]);
        assert_eq!(file.blocks().map(|b| b.name.name.as_str()).collect::<Vec<_>>(), ["A", "B"]);
    }
}
