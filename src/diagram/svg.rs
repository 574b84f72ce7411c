//! The diagram as an SVG picture, drawn by ehrdb: boxes in their domain's
//! colour, crow's-foot edges coloured by the domain of the model that
//! holds the key, labels on free stretches of their edges, and a legend.
//! Text is 12 px monospace, so ehrdb can measure it without a font; the
//! same schema gives the same bytes on every machine.

use std::fmt::Write as _;

use super::dot::colours;
use super::layout::{Placed, Point, Rect, place};
use super::{Cardinality, Diagram, Mark, ModelBox, Relation, Row, xml};

/// The width of a character of the 12 px and the 10 px monospace font
/// (0.6 em, and a little to spare).
const CHAR: f64 = 7.3;
const SMALL_CHAR: f64 = 6.1;
const PAD: f64 = 8.0;
const HEADER: f64 = 38.0;
const ROW: f64 = 16.0;
const COLUMN_GAP: f64 = 12.0;
const LABEL_HEIGHT: f64 = 14.0;
/// Room above the drawing for the legend.
const LEGEND: f64 = 34.0;
const FADED_OPACITY: &str = "0.35";
const UPDATABLE_BAND: &str = "#fff3b0";

/// The column widths of a box: name, type, notes.
struct Columns {
    name: f64,
    ty: f64,
    notes: f64,
}

fn name_text(row: &Row) -> String {
    match row.mark {
        Mark::Same => row.name.clone(),
        mark => format!("{} {}", mark.sign(), row.name),
    }
}

fn notes_text(row: &Row) -> String {
    let mut notes = row.keys.markers().join(" ");
    if let Some(column) = &row.column {
        if !notes.is_empty() {
            notes.push(' ');
        }
        notes.push_str(column);
    }
    if row.updatable {
        if !notes.is_empty() {
            notes.push(' ');
        }
        notes.push_str("upd");
    }
    notes
}

fn title_text(model: &ModelBox) -> String {
    match model.mark {
        Mark::Same => model.name.clone(),
        mark => format!("{} {}", mark.sign(), model.name),
    }
}

fn width(text: &str, char: f64) -> f64 {
    text.chars().count() as f64 * char
}

fn columns(model: &ModelBox) -> Columns {
    let max = |f: &dyn Fn(&Row) -> f64| model.rows.iter().map(f).fold(0.0, f64::max);
    Columns {
        name: max(&|r| width(&name_text(r), CHAR)),
        ty: max(&|r| width(&r.ty, CHAR)),
        notes: max(&|r| width(&notes_text(r), SMALL_CHAR)),
    }
}

/// The size of a model's box.
fn box_size(model: &ModelBox) -> (f64, f64) {
    let c = columns(model);
    let rows = c.name + COLUMN_GAP + c.ty + if c.notes > 0.0 { COLUMN_GAP + c.notes } else { 0.0 };
    let header = width(&title_text(model), CHAR).max(width(&model.table, SMALL_CHAR));
    let w = 2.0 * PAD + rows.max(header);
    let h = HEADER + ROW * model.rows.len() as f64 + 6.0;
    (w.ceil(), h)
}

fn label_text(relation: &Relation) -> String {
    match relation.mark {
        Mark::Same => relation.label.clone(),
        mark => format!("{} {}", mark.sign(), relation.label),
    }
}

fn label_size(relation: &Relation) -> (f64, f64) {
    (width(&label_text(relation), SMALL_CHAR) + 6.0, LABEL_HEIGHT)
}

/// The sizes the layout needs, and the layout.
pub fn layout(diagram: &Diagram) -> Placed {
    let boxes: Vec<(f64, f64)> = diagram.models.iter().map(box_size).collect();
    let labels: Vec<(f64, f64)> = diagram.relations.iter().map(label_size).collect();
    place(diagram, &boxes, &labels)
}

/// The diagram as SVG text.
pub fn svg(diagram: &Diagram) -> String {
    let placed = layout(diagram);
    draw(diagram, &placed)
}

/// Draws a laid-out diagram.
fn draw(diagram: &Diagram, placed: &Placed) -> String {
    let (w, h) = (placed.width.max(legend_width(diagram)), placed.height + LEGEND);
    // About what the example takes a box and an edge, so the text is not
    // copied as it grows.
    let mut out = String::with_capacity(8 * 1024 + 3 * 1024 * diagram.models.len() + 1024 * diagram.relations.len());
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" \
         font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"12\">"
    );
    let _ = writeln!(out, "<rect width=\"{w:.0}\" height=\"{h:.0}\" fill=\"white\"/>");
    legend(&mut out, diagram);
    let _ = writeln!(out, "<g transform=\"translate(0 {LEGEND})\">");
    out.push_str("<defs><clipPath id=\"boxes\">");
    for b in &placed.boxes {
        let _ = write!(out, "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>", b.x, b.y, b.w, b.h);
    }
    out.push_str("</clipPath></defs>\n<g id=\"relations\">\n");
    for (relation, path) in diagram.relations.iter().zip(&placed.edges) {
        draw_relation(&mut out, diagram, relation, path);
    }
    out.push_str("</g>\n<g id=\"models\">\n");
    for (model, rect) in diagram.models.iter().zip(&placed.boxes) {
        draw_model(&mut out, diagram, model, rect);
    }
    // Where an edge passes behind a box, a faint dotted copy shows it.
    out.push_str("</g>\n<g id=\"crossings\" clip-path=\"url(#boxes)\" fill=\"none\" stroke-width=\"1\" stroke-dasharray=\"1 3\" opacity=\"0.45\">\n");
    for (relation, path) in diagram.relations.iter().zip(&placed.edges) {
        let (_, line) = colours(diagram.models[relation.from].domain);
        let _ = writeln!(out, "<path d=\"{}\" stroke=\"{line}\"/>", path_data(path));
    }
    out.push_str("</g>\n<g id=\"labels\" font-size=\"10\">\n");
    for (relation, label) in diagram.relations.iter().zip(&placed.labels) {
        draw_label(&mut out, diagram, relation, label);
    }
    out.push_str("</g>\n</g>\n</svg>\n");
    out
}

fn legend_width(diagram: &Diagram) -> f64 {
    let names: f64 = diagram.domains.iter().map(|d| width(d, CHAR) + 30.0).sum();
    names + 2.0 * PAD + width(LEGEND_KEYS, SMALL_CHAR) + 40.0
}

const LEGEND_KEYS: &str =
    "PK/FK/UK keys · double border: immutable · upd: allowUpdate · dashed: m:n (join table) · faded: neighbour";

fn legend(out: &mut String, diagram: &Diagram) {
    out.push_str("<g id=\"legend\">\n");
    let mut x = PAD + 12.0;
    for (domain, name) in diagram.domains.iter().enumerate() {
        if !diagram.models.iter().any(|m| m.domain == domain) {
            continue;
        }
        let (fill, line) = colours(domain);
        let _ = writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"9\" width=\"14\" height=\"14\" fill=\"{fill}\" stroke=\"{line}\"/><text x=\"{:.1}\" y=\"20\">{}</text>",
            x + 18.0,
            xml(name)
        );
        x += width(name, CHAR) + 30.0;
    }
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"20\" font-size=\"10\" fill=\"#5f6368\">{}</text>",
        x + 10.0,
        xml(LEGEND_KEYS)
    );
    out.push_str("</g>\n");
}

fn draw_model(out: &mut String, diagram: &Diagram, model: &ModelBox, r: &Rect) {
    let (fill, line) = colours(model.domain);
    let opacity = if model.faded { format!(" opacity=\"{FADED_OPACITY}\"") } else { String::new() };
    let _ = writeln!(out, "<g class=\"model\" id=\"model-{}\"{opacity}>", xml(&model.name));
    let _ = writeln!(out, "<title>{}</title>", xml(&tooltip(diagram, model)));
    let (x, y) = (r.x, r.y);
    let _ = writeln!(
        out,
        "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"white\" stroke=\"{line}\" stroke-width=\"1.2\"/>",
        r.w, r.h
    );
    let _ = writeln!(
        out,
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\"/>",
        x + 0.6,
        y + 0.6,
        r.w - 1.2,
        HEADER - 4.0
    );
    if model.immutable {
        let _ = writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"{line}\" stroke-width=\"1\"/>",
            x + 3.0,
            y + 3.0,
            r.w - 6.0,
            r.h - 6.0
        );
    }
    let title_colour = mark_colour(model.mark).unwrap_or("#202124");
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-weight=\"bold\" fill=\"{title_colour}\">{}</text>",
        x + PAD,
        y + 16.0,
        xml(&title_text(model))
    );
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#5f6368\">{}</text>",
        x + PAD,
        y + 29.0,
        xml(&model.table)
    );
    let c = columns(model);
    for (i, row) in model.rows.iter().enumerate() {
        let top = y + HEADER + ROW * i as f64;
        if row.updatable {
            let _ = writeln!(
                out,
                "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{ROW}\" fill=\"{UPDATABLE_BAND}\"/>",
                x + 4.0,
                r.w - 8.0
            );
        }
        let base = top + 12.0;
        let colour = mark_colour(row.mark).unwrap_or("#202124");
        let name = name_text(row);
        let _ = writeln!(out, "<text x=\"{:.1}\" y=\"{base:.1}\" fill=\"{colour}\">{}</text>", x + PAD, xml(&name));
        if row.mark == Mark::Removed {
            let _ = writeln!(
                out,
                "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{colour}\"/>",
                x + PAD,
                base - 4.0,
                x + PAD + width(&name, CHAR),
                base - 4.0
            );
        }
        let style = if row.enum_values.is_some() { " font-style=\"italic\"" } else { "" };
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{base:.1}\" fill=\"#3c4043\"{style}>{}</text>",
            x + PAD + c.name + COLUMN_GAP,
            xml(&row.ty)
        );
        let notes = notes_text(row);
        if !notes.is_empty() {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{base:.1}\" font-size=\"10\" fill=\"#5f6368\">{}</text>",
                x + PAD + c.name + COLUMN_GAP + c.ty + COLUMN_GAP,
                xml(&notes)
            );
        }
    }
    out.push_str("</g>\n");
}

/// The tooltip: the model, its table and domain, and the values of the
/// enums its fields use.
fn tooltip(diagram: &Diagram, model: &ModelBox) -> String {
    let mut text = format!("{} (table {}, domain {})", model.name, model.table, diagram.domains[model.domain]);
    if model.immutable {
        text.push_str(", immutable");
    }
    for row in &model.rows {
        if let Some(values) = &row.enum_values {
            let _ = write!(text, "\n{}: {} = {}", row.name, row.ty, values.join(" | "));
        }
    }
    text
}

fn mark_colour(mark: Mark) -> Option<&'static str> {
    match mark {
        Mark::Same => None,
        Mark::Added => Some("#188038"),
        Mark::Removed => Some("#c5221f"),
        Mark::Changed => Some("#b06000"),
    }
}

fn path_data(path: &[Point]) -> String {
    let mut d = format!("M{:.1} {:.1}", path[0].x, path[0].y);
    for piece in path[1..].chunks(3) {
        if let [a, b, c] = piece {
            let _ = write!(d, " C{:.1} {:.1} {:.1} {:.1} {:.1} {:.1}", a.x, a.y, b.x, b.y, c.x, c.y);
        }
    }
    d
}

/// How an end of a relation is drawn: crow's foot or bar, and a circle
/// when the side may have none.
#[derive(Clone, Copy)]
enum End {
    ZeroOrMany,
    ZeroOrOne,
    ExactlyOne,
}

fn draw_relation(out: &mut String, diagram: &Diagram, relation: &Relation, path: &[Point]) {
    if path.len() < 2 {
        return;
    }
    let colour = mark_colour(relation.mark).unwrap_or(colours(diagram.models[relation.from].domain).1);
    let (from, to) = (&diagram.models[relation.from], &diagram.models[relation.to]);
    let faded = from.faded || to.faded;
    let kind = match relation.cardinality {
        Cardinality::ManyToOne => "n:1",
        Cardinality::OneToOne => "1:1",
        Cardinality::ManyToMany => "m:n",
    };
    let opacity = if faded { format!(" opacity=\"{FADED_OPACITY}\"") } else { String::new() };
    let _ = writeln!(out, "<g class=\"relation\"{opacity}>");
    let _ = writeln!(
        out,
        "<title>{}</title>",
        xml(&format!(
            "{}.{} {kind} {}.{} ({})",
            from.name, relation.from_field, to.name, relation.to_field, relation.label
        ))
    );
    let dash = if relation.cardinality == Cardinality::ManyToMany { " stroke-dasharray=\"6 4\"" } else { "" };
    let _ =
        writeln!(out, "<path d=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.2\"{dash}/>", path_data(path));
    let one = if relation.optional { End::ZeroOrOne } else { End::ExactlyOne };
    let (from_end, to_end) = match relation.cardinality {
        Cardinality::ManyToOne => (End::ZeroOrMany, one),
        Cardinality::OneToOne => (End::ZeroOrOne, one),
        Cardinality::ManyToMany => (End::ZeroOrMany, End::ZeroOrMany),
    };
    let n = path.len();
    draw_end(out, path[0], path[1], from_end, colour);
    draw_end(out, path[n - 1], path[n - 2], to_end, colour);
    out.push_str("</g>\n");
}

/// A crow's-foot end at `at`, the edge leaving towards `towards`.
fn draw_end(out: &mut String, at: Point, towards: Point, end: End, colour: &str) {
    let (dx, dy) = (towards.x - at.x, towards.y - at.y);
    let length = (dx * dx + dy * dy).sqrt();
    let (ux, uy) = if length < 1e-6 { (0.0, -1.0) } else { (dx / length, dy / length) };
    let (nx, ny) = (-uy, ux);
    let along = |d: f64, side: f64| Point { x: at.x + ux * d + nx * side, y: at.y + uy * d + ny * side };
    let line = |out: &mut String, a: Point, b: Point| {
        let _ = write!(
            out,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"1.2\"/>",
            a.x, a.y, b.x, b.y
        );
    };
    match end {
        End::ZeroOrMany => {
            let tip = along(12.0, 0.0);
            for side in [-6.0, 0.0, 6.0] {
                line(out, tip, along(0.0, side));
            }
        }
        End::ZeroOrOne | End::ExactlyOne => line(out, along(8.0, -6.0), along(8.0, 6.0)),
    }
    match end {
        End::ZeroOrMany | End::ZeroOrOne => {
            let c = along(17.0, 0.0);
            let _ = write!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"white\" stroke=\"{colour}\" stroke-width=\"1.2\"/>",
                c.x, c.y
            );
        }
        End::ExactlyOne => line(out, along(13.0, -6.0), along(13.0, 6.0)),
    }
    out.push('\n');
}

fn draw_label(out: &mut String, diagram: &Diagram, relation: &Relation, r: &Rect) {
    let faded = diagram.models[relation.from].faded || diagram.models[relation.to].faded;
    let opacity = if faded { format!(" opacity=\"{FADED_OPACITY}\"") } else { String::new() };
    let colour = mark_colour(relation.mark).unwrap_or("#3c4043");
    let _ = writeln!(
        out,
        "<g class=\"label\"{opacity}><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"white\" fill-opacity=\"0.85\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" fill=\"{colour}\">{}</text></g>",
        r.x,
        r.y,
        r.w,
        r.h,
        r.x + 3.0,
        r.y + 11.0,
        xml(&label_text(relation))
    );
}
