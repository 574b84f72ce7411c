//! Blocks and their members: a top-level item, a block with its doc
//! comments, fields, enum values, properties and block attributes, and a
//! field's type; every line that is none of these becomes an `Invalid`
//! member with a diagnostic, so the printer keeps it verbatim.

use pest::iterators::Pair;

use super::{Builder, Rule, exact, flush_docs};
use crate::ast::*;
use crate::diagnostics::{Diagnostic, Span};

impl Builder<'_> {
    /// One top-level item into `items`; doc comments wait in `docs` for
    /// the block they document.
    pub(super) fn item(&mut self, pair: Pair<Rule>, items: &mut Vec<TopItem>, docs: &mut Vec<Comment>) {
        match pair.as_rule() {
            Rule::block => {
                let (block, after) = self.block(pair, std::mem::take(docs));
                items.push(TopItem::Block(block));
                items.extend(after.map(TopItem::Comment));
            }
            Rule::comment_line => {
                for comment in pair.into_inner() {
                    let comment = self.comment(comment);
                    if comment.is_doc() {
                        docs.push(comment);
                    } else {
                        flush_docs(docs, items, TopItem::Comment);
                        items.push(TopItem::Comment(comment));
                    }
                }
            }
            Rule::blank_line => {
                flush_docs(docs, items, TopItem::Comment);
                items.push(TopItem::BlankLine);
            }
            Rule::invalid_block => {
                flush_docs(docs, items, TopItem::Comment);
                let span = self.line_span(&pair);
                let head = pair.as_str().split_whitespace().next().unwrap_or("");
                let diagnostic = Diagnostic::error(
                    "invalid-block",
                    Span { end: span.start + head.len() as u32, ..span },
                    format!("`{head}` does not start a block"),
                )
                .label("expected `model`, `enum`, `view`, `type`, `datasource` or `generator`");
                self.diagnostics.push(with_letter_help(diagnostic, pair.as_str()));
                items.push(TopItem::Invalid(span));
            }
            Rule::invalid_top => {
                flush_docs(docs, items, TopItem::Comment);
                let span = self.line_span(&pair);
                self.diagnostics.push(
                    Diagnostic::error("invalid-line", span, "this line is not part of any block")
                        .label("expected a block such as `model Name {`, or a comment"),
                );
                items.push(TopItem::Invalid(span));
            }
            rule => unreachable!("unexpected top-level rule {rule:?}"),
        }
    }

    /// A block, and a comment that followed its closing brace.
    fn block(&mut self, pair: Pair<Rule>, doc: Vec<Comment>) -> (Block, Option<Comment>) {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let keyword = inner.next().expect("block keyword");
        let kind = BlockKind::from_keyword(keyword.as_str()).expect("grammar only admits known keywords");
        let name = self.ident(inner.next().expect("block name"));

        let mut block = Block { kind, doc, name, members: Vec::new(), span };
        let mut after = None;
        let mut docs: Vec<Comment> = Vec::new();
        let mut closed = false;
        let mut in_header = true;
        for pair in inner {
            match pair.as_rule() {
                Rule::trailing_comment if in_header => block.members.push(Member::Comment(self.comment(pair))),
                Rule::trailing_comment if closed => after = Some(self.comment(pair)),
                Rule::trailing_comment => {
                    let comment = Some(Box::new(self.comment(pair)));
                    match block.members.last_mut() {
                        Some(Member::Field(f)) => f.trailing = comment,
                        Some(Member::EnumValue(v)) => v.trailing = comment,
                        Some(Member::Property(p)) => p.trailing = comment,
                        Some(Member::Attribute(a)) => a.trailing = comment,
                        // A member turned invalid keeps its comment in its verbatim text.
                        _ => {}
                    }
                }
                Rule::trailing_junk => self.trailing_junk(&mut block, pair, in_header, closed),
                Rule::close_brace => {
                    closed = true;
                    flush_docs(&mut docs, &mut block.members, Member::Comment);
                }
                Rule::missing_brace => {
                    flush_docs(&mut docs, &mut block.members, Member::Comment);
                    let mut diagnostic = Diagnostic::error(
                        "missing-closing-brace",
                        block.name.span,
                        format!("{} `{}` has no closing `}}`", kind.keyword(), block.name.name),
                    )
                    .label("this block is never closed");
                    if let Some(last) = block.members.iter().rev().find_map(member_span) {
                        diagnostic = diagnostic.also(last, "add `}` after this line");
                    }
                    self.diagnostics.push(diagnostic);
                }
                Rule::blank_line => {
                    in_header = false;
                    flush_docs(&mut docs, &mut block.members, Member::Comment);
                    block.members.push(Member::BlankLine);
                }
                Rule::comment_line => {
                    in_header = false;
                    for comment in pair.into_inner() {
                        let comment = self.comment(comment);
                        if comment.is_doc() && !kind.is_config() {
                            docs.push(comment);
                        } else {
                            flush_docs(&mut docs, &mut block.members, Member::Comment);
                            block.members.push(Member::Comment(comment));
                        }
                    }
                }
                Rule::invalid_member => {
                    in_header = false;
                    flush_docs(&mut docs, &mut block.members, Member::Comment);
                    let span = self.line_span(&pair);
                    let diagnostic = Diagnostic::error(
                        "invalid-line",
                        span,
                        format!("this line is not a valid definition within a {}", kind.keyword()),
                    )
                    .label(expected_member(kind));
                    self.diagnostics.push(with_letter_help(diagnostic, pair.as_str()));
                    block.members.push(Member::Invalid(span));
                }
                Rule::field | Rule::enum_value | Rule::property | Rule::block_attribute => {
                    in_header = false;
                    let member = self.member(kind, pair, &mut docs);
                    if !matches!(member, Member::Field(_) | Member::EnumValue(_)) {
                        flush_docs(&mut docs, &mut block.members, Member::Comment);
                    }
                    block.members.push(member);
                }
                rule => unreachable!("unexpected rule {rule:?} in a block"),
            }
        }
        block.members.shrink_to_fit();
        (block, after)
    }

    /// Text after a complete member (or after a brace) on the same line:
    /// the whole line becomes invalid, so the printer keeps it verbatim.
    fn trailing_junk(&mut self, block: &mut Block, pair: Pair<Rule>, in_header: bool, closed: bool) {
        let junk = self.line_span(&pair);
        let (message, start) = if in_header {
            ("unexpected text after `{`: members go on their own lines".to_owned(), None)
        } else if closed {
            ("unexpected text after `}`: start the next block on its own line".to_owned(), None)
        } else {
            let previous = block.members.pop();
            if let Some(Member::Invalid(start)) = previous {
                // The line was already reported as not belonging here: one
                // diagnostic for the whole line says it better than two.
                let line = start.to(junk);
                let replaced = self.diagnostics.pop().expect("an invalid member was reported");
                let mut diagnostic = Diagnostic::error(
                    "invalid-line",
                    line,
                    format!("this line is not a valid definition within a {}", block.kind.keyword()),
                )
                .label(expected_member(block.kind));
                diagnostic.notes = replaced.notes.clone();
                self.diagnostics.push(if diagnostic.notes.is_empty() {
                    with_letter_help(diagnostic, pair.as_str())
                } else {
                    diagnostic
                });
                debug_assert_eq!(replaced.primary.span, start);
                block.members.push(Member::Invalid(line));
                return;
            }
            ("unexpected text after the end of this definition".to_owned(), previous.as_ref().and_then(member_span))
        };
        let diagnostic = Diagnostic::error("trailing-text", junk, message).label("not understood");
        self.diagnostics.push(with_letter_help(diagnostic, pair.as_str()));
        if let Some(start) = start {
            block.members.push(Member::Invalid(start.to(junk)));
        } else if in_header {
            block.members.push(Member::Invalid(junk));
        }
    }

    fn member(&mut self, kind: BlockKind, pair: Pair<Rule>, docs: &mut Vec<Comment>) -> Member {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let allowed = match rule {
            Rule::field => kind.has_fields(),
            Rule::enum_value => kind == BlockKind::Enum,
            Rule::property => kind.is_config(),
            _ => !kind.is_config(),
        };
        if !allowed {
            let message = match (rule, kind) {
                (Rule::enum_value, k) if k.has_fields() => {
                    format!("field `{}` has no type", pair.as_str().split_whitespace().next().unwrap_or(""))
                }
                (Rule::field, BlockKind::Enum) => "enum values have no type".to_owned(),
                _ => format!("this line is not a valid definition within a {}", kind.keyword()),
            };
            let code =
                if rule == Rule::enum_value && kind.has_fields() { "field-missing-type" } else { "invalid-line" };
            self.diagnostics.push(Diagnostic::error(code, span, message).label(expected_member(kind)));
            return Member::Invalid(span);
        }
        let mut inner = pair.into_inner();
        match rule {
            Rule::field => {
                let name = self.ident(inner.next().expect("field name"));
                let ty = self.field_type(inner.next().expect("field type"));
                let attributes = exact(inner.map(|a| self.attribute(a)));
                Member::Field(Box::new(Field { doc: std::mem::take(docs), name, ty, attributes, trailing: None, span }))
            }
            Rule::enum_value => {
                let name = self.ident(inner.next().expect("value name"));
                let attributes = exact(inner.map(|a| self.attribute(a)));
                Member::EnumValue(Box::new(EnumValue {
                    doc: std::mem::take(docs),
                    name,
                    attributes,
                    trailing: None,
                    span,
                }))
            }
            Rule::property => {
                let name = self.ident(inner.next().expect("property name"));
                let value = self.expr(inner.next().expect("property value"));
                Member::Property(Box::new(Property { name, value, trailing: None, span }))
            }
            _ => {
                let attribute = self.attribute_parts(span, inner);
                Member::Attribute(Box::new(BlockAttribute { attribute, trailing: None }))
            }
        }
    }

    fn field_type(&mut self, pair: Pair<Rule>) -> FieldType {
        let span = self.span(&pair);
        let (text, pair_start) = (pair.as_str(), pair.as_span().start());
        let base = pair.into_inner().next().expect("type name");
        let base_end = base.as_span().end();
        let name = match base.as_rule() {
            Rule::unsupported_type => {
                let whole = self.span(&base);
                let text = self.string(base.into_inner().next().expect("Unsupported argument"));
                TypeName::Unsupported(Box::new(text), whole)
            }
            _ => TypeName::Named(self.ident(base)),
        };
        // The markers are no tokens of their own: what follows the base
        // name, spaces aside, is one of them or nothing.
        let base_end = base_end - pair_start;
        let arity = match text[base_end..].trim() {
            "" => Arity::Required,
            "?" => Arity::Optional,
            "[]" => Arity::List,
            _ => Arity::OptionalList,
        };
        FieldType { name, arity, span }
    }
}

fn member_span(member: &Member) -> Option<Span> {
    match member {
        Member::Field(f) => Some(f.span),
        Member::EnumValue(v) => Some(v.span),
        Member::Property(p) => Some(p.span),
        Member::Attribute(a) => Some(a.attribute.span),
        Member::Comment(c) => Some(c.span),
        Member::Invalid(span) => Some(*span),
        Member::BlankLine => None,
    }
}

/// `diagnostic` about `line`, with a help line when the line holds a
/// character Prisma does not take in names ([`not_a_letter`]).
fn with_letter_help(diagnostic: Diagnostic, line: &str) -> Diagnostic {
    match not_a_letter(line) {
        Some(help) => diagnostic.help(help),
        None => diagnostic,
    }
}

/// Why a line whose name holds a character Prisma does not take in names
/// failed: the help for its first such character (outside strings and
/// comments). Names are Unicode letters, ASCII digits, `_` and `-`.
fn not_a_letter(line: &str) -> Option<String> {
    let code = line.split("//").next().unwrap_or(line);
    let mut in_string = false;
    let c = code.chars().find(|&c| {
        if c == '"' {
            in_string = !in_string;
        }
        !in_string && !c.is_ascii() && !c.is_whitespace() && !pest::unicode::LETTER(c)
    })?;
    Some(format!(
        "`{c}` (U+{:04X}) is not a letter: a name is made of letters, digits, `_` and `-`, as in Prisma",
        u32::from(c)
    ))
}

fn expected_member(kind: BlockKind) -> &'static str {
    match kind {
        BlockKind::Model | BlockKind::View | BlockKind::Type => {
            "expected a field `name Type @attribute`, a block attribute `@@name(...)` or a comment"
        }
        BlockKind::Enum => "expected an enum value `NAME`, a block attribute `@@name(...)` or a comment",
        BlockKind::Datasource | BlockKind::Generator => "expected a property `key = value` or a comment",
    }
}
