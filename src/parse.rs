//! Text to syntax tree.
//!
//! Takes the text of one fragment and returns its [`SchemaFile`], pushing a
//! diagnostic for every line it cannot read; it never stops at the first
//! problem and never fails. This is the only module that sees pest types.
//! It decides nothing about meaning: whether a type exists or an attribute
//! is known is the validator's business.

use pest::Parser;
use pest::iterators::Pair;
use pest_derive::Parser;

use compact_str::CompactString;

use crate::ast::*;
use crate::diagnostics::{Diagnostic, Diagnostics, FileId, Span};

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

/// How deeply brackets may nest on one line. Real schemas stay below 5;
/// the limit keeps the recursive descent far from the end of the stack.
const MAX_NESTING: usize = 64;

/// Reports every line whose `(` and `[` nest deeper than [`MAX_NESTING`] and
/// returns the text with those lines' brackets replaced by `?` (same byte
/// length, so every span still fits), which the grammar reads as an invalid
/// line without recursing.
fn guard_nesting(file: FileId, text: &str, diagnostics: &mut Diagnostics) -> Option<String> {
    let mut deep_lines = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        // A line with few brackets cannot nest deeply: skip the byte-by-byte
        // walk (the count is one fast pass, and almost every line stops here).
        if line.bytes().filter(|b| matches!(b, b'(' | b'[')).count() <= MAX_NESTING {
            line_start += line.len();
            continue;
        }
        let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
        let bytes = line.as_bytes();
        for (i, &byte) in bytes.iter().enumerate() {
            if in_string {
                match byte {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match byte {
                b'"' => in_string = true,
                b'/' if bytes.get(i + 1) == Some(&b'/') => break,
                b'(' | b'[' => {
                    depth += 1;
                    max = max.max(depth);
                }
                b')' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        if max > MAX_NESTING {
            deep_lines.push(line_start..line_start + line.trim_end().len());
        }
        line_start += line.len();
    }
    if deep_lines.is_empty() {
        return None;
    }
    let mut guarded = text.as_bytes().to_vec();
    for range in deep_lines {
        diagnostics.push(
            Diagnostic::error(
                "nesting-too-deep",
                Span::new(file, range.clone()),
                "brackets nest too deeply on this line",
            )
            .label(format!("more than {MAX_NESTING} levels of `(` and `[`")),
        );
        for byte in &mut guarded[range] {
            if matches!(byte, b'(' | b'[') {
                *byte = b'?';
            }
        }
    }
    Some(String::from_utf8(guarded).expect("only ASCII brackets were replaced"))
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

    /// One top-level item into `items`; doc comments wait in `docs` for
    /// the block they document.
    fn item(&mut self, pair: Pair<Rule>, items: &mut Vec<TopItem>, docs: &mut Vec<Comment>) {
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
                self.diagnostics.push(
                    Diagnostic::error(
                        "invalid-block",
                        Span { end: span.start + head.len() as u32, ..span },
                        format!("`{head}` does not start a block"),
                    )
                    .label("expected `model`, `enum`, `view`, `type`, `datasource` or `generator`"),
                );
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
                    self.diagnostics.push(
                        Diagnostic::error(
                            "invalid-line",
                            span,
                            format!("this line is not a valid definition within a {}", kind.keyword()),
                        )
                        .label(expected_member(kind)),
                    );
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
                self.diagnostics.push(
                    Diagnostic::error(
                        "invalid-line",
                        line,
                        format!("this line is not a valid definition within a {}", block.kind.keyword()),
                    )
                    .label(expected_member(block.kind)),
                );
                debug_assert_eq!(replaced.primary.span, start);
                block.members.push(Member::Invalid(line));
                return;
            }
            ("unexpected text after the end of this definition".to_owned(), previous.as_ref().and_then(member_span))
        };
        self.diagnostics.push(Diagnostic::error("trailing-text", junk, message).label("not understood"));
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

    fn attribute(&mut self, pair: Pair<Rule>) -> Attribute {
        let span = self.span(&pair);
        self.attribute_parts(span, pair.into_inner())
    }

    fn attribute_parts<'i>(&mut self, span: Span, mut inner: impl Iterator<Item = Pair<'i, Rule>>) -> Attribute {
        let name = self.ident(inner.next().expect("attribute name"));
        let args = inner.next().map(|a| self.arguments(a));
        Attribute { name, args, span }
    }

    fn arguments(&mut self, pair: Pair<Rule>) -> Arguments {
        let span = self.span(&pair);
        let args = pair.into_inner();
        let mut items = Vec::with_capacity(args.len());
        let mut trailing_comma = false;
        for arg in args {
            if arg.as_rule() == Rule::trailing_comma {
                trailing_comma = true;
                self.diagnostics.push(
                    Diagnostic::error("trailing-comma", self.span(&arg), "an argument list takes no trailing comma")
                        .label("remove this comma"),
                );
                continue;
            }
            let arg_span = self.span(&arg);
            if arg.as_rule() == Rule::named_argument {
                let mut parts = arg.into_inner();
                let name = self.ident(parts.next().expect("argument name"));
                let value = parts.next().map(|v| self.expr(v));
                if value.is_none() {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "missing-argument-value",
                            arg_span,
                            format!("argument `{}` has no value", name.name),
                        )
                        .label("expected a value after `:`"),
                    );
                }
                items.push(Argument { name: Some(name), value, span: arg_span });
            } else {
                let value = self.expr(arg);
                items.push(Argument { name: None, value: Some(value), span: arg_span });
            }
        }
        Arguments { items, trailing_comma, span }
    }

    fn expr(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::string => Expr::String(self.string(pair)),
            Rule::number => Expr::Number(self.ident(pair)),
            Rule::array => Expr::Array(exact(pair.into_inner().map(|p| self.expr(p))), span),
            Rule::call_or_constant => {
                let mut inner = pair.into_inner();
                let name = self.ident(inner.next().expect("name"));
                match inner.next() {
                    Some(args) => Expr::Function(name, Box::new(self.arguments(args))),
                    None => Expr::Constant(name),
                }
            }
            rule => unreachable!("unexpected expression rule {rule:?}"),
        }
    }

    fn string(&mut self, pair: Pair<Rule>) -> StringLit {
        let span = self.span(&pair);
        // The text between the quotes, which the grammar always matches.
        let text = pair.as_str();
        let raw = CompactString::from(&text[1..text.len() - 1]);
        if !raw.contains('\\') {
            return StringLit { raw, unescaped: None, span };
        }
        let unescaped = match unescape(&raw) {
            Ok(value) => Some(value.into_boxed_str()),
            Err((offset, message)) => {
                let at = span.start as usize + 1 + offset;
                self.diagnostics.push(
                    Diagnostic::error("invalid-escape", Span::new(self.file, at..at + 2), message)
                        .help(r#"valid escapes are \" \\ \n \r \t \0 and \uXXXX"#),
                );
                None
            }
        };
        StringLit { raw, unescaped, span }
    }
}

fn flush_docs<T>(docs: &mut Vec<Comment>, into: &mut Vec<T>, wrap: fn(Comment) -> T) {
    into.extend(docs.drain(..).map(wrap));
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

fn expected_member(kind: BlockKind) -> &'static str {
    match kind {
        BlockKind::Model | BlockKind::View | BlockKind::Type => {
            "expected a field `name Type @attribute`, a block attribute `@@name(...)` or a comment"
        }
        BlockKind::Enum => "expected an enum value `NAME`, a block attribute `@@name(...)` or a comment",
        BlockKind::Datasource | BlockKind::Generator => "expected a property `key = value` or a comment",
    }
}

/// Decodes the escapes of a string literal's content. On error, returns the
/// byte offset of the bad escape and a message.
fn unescape(raw: &str) -> Result<String, (usize, String)> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let (_, escape) = chars.next().expect("the grammar never ends a string on a backslash");
        match escape {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            '0' => out.push('\0'),
            'u' => {
                let hex: String = raw[i + 2..].chars().take(4).collect();
                let decoded = (hex.len() == 4 && hex.chars().all(|h| h.is_ascii_hexdigit()))
                    .then(|| u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32))
                    .flatten();
                match decoded {
                    Some(ch) => {
                        out.push(ch);
                        for _ in 0..4 {
                            chars.next();
                        }
                    }
                    None => return Err((i, "`\\u` must be followed by four hex digits of a character".to_owned())),
                }
            }
            other => return Err((i, format!("unknown escape `\\{other}` in a string"))),
        }
    }
    Ok(out)
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

    fn parse_ok(text: &str) -> SchemaFile {
        let mut diagnostics = Diagnostics::new();
        let file = parse(FileId(0), text, &mut diagnostics);
        assert!(diagnostics.is_empty(), "unexpected diagnostics: {diagnostics:?}");
        file
    }

    #[test]
    fn unescape_decodes_and_rejects() {
        assert_eq!(unescape(r#"a\"b\\c\n\u00e9"#).unwrap(), "a\"b\\c\n\u{e9}");
        assert_eq!(unescape(r"bad\q").unwrap_err().0, 3);
        assert!(unescape(r"\u12").is_err());
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
            "[".repeat(MAX_NESTING - 1),
            "]".repeat(MAX_NESTING - 1)
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
