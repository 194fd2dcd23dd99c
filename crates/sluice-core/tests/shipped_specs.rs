//! Every pipeline the project ships (samples, kind cases, fixtures) passes the SQL containment
//! rules: none of their SQL params is refused as more than one expression or query, and their
//! placeholders fill without complaint.

use std::path::{Path, PathBuf};

use sluice_core::dialect::DuckDb;
use sluice_core::plan::{plan, PlanOptions};

fn specs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            specs(&p, out);
        } else if p.to_string_lossy().ends_with(".sluice.json") {
            out.push(p);
        }
    }
}

#[test]
fn shipped_specs_pass_the_sql_rules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut found = Vec::new();
    for dir in ["sample_data", "tests/kinds", "tests/fixtures"] {
        specs(&root.join(dir), &mut found);
    }
    assert!(found.len() > 50, "found {} specs", found.len());
    let containment = ["S012", "S022", "S060", "S061", "S063", "S064", "S065"];
    for path in found {
        let text = std::fs::read_to_string(&path).unwrap();
        let (Some(spec), _) = sluice_core::spec::parse(&text) else { continue };
        let (_, diags) = plan(&spec, path.parent().unwrap(), &DuckDb, &PlanOptions::default());
        let refused: Vec<_> = diags.iter().filter(|d| containment.contains(&d.code)).collect();
        // The broken fixture holds mistakes on purpose, none of them SQL containment.
        assert!(refused.is_empty(), "{}: {refused:?}", path.display());
    }
}
