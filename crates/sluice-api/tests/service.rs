//! The app's commands on real files: what the designer sees when it checks, runs, previews and
//! saves a pipeline, and the recovery copy that survives a crash.

use std::path::Path;

use serde_json::json;
use sluice_api::service::Doc;
use sluice_api::{files, Service};

fn sample() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample_data/pipelines/customer_features.sluice.json").canonicalize().unwrap()
}

fn doc_of(path: &Path) -> Doc {
    let spec = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    Doc { spec, path: Some(path.to_path_buf()), params: Default::default(), allow_write: Vec::new() }
}

#[test]
fn check_gives_every_node_a_schema_and_flags_a_bad_edit_on_its_field() {
    let s = Service::new();
    let mut doc = doc_of(&sample());
    let r = s.check(&doc).unwrap();
    assert!(r.valid, "{:?}", r.diagnostics);
    for (id, schema) in &r.schemas {
        let kind = doc.spec["nodes"].as_array().unwrap().iter().find(|n| n["id"] == *id).unwrap()["kind"].as_str().unwrap();
        if !kind.starts_with("write_") {
            assert!(schema.as_ref().is_some_and(|s| !s.columns.is_empty()), "no schema for {id}");
        }
    }
    let per_customer = r.schemas["per_customer"].as_ref().unwrap();
    assert_eq!(per_customer.get("orders").unwrap().ty, "BIGINT");

    // The editor sends the document as it is being edited: a misspelt column is flagged on its field.
    let nodes = doc.spec["nodes"].as_array_mut().unwrap();
    let sel = nodes.iter_mut().find(|n| n["id"] == "product_categories").unwrap();
    sel["params"]["keep"] = json!(["product_id", "categroy"]);
    let r = s.check(&doc).unwrap();
    assert!(!r.valid);
    let d = r.diagnostics.iter().find(|d| d.node.as_deref() == Some("product_categories")).unwrap();
    assert_eq!(d.path.as_deref(), Some("params.keep[1]"));
    assert_eq!(d.help.as_deref(), Some("did you mean 'category'?"));
    // Schemas upstream of the mistake are still known, for the column pickers.
    assert!(r.schemas["products"].is_some());
}

#[test]
fn run_preview_and_save_an_unsaved_document() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.csv"), "id,score\n1,0.5\n2,1.5\n3,2.5\n4,\n").unwrap();
    let spec = json!({
        "version": 1, "name": "scores",
        "nodes": [
            {"id": "src", "kind": "read_csv", "params": {"path": "in.csv"}},
            {"id": "high", "kind": "filter", "inputs": {"input": "src"}, "params": {"predicate": "score > 1"}},
            {"id": "out", "kind": "write_csv", "inputs": {"input": "high"}, "params": {"path": "out.csv"}}
        ],
        "layout": {"src": {"x": 0, "y": 0}}
    });
    let target = dir.path().join("scores.sluice.json");
    let doc = Doc { spec, path: Some(target.clone()), params: Default::default(), allow_write: Vec::new() };
    let s = Service::new();
    let mut events = vec![];
    let summary = s.run(&doc, None, &mut |e| events.push(serde_json::to_value(e).unwrap())).unwrap();
    assert_eq!(summary.nodes["src"].rows, 4);
    assert_eq!(summary.nodes["high"].rows, 2);
    assert_eq!(std::fs::read_to_string(dir.path().join("out.csv")).unwrap(), "id,score\n2,1.5\n3,2.5\n");
    assert_eq!(events.first().unwrap()["event"], "run_started");
    // The designer draws each node's distributions after a run: one event per node with an output.
    let drawn: Vec<&str> =
        events.iter().filter(|e| e["event"] == "node_histograms").map(|e| e["node"].as_str().unwrap()).collect();
    assert_eq!(drawn, ["src", "high"]);
    let high = events.iter().find(|e| e["event"] == "node_histograms" && e["node"] == "high").unwrap();
    let score = high["histograms"].as_array().unwrap().iter().find(|h| h["column"] == "score").unwrap();
    assert_eq!(score["bins"].as_array().unwrap().iter().map(|b| b["count"].as_u64().unwrap()).sum::<u64>(), 2);

    let t = s.preview(&doc, "src", 2).unwrap();
    assert_eq!(t.rows.len(), 2);
    assert_eq!(t.total_rows, 4);
    assert_eq!(t.rows[0], vec![json!(1), json!(0.5)]);
    let h = t.histograms.iter().find(|h| h.column == "score").unwrap();
    assert_eq!(h.nulls, 1);
    assert_eq!(h.bins.iter().map(|b| b.count).sum::<u64>(), 3);

    // The profile tab's statistics: mean and sample std of 0.5, 1.5, 2.5; one null of four.
    let p = s.profile(&doc, "src", None).unwrap();
    let score = p.columns.iter().find(|c| c.name == "score").unwrap();
    assert_eq!((p.rows, score.count, score.nulls), (4, 3, 1));
    assert_eq!(score.mean, Some(1.5));
    assert_eq!(score.std, Some(1.0));
    assert_eq!(score.quantiles.iter().find(|q| q.0 == 0.25).unwrap().1, 1.0);
}

/// Everything that touches the state folder is in this one test: the folder is process-wide.
#[test]
fn save_autosave_and_recovery() {
    let dir = tempfile::tempdir().unwrap();
    std::env::set_var("SLUICE_STATE_DIR", dir.path().join("state"));
    assert!(files::recovery().is_none());
    files::autosave(json!({"version": 1, "name": "wip", "nodes": []}), Some("/tmp/x.sluice.json".into())).unwrap();
    let r = files::recovery().unwrap();
    assert_eq!(r.spec["name"], "wip");
    assert_eq!(r.path.unwrap(), Path::new("/tmp/x.sluice.json"));
    files::clear_recovery().unwrap();
    assert!(files::recovery().is_none());

    // Saving writes the canonical text, records a recent file and drops the recovery copy.
    let s = Service::new();
    let spec = json!({"nodes": [], "layout": {"a": {"y": 2.5, "x": 0}}, "name": "saved", "version": 1});
    files::autosave(spec.clone(), None).unwrap();
    let target = dir.path().join("saved.sluice.json");
    let text = s.save(&target, &spec).unwrap();
    assert_eq!(std::fs::read_to_string(&target).unwrap(), text);
    assert!(text.starts_with("{\n  \"version\": 1,\n  \"name\": \"saved\""), "{text}");
    assert!(text.contains("\"x\": 0,\n      \"y\": 2.5"), "{text}");
    assert!(files::recovery().is_none());
    assert_eq!(files::recent_files(), vec![target.canonicalize().unwrap()]);
    assert_eq!(s.headless_command(&target, &Default::default()), format!("sluice run {}", target.display()));
}

#[test]
fn runs_of_a_saved_document_are_recorded_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.csv"), "id\n1\n2\n3\n").unwrap();
    let spec = json!({
        "version": 1, "name": "history",
        "nodes": [
            {"id": "src", "kind": "read_csv", "params": {"path": "in.csv"}},
            {"id": "enough", "kind": "check_row_count", "inputs": {"input": "src"}, "params": {"min": 2}}
        ]
    });
    let path = dir.path().join("history.sluice.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let doc = Doc { spec, path: Some(path.clone()), params: Default::default(), allow_write: Vec::new() };
    let s = Service::new();
    assert!(s.runs(&path, 10).unwrap().is_empty(), "no history yet");
    s.run(&doc, None, &mut |_| {}).unwrap();
    let runs = s.runs(&path, 10).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].status.as_str(), runs[0].source.as_str()), ("success", "app"));
    let detail = s.run_detail(&path, &runs[0].run_id).unwrap();
    assert_eq!(detail["nodes"][0]["rows"], 3);
    assert_eq!(detail["checks"][0]["status"], "pass");
    assert!(dir.path().join(".sluice/history.duckdb").is_file());
}

/// Orders with a status, a source that reads them, a filter whose predicate misspells the column
/// (DuckDB's binder refuses it), a step below the filter and a sink.
fn orders_with_a_misspelt_filter(dir: &Path) -> Doc {
    std::fs::write(dir.join("orders.csv"), "id,status,amount\n1,paid,10.5\n2,cancelled,3.0\n3,paid,7.25\n").unwrap();
    let spec = json!({
        "version": 1, "name": "desk_orders",
        "nodes": [
            {"id": "orders", "kind": "read_csv", "params": {"path": "orders.csv"}},
            {"id": "live", "kind": "filter", "inputs": {"input": "orders"}, "params": {"predicate": "stauts <> 'cancelled'"}},
            {"id": "big", "kind": "filter", "inputs": {"input": "live"}, "params": {"predicate": "amount > 5"}},
            {"id": "out", "kind": "write_csv", "inputs": {"input": "big"}, "params": {"path": "out.csv"}}
        ]
    });
    let path = dir.join("desk_orders.sluice.json");
    std::fs::write(&path, serde_json::to_string_pretty(&spec).unwrap()).unwrap();
    doc_of(&path)
}

#[test]
fn an_error_in_a_node_does_not_block_the_nodes_above_it() {
    let dir = tempfile::tempdir().unwrap();
    let doc = orders_with_a_misspelt_filter(dir.path());
    let s = Service::new();
    let checked = s.check(&doc).unwrap();
    assert!(!checked.valid);
    let errors: Vec<_> = checked.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(!errors.is_empty() && errors.iter().all(|d| d.node.as_deref() == Some("live")), "{errors:?}");

    // The source above the mistake previews, profiles, shows its SQL and runs.
    let t = s.preview(&doc, "orders", 10).unwrap();
    assert_eq!(t.total_rows, 3);
    assert_eq!(t.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["id", "status", "amount"]);
    assert_eq!(s.profile(&doc, "orders", None).unwrap().rows, 3);
    assert!(s.sql(&doc, "orders").unwrap().contains("orders.csv"));
    let mut events = vec![];
    let summary = s.run(&doc, Some("orders".into()), &mut |e| events.push(serde_json::to_value(e).unwrap())).unwrap();
    assert_eq!(summary.nodes.keys().collect::<Vec<_>>(), ["orders"]);
    assert_eq!(summary.nodes["orders"].rows, 3);
    assert!(!events.iter().any(|e| e["event"] == "node_failed"), "{events:?}");
    assert!(!dir.path().join("out.csv").exists());
    // The run is recorded like any other.
    let runs = s.runs(&doc.path.clone().unwrap(), 10).unwrap();
    assert_eq!(runs.len(), 1);

    // The failing node, and what reads it, are refused with the filter's error only.
    for node in ["live", "big"] {
        let e = s.preview(&doc, node, 10).unwrap_err();
        assert_eq!(e.code, "E100", "{node}: {e}");
        assert!(e.diagnostics.iter().all(|d| d.node.as_deref() == Some("live")), "{node}: {:?}", e.diagnostics);
        assert!(e.message.contains("stauts"), "{node}: {e}");
        assert_eq!(s.run(&doc, Some(node.into()), &mut |_| {}).unwrap_err().code, "E100");
        assert_eq!(s.sql(&doc, node).unwrap_err().code, "E100");
        assert_eq!(s.profile(&doc, node, None).unwrap_err().code, "E100");
    }
    // A run of the whole pipeline needs all of it.
    let e = s.run(&doc, None, &mut |_| {}).unwrap_err();
    assert_eq!(e.code, "E100");
    assert!(e.diagnostics.iter().any(|d| d.node.as_deref() == Some("live")));
}

#[test]
fn an_error_on_another_branch_or_the_spec_as_a_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc = orders_with_a_misspelt_filter(dir.path());
    // Fix the filter; add a second source that reads a file that is not there.
    let nodes = doc.spec["nodes"].as_array_mut().unwrap();
    nodes[1]["params"]["predicate"] = json!("status <> 'cancelled'");
    nodes.push(json!({"id": "ghost", "kind": "read_csv", "params": {"path": "missing.csv"}}));
    let s = Service::new();
    assert!(s.check(&doc).unwrap().diagnostics.iter().any(|d| d.is_error() && d.node.as_deref() == Some("ghost")));
    let summary = s.run(&doc, Some("big".into()), &mut |_| {}).unwrap();
    assert_eq!(summary.nodes["big"].rows, 2);
    assert_eq!(s.preview(&doc, "big", 10).unwrap().total_rows, 2);
    assert_eq!(s.run(&doc, Some("ghost".into()), &mut |_| {}).unwrap_err().code, "E100");
    assert_eq!(s.run(&doc, None, &mut |_| {}).unwrap_err().code, "E100");

    // An error of the spec as a whole (its state file outside its folder) is in every node's way.
    doc.spec["nodes"].as_array_mut().unwrap().pop();
    doc.spec["state"] = json!("../elsewhere/state.json");
    let e = s.preview(&doc, "orders", 10).unwrap_err();
    assert_eq!(e.code, "E100");
    assert!(e.diagnostics.iter().any(|d| d.code == "S067" && d.node.is_none()), "{:?}", e.diagnostics);
    assert_eq!(s.run(&doc, Some("orders".into()), &mut |_| {}).unwrap_err().code, "E100");
}
