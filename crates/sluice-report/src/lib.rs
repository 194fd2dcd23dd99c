//! One self-contained HTML report of a pipeline run: header and verdict, the graph, checks with
//! failing samples and drift charts, and a profile of every output with histograms.
//!
//! The page needs nothing but itself: CSS and SVG are inline, text uses system fonts, and there is
//! no script. Input is the run document (see [`model`]); missing or malformed parts are tolerated
//! so a report can always be written, which matters most when a run went wrong.

mod charts;
mod graph;
pub mod html;
pub mod model;
mod sections;

use serde_json::Value;

pub use model::Report;

const CSS: &str = include_str!("report.css");

/// Render the run document `doc` as a complete HTML page.
pub fn render(doc: &Value) -> String {
    render_report(&Report::from_value(doc))
}

/// Render an already read run document as a complete HTML page.
pub fn render_report(r: &Report) -> String {
    let title = if r.pipeline.is_empty() { "Sluice run report".to_string() } else { format!("{} · Sluice run report", r.pipeline) };
    let run = if r.run.run_id.is_empty() { String::new() } else { format!(" · {}", r.run.run_id) };
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n",
        html::esc(&title),
        html::esc(&run)
    );
    page.push_str(&sections::header(r));
    page.push_str(&format!(
        "<nav><a href=\"#graph\">Graph</a><a href=\"#checks\">Checks ({})</a><a href=\"#outputs\">Outputs ({})</a></nav>\n",
        r.checks.len(),
        r.outputs.len()
    ));
    page.push_str(&sections::problems(r));
    page.push_str(&sections::graph_section(r));
    page.push_str(&sections::checks_section(r));
    page.push_str(&sections::outputs_section(r));
    page.push_str("</main>\n</body>\n</html>\n");
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn example() -> Value {
        serde_json::from_str(include_str!("../tests/fixtures/report.json")).unwrap()
    }

    /// Each `<svg>` element whose class attribute is exactly `class`.
    fn svgs<'a>(html: &'a str, class: &str) -> Vec<&'a str> {
        let open = format!("<svg class=\"{class}\"");
        html.match_indices(&open)
            .map(|(i, _)| {
                let end = html[i..].find("</svg>").expect("closed svg") + i;
                &html[i..end]
            })
            .collect()
    }

    #[test]
    fn example_shows_run_checks_and_verdict() {
        let html = render(&example());
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("customer_features"));
        assert!(html.contains("20261130-081500-ab12cd"));
        assert!(html.contains("5.32 s"));
        assert!(html.contains("2 checks failed; 1 node skipped; 1 node not run"), "verdict");
        for c in example()["checks"].as_array().unwrap() {
            assert!(html.contains(c["node"].as_str().unwrap()));
        }
        // Failed checks come before passing ones.
        assert!(html.find("<code>amount_in_range</code>").unwrap() < html.find("<code>amount_present</code>").unwrap());
        assert!(html.contains("449 <span class=\"sub\">(0.68%)</span>"));
        assert!(html.contains("3 sample failing rows of 449 unexpected"));
        assert!(html.contains("no non-null value in reference"));
        assert!(html.contains("98,000.5") && html.contains("1,234.5") && html.contains("800 <span class=\"sub\">(16.0%)</span>"));
    }

    #[test]
    fn data_strings_are_escaped() {
        let html = render(&example());
        assert!(!html.to_lowercase().contains("<script"), "no live script in the page");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "sample value");
        assert!(html.contains("see &lt;script&gt;alert(&#39;m&#39;)&lt;/script&gt; &amp; more"), "message");
        assert!(html.contains("Fish &amp; Chips"));
    }

    #[test]
    fn page_is_self_contained() {
        let html = render(&example());
        let links = html.matches("http").count();
        assert_eq!(links, html.matches("http://www.w3.org/2000/svg").count(), "only SVG namespaces, no URLs");
        assert!(!html.contains("<link") && !html.contains("@import") && !html.contains("url(http"));
    }

    #[test]
    fn one_histogram_per_column_with_a_bar_per_bin() {
        let html = render(&example());
        let charts = svgs(&html, "chart hist");
        let bars: Vec<usize> = charts.iter().map(|s| s.matches("<rect class=\"bar\"").count()).collect();
        assert_eq!(bars, [2, 2, 1]);
        assert!(charts[0].contains("8.17k"), "numeric bins labelled by edges");
        assert!(charts[1].contains("(other)"));
        assert!(charts[2].contains("2024-01"));
        assert!(html.contains("800 nulls not shown"));
    }

    #[test]
    fn drift_overlays_compare_baseline_and_current() {
        let html = render(&example());
        let charts = svgs(&html, "chart drift");
        assert_eq!(charts.len(), 2, "the column without a distribution has no chart");
        for (svg, labels) in charts.iter().zip([2, 3]) {
            assert_eq!(svg.matches("<rect class=\"bar baseline\"").count(), labels);
            assert_eq!(svg.matches("<rect class=\"bar current\"").count(), labels);
            assert!(svg.contains("baseline\n</text>") && svg.contains("current\n</text>"), "legend");
        }
        assert!(charts[1].contains("<title>store: baseline 16.0%, current 23.0%</title>"));
    }

    #[test]
    fn graph_has_a_box_per_node_and_an_edge_per_input() {
        let html = render(&example());
        let graphs = svgs(&html, "graph");
        assert_eq!(graphs.len(), 1);
        assert_eq!(graphs[0].matches("class=\"node-box\"").count(), 9);
        assert_eq!(graphs[0].matches("class=\"edge\"").count(), 8);
        assert!(graphs[0].contains("71,282 rows · 310 ms"));
        assert!(graphs[0].contains(">skipped<") && graphs[0].contains(">not run<"));
    }

    #[test]
    fn empty_and_odd_documents_render() {
        for doc in [json!({}), json!(null), json!([1, 2]), json!({"nodes": null, "checks": {}, "outputs": [7]})] {
            let html = render(&doc);
            assert!(html.ends_with("</html>\n"));
            assert!(html.contains("No nodes in this run.") && html.contains("No checks ran."));
        }
        let html = render(&json!({}));
        assert!(html.contains("(unnamed pipeline)") && html.contains("No outputs were written."));
        assert!(render(&json!([1])).contains("could not be read"));
    }

    #[test]
    fn thin_outputs_render() {
        let doc = json!({
            "pipeline": "p",
            "checks": [{"node": "d", "kind": "check_drift", "status": "warn",
                        "details": [{"column": "x", "score": null, "drifted": true, "distribution": {"labels": [], "reference": [], "current": []}}]}],
            "outputs": [
                {"node": "none", "path": "/o/none.csv", "rows": 0, "profile": null},
                {"node": "broken", "rows": 3, "profile": null, "error": "profile: <out of memory>"},
                {"node": "zero", "rows": 0, "profile": {"rows": 0, "columns": [
                    {"name": "a", "type": "BIGINT", "shape": "numeric", "count": 0, "nulls": 0, "null_percent": 0.0, "distinct": 0,
                     "min": null, "max": null, "mean": null, "std": null, "quantiles": [], "zeros": 0, "negatives": 0,
                     "histogram": {"column": "a", "shape": "numeric", "nulls": 0, "bins": []}}]}},
                {"node": "nulls", "rows": 10, "profile": {"rows": 10, "sampled_rows": 4, "columns": [
                    {"name": "b", "type": "VARCHAR", "shape": "categorical", "count": 0, "nulls": 4, "null_percent": 100.0,
                     "distinct": 0, "distinct_approx": true, "histogram": {"bins": []}}]}},
                {"node": "bare", "profile": {"columns": []}}
            ]
        });
        let html = render(&doc);
        assert!(html.contains("No profile."));
        assert!(html.contains("No profile: profile: &lt;out of memory&gt;"));
        assert!(html.contains("No non-null values to plot."));
        assert!(html.contains("Profile sampled (4 of 10 rows)."));
        assert!(html.contains("4 <span class=\"sub\">(100.0%)</span>") && html.contains("≈0"));
        assert!(html.contains("The profile has no columns."));
        assert!(html.contains("1 of 1 column drifted"));
        assert!(svgs(&html, "chart hist").is_empty() && svgs(&html, "chart drift").is_empty());
    }

    /// `SLUICE_REPORT_SAMPLE=/tmp/report.html cargo test -p sluice-report` writes the example report
    /// for a look in a browser.
    #[test]
    fn writes_the_example_when_asked() {
        if let Some(path) = std::env::var_os("SLUICE_REPORT_SAMPLE") {
            std::fs::write(&path, render(&example())).expect("write the sample report");
        }
    }
}
