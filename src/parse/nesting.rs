//! The one limit of the parser: pest's recursive descent recurses once
//! per bracket, so a line of very deeply nested `(` and `[` could exhaust
//! the stack. Such a line is reported and its brackets are blanked before
//! the grammar sees it.

use crate::diagnostics::{Diagnostic, Diagnostics, FileId, Span};

/// How deeply brackets may nest on one line. Real schemas stay below 5;
/// the limit keeps the recursive descent far from the end of the stack.
pub(super) const MAX_NESTING: usize = 64;

/// Reports every line whose `(` and `[` nest deeper than [`MAX_NESTING`] and
/// returns the text with those lines' brackets replaced by `?` (same byte
/// length, so every span still fits), which the grammar reads as an invalid
/// line without recursing.
pub(super) fn guard_nesting(file: FileId, text: &str, diagnostics: &mut Diagnostics) -> Option<String> {
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
