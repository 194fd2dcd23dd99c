//! Escaping and number formatting for people: thousands separators, a sensible number of
//! significant digits, percentages with one or two decimals, durations in the largest fitting unit.

use serde_json::Value;

/// `s` safe inside HTML text and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters, the last one an ellipsis when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Thousands separators in the integer part of an already formatted number (`-1234.5`).
fn group(formatted: &str) -> String {
    let (sign, rest) = match formatted.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", formatted),
    };
    let (int, frac) = match rest.find('.') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}{frac}")
}

/// A count: `71,282`.
pub fn int(n: u64) -> String {
    group(&n.to_string())
}

/// An optional count, a dash when missing.
pub fn int_or_dash(n: Option<u64>) -> String {
    n.map(int).unwrap_or_else(|| "—".into())
}

/// A measurement with up to six significant digits: `1,234.57`, `0.99316`, `98,000.5`, `2.5e-7`.
pub fn num(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "∞".into() } else { "−∞".into() };
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-4..1e15).contains(&a) {
        return scientific(v);
    }
    let magnitude = a.log10().floor() as i32;
    let decimals = (5 - magnitude).clamp(0, 10) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if s == "-0" {
        return "0".into();
    }
    group(&s)
}

fn scientific(v: f64) -> String {
    let s = format!("{v:.3e}");
    match s.split_once('e') {
        Some((m, e)) => {
            let m = if m.contains('.') { m.trim_end_matches('0').trim_end_matches('.') } else { m };
            format!("{m}e{e}")
        }
        None => s,
    }
}

/// An optional measurement, a dash when missing.
pub fn num_or_dash(v: Option<f64>) -> String {
    v.map(num).unwrap_or_else(|| "—".into())
}

/// A short axis label: `950`, `8.2k`, `82k`, `1.5M`, `0.25`.
pub fn compact(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        return num(v);
    }
    if a >= 1e15 || (a < 1e-3 && v != 0.0) {
        return scientific(v);
    }
    match [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")].into_iter().find(|(f, _)| a >= *f) {
        Some((f, unit)) => format!("{}{unit}", short(v / f)),
        None => short(v),
    }
}

/// Three significant digits, without trailing zeros.
fn short(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A percentage given in percent: `0.68%`, `16.0%`, `<0.01%`.
pub fn pct(p: f64) -> String {
    if !p.is_finite() {
        return "—".into();
    }
    if p == 0.0 {
        return "0%".into();
    }
    if p.abs() < 0.01 {
        return if p > 0.0 { "<0.01%".into() } else { ">−0.01%".into() };
    }
    let decimals = if p.abs() >= 10.0 { 1 } else { 2 };
    let s = format!("{p:.decimals$}");
    // Rounding must not claim "all rows" when some are missing.
    if p < 100.0 && s.starts_with("100") {
        return ">99.9%".into();
    }
    format!("{s}%")
}

/// A share in [0, 1] as a percentage.
pub fn share(p: f64) -> String {
    pct(p * 100.0)
}

/// A duration: `310 ms`, `5.32 s`, `2 min 05 s`, `1 h 02 min`.
pub fn duration(ms: u64) -> String {
    if ms < 1000 {
        return format!("{ms} ms");
    }
    let s = ms as f64 / 1000.0;
    if s < 10.0 {
        return format!("{s:.2} s");
    }
    if s < 60.0 {
        return format!("{s:.1} s");
    }
    let secs = ms / 1000;
    if secs < 3600 {
        return format!("{} min {:02} s", secs / 60, secs % 60);
    }
    format!("{} h {:02} min", secs / 3600, (secs % 3600) / 60)
}

/// A statistic that may be a number or text (min and max of times and strings).
pub fn stat(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::Number(n) => match n.as_u64() {
            Some(u) => int(u),
            None => n.as_f64().map(num).unwrap_or_else(|| n.to_string()),
        },
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A data value as stored, so sample rows show exactly what broke the rule.
pub fn raw(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `1 check` / `2 checks`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", int(n as u64), if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(esc(r#"<script>a & "b" 'c'</script>"#), "&lt;script&gt;a &amp; &quot;b&quot; &#39;c&#39;&lt;/script&gt;");
    }

    #[test]
    fn formats_numbers_for_people() {
        assert_eq!(int(71282), "71,282");
        assert_eq!(int(0), "0");
        assert_eq!(int(1_000_000), "1,000,000");
        assert_eq!(num(1234.5678), "1,234.57");
        assert_eq!(num(98000.5), "98,000.5");
        assert_eq!(num(0.99316), "0.99316");
        assert_eq!(num(-12.5), "-12.5");
        assert_eq!(num(23_000_000.0), "23,000,000");
        assert_eq!(num(0.1 + 0.2), "0.3");
        assert_eq!(num(2.5e-7), "2.5e-7");
        assert_eq!(num(-0.0000001), "-1e-7");
        assert_eq!(compact(8167.0), "8.17k");
        assert_eq!(compact(16334.0), "16.3k");
        assert_eq!(compact(1_500_000.0), "1.5M");
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(0.25), "0.25");
        assert_eq!(compact(0.0), "0");
    }

    #[test]
    fn formats_percentages_and_durations() {
        assert_eq!(pct(0.684), "0.68%");
        assert_eq!(pct(16.0), "16.0%");
        assert_eq!(pct(0.0), "0%");
        assert_eq!(pct(0.001), "<0.01%");
        assert_eq!(pct(99.999), ">99.9%");
        assert_eq!(pct(100.0), "100.0%");
        assert_eq!(share(0.54), "54.0%");
        assert_eq!(duration(310), "310 ms");
        assert_eq!(duration(5321), "5.32 s");
        assert_eq!(duration(125_000), "2 min 05 s");
        assert_eq!(duration(3_720_000), "1 h 02 min");
    }

    #[test]
    fn truncates_with_an_ellipsis() {
        assert_eq!(truncate("small_business", 8), "small_b…");
        assert_eq!(truncate("web", 8), "web");
    }
}
