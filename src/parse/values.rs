//! Attributes, their arguments and the expressions in them: strings
//! (with their escapes decoded), numbers, constants, arrays and calls.

use compact_str::CompactString;
use pest::iterators::Pair;

use super::{Builder, Rule, exact};
use crate::ast::*;
use crate::diagnostics::{Diagnostic, Span};

impl Builder<'_> {
    pub(super) fn attribute(&mut self, pair: Pair<Rule>) -> Attribute {
        let span = self.span(&pair);
        self.attribute_parts(span, pair.into_inner())
    }

    pub(super) fn attribute_parts<'i>(
        &mut self,
        span: Span,
        mut inner: impl Iterator<Item = Pair<'i, Rule>>,
    ) -> Attribute {
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

    pub(super) fn expr(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::string => Expr::String(self.string(pair)),
            Rule::number => Expr::Number(self.ident(pair)),
            Rule::array => Expr::Array(exact(pair.into_inner().map(|p| self.expr(p))), span),
            Rule::object => {
                let entries = pair.into_inner().map(|entry| {
                    let mut parts = entry.into_inner();
                    let key = self.ident(parts.next().expect("a key"));
                    let value = self.expr(parts.next().expect("a value"));
                    ObjectEntry { key, value }
                });
                Expr::Object(exact(entries), span)
            }
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

    pub(super) fn string(&mut self, pair: Pair<Rule>) -> StringLit {
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

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn unescape_decodes_and_rejects() {
        assert_eq!(unescape(r#"a\"b\\c\n\u00e9"#).unwrap(), "a\"b\\c\n\u{e9}");
        assert_eq!(unescape(r"bad\q").unwrap_err().0, 3);
        assert!(unescape(r"\u12").is_err());
    }
}
