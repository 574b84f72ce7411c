//! No input makes the parser, the formatter, the validator, lowering or
//! the renderer panic, and every diagnostic points inside its file.

use proptest::prelude::*;

use crate::support::{DATASOURCE, parse};
use ehrdb::{format, pipeline};

const SEED: &str = include_str!("../../schema/theater.prisma");

fn check(text: &str) {
    let fragments = parse(&[("schema/fuzz.prisma", text)]);
    for diagnostic in fragments.diagnostics.iter() {
        let span = diagnostic.primary.span;
        assert!(span.start <= span.end && span.end as usize <= text.len(), "span {span:?} outside the text");
        assert!(text.is_char_boundary(span.start as usize) && text.is_char_boundary(span.end as usize));
    }
    let rendered = fragments.diagnostics.render(&fragments.sources, false);
    assert!(rendered.matches("schema/fuzz.prisma:").count() >= fragments.diagnostics.len(), "{rendered}");
    // The validator and lowering take whatever the parser made of it, with
    // a datasource of their own in a second fragment, as `validate` would.
    let schema = parse(&[("schema/base.prisma", DATASOURCE), ("schema/fuzz.prisma", text)]);
    let checked = pipeline::check(&schema, None);
    // Lowering runs on a schema without errors, as every command runs it.
    checked.lower();
    let diagnostics = &checked.diagnostics;
    for diagnostic in diagnostics.iter() {
        for span in std::iter::once(diagnostic.primary.span).chain(diagnostic.secondary.iter().map(|l| l.span)) {
            let source = &schema.sources.get(span.file).text;
            assert!(span.start <= span.end && span.end as usize <= source.len(), "{}: {span:?}", diagnostic.code);
        }
    }
    diagnostics.render(&schema.sources, false);
    let formatted = format::format(&fragments.fragments[0].ast, &fragments.sources);
    if fragments.diagnostics.is_empty() {
        let again = parse(&[("schema/fuzz.prisma", &formatted)]);
        assert!(again.diagnostics.is_empty(), "formatting made valid text invalid:\n{formatted}");
        assert_eq!(format::format(&again.fragments[0].ast, &again.sources), formatted, "formatting is not idempotent");
    }
}

/// A valid fragment with some of its bytes replaced, removed or repeated.
fn edited_fragment() -> impl Strategy<Value = String> {
    let edit = (
        0..SEED.len(),
        0usize..3,
        proptest::sample::select(vec!["{", "}", "\"", "@", "(", ")", "\n", "//", "/*", "[", "?", " ", "é", "\t"]),
    );
    proptest::collection::vec(edit, 1..8).prop_map(|edits| {
        let mut text = SEED.to_owned();
        for (at, kind, token) in edits {
            let mut at = at.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            match kind {
                0 => text.insert_str(at, token),
                1 => {
                    let end = (at + token.len()).min(text.len());
                    let end = (end..=text.len()).find(|&e| text.is_char_boundary(e)).unwrap();
                    text.replace_range(at..end, "");
                }
                _ => {
                    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
                    let line = text[at..line_end].to_owned();
                    text.insert_str(line_end, &line);
                }
            }
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,400}") {
        check(&text);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn edited_fragments_never_panic(text in edited_fragment()) {
        check(&text);
    }
}
