//! "Did you mean" suggestions for misspelt column names, kinds and keys.

/// The candidates closest to `wanted`, best first (at most three).
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let w = wanted.to_lowercase();
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&w, &c.to_lowercase()), c))
        .filter(|(s, _)| *s >= 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    // Only names about as close as the best one: "fliter" suggests "filter", not also "limit".
    let best = scored.first().map(|s| s.0).unwrap_or(0.0);
    scored.into_iter().filter(|(s, _)| *s >= best - 0.05).take(3).map(|(_, c)| c.to_string()).collect()
}

/// A help text naming the closest candidates, if any are close.
pub fn did_you_mean<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let c = closest(wanted, candidates);
    if c.is_empty() {
        None
    } else {
        let quoted: Vec<String> = c.iter().map(|s| format!("'{s}'")).collect();
        Some(format!("did you mean {}?", quoted.join(" or ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn suggests_close_names() {
        let cols = ["customer_id", "amount", "ordered_at"];
        assert_eq!(closest("custmer_id", cols), vec!["customer_id"]);
        assert_eq!(did_you_mean("amout", cols).unwrap(), "did you mean 'amount'?");
        assert!(did_you_mean("zzz", cols).is_none());
    }
}
