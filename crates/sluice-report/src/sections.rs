//! The report's sections as HTML fragments: header and verdict, graph, checks, outputs.
//! Every string from the run document goes through [`esc`].

use serde_json::Value;

use crate::charts;
use crate::graph;
use crate::html::{duration, esc, int, int_or_dash, num, num_or_dash, pct, plural, raw, stat};
use crate::model::{Check, ColumnDrift, ColumnProfile, Output, Report};

/// Quantile levels shown in profile tables, with their headings.
const QUANTILES: [(f64, &str); 7] = [(0.01, "p1"), (0.05, "p5"), (0.25, "p25"), (0.5, "p50"), (0.75, "p75"), (0.95, "p95"), (0.99, "p99")];

/// A coloured word; `tone` is one of the badge classes of the stylesheet.
fn badge(tone: &str, text: &str) -> String {
    format!("<span class=\"badge {tone}\">{}</span>", esc(text))
}

fn status_tone(status: &str) -> &'static str {
    match status {
        "success" | "pass" | "done" => "ok",
        "warn" | "cancelled" => "warn",
        "failed" | "fail" => "bad",
        _ => "muted",
    }
}

/// One line that says how the run went, worst news first.
pub fn verdict(r: &Report) -> String {
    let count = |f: &dyn Fn(&str) -> bool| r.checks.iter().filter(|c| f(&c.status)).count();
    let nodes = |s: &str| r.nodes.iter().filter(|n| n.status == s).count();
    let (failed, warned) = (count(&|s| s == "fail"), count(&|s| s == "warn"));
    let mut parts = Vec::new();
    let failed_nodes = nodes("failed");
    if failed_nodes > 0 {
        parts.push(format!("{} failed", plural(failed_nodes, "node", "nodes")));
    }
    if failed > 0 {
        parts.push(format!("{} failed", plural(failed, "check", "checks")));
    }
    if warned > 0 {
        parts.push(format!("{} warned", plural(warned, "check", "checks")));
    }
    for (status, word) in [("skipped", "skipped"), ("not_run", "not run")] {
        let k = nodes(status);
        if k > 0 {
            parts.push(format!("{} {word}", plural(k, "node", "nodes")));
        }
    }
    if parts.is_empty() {
        let ran = nodes("done");
        let checks = if r.checks.is_empty() {
            "no checks".to_string()
        } else if r.checks.len() == 1 {
            "the check passed".to_string()
        } else {
            format!("all {} checks passed", int(r.checks.len() as u64))
        };
        let cached = r.nodes.iter().filter(|n| n.status == "done" && n.cached).count();
        let from_cache = if cached > 0 { format!(" ({} from the cache)", int(cached as u64)) } else { String::new() };
        let mut s = format!("{} ran{from_cache}; {checks}", plural(ran, "node", "nodes"));
        if let Some(first) = s.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        return s;
    }
    let mut s = parts.join("; ");
    if let Some(first) = s.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    s
}

pub fn header(r: &Report) -> String {
    let run = &r.run;
    let name = if r.pipeline.is_empty() { "(unnamed pipeline)".to_string() } else { r.pipeline.clone() };
    let status = if run.status.is_empty() { "unknown" } else { run.status.as_str() };
    let mut h = format!(
        "<header>\n<p class=\"eyebrow\">Sluice run report</p>\n<h1>{} {}</h1>\n<p class=\"verdict {}\">{}</p>\n",
        esc(&name),
        badge(status_tone(status), status),
        status_tone(status),
        esc(&verdict(r))
    );
    if let Some(e) = &run.error {
        h.push_str(&format!("<pre class=\"error\">{}</pre>\n", esc(e)));
    }
    h.push_str("<dl class=\"meta\">\n");
    let mut meta = |k: &str, v: String| h.push_str(&format!("<div><dt>{k}</dt><dd>{v}</dd></div>\n"));
    meta("Run", if run.run_id.is_empty() { "—".into() } else { format!("<code>{}</code>", esc(&run.run_id)) });
    meta("Started", if run.started_at.is_empty() { "—".into() } else { esc(&run.started_at) });
    meta("Duration", run.ms.map(duration).unwrap_or_else(|| "—".into()));
    meta("Nodes", int(r.nodes.len() as u64));
    meta("Checks", int(r.checks.len() as u64));
    if !run.spec_path.is_empty() {
        meta("Spec", format!("<code>{}</code>", esc(&run.spec_path)));
    }
    h.push_str("</dl>\n");
    if !run.params.is_empty() {
        h.push_str("<table class=\"params\"><caption>Parameters</caption>\n<tbody>\n");
        for (k, v) in &run.params {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            h.push_str(&format!("<tr><th scope=\"row\">{}</th><td><code>{}</code></td></tr>\n", esc(k), esc(&v)));
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("</header>\n");
    h
}

pub fn problems(r: &Report) -> String {
    if r.problems.is_empty() {
        return String::new();
    }
    let items: String = r.problems.iter().map(|p| format!("<li>{}</li>", esc(p))).collect();
    format!("<section class=\"problems\"><p>Parts of the run document could not be read and are left out:</p><ul>{items}</ul></section>\n")
}

pub fn graph_section(r: &Report) -> String {
    let mut s = String::from("<section id=\"graph\">\n<h2>Graph</h2>\n");
    match graph::svg(&r.nodes) {
        None => s.push_str("<p class=\"empty\">No nodes in this run.</p>\n"),
        Some(svg) => {
            s.push_str("<div class=\"graph-wrap\">");
            s.push_str(&svg);
            s.push_str("</div>\n<ul class=\"legend\">");
            for l in graph::LOOKS {
                let dash = if l.dashed { "dashed" } else { "solid" };
                s.push_str(&format!(
                    "<li><span class=\"swatch\" style=\"background:{};border:1.5px {dash} {}\"></span>{}</li>",
                    l.fill, l.stroke, l.name
                ));
            }
            s.push_str("</ul>\n");
        }
    }
    s.push_str("</section>\n");
    s
}

fn rank(status: &str) -> u8 {
    match status {
        "fail" => 0,
        "warn" => 1,
        "pass" => 3,
        _ => 2,
    }
}

pub fn checks_section(r: &Report) -> String {
    let mut s = String::from("<section id=\"checks\">\n<h2>Checks</h2>\n");
    if r.checks.is_empty() {
        s.push_str("<p class=\"empty\">No checks ran.</p>\n</section>\n");
        return s;
    }
    let mut checks: Vec<&Check> = r.checks.iter().collect();
    checks.sort_by_key(|c| rank(&c.status));
    s.push_str(
        "<div class=\"scroll\"><table class=\"checks\">\n<thead><tr><th>Node</th><th>Check</th><th>Severity</th><th>Status</th>\
         <th class=\"num\">Observed</th><th>Threshold</th><th class=\"num\">Unexpected</th><th>Message</th></tr></thead>\n<tbody>\n",
    );
    for c in checks {
        let unexpected = match (c.unexpected_count, c.unexpected_percent) {
            (Some(n), Some(p)) => format!("{} <span class=\"sub\">({})</span>", int(n), pct(p)),
            (Some(n), None) => int(n),
            (None, Some(p)) => pct(p),
            (None, None) => "—".into(),
        };
        let of = c.element_count.map(|n| format!("<div class=\"sub\">of {} rows</div>", int(n))).unwrap_or_default();
        s.push_str(&format!(
            "<tr class=\"check {}\"><td><code>{}</code></td><td>{}<div class=\"sub\">{}</div></td><td>{}</td><td>{}</td>\
             <td class=\"num\">{}</td><td>{}</td><td class=\"num\">{unexpected}{of}</td><td class=\"msg\">{}</td></tr>\n",
            status_tone(&c.status),
            esc(&c.node),
            esc(&c.check),
            esc(&c.kind),
            esc(&c.severity),
            badge(status_tone(&c.status), if c.status.is_empty() { "unknown" } else { &c.status }),
            num_or_dash(c.observed),
            esc(&c.threshold),
            esc(&c.message),
        ));
        let extra = check_extras(c);
        if !extra.is_empty() {
            s.push_str(&format!("<tr class=\"extra\"><td colspan=\"8\">{extra}</td></tr>\n"));
        }
    }
    s.push_str("</tbody></table></div>\n</section>\n");
    s
}

/// Samples, drift columns and other details under a check's row.
fn check_extras(c: &Check) -> String {
    let mut s = String::new();
    if let Some(samples) = &c.samples {
        let shown = samples.rows.len();
        let of = c.unexpected_count.map(|n| format!(" of {} unexpected", int(n))).unwrap_or_default();
        s.push_str(&format!(
            "<details class=\"samples\"><summary>{}{of}</summary>\n",
            plural(shown, "sample failing row", "sample failing rows")
        ));
        if shown == 0 {
            s.push_str("<p class=\"empty\">No rows kept.</p>");
        } else {
            s.push_str("<div class=\"scroll\"><table class=\"mini\"><thead><tr>");
            for col in &samples.columns {
                s.push_str(&format!("<th>{}<div class=\"sub\">{}</div></th>", esc(&col.name), esc(&col.ty)));
            }
            s.push_str("</tr></thead><tbody>\n");
            for row in &samples.rows {
                s.push_str("<tr>");
                for v in row {
                    let class = match v {
                        Value::Null => " class=\"null\"",
                        Value::Number(_) => " class=\"num\"",
                        _ => "",
                    };
                    s.push_str(&format!("<td{class}>{}</td>", esc(&raw(v))));
                }
                s.push_str("</tr>\n");
            }
            s.push_str("</tbody></table></div>");
        }
        s.push_str("</details>\n");
    }
    if c.kind == "check_drift" {
        s.push_str(&drift(c, &c.drift_columns()));
    } else if !c.details.is_null() {
        let pretty = serde_json::to_string_pretty(&c.details).unwrap_or_default();
        s.push_str(&format!("<details><summary>Details</summary><pre>{}</pre></details>\n", esc(&pretty)));
    }
    s
}

fn drift(c: &Check, columns: &[ColumnDrift]) -> String {
    if columns.is_empty() {
        return String::new();
    }
    let open = if c.status == "pass" { "" } else { " open" };
    let drifted = columns.iter().filter(|d| d.drifted).count();
    let mut s = format!(
        "<details class=\"drift\"{open}><summary>{} of {} drifted</summary>\n",
        int(drifted as u64),
        plural(columns.len(), "column", "columns")
    );
    s.push_str(
        "<div class=\"scroll\"><table class=\"mini\"><thead><tr><th>Column</th><th>Method</th><th class=\"num\">Score</th>\
         <th class=\"num\">Threshold</th><th>Verdict</th><th class=\"num\">Rows (baseline / current)</th><th>Note</th></tr></thead><tbody>\n",
    );
    // A drifted column is a failure only when the check failed; otherwise it is worth a look.
    let drift_tone = if c.status == "fail" { "bad" } else { "warn" };
    for d in columns {
        let verdict = if d.drifted { badge(drift_tone, "drifted") } else { badge("ok", "no drift") };
        let score_kind = match d.score_type.as_str() {
            "p_value" => "p-value",
            other => other,
        };
        s.push_str(&format!(
            "<tr><td><code>{}</code><div class=\"sub\">{}</div></td><td>{}</td><td class=\"num\">{}<div class=\"sub\">{}</div></td>\
             <td class=\"num\">{}</td><td>{verdict}</td><td class=\"num\">{} / {}</td><td>{}</td></tr>\n",
            esc(&d.column),
            esc(match d.column_type.as_str() {
                "num" => "numeric",
                "cat" => "categorical",
                other => other,
            }),
            esc(&d.method),
            num_or_dash(d.score),
            esc(score_kind),
            num_or_dash(d.threshold),
            int_or_dash(d.reference_rows),
            int_or_dash(d.current_rows),
            d.error.as_deref().map(esc).unwrap_or_default(),
        ));
    }
    s.push_str("</tbody></table></div>\n");
    let charts: Vec<String> = columns
        .iter()
        .filter_map(|d| {
            let svg = charts::overlay(&d.column, d.distribution.as_ref()?)?;
            let score = d.score.map(|v| format!(" · {} {}", esc(&d.method), num(v))).unwrap_or_default();
            Some(format!(
                "<figure class=\"card\"><figcaption><code>{}</code><span class=\"sub\">{score}</span></figcaption>{svg}\
                 <p class=\"sub\">share of rows per {}</p></figure>",
                esc(&d.column),
                if d.column_type == "cat" { "category" } else { "bin" }
            ))
        })
        .collect();
    if !charts.is_empty() {
        s.push_str(&format!("<div class=\"grid\">{}</div>\n", charts.join("\n")));
    }
    s.push_str("</details>\n");
    s
}

pub fn outputs_section(r: &Report) -> String {
    let mut s = String::from("<section id=\"outputs\">\n<h2>Outputs</h2>\n");
    if r.outputs.is_empty() {
        s.push_str("<p class=\"empty\">No outputs were written.</p>\n");
    }
    for o in &r.outputs {
        s.push_str(&output(o));
    }
    s.push_str("</section>\n");
    s
}

fn output(o: &Output) -> String {
    let mut s = format!(
        "<article class=\"output\">\n<h3><code>{}</code></h3>\n<p class=\"path\">{}{}</p>\n",
        esc(&o.node),
        if o.path.is_empty() { String::new() } else { format!("<code>{}</code> · ", esc(&o.path)) },
        o.rows.map(|n| plural(n as usize, "row", "rows")).unwrap_or_else(|| "rows unknown".into())
    );
    if o.cached {
        s.push_str("<p class=\"note\">Up to date: nothing it depends on changed, so this run left it as it was.</p>\n");
    }
    let Some(p) = &o.profile else {
        match &o.error {
            Some(e) => s.push_str(&format!("<p class=\"empty\">No profile: {}</p>\n</article>\n", esc(e))),
            None => s.push_str("<p class=\"empty\">No profile.</p>\n</article>\n"),
        }
        return s;
    };
    let rows = p.rows.or(o.rows);
    if let Some(sampled) = p.sampled_rows {
        s.push_str(&format!("<p class=\"note\">Profile sampled ({} of {} rows).</p>\n", int(sampled), int_or_dash(rows)));
    }
    if p.columns.is_empty() {
        s.push_str("<p class=\"empty\">The profile has no columns.</p>\n</article>\n");
        return s;
    }
    s.push_str(&profile_table(&p.columns));
    let cards: Vec<String> = p.columns.iter().map(column_card).collect();
    s.push_str(&format!("<div class=\"grid\">\n{}\n</div>\n</article>\n", cards.join("\n")));
    s
}

fn profile_table(columns: &[ColumnProfile]) -> String {
    // Numeric statistics only take room when some column has them.
    let numeric = columns.iter().any(|c| c.mean.is_some() || !c.quantiles.is_empty() || c.zeros.is_some());
    let mut s = String::from(
        "<div class=\"scroll\"><table class=\"profile\"><thead><tr><th>Column</th><th>Type</th><th class=\"num\">Nulls</th>\
         <th class=\"num\">Distinct</th><th class=\"num\">Min</th><th class=\"num\">Max</th>",
    );
    if numeric {
        s.push_str("<th class=\"num\">Mean</th><th class=\"num\">Std</th>");
        for (_, h) in QUANTILES {
            s.push_str(&format!("<th class=\"num\">{h}</th>"));
        }
        s.push_str("<th class=\"num\">Zeros</th><th class=\"num\">Negatives</th>");
    }
    s.push_str("</tr></thead><tbody>\n");
    for c in columns {
        let nulls = c.nulls.unwrap_or(0);
        let null_pct = c.null_percent.or_else(|| {
            let total = nulls + c.count.unwrap_or(0);
            (total > 0).then(|| 100.0 * nulls as f64 / total as f64)
        });
        let nulls_cell = match null_pct {
            Some(p) if nulls > 0 => format!("{} <span class=\"sub\">({})</span>", int(nulls), pct(p)),
            _ => int_or_dash(c.nulls),
        };
        let distinct = match c.distinct {
            Some(d) if c.distinct_approx => format!("<span title=\"estimated\">≈{}</span>", int(d)),
            other => int_or_dash(other),
        };
        s.push_str(&format!(
            "<tr><th scope=\"row\"><code>{}</code></th><td class=\"type\">{}</td><td class=\"num\">{nulls_cell}</td>\
             <td class=\"num\">{distinct}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            esc(&c.name),
            esc(&c.ty),
            esc(&stat(&c.min)),
            esc(&stat(&c.max)),
        ));
        if numeric {
            s.push_str(&format!("<td class=\"num\">{}</td><td class=\"num\">{}</td>", num_or_dash(c.mean), num_or_dash(c.std)));
            for (level, _) in QUANTILES {
                s.push_str(&format!("<td class=\"num\">{}</td>", num_or_dash(c.quantile(level))));
            }
            s.push_str(&format!("<td class=\"num\">{}</td><td class=\"num\">{}</td>", int_or_dash(c.zeros), int_or_dash(c.negatives)));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table></div>\n");
    s
}

/// A column's histogram with what it leaves out.
fn column_card(c: &ColumnProfile) -> String {
    let chart = c.histogram.as_ref().and_then(charts::histogram);
    let body = match chart {
        Some(svg) => svg,
        None if c.count == Some(0) || c.histogram.is_some() => "<p class=\"empty\">No non-null values to plot.</p>".to_string(),
        None => "<p class=\"empty\">No histogram.</p>".to_string(),
    };
    let nulls = c.histogram.as_ref().and_then(|h| h.nulls).or(c.nulls).unwrap_or(0);
    let note = if nulls > 0 && body.starts_with("<svg") {
        format!("<p class=\"sub\">{} not shown</p>", plural(nulls as usize, "null", "nulls"))
    } else {
        String::new()
    };
    format!(
        "<figure class=\"card\"><figcaption><code>{}</code> <span class=\"sub\">{}</span></figcaption>{body}{note}</figure>",
        esc(&c.name),
        esc(&c.ty)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn verdict_names_the_worst_first() {
        let r = Report::from_value(&json!({
            "nodes": [{"id": "a", "status": "done"}, {"id": "b", "status": "skipped"}, {"id": "c", "status": "skipped"}],
            "checks": [{"status": "fail"}, {"status": "warn"}, {"status": "fail"}, {"status": "pass"}]
        }));
        assert_eq!(verdict(&r), "2 checks failed; 1 check warned; 2 nodes skipped");
        let ok = Report::from_value(&json!({"nodes": [{"status": "done"}], "checks": [{"status": "pass"}, {"status": "pass"}]}));
        assert_eq!(verdict(&ok), "1 node ran; all 2 checks passed");
        assert_eq!(verdict(&Report::default()), "0 nodes ran; no checks");
    }
}
