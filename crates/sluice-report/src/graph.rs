//! The pipeline graph as hand-written SVG: one rounded box per node, coloured by how it ran, and
//! curved edges from each upstream node to the nodes that read it.
//!
//! Boxes sit at the designer's layout positions; when a node has none, every node is laid out by
//! topological depth instead (mixing the two would put boxes on top of each other).

use std::collections::HashMap;

use crate::html::{duration, esc, int, truncate};
use crate::model::Node;

const BOX_W: f64 = 200.0;
const BOX_H: f64 = 64.0;
const PAD: f64 = 24.0;
const COL_GAP: f64 = 270.0;
const ROW_GAP: f64 = 90.0;
/// Width the graph is fitted to.
const FIT_W: f64 = 1100.0;
/// Below this scale text gets too small to read: wider graphs scroll instead.
const MIN_SCALE: f64 = 0.6;

/// Fill, border and status text of a node.
pub struct Look {
    pub fill: &'static str,
    pub stroke: &'static str,
    pub dashed: bool,
    /// Short word for the legend and the check badge.
    pub name: &'static str,
}

pub const DONE: Look = Look { fill: "#ffffff", stroke: "#5b7fa6", dashed: false, name: "done" };
pub const FAILED: Look = Look { fill: "#fdecea", stroke: "#c62828", dashed: false, name: "failed" };
pub const SKIPPED: Look = Look { fill: "#f3f4f6", stroke: "#9ca3af", dashed: true, name: "skipped" };
pub const NOT_RUN: Look = Look { fill: "#fafafa", stroke: "#c7ccd3", dashed: true, name: "not run" };
pub const CHECK_PASS: Look = Look { fill: "#e8f5e9", stroke: "#2e7d32", dashed: false, name: "check passed" };
pub const CHECK_WARN: Look = Look { fill: "#fff4e0", stroke: "#b26a00", dashed: false, name: "check warned" };
pub const CHECK_FAIL: Look = Look { fill: "#fdecea", stroke: "#c62828", dashed: false, name: "check failed" };

/// Every look, in legend order.
pub const LOOKS: [&Look; 7] = [&DONE, &FAILED, &SKIPPED, &NOT_RUN, &CHECK_PASS, &CHECK_WARN, &CHECK_FAIL];

pub fn look(n: &Node) -> &'static Look {
    match (n.status.as_str(), n.check_status.as_deref()) {
        ("failed", _) => &FAILED,
        ("skipped", _) => &SKIPPED,
        ("not_run", _) => &NOT_RUN,
        (_, Some("fail")) => &CHECK_FAIL,
        (_, Some("warn")) => &CHECK_WARN,
        (_, Some("pass")) => &CHECK_PASS,
        ("done", _) => &DONE,
        _ => &NOT_RUN,
    }
}

/// The third line of a box: what the node produced, or why it did not.
fn outcome(n: &Node) -> String {
    match n.status.as_str() {
        "failed" => "failed".into(),
        "skipped" => "skipped".into(),
        "not_run" => "not run".into(),
        _ => {
            let time = if n.cached { Some("cached".to_string()) } else { n.ms.map(duration) };
            let parts: Vec<String> = [n.rows.map(|r| format!("{} rows", int(r))), time].into_iter().flatten().collect();
            if parts.is_empty() {
                n.status.replace('_', " ")
            } else {
                parts.join(" · ")
            }
        }
    }
}

/// Top-left corner of each node's box, in drawing units.
fn positions(nodes: &[Node]) -> Vec<(f64, f64)> {
    if nodes.iter().all(|n| n.x.is_some_and(f64::is_finite) && n.y.is_some_and(f64::is_finite)) {
        let raw: Vec<(f64, f64)> = nodes.iter().map(|n| (n.x.unwrap_or(0.0), n.y.unwrap_or(0.0))).collect();
        let s = spread(&raw);
        return raw.into_iter().map(|(x, y)| (x * s, y * s)).collect();
    }
    // Depth = longest path from a source; bounded passes keep a cycle from looping forever.
    let index: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let mut depth = vec![0usize; nodes.len()];
    for _ in 0..nodes.len() {
        let mut changed = false;
        for (i, n) in nodes.iter().enumerate() {
            let d = n.inputs.iter().filter_map(|(_, up)| index.get(up.as_str())).map(|&u| depth[u] + 1).max().unwrap_or(0);
            if d != depth[i] && d <= nodes.len() {
                depth[i] = d;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut rows: HashMap<usize, usize> = HashMap::new();
    depth
        .iter()
        .map(|&d| {
            let row = rows.entry(d).or_insert(0);
            *row += 1;
            (d as f64 * COL_GAP, (*row - 1) as f64 * ROW_GAP)
        })
        .collect()
}

/// How much to stretch designer positions so no two boxes overlap (the designer's own boxes may
/// be smaller than these). Nodes at the very same spot cannot be separated by stretching.
fn spread(points: &[(f64, f64)]) -> f64 {
    let mut s: f64 = 1.0;
    for (i, a) in points.iter().enumerate() {
        for b in &points[i + 1..] {
            let (dx, dy) = ((a.0 - b.0).abs(), (a.1 - b.1).abs());
            if dx * s >= BOX_W + 20.0 || dy * s >= BOX_H + 16.0 || (dx == 0.0 && dy == 0.0) {
                continue;
            }
            let need_x = if dx > 0.0 { (BOX_W + 20.0) / dx } else { f64::INFINITY };
            let need_y = if dy > 0.0 { (BOX_H + 16.0) / dy } else { f64::INFINITY };
            s = s.max(need_x.min(need_y));
        }
    }
    s.min(4.0)
}

/// The graph as an `<svg>` element, or `None` without nodes.
pub fn svg(nodes: &[Node]) -> Option<String> {
    if nodes.is_empty() {
        return None;
    }
    let pos = positions(nodes);
    let min_x = pos.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let min_y = pos.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let pos: Vec<(f64, f64)> = pos.iter().map(|(x, y)| (x - min_x + PAD, y - min_y + PAD)).collect();
    let w = pos.iter().map(|p| p.0).fold(0.0, f64::max) + BOX_W + PAD;
    let h = pos.iter().map(|p| p.1).fold(0.0, f64::max) + BOX_H + PAD;
    // Fit ~1100px when that keeps text legible; otherwise keep a readable scale and scroll.
    let scale = if w <= FIT_W { 1.0 } else { (FIT_W / w).max(MIN_SCALE) };
    let (shown_w, shown_h) = (w * scale, h * scale);

    let mut out = format!(
        "<svg class=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w:.0} {h:.0}\" width=\"{shown_w:.0}\" height=\"{shown_h:.0}\" \
         role=\"img\" aria-label=\"Pipeline graph, {} nodes\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif\">\n\
         <defs><marker id=\"sluice-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
         <path d=\"M0,0 L10,5 L0,10 z\" fill=\"#8b95a1\"/></marker></defs>\n",
        nodes.len()
    );

    let index: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    out.push_str("<g class=\"edges\">\n");
    for (di, n) in nodes.iter().enumerate() {
        for (port, up) in &n.inputs {
            let Some(&ui) = index.get(up.as_str()) else { continue };
            let (x1, y1) = (pos[ui].0 + BOX_W, pos[ui].1 + BOX_H / 2.0);
            let (x2, y2) = (pos[di].0 - 2.0, pos[di].1 + BOX_H / 2.0);
            let bend = ((x2 - x1).abs() / 2.0).max(40.0);
            let dashed = if matches!(n.status.as_str(), "skipped" | "not_run") { " stroke-dasharray=\"5 4\"" } else { "" };
            out.push_str(&format!(
                "<path class=\"edge\" d=\"M{x1:.1},{y1:.1} C{:.1},{y1:.1} {:.1},{y2:.1} {x2:.1},{y2:.1}\" fill=\"none\" stroke=\"#8b95a1\" \
                 stroke-width=\"1.5\"{dashed} marker-end=\"url(#sluice-arrow)\"><title>{} → {} ({})</title></path>\n",
                x1 + bend,
                x2 - bend,
                esc(up),
                esc(&n.id),
                esc(port)
            ));
        }
    }
    out.push_str("</g>\n<g class=\"nodes\">\n");
    for (n, (x, y)) in nodes.iter().zip(&pos) {
        out.push_str(&node_box(n, *x, *y));
    }
    out.push_str("</g>\n</svg>");
    Some(out)
}

fn node_box(n: &Node, x: f64, y: f64) -> String {
    let l = look(n);
    let dash = if l.dashed { " stroke-dasharray=\"5 4\"" } else { "" };
    let mut tip = format!("{} ({})\n{}", n.id, n.kind, outcome(n));
    if let Some(e) = &n.error {
        tip.push('\n');
        tip.push_str(e);
    }
    // Check nodes that ran carry their verdict in the corner, so the id line leaves it room.
    let badge = match (n.status.as_str(), n.check_status.as_deref()) {
        ("done", Some(s @ ("pass" | "warn" | "fail"))) => Some(s.to_uppercase()),
        _ => None,
    };
    let id_room = if badge.is_some() { 19 } else { 23 };
    let mut g = format!(
        "<g class=\"node\" data-status=\"{}\" transform=\"translate({x:.1},{y:.1})\"><title>{}</title>\
         <rect class=\"node-box\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"8\" fill=\"{}\" stroke=\"{}\" stroke-width=\"1.6\"{dash}/>\
         <text x=\"12\" y=\"21\" font-size=\"13\" font-weight=\"600\" fill=\"#1f2937\">{}</text>\
         <text x=\"12\" y=\"38\" font-size=\"11\" fill=\"#6b7280\">{}</text>\
         <text x=\"12\" y=\"55\" font-size=\"11\" fill=\"{}\">{}</text>",
        esc(&n.status),
        esc(&tip),
        l.fill,
        l.stroke,
        esc(&truncate(&n.id, id_room)),
        esc(&truncate(&n.kind, 30)),
        if matches!(n.status.as_str(), "failed") { "#b71c1c" } else { "#374151" },
        esc(&truncate(&outcome(n), 30)),
    );
    if let Some(b) = badge {
        g.push_str(&format!(
            "<text x=\"{:.0}\" y=\"21\" text-anchor=\"end\" font-size=\"10\" font-weight=\"700\" fill=\"{}\">{b}</text>",
            BOX_W - 10.0,
            l.stroke
        ));
    }
    g.push_str("</g>\n");
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, inputs: &[&str], xy: Option<(f64, f64)>) -> Node {
        Node {
            id: id.into(),
            kind: "filter".into(),
            status: "done".into(),
            inputs: inputs.iter().map(|u| ("input".to_string(), u.to_string())).collect(),
            x: xy.map(|p| p.0),
            y: xy.map(|p| p.1),
            ..Default::default()
        }
    }

    #[test]
    fn lays_out_by_depth_without_positions() {
        let nodes = [node("c", &["b"], None), node("a", &[], Some((5.0, 5.0))), node("b", &["a"], None)];
        let p = positions(&nodes);
        assert_eq!(p, [(2.0 * COL_GAP, 0.0), (0.0, 0.0), (COL_GAP, 0.0)]);
    }

    #[test]
    fn cycles_do_not_hang() {
        let nodes = [node("a", &["b"], None), node("b", &["a"], None)];
        assert_eq!(positions(&nodes).len(), 2);
    }

    #[test]
    fn crowded_designer_positions_are_spread() {
        let nodes = [node("a", &[], Some((0.0, 0.0))), node("b", &["a"], Some((100.0, 0.0)))];
        let p = positions(&nodes);
        assert!(p[1].0 - p[0].0 >= BOX_W + 20.0 - 1e-9);
    }

    #[test]
    fn draws_boxes_and_edges() {
        let mut b = node("b<&>", &["a"], Some((300.0, 0.0)));
        b.check_status = Some("fail".into());
        let svg = svg(&[node("a", &[], Some((0.0, 0.0))), b]).unwrap();
        assert_eq!(svg.matches("class=\"node-box\"").count(), 2);
        assert_eq!(svg.matches("class=\"edge\"").count(), 1);
        assert!(svg.contains("b&lt;&amp;&gt;") && svg.contains(">FAIL<"));
        assert!(svg.contains(CHECK_FAIL.stroke));
        assert!(super::svg(&[]).is_none());
    }

    #[test]
    fn wide_graphs_scroll_rather_than_shrink_illegibly() {
        let nodes: Vec<Node> = (0..20).map(|i| node(&format!("n{i}"), &[], Some((i as f64 * 300.0, 0.0)))).collect();
        let svg = svg(&nodes).unwrap();
        let w = (19.0 * 300.0 + BOX_W + 2.0 * PAD) * MIN_SCALE;
        assert!(svg.contains(&format!("width=\"{w:.0}\"")), "{}", &svg[..300]);
    }
}
