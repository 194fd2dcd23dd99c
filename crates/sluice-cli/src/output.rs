//! Terminal and JSON output of the CLI.

use std::io::Write;

use crate::stdio::{errln, outln};

use sluice_core::catalog::{registry, Ports};
use sluice_core::Diagnostic;
use sluice_engine::{CheckResult, CheckStatus, EngineError, Event, RunStatus, Table};

pub fn print_error(e: &EngineError) {
    match e {
        EngineError::Invalid(d) => {
            print_diagnostics(d);
            let spec_fault = d.iter().any(|d| d.is_error() && d.fault == sluice_core::diagnostic::Fault::Spec);
            let what = if spec_fault { "the spec is not valid" } else { "the input data cannot be read as it is" };
            errln!("error[{}]: {what}", e.code());
        }
        other => errln!("error[{}]: {other}", other.code()),
    }
}

pub fn print_diagnostics(diags: &[Diagnostic]) {
    for d in diags {
        errln!("{d}");
    }
}

/// Renders run events: live lines on a terminal, one JSON object per line with `--json`.
pub struct Progress {
    json: bool,
    tty: bool,
    /// The result of the check node under way, printed with its node line.
    check: Option<CheckResult>,
    failed_checks: usize,
    written: usize,
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

impl Progress {
    pub fn new(json: bool, tty: bool) -> Self {
        Progress { json, tty, check: None, failed_checks: 0, written: 0 }
    }

    pub fn event(&mut self, e: &Event) {
        if self.json {
            outln!("{}", serde_json::to_string(e).unwrap());
            return;
        }
        // Lines are made in memory (which cannot fail) and written at once.
        let mut buf = Vec::new();
        self.render(&mut buf, e).expect("writing to memory");
        crate::stdio::err(&buf);
    }

    fn render(&mut self, err: &mut Vec<u8>, e: &Event) -> std::io::Result<()> {
        match e {
            Event::RunStarted { pipeline, nodes } => writeln!(err, "running {pipeline} ({} nodes)", nodes.len()),
            Event::NodeStarted { node, kind } if self.tty => write!(err, "  … {node:<28} {kind:<14}\r"),
            Event::NodeStarted { .. } => Ok(()),
            Event::CheckFinished(c) => {
                self.failed_checks += usize::from(c.blocks());
                self.check = Some(c.clone());
                Ok(())
            }
            Event::NodeFinished { node, rows, ms, cached } => match self.check.take().filter(|c| &c.node == node) {
                Some(c) => print_check(err, &c, *ms, *cached),
                None if *cached => writeln!(err, "  ✓ {node:<28} {:>12} rows   cached", thousands(*rows)),
                None => writeln!(err, "  ✓ {node:<28} {:>12} rows {:>8} ms", thousands(*rows), ms),
            },
            Event::NodeHistograms { .. } => Ok(()),
            Event::NodeSkipped { node, reason } => writeln!(err, "  – {node:<28} not run: {reason}"),
            Event::NodeFailed { node, error, .. } => writeln!(err, "  ✗ {node:<28} {error}"),
            Event::OutputWritten { path, rows, .. } => {
                self.written += 1;
                writeln!(err, "  → wrote {} ({} rows)", path.display(), thousands(*rows))
            }
            Event::SourceMark { node, column, value } => {
                writeln!(err, "  ↑ {node}: the next run reads rows with {column} > {value}")
            }
            Event::SourceDeletes { node, deleted } => {
                writeln!(err, "  ↓ {node}: {} row(s) deleted at the source since the last run; merge sinks remove them", thousands(*deleted))
            }
            Event::StateWritten { path, nodes } => {
                writeln!(err, "  → wrote fitted state of {nodes} node(s) to {}", path.display())
            }
            Event::Warning { node: Some(node), code, message } => writeln!(err, "warning[{code}] node '{node}': {message}"),
            Event::Warning { node: None, code, message } => writeln!(err, "warning[{code}]: {message}"),
            Event::RunFinished { status, ms } => match status {
                RunStatus::Success => writeln!(err, "done in {ms} ms"),
                RunStatus::Failed if self.failed_checks > 0 => writeln!(
                    err,
                    "failed after {ms} ms: {} check(s) failed; nothing below them ran{}",
                    self.failed_checks,
                    if self.written > 0 { ", the other outputs were written" } else { " and no output was changed" }
                ),
                RunStatus::Failed => writeln!(err, "failed after {ms} ms; {}", self.changed()),
                RunStatus::Cancelled => writeln!(err, "cancelled after {ms} ms; {}", self.changed()),
            },
        }
    }
}

impl Progress {
    /// What a run that did not go through left of the outputs: only a partial commit writes any.
    fn changed(&self) -> String {
        match self.written {
            0 => "no output was changed".into(),
            n => format!("{n} output(s) listed above were written before the failure"),
        }
    }
}

/// A check's line, its message and a few failing rows.
fn print_check(err: &mut impl Write, c: &CheckResult, ms: u64, cached: bool) -> std::io::Result<()> {
    let (mark, word) = match c.status {
        CheckStatus::Pass => ("✓", "passed"),
        CheckStatus::Warn => ("!", "warning"),
        CheckStatus::Fail => ("✗", "FAILED"),
    };
    let time = if cached { "  cached".to_string() } else { format!("{ms:>8} ms") };
    writeln!(err, "  {mark} {:<28} {:>12} rows {time}  check {word}", c.node, thousands(c.element_count))?;
    if c.status != CheckStatus::Pass {
        writeln!(err, "      {} (threshold: {})", c.message, c.threshold)?;
        if let Some(s) = &c.samples {
            let names: Vec<&str> = s.columns.iter().map(|c| c.name.as_str()).collect();
            writeln!(err, "      failing rows, e.g. ({}):", names.join(", "))?;
            for r in s.rows.iter().take(3) {
                let cells: Vec<String> = r.iter().map(|v| v.to_string()).collect();
                writeln!(err, "        {}", cells.join(", "))?;
            }
        }
    }
    Ok(())
}

/// A profile as a table: one line per column, then each histogram's bars.
pub fn print_profile(p: &sluice_engine::profile::Profile) {
    let sampled = p.sampled_rows.map(|n| format!(", profiled on a sample of {}", thousands(n))).unwrap_or_default();
    outln!("{}: {} rows{sampled}", p.node, thousands(p.rows));
    let num = |v: Option<f64>| v.map(|x| format!("{x:.4}")).unwrap_or_else(|| "-".into());
    let val = |v: &serde_json::Value| {
        let s = match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => "-".into(),
            other => other.to_string(),
        };
        // Long texts would push the table apart: keep the start.
        if s.chars().count() > 14 { format!("{}…", s.chars().take(13).collect::<String>()) } else { s }
    };
    outln!(
        "{:<24} {:<14} {:>8} {:>7} {:>9} {:>14} {:>14} {:>12} {:>12} {:>12}",
        "COLUMN", "TYPE", "NULLS", "NULL%", "DISTINCT", "MIN", "MAX", "MEAN", "STD", "MEDIAN"
    );
    for c in &p.columns {
        let median = c.quantiles.iter().find(|(l, _)| *l == 0.5).map(|(_, v)| *v);
        let median = if c.quantiles_approx { median.map(|m| format!("~{}", num(Some(m)))) } else { Some(num(median)) };
        let distinct = if c.distinct_approx { format!("~{}", c.distinct) } else { c.distinct.to_string() };
        outln!(
            "{:<24} {:<14} {:>8} {:>6.2}% {:>9} {:>14} {:>14} {:>12} {:>12} {:>12}",
            c.name, c.ty, c.nulls, c.null_percent, distinct, val(&c.min), val(&c.max), num(c.mean), num(c.std), median.unwrap_or_else(|| num(None))
        );
    }
}

/// The run list of `sluice runs`.
pub fn print_runs(runs: &[sluice_engine::history::RunListing]) {
    if runs.is_empty() {
        outln!("no runs recorded");
        return;
    }
    outln!("{:<24} {:<20} {:<10} {:>9}  {:<4} {}", "RUN", "STARTED", "STATUS", "MS", "FROM", "PIPELINE");
    for r in runs {
        let checks = if r.failed_checks > 0 { format!("  ({} failed checks)", r.failed_checks) } else { String::new() };
        outln!("{:<24} {:<20} {:<10} {:>9}  {:<4} {}{checks}", r.run_id, r.started_at, r.status, r.ms, r.source, r.pipeline);
    }
}

pub fn print_catalog() {
    for k in registry() {
        let info = k.info();
        let fitted = if k.stateful() { ", fitted on training rows" } else { "" };
        outln!("{} ({:?}{fitted}): {}", info.id, info.category, info.title);
        match &info.inputs {
            Ports::Fixed { ports } if ports.is_empty() => {}
            Ports::Fixed { ports } => {
                let names: Vec<String> =
                    ports.iter().map(|p| if p.optional { format!("{} (optional)", p.name) } else { p.name.to_string() }).collect();
                outln!("  inputs: {}", names.join(", "))
            }
            Ports::Named { min, doc } => outln!("  inputs: named ports, at least {min} ({doc})"),
        }
        outln!("  {}", info.docs);
        let schema = k.params_schema();
        if let Some(props) = schema.get("properties").and_then(|p| p.as_object()) {
            let required: Vec<&str> = schema
                .get("required")
                .and_then(|r| r.as_array())
                .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
                .unwrap_or_default();
            for (name, p) in props {
                let req = if required.contains(&name.as_str()) { " (required)" } else { "" };
                let desc = p.get("description").and_then(|d| d.as_str()).unwrap_or("").replace('\n', " ");
                outln!("    {name}{req}: {desc}");
            }
        }
        outln!("  example params: {}", k.example());
        outln!();
    }
}

fn cell(v: &serde_json::Value) -> String {
    let s = match v {
        serde_json::Value::Null => "NULL".to_string(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 32 {
        format!("{}…", s.chars().take(31).collect::<String>())
    } else {
        s
    }
}

pub fn print_table(t: &Table) {
    let headers: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
    let types: Vec<String> = t.columns.iter().map(|c| c.ty.to_lowercase()).collect();
    let cells: Vec<Vec<String>> = t.rows.iter().map(|r| r.iter().map(cell).collect()).collect();
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| {
            let w = headers[i].chars().count().max(types[i].chars().count().min(20));
            cells.iter().map(|r| r[i].chars().count()).fold(w, usize::max)
        })
        .collect();
    let line = |vals: &[String]| {
        vals.iter().zip(&widths).map(|(v, w)| format!("{v:<w$}", w = *w)).collect::<Vec<_>>().join(" │ ")
    };
    outln!("{}", line(&headers));
    outln!("{}", line(&types.iter().map(|t| t.chars().take(20).collect()).collect::<Vec<_>>()));
    outln!("{}", widths.iter().map(|w| "─".repeat(*w)).collect::<Vec<_>>().join("─┼─"));
    for r in &cells {
        outln!("{}", line(r));
    }
    outln!("({} of {} rows)", t.rows.len(), t.total_rows);
}
