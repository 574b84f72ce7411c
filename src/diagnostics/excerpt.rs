//! What a rendered diagnostic shows of its source: the lines its labels
//! touch, each with its secrets masked and, when it is long, cut to a
//! window around the label.
//!
//! Takes the [`Sources`] and one diagnostic's labels and returns an
//! [`Excerpt`]: a [`Files`] for codespan-reporting that holds only those
//! lines, and the labels' ranges mapped into it. Line numbers and columns
//! stay those of the file the user wrote, so `path:line:col` is unchanged;
//! only what is drawn changes. A secret in a source line (a datasource URL
//! with its password) never reaches the terminal, and a diagnostic on a
//! line of 50 MB prints a line of a few hundred bytes, not the whole line
//! twice (the text, then the carets under it).

use std::ops::Range;

use codespan_reporting::files::{self, Files};

use super::{FileId, Sources};
use crate::secrets::{self, MASK};

/// Lines longer than this many bytes are cut to a window around the label.
const LONG_LINE: usize = 240;
/// How much of a long line is shown before the label's start.
const BEFORE: usize = 60;
/// How much of a long line is shown in all.
const WINDOW: usize = 200;
const ELLIPSIS: &str = "…";

/// The lines one diagnostic shows, for codespan-reporting to draw.
pub(super) struct Excerpt<'s> {
    sources: &'s Sources,
    files: Vec<ExcerptFile>,
}

/// One file's shown lines, in line order, concatenated into `text`.
struct ExcerptFile {
    id: FileId,
    text: String,
    lines: Vec<ShownLine>,
}

/// An original line as shown: where it is in the excerpt's text, and how
/// its bytes map to the original's.
struct ShownLine {
    index: usize,
    /// The line in the excerpt's text, its `\n` included.
    range: Range<usize>,
    /// The line's start in the original text.
    original_start: usize,
    pieces: Vec<Piece>,
}

/// A run of a shown line: copied from the original, or standing for part
/// of it (`****` for a secret, `…` for what was cut).
struct Piece {
    original: Range<usize>,
    shown: Range<usize>,
    copied: bool,
}

impl<'s> Excerpt<'s> {
    /// The lines the `spans` touch (every line of a span over several).
    pub(super) fn new(sources: &'s Sources, spans: &[(FileId, Range<usize>)]) -> Excerpt<'s> {
        let mut wanted: Vec<(FileId, usize, usize)> = Vec::new();
        for (file, range) in spans {
            let source = sources.get(*file);
            let (first, last) = (line_of(source, range.start), line_of(source, range.end));
            for line in first..=last {
                // Where the window of a long line centres: the first label start on it.
                let focus = if line == first { range.start } else { source.line_starts[line] };
                wanted.push((*file, line, focus));
            }
        }
        wanted.sort();
        wanted.dedup_by_key(|(file, line, _)| (*file, *line));
        // codespan-reporting draws the one line between two shown lines
        // rather than a break, so that line is shown too.
        let gaps: Vec<(FileId, usize, usize)> = wanted
            .windows(2)
            .filter(|pair| pair[0].0 == pair[1].0 && pair[1].1 == pair[0].1 + 2)
            .map(|pair| (pair[0].0, pair[0].1 + 1, sources.get(pair[0].0).line_starts[pair[0].1 + 1]))
            .collect();
        wanted.extend(gaps);
        wanted.sort();
        let mut files: Vec<ExcerptFile> = Vec::new();
        for (file, line, focus) in wanted {
            if files.last().is_none_or(|f| f.id != file) {
                files.push(ExcerptFile { id: file, text: String::new(), lines: Vec::new() });
            }
            let excerpt = files.last_mut().expect("pushed above");
            let source = sources.get(file);
            let start = source.line_starts[line];
            let end = source.line_starts.get(line + 1).copied().unwrap_or(source.text.len());
            let text = source.text[start..end].strip_suffix('\n').unwrap_or(&source.text[start..end]);
            let at = excerpt.text.len();
            let pieces = show_line(text, focus - start, &mut excerpt.text);
            excerpt.text.push('\n');
            let pieces = pieces
                .into_iter()
                .map(|p| Piece {
                    original: p.original.start + start..p.original.end + start,
                    shown: p.shown.start + at..p.shown.end + at,
                    copied: p.copied,
                })
                .collect();
            excerpt.lines.push(ShownLine { index: line, range: at..excerpt.text.len(), original_start: start, pieces });
        }
        Excerpt { sources, files }
    }

    /// A span of the original file, in the excerpt's text.
    pub(super) fn map(&self, file: FileId, range: Range<usize>) -> Range<usize> {
        let excerpt = self.file(file).expect("the excerpt holds every labelled file");
        let source = self.sources.get(file);
        let start = excerpt.line(line_of(source, range.start)).map_or(0, |l| l.shown(range.start, false));
        let end = excerpt.line(line_of(source, range.end)).map_or(start, |l| l.shown(range.end, true));
        start..end.max(start)
    }

    fn file(&self, id: FileId) -> Result<&ExcerptFile, files::Error> {
        self.files.iter().find(|f| f.id == id).ok_or(files::Error::FileMissing)
    }
}

impl ExcerptFile {
    fn line(&self, index: usize) -> Option<&ShownLine> {
        self.lines.binary_search_by_key(&index, |l| l.index).ok().map(|i| &self.lines[i])
    }
}

impl ShownLine {
    /// Where an original offset on this line is shown; an offset inside a
    /// piece that stands for something is shown at its start, or at its end
    /// for the end of a span.
    fn shown(&self, original: usize, is_end: bool) -> usize {
        let Some(piece) = self.pieces.iter().find(|p| original < p.original.end).or(self.pieces.last()) else {
            return self.range.start;
        };
        if original < piece.original.start {
            return piece.shown.start;
        }
        if piece.copied {
            (piece.shown.start + original - piece.original.start).min(piece.shown.end)
        } else if is_end {
            piece.shown.end
        } else {
            piece.shown.start
        }
    }

    /// The original offset a shown offset stands for.
    fn original(&self, shown: usize) -> usize {
        match self.pieces.iter().find(|p| shown < p.shown.end).or(self.pieces.last()) {
            Some(piece) if piece.copied => piece.original.start + shown.saturating_sub(piece.shown.start),
            Some(piece) => piece.original.start,
            None => self.original_start,
        }
    }
}

/// Appends `line` as shown to `out` and returns its pieces, offsets
/// relative to the line and to where it starts in `out`.
fn show_line(line: &str, focus: usize, out: &mut String) -> Vec<Piece> {
    let (from, to) = if line.len() > LONG_LINE {
        let from = floor_boundary(line, focus.saturating_sub(BEFORE));
        (from, floor_boundary(line, (from + WINDOW).min(line.len())))
    } else {
        (0, line.len())
    };
    let base = out.len();
    let mut pieces = Vec::new();
    if from > 0 {
        push(out, base, &mut pieces, 0..from, ELLIPSIS, false);
    }
    let mut done = from;
    for secret in secrets::secret_ranges(line) {
        let (start, end) = (secret.start.max(done), secret.end.min(to));
        if start >= end {
            continue;
        }
        push(out, base, &mut pieces, done..start, &line[done..start], true);
        push(out, base, &mut pieces, start..end, MASK, false);
        done = end;
    }
    push(out, base, &mut pieces, done..to, &line[done..to], true);
    if to < line.len() {
        push(out, base, &mut pieces, to..line.len(), ELLIPSIS, false);
    }
    pieces
}

/// Appends `text`, which is the original `original` (`copied`) or stands
/// for it, unless the original run is empty.
fn push(out: &mut String, base: usize, pieces: &mut Vec<Piece>, original: Range<usize>, text: &str, copied: bool) {
    if original.is_empty() {
        return;
    }
    let at = out.len() - base;
    out.push_str(text);
    pieces.push(Piece { original, shown: at..out.len() - base, copied });
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The 0-based line of a byte offset.
fn line_of(source: &super::SourceFile, offset: usize) -> usize {
    source.line_starts.partition_point(|&start| start <= offset).saturating_sub(1)
}

impl<'a> Files<'a> for Excerpt<'_> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        Ok(self.sources.get(self.file(id)?.id).path.as_str())
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        Ok(&self.file(id)?.text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, files::Error> {
        let file = self.file(id)?;
        let at = file.lines.partition_point(|l| l.range.start <= byte_index).saturating_sub(1);
        file.lines.get(at).map(|l| l.index).ok_or(files::Error::FileMissing)
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, files::Error> {
        let file = self.file(id)?;
        let line = file.line(line_index).ok_or(files::Error::LineTooLarge { given: line_index, max: line_index })?;
        Ok(line.range.clone())
    }

    /// The column in the file the user wrote, not in the excerpt.
    fn column_number(&'a self, id: FileId, line_index: usize, byte_index: usize) -> Result<usize, files::Error> {
        let file = self.file(id)?;
        let line = file.line(line_index).ok_or(files::Error::LineTooLarge { given: line_index, max: line_index })?;
        let source = self.sources.get(id);
        self.sources.column_number(id, line_index, line.original(byte_index).min(source.text.len()))
    }
}
