//! Where the SVG's boxes, edges and labels go.
//!
//! Takes a [`Diagram`] and the size of every box and label (the SVG
//! writer measures them) and returns a [`Placed`]: a rectangle per model,
//! a curve per relation and a rectangle per label. `layout-rs` ranks and
//! orders the boxes and routes the edges (Graphviz's method, in process,
//! the same bytes on every machine). The labels are not its nodes: letting
//! it reserve room for a hundred labels made the layout three times
//! slower. ehrdb puts each label on a free stretch of its own edge instead.
//! layout-rs does not route around boxes, so an edge may pass behind one;
//! the SVG writer draws a faint dotted copy over the box there.

use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point as LayoutPoint;
use layout::core::style::StyleAttr;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::Diagram;
use crate::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// A rectangle: its top-left corner and its size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    fn around(centre: Point, w: f64, h: f64) -> Rect {
        Rect { x: centre.x - w / 2.0, y: centre.y - h / 2.0, w, h }
    }

    /// Whether the two share more than their edges, counting `gap` around
    /// this one.
    pub fn overlaps(&self, other: &Rect, gap: f64) -> bool {
        self.x - gap < other.x + other.w
            && other.x < self.x + self.w + gap
            && self.y - gap < other.y + other.h
            && other.y < self.y + self.h + gap
    }

    pub fn centre(&self) -> Point {
        Point { x: self.x + self.w / 2.0, y: self.y + self.h / 2.0 }
    }
}

/// Where everything goes, in SVG units, from (0, 0).
#[derive(Debug, Clone)]
pub struct Placed {
    pub width: f64,
    pub height: f64,
    /// One per model.
    pub boxes: Vec<Rect>,
    /// One per relation: a cubic Bézier path (start, then control, control
    /// and end point for each piece) from the `from` model to the `to` model.
    pub edges: Vec<Vec<Point>>,
    /// One per relation.
    pub labels: Vec<Rect>,
}

/// Room kept free around the drawing.
const MARGIN: f64 = 20.0;

/// Lays the diagram out: `boxes` and `labels` are the sizes of the model
/// boxes and relation labels, in diagram order.
pub fn place(diagram: &Diagram, boxes: &[(f64, f64)], labels: &[(f64, f64)]) -> Placed {
    let (mut rects, mut edges) = layout_rs(diagram, boxes);
    // Into positive coordinates, with a margin.
    let mut min = Point { x: f64::INFINITY, y: f64::INFINITY };
    let mut max = Point { x: f64::NEG_INFINITY, y: f64::NEG_INFINITY };
    let mut extend = |x: f64, y: f64| {
        min.x = min.x.min(x);
        min.y = min.y.min(y);
        max.x = max.x.max(x);
        max.y = max.y.max(y);
    };
    for r in &rects {
        extend(r.x, r.y);
        extend(r.x + r.w, r.y + r.h);
    }
    for p in edges.iter().flatten() {
        extend(p.x, p.y);
    }
    if rects.is_empty() {
        min = Point { x: 0.0, y: 0.0 };
        max = min;
    }
    let (dx, dy) = (MARGIN - min.x, MARGIN - min.y);
    for r in &mut rects {
        r.x += dx;
        r.y += dy;
    }
    for p in edges.iter_mut().flatten() {
        p.x += dx;
        p.y += dy;
    }
    spread_ends(diagram, &rects, &mut edges);
    let mut placed_labels: Vec<Rect> = Vec::with_capacity(labels.len());
    for (edge, &(w, h)) in edges.iter().zip(labels) {
        let label = place_label(edge, w, h, &rects, &placed_labels);
        placed_labels.push(label);
    }
    let mut width = max.x - min.x + 2.0 * MARGIN;
    let mut height = max.y - min.y + 2.0 * MARGIN;
    for label in &placed_labels {
        width = width.max(label.x + label.w + MARGIN);
        height = height.max(label.y + label.h + MARGIN);
    }
    Placed { width, height, boxes: rects, edges, labels: placed_labels }
}

/// The side of a box an edge ends on.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Side {
    Top,
    Bottom,
    Left,
    Right,
}

fn side_of(rect: &Rect, p: Point) -> Side {
    let distances = [
        ((p.y - rect.y).abs(), Side::Top),
        ((p.y - rect.y - rect.h).abs(), Side::Bottom),
        ((p.x - rect.x).abs(), Side::Left),
        ((p.x - rect.x - rect.w).abs(), Side::Right),
    ];
    distances.into_iter().min_by(|a, b| a.0.total_cmp(&b.0)).map(|(_, side)| side).expect("four sides")
}

/// Spreads the ends that meet on one side of a box along it, in the order
/// of where their edges go, so each crow's foot stays apart and each edge
/// can be followed to its own end. layout-rs aims every edge at the
/// middle of the box, so a model many others point at has a dozen ends in
/// one spot.
fn spread_ends(diagram: &Diagram, rects: &[Rect], edges: &mut [Vec<Point>]) {
    const GAP: f64 = 12.0;
    // (box, side) -> (edge, whether its start), in edge order.
    let mut ends: std::collections::BTreeMap<(usize, Side), Vec<(usize, bool)>> = Default::default();
    for (i, (relation, path)) in diagram.relations.iter().zip(edges.iter()).enumerate() {
        // A loop keeps its own ends, low on the right side (see `self_loop`).
        if path.len() < 4 || relation.from == relation.to {
            continue;
        }
        ends.entry((relation.from, side_of(&rects[relation.from], path[0]))).or_default().push((i, true));
        let last = path[path.len() - 1];
        ends.entry((relation.to, side_of(&rects[relation.to], last))).or_default().push((i, false));
    }
    for ((model, side), mut group) in ends {
        if group.len() < 2 {
            continue;
        }
        let rect = rects[model];
        let horizontal = matches!(side, Side::Top | Side::Bottom);
        let along = |p: Point| if horizontal { p.x } else { p.y };
        // Where each edge heads: the far end of its first piece.
        let heading = |&(edge, start): &(usize, bool)| {
            let path = &edges[edge];
            along(if start { path[3] } else { path[path.len() - 4] })
        };
        group.sort_by(|a, b| heading(a).total_cmp(&heading(b)).then(a.cmp(b)));
        let (low, high) = if horizontal { (rect.x, rect.x + rect.w) } else { (rect.y, rect.y + rect.h) };
        let gap = GAP.min((high - low) / (group.len() + 1) as f64);
        let span = gap * (group.len() - 1) as f64;
        let mean = group
            .iter()
            .map(|&(edge, start)| {
                let path = &edges[edge];
                along(if start { path[0] } else { path[path.len() - 1] })
            })
            .sum::<f64>()
            / group.len() as f64;
        let first = (mean - span / 2.0).clamp(low + gap / 2.0, (high - gap / 2.0 - span).max(low + gap / 2.0));
        for (k, &(edge, start)) in group.iter().enumerate() {
            let path = &mut edges[edge];
            let n = path.len();
            let (end, control) = if start { (0, 1) } else { (n - 1, n - 2) };
            let delta = first + gap * k as f64 - along(path[end]);
            for index in [end, control] {
                if horizontal {
                    path[index].x += delta;
                } else {
                    path[index].y += delta;
                }
            }
        }
    }
}

/// A point of a cubic Bézier path at `t` in 0..=1 of its whole length in
/// pieces.
fn point_at(path: &[Point], t: f64) -> Point {
    let pieces = (path.len() - 1) / 3;
    if pieces == 0 {
        return path[0];
    }
    let scaled = (t * pieces as f64).min(pieces as f64 - 1e-9).max(0.0);
    let piece = scaled as usize;
    let u = scaled - piece as f64;
    let [p0, p1, p2, p3] = [path[piece * 3], path[piece * 3 + 1], path[piece * 3 + 2], path[piece * 3 + 3]];
    let v = 1.0 - u;
    let (a, b, c, d) = (v * v * v, 3.0 * v * v * u, 3.0 * v * u * u, u * u * u);
    Point { x: a * p0.x + b * p1.x + c * p2.x + d * p3.x, y: a * p0.y + b * p1.y + c * p2.y + d * p3.y }
}

/// The free spot for a `w` x `h` label nearest the middle of its edge:
/// points along the edge, from the middle outwards, then the same a little
/// to each side; the middle when none is free.
fn place_label(edge: &[Point], w: f64, h: f64, boxes: &[Rect], labels: &[Rect]) -> Rect {
    const STEPS: usize = 40;
    let free = |r: &Rect| !boxes.iter().any(|b| b.overlaps(r, 2.0)) && !labels.iter().any(|l| l.overlaps(r, 1.0));
    let mut ts: Vec<f64> = (1..STEPS).map(|i| i as f64 / STEPS as f64).collect();
    ts.sort_by(|a, b| (a - 0.5).abs().total_cmp(&(b - 0.5).abs()));
    for (ox, oy) in [(0.0, 0.0), (0.0, -h), (0.0, h), (-w / 2.0, 0.0), (w / 2.0, 0.0), (0.0, -2.0 * h), (0.0, 2.0 * h)]
    {
        for &t in &ts {
            let p = point_at(edge, t);
            let r = Rect::around(Point { x: p.x + ox, y: p.y + oy }, w, h);
            if free(&r) {
                return r;
            }
        }
    }
    Rect::around(point_at(edge, 0.5), w, h)
}

/// Records the edges layout-rs draws, by the relation each stands for.
#[derive(Default)]
struct Recorder {
    arrows: Vec<(usize, Vec<Point>)>,
}

impl RenderBackend for Recorder {
    fn draw_rect(&mut self, _: LayoutPoint, _: LayoutPoint, _: &StyleAttr, _: Option<String>, _: Option<ClipHandle>) {}

    fn draw_line(&mut self, _: LayoutPoint, _: LayoutPoint, _: &StyleAttr, _: Option<String>) {}

    fn draw_circle(&mut self, _: LayoutPoint, _: LayoutPoint, _: &StyleAttr, _: Option<String>) {}

    fn draw_text(&mut self, _: LayoutPoint, _: &str, _: &StyleAttr) {}

    fn draw_arrow(
        &mut self,
        path: &[(LayoutPoint, LayoutPoint)],
        _: bool,
        _: (bool, bool),
        _: &StyleAttr,
        properties: Option<String>,
        _: &str,
    ) {
        if let Some(relation) = properties.and_then(|p| p.parse().ok()) {
            self.arrows.push((relation, bezier(path)));
        }
    }

    fn create_clip(&mut self, _: LayoutPoint, _: LayoutPoint, _: usize) -> ClipHandle {
        0
    }
}

/// layout-rs's path as cubic pieces. It gives the start and the control
/// point leaving it, then for each further point the control point
/// entering it and the point; the control point leaving a middle point
/// mirrors the one entering it (SVG's `S`).
fn bezier(path: &[(LayoutPoint, LayoutPoint)]) -> Vec<Point> {
    let p = |q: LayoutPoint| Point { x: q.x, y: q.y };
    let mut out = vec![p(path[0].0)];
    let mut leaving = p(path[0].1);
    for &(entering, point) in &path[1..] {
        let (entering, point) = (p(entering), p(point));
        out.extend([leaving, entering, point]);
        leaving = Point { x: 2.0 * point.x - entering.x, y: 2.0 * point.y - entering.y };
    }
    out
}

/// The direction layout-rs ranks in.
const ORIENTATION: Orientation = Orientation::TopToBottom;

/// Boxes and edge paths as layout-rs places them.
fn layout_rs(diagram: &Diagram, sizes: &[(f64, f64)]) -> (Vec<Rect>, Vec<Vec<Point>>) {
    let mut graph = VisualGraph::new(ORIENTATION);
    let handles: Vec<_> = sizes
        .iter()
        .map(|&(w, h)| {
            graph.add_node(Element::create(
                ShapeKind::new_box(""),
                StyleAttr::simple(),
                ORIENTATION,
                LayoutPoint::new(w, h),
            ))
        })
        .collect();
    // The referenced model first, so the models many others point at rank
    // above them. One edge per pair of models, none for a model's relation
    // with itself: the layout's time goes into reducing crossings, which
    // grows with the square of the edges crossing each rank, and the other
    // relations of a pair follow the first one's path. The relation's
    // index rides along as the arrow's properties: layout-rs draws edges in
    // its own order, and turns some round to keep the graph acyclic.
    let mut first_of_pair: HashMap<(usize, usize), usize> = HashMap::default();
    for (i, relation) in diagram.relations.iter().enumerate() {
        let pair = (relation.from.min(relation.to), relation.from.max(relation.to));
        if relation.from == relation.to || first_of_pair.contains_key(&pair) {
            continue;
        }
        first_of_pair.insert(pair, i);
        let arrow = Arrow { properties: Some(i.to_string()), ..Arrow::default() };
        graph.add_edge(arrow, handles[relation.to], handles[relation.from]);
    }
    let mut recorder = Recorder::default();
    graph.do_it(false, false, false, &mut recorder);
    let rects: Vec<Rect> = handles
        .iter()
        .zip(sizes)
        .map(|(&handle, &(w, h))| {
            let centre = graph.pos(handle).center();
            Rect::around(Point { x: centre.x, y: centre.y }, w, h)
        })
        .collect();
    let paths: HashMap<usize, Vec<Point>> = recorder.arrows.into_iter().collect();
    let mut edges = vec![Vec::new(); diagram.relations.len()];
    let mut parallel: HashMap<(usize, usize), usize> = HashMap::default();
    for (i, relation) in diagram.relations.iter().enumerate() {
        if relation.from == relation.to {
            edges[i] = self_loop(&rects[relation.from]);
            continue;
        }
        let pair = (relation.from.min(relation.to), relation.from.max(relation.to));
        let Some(mut path) = paths.get(&first_of_pair[&pair]).cloned() else { continue };
        let from = rects[relation.from].centre();
        if distance(path[path.len() - 1], from) < distance(path[0], from) {
            path.reverse();
        }
        // The second and later relations of a pair run beside the first.
        let nth = parallel.entry(pair).or_insert(0);
        if *nth > 0 {
            let n = path.len();
            let sides = (side_of(&rects[relation.from], path[0]), side_of(&rects[relation.to], path[n - 1]));
            offset(&mut path, PARALLEL_GAP * *nth as f64);
            path[0] = onto(&rects[relation.from], sides.0, path[0]);
            path[n - 1] = onto(&rects[relation.to], sides.1, path[n - 1]);
        }
        *nth += 1;
        edges[i] = path;
    }
    (rects, edges)
}

/// How far apart the relations between the same two models run.
const PARALLEL_GAP: f64 = 10.0;

/// Moves a path sideways by `by`, square to the line from its start to its
/// end (its ends are spread along their boxes later).
fn offset(path: &mut [Point], by: f64) {
    let (start, end) = (path[0], path[path.len() - 1]);
    let length = distance(start, end).max(1e-6);
    let (nx, ny) = (-(end.y - start.y) / length, (end.x - start.x) / length);
    for p in path.iter_mut() {
        p.x += nx * by;
        p.y += ny * by;
    }
}

/// The point of `side` of `rect` nearest to `p`.
fn onto(rect: &Rect, side: Side, p: Point) -> Point {
    let x = p.x.clamp(rect.x, rect.x + rect.w);
    let y = p.y.clamp(rect.y, rect.y + rect.h);
    match side {
        Side::Top => Point { x, y: rect.y },
        Side::Bottom => Point { x, y: rect.y + rect.h },
        Side::Left => Point { x: rect.x, y },
        Side::Right => Point { x: rect.x + rect.w, y },
    }
}

/// A relation of a model with itself: a loop out of the lower right side
/// of its box, wide enough for both ends' marks (layout-rs's loop runs
/// through a point beside the box, too tight for them); the other ends on
/// that side gather around its middle, where layout-rs aims them.
fn self_loop(rect: &Rect) -> Vec<Point> {
    let right = rect.x + rect.w;
    let bottom = rect.y + rect.h - 8.0;
    let top = bottom - (rect.h - 16.0).clamp(0.0, 36.0);
    vec![
        Point { x: right, y: top },
        Point { x: right + 70.0, y: top - 12.0 },
        Point { x: right + 70.0, y: bottom + 12.0 },
        Point { x: right, y: bottom },
    ]
}

fn distance(a: Point, b: Point) -> f64 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagram::{Cardinality, Mark, ModelBox, Relation};

    fn model(name: &str) -> ModelBox {
        ModelBox {
            name: name.to_owned(),
            table: name.to_owned(),
            domain: 0,
            faded: false,
            immutable: false,
            mark: Mark::Same,
            rows: Vec::new(),
        }
    }

    fn relation(from: usize, to: usize) -> Relation {
        Relation {
            from,
            to,
            cardinality: Cardinality::ManyToOne,
            from_field: "a".to_owned(),
            to_field: "b".to_owned(),
            optional: false,
            label: "a".to_owned(),
            mark: Mark::Same,
        }
    }

    #[test]
    fn a_path_runs_from_its_start_to_its_end() {
        let p = |x, y| Point { x, y };
        let path =
            [p(0.0, 0.0), p(0.0, 10.0), p(10.0, 10.0), p(10.0, 20.0), p(10.0, 30.0), p(20.0, 30.0), p(20.0, 40.0)];
        assert_eq!(point_at(&path, 0.0), p(0.0, 0.0));
        assert_eq!(point_at(&path, 0.5), p(10.0, 20.0));
        let end = point_at(&path, 1.0);
        assert!((end.x - 20.0).abs() < 1e-6 && (end.y - 40.0).abs() < 1e-6, "{end:?}");
    }

    #[test]
    fn a_label_leaves_the_middle_of_its_edge_when_a_box_is_there() {
        let p = |x, y| Point { x, y };
        let edge = [p(0.0, 0.0), p(0.0, 100.0), p(0.0, 200.0), p(0.0, 300.0)];
        let obstacle = Rect { x: -50.0, y: 120.0, w: 100.0, h: 60.0 };
        let label = place_label(&edge, 40.0, 14.0, &[obstacle], &[]);
        assert!(!label.overlaps(&obstacle, 2.0), "{label:?}");
        assert!((label.centre().x).abs() < 1e-6, "still on its edge: {label:?}");
        let second = place_label(&edge, 40.0, 14.0, &[obstacle], &[label]);
        assert!(!second.overlaps(&label, 1.0) && !second.overlaps(&obstacle, 2.0), "{second:?}");
    }

    #[test]
    fn boxes_do_not_overlap_and_every_edge_joins_its_two_boxes() {
        let diagram = Diagram {
            domains: vec!["a".to_owned()],
            models: ["Patient", "Visit", "Note", "Ward"].map(model).to_vec(),
            relations: vec![relation(1, 0), relation(2, 1), relation(2, 0), relation(0, 3), relation(2, 2)],
        };
        let sizes = [(200.0, 120.0), (160.0, 80.0), (180.0, 100.0), (120.0, 60.0)];
        let placed = place(&diagram, &sizes, &[(30.0, 14.0); 5]);
        for (i, a) in placed.boxes.iter().enumerate() {
            assert_eq!((a.w, a.h), sizes[i]);
            for b in &placed.boxes[i + 1..] {
                assert!(!a.overlaps(b, 0.0), "{a:?} {b:?}");
            }
        }
        let near = |p: Point, r: &Rect| {
            p.x >= r.x - 1.0 && p.x <= r.x + r.w + 1.0 && p.y >= r.y - 1.0 && p.y <= r.y + r.h + 1.0
        };
        for (relation, edge) in diagram.relations.iter().zip(&placed.edges) {
            assert!(edge.len() >= 4 && (edge.len() - 1) % 3 == 0, "{edge:?}");
            assert!(near(edge[0], &placed.boxes[relation.from]), "{edge:?}");
            assert!(near(edge[edge.len() - 1], &placed.boxes[relation.to]), "{edge:?}");
        }
    }

    #[test]
    fn ends_on_one_side_of_a_box_are_spread_apart() {
        let diagram = Diagram {
            domains: vec!["a".to_owned()],
            models: ["User", "A", "B", "C"].map(model).to_vec(),
            relations: vec![relation(1, 0), relation(2, 0), relation(3, 0)],
        };
        let placed =
            place(&diagram, &[(300.0, 100.0), (100.0, 60.0), (100.0, 60.0), (100.0, 60.0)], &[(10.0, 14.0); 3]);
        let mut xs: Vec<f64> = placed.edges.iter().map(|e| e[e.len() - 1].x).collect();
        xs.sort_by(f64::total_cmp);
        assert!(xs.windows(2).all(|w| w[1] - w[0] >= 11.9), "{xs:?}");
    }
}
