//! Bar charts as inline SVG, drawn with plotters: a column's histogram and a drift check's
//! baseline-versus-current overlay.
//!
//! Plotters writes plain `<rect>`s without any hook for tooltips, so each chart is post-processed:
//! the bars (the first rects in a bar colour, since bars are drawn before the legend) get
//! `class="bar"` and a `<title>` with the full label and value, and the root `<svg>` a class and
//! an accessible label. Text is measured by plotters' estimator, so no fonts are needed.

use plotters::prelude::*;

use crate::html::{compact, esc, int, share, truncate};
use crate::model::{Distribution, Histogram};

const WIDTH: u32 = 360;
const HEIGHT: u32 = 200;
const Y_LABEL_AREA: u32 = 42;
const X_LABEL_AREA: u32 = 26;
const MARGIN: u32 = 8;
/// Axis font size as plotters takes it; its SVG backend writes size / 1.24, about 10.5px.
const FONT: f64 = 13.0;
/// Roughly the width of a character of the axis font.
const CHAR_PX: f64 = 6.2;
/// Room right of the plot for the last edge label, centred on the plot's border.
const MARGIN_RIGHT: u32 = 18;
/// The x axis counts thousandths of a bar slot: plotters formats integer axes with custom key
/// points, but not float ones.
const SUB: f64 = 1000.0;

/// Histogram bars.
pub const BAR: RGBColor = RGBColor(0x4C, 0x78, 0xA8);
/// The reference side of a drift comparison: grey, so the current data stands out.
pub const BASELINE: RGBColor = RGBColor(0xA9, 0xB4, 0xC2);
/// The current side of a drift comparison.
pub const CURRENT: RGBColor = RGBColor(0x4C, 0x78, 0xA8);
const AXIS: RGBColor = RGBColor(0x9C, 0xA3, 0xAF);
const GRID: RGBColor = RGBColor(0xE5, 0xE7, 0xEB);
const LABEL: RGBColor = RGBColor(0x4B, 0x55, 0x63);

/// One bar to draw: its extent on the x axis, its height, colour and tooltip.
struct Bar {
    x0: f64,
    x1: f64,
    y: f64,
    color: RGBColor,
    class: &'static str,
    title: String,
}

/// What goes under the x axis.
struct XAxis {
    /// Bars span `0..slots` on the x axis.
    slots: usize,
    /// `(position, text)` of each label; positions on the x axis.
    labels: Vec<(f64, String)>,
}

/// A column's histogram, or `None` when there are no bins to draw.
pub fn histogram(h: &Histogram) -> Option<String> {
    let n = h.bins.len();
    if n == 0 {
        return None;
    }
    // Edges label numeric bins; a single-value column has one bin of zero width, labelled by its
    // value like a category.
    let numeric = h.shape == "numeric" && h.bins.iter().all(|b| matches!((b.lo, b.hi), (Some(lo), Some(hi)) if hi > lo));
    let gap = if numeric { 0.03 } else { 0.12 };
    let bars: Vec<Bar> = h
        .bins
        .iter()
        .enumerate()
        .map(|(i, b)| Bar {
            x0: i as f64 + gap,
            x1: i as f64 + 1.0 - gap,
            y: b.count as f64,
            color: BAR,
            class: "bar",
            title: format!("{}: {} rows", b.label, int(b.count)),
        })
        .collect();
    let labels = if numeric {
        // Numeric bins are labelled by their edges, the last bin's upper edge included.
        let mut edges: Vec<f64> = h.bins.iter().filter_map(|b| b.lo).collect();
        edges.extend(h.bins.last().and_then(|b| b.hi));
        let texts: Vec<String> = edges.iter().map(|e| compact(*e)).collect();
        thin(texts.iter().enumerate().map(|(i, t)| (i as f64, t.clone())).collect(), plot_width() / n as f64, false)
    } else {
        let categories = h.shape != "temporal";
        thin(h.bins.iter().enumerate().map(|(i, b)| (i as f64 + 0.5, b.label.clone())).collect(), plot_width() / n as f64, categories)
    };
    let max = h.bins.iter().map(|b| b.count).max().unwrap_or(0) as f64;
    let aria = format!("Histogram of {}", h.column);
    draw(&bars, XAxis { slots: n, labels }, max.max(1.0) * 1.1, false, &[], "chart hist", &aria)
}

/// Baseline and current shares side by side per bin or category, with a legend; `None` when
/// there are no labels.
pub fn overlay(column: &str, d: &Distribution) -> Option<String> {
    let n = d.labels.len();
    if n == 0 {
        return None;
    }
    let value = |v: &[f64], i: usize| v.get(i).copied().filter(|x| x.is_finite()).unwrap_or(0.0);
    let mut bars = Vec::with_capacity(2 * n);
    for (i, label) in d.labels.iter().enumerate() {
        let (b, c) = (value(&d.reference, i), value(&d.current, i));
        let pair = format!("{label}: baseline {}, current {}", share(b), share(c));
        bars.push(Bar { x0: i as f64 + 0.1, x1: i as f64 + 0.5, y: b, color: BASELINE, class: "bar baseline", title: pair.clone() });
        bars.push(Bar { x0: i as f64 + 0.5, x1: i as f64 + 0.9, y: c, color: CURRENT, class: "bar current", title: pair });
    }
    let labels = thin(d.labels.iter().enumerate().map(|(i, l)| (i as f64 + 0.5, l.clone())).collect(), plot_width() / n as f64, true);
    let max = bars.iter().map(|b| b.y).fold(0.0, f64::max);
    let legend = [("baseline", BASELINE), ("current", CURRENT)];
    let aria = format!("Distribution of {column}: baseline against current");
    draw(&bars, XAxis { slots: n, labels }, max.max(0.01) * 1.12, true, &legend, "chart drift", &aria)
}

fn plot_width() -> f64 {
    f64::from(WIDTH - Y_LABEL_AREA - MARGIN - MARGIN_RIGHT)
}

/// Keep every k-th label so neighbours do not collide, and cut the kept ones to the room they
/// have; the full text stays in the bars' tooltips. Categories are each their own thing, so they
/// all keep a label as long as a few characters fit; ordered bins can spare every other one.
fn thin(labels: Vec<(f64, String)>, slot_px: f64, every_one: bool) -> Vec<(f64, String)> {
    let fits = |px: f64| ((px - 6.0) / CHAR_PX).floor().max(0.0) as usize;
    let longest = labels.iter().map(|(_, t)| t.chars().count()).max().unwrap_or(0).min(12);
    let step = if every_one && fits(slot_px) >= 4 { 1 } else { (((longest as f64 * CHAR_PX + 6.0) / slot_px).ceil() as usize).max(1) };
    let room = fits(slot_px * step as f64).max(3);
    labels.into_iter().step_by(step).map(|(x, t)| (x, truncate(&t, room))).collect()
}

/// Draw bars on a white chart with a light horizontal grid; `y_max` tops the y axis, `shares`
/// formats it as percentages.
fn draw(bars: &[Bar], axis: XAxis, y_max: f64, shares: bool, legend: &[(&str, RGBColor)], class: &str, aria: &str) -> Option<String> {
    let mut svg = String::new();
    let drawn = (|| -> Result<(), Box<dyn std::error::Error>> {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let top = if legend.is_empty() { MARGIN } else { MARGIN + 16 };
        let at = |x: f64| (x * SUB).round() as i32;
        let positions: Vec<i32> = axis.labels.iter().map(|(x, _)| at(*x)).collect();
        let x_range = (0..at(axis.slots as f64)).with_key_points(positions);
        let mut chart = ChartBuilder::on(&root)
            .margin(MARGIN)
            .margin_top(top)
            .margin_right(MARGIN_RIGHT)
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(Y_LABEL_AREA)
            .build_cartesian_2d(x_range, 0f64..y_max)?;
        let x_text = |x: &i32| axis.labels.iter().find(|(p, _)| at(*p) == *x).map(|(_, t)| t.clone()).unwrap_or_default();
        // Counts are whole: the fractional ticks plotters may pick stay unlabelled.
        let y_text = |y: &f64| {
            if shares {
                format!("{:.0}%", y * 100.0)
            } else if y.fract().abs() > 1e-9 {
                String::new()
            } else {
                compact(*y)
            }
        };
        let label_font = ("sans-serif", FONT).into_font().color(&LABEL);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .max_light_lines(0)
            .axis_style(AXIS)
            .y_labels(5)
            .x_label_formatter(&x_text)
            .y_label_formatter(&y_text)
            .label_style(label_font)
            .draw()?;
        chart.draw_series(bars.iter().map(|b| Rectangle::new([(at(b.x0), 0.0), (at(b.x1), b.y.max(0.0))], b.color.filled())))?;
        // The legend goes above the plot so it never hides a bar, and after the bars so they
        // stay the first rects of their colour.
        let mut x = (WIDTH - MARGIN_RIGHT) as i32;
        for (name, color) in legend.iter().rev() {
            let text_w = (name.len() as f64 * CHAR_PX) as i32;
            x -= text_w;
            root.draw(&Text::new(name.to_string(), (x, 3), ("sans-serif", FONT).into_font().color(&LABEL)))?;
            root.draw(&Rectangle::new([(x - 15, 4), (x - 4, 15)], color.filled()))?;
            x -= 26;
        }
        root.present()?;
        Ok(())
    })();
    drawn.ok()?;
    Some(finish(&svg, bars, class, aria))
}

/// Strip any XML prologue, label the root element and give the bars a class and a tooltip.
fn finish(svg: &str, bars: &[Bar], class: &str, aria: &str) -> String {
    let body = match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    };
    let body = body.replacen("<svg ", &format!("<svg class=\"{class}\" role=\"img\" aria-label=\"{}\" ", esc(aria)), 1);
    let mut out = String::with_capacity(body.len() + bars.len() * 64);
    let mut rest = body.as_str();
    let mut next = bars.iter().peekable();
    while let Some(start) = rest.find("<rect ") {
        out.push_str(&rest[..start]);
        let tag_len = rest[start..].find("/>").map(|e| e + 2).unwrap_or(rest.len() - start);
        let tag = &rest[start..start + tag_len];
        match next.peek() {
            Some(bar) if tag.contains(&format!("fill=\"{}\"", hex(bar.color))) => {
                let attrs = &tag["<rect ".len()..tag.len() - 2];
                out.push_str(&format!("<rect class=\"{}\" {}><title>{}</title></rect>", bar.class, attrs.trim_end(), esc(&bar.title)));
                next.next();
            }
            _ => out.push_str(tag),
        }
        rest = &rest[start + tag_len..];
    }
    out.push_str(rest);
    out
}

/// A colour as plotters' SVG backend writes it.
fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Bin;

    fn bins(n: usize) -> Vec<Bin> {
        (0..n)
            .map(|i| Bin {
                label: format!("[{}, {})", i * 10, (i + 1) * 10),
                lo: Some(i as f64 * 10.0),
                hi: Some((i + 1) as f64 * 10.0),
                count: (i as u64 * 7) % 5,
            })
            .collect()
    }

    #[test]
    fn one_tagged_rect_per_bar_including_empty_bins() {
        let h = Histogram { column: "x".into(), shape: "numeric".into(), bins: bins(13), ..Default::default() };
        let svg = histogram(&h).unwrap();
        assert!(svg.starts_with("<svg class=\"chart hist\""), "{svg}");
        assert_eq!(svg.matches("class=\"bar\"").count(), 13);
        assert_eq!(svg.matches("<title>").count(), 13);
        assert!(svg.contains("<text"));
        assert!(!svg.contains("<?xml"));
    }

    #[test]
    fn long_categories_are_cut_in_the_axis_but_whole_in_tooltips() {
        let long = "a category label that goes on and on".to_string();
        let h = Histogram {
            column: "c".into(),
            shape: "categorical".into(),
            bins: vec![
                Bin { label: long.clone(), lo: None, hi: None, count: 3 },
                Bin { label: "<b>&".into(), lo: None, hi: None, count: 1 },
            ],
            ..Default::default()
        };
        let svg = histogram(&h).unwrap();
        assert!(svg.contains(&format!("<title>{long}: 3 rows</title>")));
        assert!(svg.contains('…'));
        assert!(svg.contains("&lt;b&gt;&amp;"));
        assert!(!svg.contains("<b>"));
    }

    #[test]
    fn overlay_has_two_bars_per_label_and_a_legend() {
        let d = Distribution {
            labels: vec!["app".into(), "store".into(), "web".into()],
            reference: vec![0.3, 0.16, 0.54],
            current: vec![0.0, 0.23],
        };
        let svg = overlay("channel", &d).unwrap();
        assert_eq!(svg.matches("class=\"bar baseline\"").count(), 3);
        assert_eq!(svg.matches("class=\"bar current\"").count(), 3);
        assert!(svg.contains(">\nbaseline\n</text>") && svg.contains(">\ncurrent\n</text>"), "{svg}");
    }

    #[test]
    fn nothing_to_draw() {
        assert!(histogram(&Histogram::default()).is_none());
        assert!(overlay("x", &Distribution::default()).is_none());
        // All-zero counts still draw, on a unit axis.
        let h = Histogram {
            shape: "numeric".into(),
            bins: vec![Bin { lo: Some(1.0), hi: Some(1.0), ..Default::default() }],
            ..Default::default()
        };
        assert_eq!(histogram(&h).unwrap().matches("class=\"bar\"").count(), 1);
    }
}
