//! Reads one `/// @ehrdb.name(arg: [a, b])` doc comment line.
//!
//! The annotation must start the line (after `///`); anything else on the
//! line is a comment for Prisma and ignored here. Errors carry a span
//! inside the comment, computed from the comment's own span, so they point
//! at the exact character that went wrong.

use crate::ast::{Comment, Ident};
use crate::diagnostics::Span;

/// `@ehrdb.immutable(allowUpdate: [a, b])`.
#[derive(Debug, Clone)]
pub(crate) struct Annotation {
    /// `immutable`; its span covers `@ehrdb.immutable`.
    pub name: Ident,
    pub args: Vec<Arg>,
}

#[derive(Debug, Clone)]
pub(crate) struct Arg {
    pub name: Option<Ident>,
    pub value: Value,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub(crate) enum Value {
    /// `[a, b]`: the names in it.
    List(Vec<Ident>, Span),
    /// Anything else, as written (`a`, `"a"`, `3`).
    Word(Span),
}

impl Value {
    pub fn span(&self) -> Span {
        match self {
            Value::List(_, span) | Value::Word(span) => *span,
        }
    }
}

/// A syntax error at a span inside the comment.
#[derive(Debug, Clone)]
pub(crate) struct SyntaxError {
    pub span: Span,
    pub message: String,
    pub label: String,
}

/// The annotation a doc comment line holds, if it starts with `@ehrdb`.
pub(crate) fn parse(comment: &Comment) -> Option<Result<Annotation, SyntaxError>> {
    let body = comment.text.strip_prefix("///")?;
    let start = body.len() - body.trim_start().len();
    if !body[start..].starts_with("@ehrdb") {
        return None;
    }
    let mut cursor = Cursor { text: &comment.text, pos: 3 + start, comment };
    Some(cursor.annotation())
}

/// Where a line mentions `@ehrdb.` past its start (likely a misplaced
/// annotation): the byte offset in the comment's text.
pub(crate) fn mention_after_start(text: &str) -> Option<usize> {
    let body_start = text.len() - text.trim_start_matches('/').trim_start().len();
    text.match_indices("@ehrdb.")
        .map(|(i, _)| i)
        .find(|&i| i > body_start && text[..i].ends_with(|c: char| c.is_whitespace() || c == '(' || c == '`'))
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    comment: &'a Comment,
}

impl Cursor<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        let base = self.comment.span;
        Span { file: base.file, start: base.start + start as u32, end: base.start + end as u32 }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += self.peek().map_or(0, char::len_utf8);
        }
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// An error at the character under the cursor; at the end of the line,
    /// at the last character, so the caret has something to point at.
    fn error(&self, message: impl Into<String>, label: impl Into<String>) -> SyntaxError {
        let (start, end) = match self.peek() {
            Some(c) => (self.pos, self.pos + c.len_utf8()),
            None => {
                let last = self.text.trim_end().chars().next_back().map_or(0, char::len_utf8);
                let end = self.text.trim_end().len();
                (end - last, end)
            }
        };
        SyntaxError { span: self.span(start, end), message: message.into(), label: label.into() }
    }

    fn unclosed(&self, open: usize, bracket: char) -> SyntaxError {
        let close = if bracket == '(' { ')' } else { ']' };
        SyntaxError {
            span: self.span(open, open + 1),
            message: format!("unclosed `{bracket}`"),
            label: format!("no `{close}` closes this on the line"),
        }
    }

    /// What stands at the cursor, for "found ..." labels.
    fn found(&self) -> String {
        match self.peek() {
            Some(c) => format!("found `{c}`"),
            None => "the line ends here".to_owned(),
        }
    }

    fn ident(&mut self) -> Option<Ident> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            self.pos += 1;
        }
        (self.pos > start).then(|| Ident { name: self.text[start..self.pos].into(), span: self.span(start, self.pos) })
    }

    fn annotation(&mut self) -> Result<Annotation, SyntaxError> {
        let start = self.pos;
        self.pos += "@ehrdb".len();
        if !self.eat('.') {
            return Err(self.error(
                "expected `.` and a name after `@ehrdb`",
                format!("{}; write `@ehrdb.immutable`", self.found()),
            ));
        }
        let Some(name) = self.ident() else {
            return Err(self.error("expected an annotation name after `@ehrdb.`", self.found()));
        };
        let head_end = self.pos;
        let name = Ident { name: name.name, span: self.span(start, head_end) };
        let mut args = Vec::new();
        if self.peek() == Some('(') {
            args = self.arguments()?;
        }
        self.skip_spaces();
        if self.pos < self.text.len() {
            let rest = self.text[self.pos..].trim_end();
            return Err(SyntaxError {
                span: self.span(self.pos, self.pos + rest.len()),
                message: format!("unexpected text after `{}`", &self.text[start..head_end]),
                label: "an annotation takes its own doc comment line".to_owned(),
            });
        }
        Ok(Annotation { name, args })
    }

    fn arguments(&mut self) -> Result<Vec<Arg>, SyntaxError> {
        let open = self.pos;
        self.pos += 1;
        let mut args = Vec::new();
        loop {
            self.skip_spaces();
            if self.eat(')') {
                return Ok(args);
            }
            if self.peek().is_none() {
                return Err(self.unclosed(open, '('));
            }
            args.push(self.argument()?);
            self.skip_spaces();
            if self.peek().is_none() {
                return Err(self.unclosed(open, '('));
            }
            if !self.eat(',') && self.peek() != Some(')') {
                return Err(self.error("expected `,` or `)` after an argument", self.found()));
            }
        }
    }

    fn argument(&mut self) -> Result<Arg, SyntaxError> {
        let start = self.pos;
        let checkpoint = self.pos;
        if let Some(name) = self.ident() {
            self.skip_spaces();
            if self.eat(':') {
                self.skip_spaces();
                let value = self.value()?;
                return Ok(Arg { name: Some(name), span: self.span(start, self.pos), value });
            }
            self.pos = checkpoint;
        }
        let value = self.value()?;
        Ok(Arg { name: None, span: self.span(start, self.pos), value })
    }

    fn value(&mut self) -> Result<Value, SyntaxError> {
        let start = self.pos;
        if self.eat('[') {
            let mut names = Vec::new();
            loop {
                self.skip_spaces();
                if self.eat(']') {
                    return Ok(Value::List(names, self.span(start, self.pos)));
                }
                match self.ident() {
                    Some(name) => names.push(name),
                    None if self.peek().is_none() => {
                        return Err(self.unclosed(start, '['));
                    }
                    None => return Err(self.error("expected a field name", self.found())),
                }
                self.skip_spaces();
                if !self.eat(',') && self.peek() != Some(']') {
                    return Err(self.error("expected `,` or `]` after a field name", self.found()));
                }
            }
        }
        while self.peek().is_some_and(|c| !c.is_whitespace() && !matches!(c, ',' | ')' | '(' | '[' | ']')) {
            self.pos += self.peek().map_or(0, char::len_utf8);
        }
        if self.pos == start {
            return Err(self.error("expected a value", self.found()));
        }
        Ok(Value::Word(self.span(start, self.pos)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::FileId;

    fn comment(text: &str) -> Comment {
        Comment { text: text.to_owned(), span: Span::new(FileId(0), 100..100 + text.len()) }
    }

    fn error(text: &str) -> (String, usize, usize) {
        let e = parse(&comment(text)).unwrap().unwrap_err();
        (e.message, e.span.start as usize - 100, e.span.end as usize - 100)
    }

    #[test]
    fn reads_names_arguments_and_lists() {
        let a = parse(&comment("///  @ehrdb.immutable(allowUpdate: [a, b_2,])  ")).unwrap().unwrap();
        assert_eq!(a.name.name, "immutable");
        assert_eq!((a.name.span.start, a.name.span.end), (105, 121));
        let Value::List(names, _) = &a.args[0].value else { panic!("a list") };
        assert_eq!(names.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(), ["a", "b_2"]);
        assert_eq!(a.args[0].name.as_ref().unwrap().name, "allowUpdate");
        assert!(parse(&comment("/// Append-only.")).is_none());
        assert!(parse(&comment("/// @ehrdb.immutable")).unwrap().unwrap().args.is_empty());
    }

    #[test]
    fn errors_point_at_the_offending_character() {
        assert_eq!(
            error("/// @ehrdb.immutable(allowUpdate: [a b])"),
            ("expected `,` or `]` after a field name".into(), 37, 38)
        );
        assert_eq!(error("/// @ehrdb.immutable(allowUpdate: [a]"), ("unclosed `(`".into(), 20, 21));
        assert_eq!(error("/// @ehrdb.immutable(allowUpdate: [a, \"b\"])"), ("expected a field name".into(), 38, 39));
        assert_eq!(error("/// @ehrdb immutable"), ("expected `.` and a name after `@ehrdb`".into(), 10, 11));
        assert_eq!(
            error("/// @ehrdb.immutable audit table"),
            ("unexpected text after `@ehrdb.immutable`".into(), 21, 32)
        );
    }

    #[test]
    fn mentions_past_the_start_are_found() {
        assert_eq!(mention_after_start("/// Audit log. @ehrdb.immutable"), Some(15));
        assert_eq!(mention_after_start("/// @ehrdb.immutable"), None);
        assert_eq!(mention_after_start("/// mail admin@ehrdb.org"), None);
    }
}
