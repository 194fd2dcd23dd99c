//! Check results as JUnit XML, the format CI systems read for test gates. Each check is a test
//! case; a failed check of severity error is a failure, a failed `warn` check passes with its
//! message in `system-out`, and nodes not run below a failed check are skipped cases.

use std::io::Write;
use std::path::Path;

use sluice_engine::{CheckStatus, RunSummary};

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 has no place for other control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The XML text for a run's checks.
pub fn render(pipeline: &str, s: &RunSummary) -> String {
    let failures = s.checks.iter().filter(|c| c.status == CheckStatus::Fail).count();
    let tests = s.checks.len() + s.skipped.len();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x += &format!(
        "<testsuites name=\"sluice\" tests=\"{tests}\" failures=\"{failures}\">\n  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{}\" time=\"{:.3}\">\n",
        esc(pipeline),
        s.skipped.len(),
        s.ms as f64 / 1000.0
    );
    for c in &s.checks {
        let ms = s.nodes.get(&c.node).map(|n| n.ms).unwrap_or(0);
        x += &format!(
            "    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.3}\">\n",
            esc(pipeline),
            esc(&c.node),
            esc(&c.check),
            ms as f64 / 1000.0
        );
        let detail = format!(
            "{}\nthreshold: {}\nobserved: {}\nunexpected: {}\nrows: {}",
            c.message,
            c.threshold,
            c.observed.map(|v| v.to_string()).unwrap_or_else(|| "-".into()),
            c.unexpected_count.map(|v| v.to_string()).unwrap_or_else(|| "-".into()),
            c.element_count
        );
        match c.status {
            CheckStatus::Fail => {
                x += &format!("      <failure type=\"{}\" message=\"{}\">{}</failure>\n", esc(&c.kind), esc(&c.message), esc(&detail))
            }
            CheckStatus::Warn => x += &format!("      <system-out>warning: {}</system-out>\n", esc(&detail)),
            CheckStatus::Pass => {}
        }
        x += "    </testcase>\n";
    }
    for node in &s.skipped {
        x += &format!(
            "    <testcase classname=\"{}.{}\" name=\"not run\">\n      <skipped message=\"a check upstream failed\"/>\n    </testcase>\n",
            esc(pipeline),
            esc(node)
        );
    }
    x += "  </testsuite>\n</testsuites>\n";
    x
}

/// Write the report atomically: beside the target, then renamed into place.
pub fn write(path: &Path, pipeline: &str, s: &RunSummary) -> std::io::Result<()> {
    let tmp = path.with_extension("xml.sluice-tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(render(pipeline, s).as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(super::esc("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot; ");
    }
}
