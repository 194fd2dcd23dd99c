//! "Did you mean" suggestions for misspelt column names, kinds and keys.
//!
//! Names are compared with Jaro–Winkler, whose cost grows with the product of the two lengths;
//! names longer than [`MAX_LEN`] are not compared, so a spec with huge names validates as fast
//! as any other.

/// The longest name (in characters) that is compared, as the name asked for or a candidate.
pub const MAX_LEN: usize = 128;

/// Whether `s` is at most [`MAX_LEN`] characters, counting no further than that.
fn short(s: &str) -> bool {
    s.len() <= MAX_LEN || s.chars().nth(MAX_LEN).is_none()
}

/// The candidates closest to `wanted`, best first (at most three).
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    if !short(wanted) {
        return Vec::new();
    }
    let w = wanted.to_lowercase();
    let w_len = w.chars().count();
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .filter(|c| short(c))
        .filter_map(|c| {
            let c_lower = c.to_lowercase();
            // A Jaro score of 0.7 (below which Winkler's boost does not apply) needs the shorter
            // name to be at least a tenth of the longer: such pairs are not compared.
            let c_len = c_lower.chars().count();
            if w_len.min(c_len) * 10 < w_len.max(c_len) {
                return None;
            }
            Some((strsim::jaro_winkler(&w, &c_lower), c))
        })
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

    #[test]
    fn huge_names_are_not_compared() {
        let huge = "filter".repeat(10_000); // 60 KB
        let kinds = ["filter", "select", "derive"];
        assert_eq!(closest(&huge, kinds), Vec::<String>::new());
        let mut near = huge.clone();
        near.push('x');
        assert!(did_you_mean(&near, [huge.as_str()]).is_none(), "a huge candidate is skipped too");
        // At the cap names are still compared.
        let long = "a".repeat(MAX_LEN - 1);
        let typo = format!("{long}b");
        assert_eq!(closest(&typo, [format!("{long}c").as_str()]).len(), 1);
    }

    #[test]
    fn length_ratio_prune_keeps_the_same_answers() {
        // Pairs under the ratio cannot reach the threshold: the pruned answer is the full one.
        let cands = ["a", "ab", "abcdefghijklmnopqrstu", "customer_id", "c"];
        for w in ["abcdefghijk", "a", "customer", "cu"] {
            let full: Vec<&str> = cands.iter().copied().filter(|c| strsim::jaro_winkler(&w.to_lowercase(), c) >= 0.7).collect();
            let got = closest(w, cands);
            assert!(got.iter().all(|g| full.contains(&g.as_str())), "{w}: {got:?} vs {full:?}");
            if full.len() == 1 {
                assert_eq!(got, vec![full[0].to_string()]);
            }
        }
    }
}
