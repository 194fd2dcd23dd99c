//! A mutation fuzzer over parse → validate → compile: specs made from the shipped pipelines and
//! every kind's example, with strings swapped for hostile SQL (quotes in comments, dollar
//! quoting, placeholders, brackets that close too early), keys dropped, types changed and kinds
//! renamed. Nothing may panic, and every statement compiled from a spec that validated must
//! still be one statement whose quotes, comments and brackets all close: no accepted param can
//! escape its place. Deterministic (a fixed seed) and bounded (`SLUICE_FUZZ_CASES`, default 3000).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sluice_core::catalog::{registry, Compiled, Ports};
use sluice_core::dialect::{Dialect, DuckDb, Translated};
use sluice_core::files::Declared;
use sluice_core::plan::{plan, DescribeError, Describer, PlanOptions};
use sluice_core::{Column, Schema};
use sluice_core::sql_translate::Target;
use sluice_core::sql_text::{shape, spans};

/// xorshift64*: a small deterministic generator, so a failure is reproduced by its case number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const PIECES: &[&str] = &[
    "'", "''", "\"", ";", "--", "\n", "/*", "*/", "/* ' */", "$$", "$a$", "E'\\'", "\\", "(", ")", "[", "]", "{", "}", "${region}",
    "${n}", "${", "$${x}", "{% endraw %}", "{{ env_var('HOME') }}", " COPY (SELECT 1) TO '/tmp/sluice-fuzz-canary' ",
    " ATTACH 'x.db' ", " UNION SELECT * FROM read_csv('/etc/passwd') ", " FROM ", " AS ", " INSTALL httpfs ", "amount", " > 0 ",
    "read_text('/etc/hostname')", "é", " /* ' ; */ ", " || 'a;b' ", " -- c;'\n", " || $q$ ; ' $q$ ", " || \"we;ird\" ", "\u{0}", "\u{202e}", "1e309", "-", "*", "amount IS DISTINCT FROM 1",
];

fn hostile(rng: &mut Rng) -> String {
    let n = 1 + rng.below(8);
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(PIECES[rng.below(PIECES.len())]);
    }
    if rng.below(50) == 0 {
        s = s.repeat(200);
    }
    s
}

/// Every string, number or container in `v`, by JSON pointer.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => m.iter().for_each(|(k, c)| pointers(c, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, c)| pointers(c, format!("{at}/{i}"), out)),
        _ => {}
    }
}

fn mutate(spec: &mut Value, rng: &mut Rng) {
    for _ in 0..1 + rng.below(4).saturating_sub(2) {
        let mut ps = Vec::new();
        pointers(spec, String::new(), &mut ps);
        let p = rng.pick(&ps).clone();
        let Some(target) = spec.pointer_mut(&p) else { continue };
        *target = match (rng.below(10), &*target) {
            // Most often a piece of hostile SQL inside a string that was valid.
            (0..=5, Value::String(s)) => {
                let at = (0..=s.len()).filter(|i| s.is_char_boundary(*i)).nth(rng.below(s.chars().count() + 1)).unwrap_or(0);
                Value::String(format!("{}{}{}", &s[..at], hostile(rng), &s[at..]))
            }
            (0..=6, _) => Value::String(hostile(rng)),
            (7, Value::Object(m)) if !m.is_empty() => {
                let mut m = m.clone();
                let k = m.keys().nth(rng.below(m.len())).cloned().unwrap();
                m.shift_remove(&k);
                Value::Object(m)
            }
            (7, _) => json!(rng.next() as i64 % 1000 - 500),
            (8, _) => json!([hostile(rng), 1, null]),
            _ => json!({ hostile(rng): hostile(rng) }),
        };
    }
    if rng.below(8) == 0 {
        if let Some(nodes) = spec.get_mut("nodes").and_then(Value::as_array_mut) {
            let i = rng.below(nodes.len());
            if let Some(n) = nodes.get_mut(i).and_then(Value::as_object_mut) {
                n.insert("kind".into(), json!(registry()[rng.below(registry().len())].info().id));
            }
        }
    }
}

/// A spec per kind: CSV sources feeding each of the kind's ports with its example params.
fn kind_specs(dir: &Path) -> Vec<(Value, PathBuf)> {
    registry()
        .iter()
        .map(|k| {
            let info = k.info();
            let inputs: serde_json::Map<String, Value> = match &info.inputs {
                Ports::Fixed { ports } => ports.iter().map(|p| (p.name.to_string(), json!("input"))).collect(),
                Ports::Named { .. } => [("input", "input"), ("other", "other")].iter().map(|(p, n)| (p.to_string(), json!(n))).collect(),
            };
            let spec = json!({
                "version": 1,
                "name": format!("fuzz_{}", info.id),
                "params": {"region": {"type": "string", "default": "EU"}, "n": {"type": "integer", "default": 3}},
                "nodes": [
                    {"id": "input", "kind": "read_csv", "params": {"path": "input.csv"}},
                    {"id": "other", "kind": "read_csv", "params": {"path": "input.csv"}},
                    {"id": "node", "kind": info.id, "inputs": inputs, "params": k.example()}
                ]
            });
            (spec, dir.to_path_buf())
        })
        .collect()
}

fn shipped_specs(root: &Path) -> Vec<(Value, PathBuf)> {
    ["customer_features.sluice.json", "customer_churn.sluice.json"]
        .iter()
        .map(|p| {
            let dir = root.join("sample_data/pipelines");
            (serde_json::from_str(&std::fs::read_to_string(dir.join(p)).unwrap()).unwrap(), dir)
        })
        .collect()
}

/// Stands in for the engine's describe: every source reads every column the seeds name (times
/// for `*_at` and `*time*`, text for a few categorical names, numbers for the rest), so the
/// nodes below sources are checked as they are in a real run.
struct Columns(Schema);

impl Columns {
    fn naming(seeds: &[(Value, PathBuf)]) -> Columns {
        fn walk(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::String(s) if !s.is_empty() && s.len() < 40 && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') => {
                    if !out.contains(s) {
                        out.push(s.clone());
                    }
                }
                Value::Array(a) => a.iter().for_each(|c| walk(c, out)),
                // Names of what a node makes are not input columns.
                Value::Object(m) => m.iter().filter(|(k, _)| !["name", "output", "prefix", "suffix", "id", "columns"].contains(&k.as_str())).for_each(|(_, c)| walk(c, out)),
                _ => {}
            }
        }
        let mut names = Vec::new();
        seeds.iter().for_each(|(s, _)| walk(&s["nodes"], &mut names));
        let cols = names
            .into_iter()
            .map(|n| {
                let ty = if n.ends_with("_at") || n.contains("time") || n.contains("date") {
                    "TIMESTAMP"
                } else if ["country", "status", "region", "segment", "category", "name", "city", "split", "text", "email"].iter().any(|c| n.contains(c)) {
                    "VARCHAR"
                } else {
                    "DOUBLE"
                };
                Column::new(n, ty)
            })
            .collect();
        Columns(Schema::new(cols))
    }
}

impl Describer for Columns {
    fn grant(&self, _declared: &Declared) -> Result<(), DescribeError> {
        Ok(())
    }
    fn describe(&self, _sql: &str) -> Result<Schema, DescribeError> {
        Ok(self.0.clone())
    }
    // Database, spreadsheet and API sources are described like any other: their compiled SQL
    // reads the relation the engine would fetch into.
    fn prepare_remote(&self, _node: &str, _read: &sluice_core::remote::RemoteRead) -> Result<(), DescribeError> {
        Ok(())
    }
}

/// The statements a compiled node runs.
fn statements(c: &Compiled) -> Vec<String> {
    match c {
        Compiled::Query(q) => vec![q.clone()],
        Compiled::Write(w) => vec![w.query.clone()],
        Compiled::Check(c) => [Some(c.pass_through.clone()), Some(c.metrics.clone()), c.failing.clone()].into_iter().flatten().collect(),
    }
}

fn one_contained_statement(sql: &str) -> bool {
    let sh = shape(sql);
    sh.semicolons.is_empty() && sh.min_depth >= 0 && sh.end_depth == 0 && spans(sql).iter().all(|s| !s.open)
}

#[test]
fn mutated_specs_never_panic_and_never_escape() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("input.csv"), "amount,region\n1,EU\n").unwrap();
    let cases: usize = std::env::var("SLUICE_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(3000);
    let mut seeds = kind_specs(dir.path());
    seeds.extend(shipped_specs(&root));
    let columns = Columns::naming(&seeds);
    let mut rng = Rng(0x5eed_1ce5_0f_5eed);
    let dialects: Vec<Box<dyn Dialect>> = vec![Box::new(DuckDb), Box::new(Translated::new(Target::Spark)), Box::new(Translated::new(Target::Snowflake))];
    let mut validated = 0;
    for case in 0..cases {
        let (mut spec, base) = rng.pick(&seeds).clone();
        mutate(&mut spec, &mut rng);
        let text = serde_json::to_string(&spec).unwrap();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let (Some(parsed), mut diags) = sluice_core::spec::parse(&text) else { return 0 };
            let (planned, more) = plan(&parsed, &base, &DuckDb, &PlanOptions { describer: Some(&columns), ..Default::default() });
            diags.extend(more);
            let Some(planned) = planned else { return 0 };
            let mut ok_nodes = 0;
            for id in &planned.order {
                // Only a plan without errors is ever run (nodes below a failed one go unchecked).
                let node_ok = !sluice_core::diagnostic::has_errors(&diags);
                // Invalid plans are compiled too (nothing may panic), for DuckDB only: the
                // translators only ever see plans that validated.
                for d in dialects.iter().take(if node_ok { 3 } else { 1 }) {
                    let compiled = planned.compile_node(id, d.as_ref(), &|n| format!("\"{n}\""));
                    if let (true, "duckdb", Ok(c)) = (node_ok, d.name(), &compiled) {
                        for sql in statements(c) {
                            assert!(one_contained_statement(&sql), "case {case}: node '{id}' compiled to more than one contained statement:\n{sql}\nspec: {text}");
                        }
                        ok_nodes += 1;
                    }
                }
            }
            ok_nodes
        }));
        match outcome {
            Ok(n) => validated += n,
            Err(_) => panic!("case {case} panicked on spec: {text}"),
        }
    }
    // The fuzzer is only worth something if mutated specs still reach the compiler.
    assert!(validated > cases / 10, "only {validated} nodes compiled over {cases} cases");
    eprintln!("{cases} mutated specs, {validated} node compilations of valid plans checked");
}

