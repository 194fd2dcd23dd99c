//! End-to-end tests of the `sluice` binary on real files: exit codes, diagnostics, atomic outputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// A private copy of a fixture folder, so outputs never land in the repository.
fn fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("tests/fixtures").join(name), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn sluice(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sluice")).args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

fn staged_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.path().is_dir() {
                out.extend(staged_files(&e.path()));
            } else if e.file_name().to_string_lossy().ends_with(".sluice-tmp") {
                out.push(e.path());
            }
        }
    }
    out
}

#[test]
fn broken_spec_reports_every_problem_with_node_ids_and_exit_2() {
    let dir = fixture("broken");
    let spec = dir.path().join("broken.sluice.json");
    let out = sluice(&["validate", spec.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], false);
    let diags = v["diagnostics"].as_array().unwrap();
    let find = |code: &str, node: &str| {
        diags
            .iter()
            .find(|d| d["code"] == code && d["node"] == node)
            .unwrap_or_else(|| panic!("no {code} on {node} in {diags:#?}"))
    };
    let cycle = find("S017", "loop_a");
    assert!(cycle["message"].as_str().unwrap().contains("loop_a --> loop_b --> loop_a"));
    let kind = find("S011", "mystery");
    assert_eq!(kind["help"], "did you mean 'filter'?");
    assert_eq!(find("S013", "lonely")["path"], "inputs.input");
    let col = find("S020", "misspelt");
    assert_eq!(col["path"], "params.keep[1]");
    assert!(col["message"].as_str().unwrap().contains("'amout'"));
    assert_eq!(col["help"], "did you mean 'amount'?");
    let ty = find("S010", "wrong_type");
    assert_eq!(ty["path"], "params.n");

    // `run` refuses the same spec with exit 2 and prints the diagnostics.
    let out = sluice(&["run", spec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("node 'misspelt' at params.keep[1]"), "{err}");
}

#[test]
fn missing_input_file_is_exit_1_naming_node_and_file_and_changes_nothing() {
    let dir = fixture("missing_file");
    let spec = dir.path().join("pipeline.sluice.json");
    let spec = spec.to_str().unwrap();
    let out_file = dir.path().join("out/result.parquet");

    // Without an earlier output, nothing is created.
    let out = sluice(&["run", spec, "--param", "input=absent.csv"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("node 'src'") && err.contains("absent.csv"), "{err}");
    assert!(!out_file.exists());

    // With an earlier output, it stays byte for byte.
    let ok = sluice(&["run", spec]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    let before = std::fs::read(&out_file).unwrap();
    let out = sluice(&["run", spec, "--param", "input=absent.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read(&out_file).unwrap(), before);
    assert!(staged_files(dir.path()).is_empty());
}

#[test]
fn malformed_input_file_is_exit_1_and_keeps_the_previous_output() {
    let dir = fixture("malformed");
    let spec = dir.path().join("pipeline.sluice.json");
    let spec = spec.to_str().unwrap();
    let ok = sluice(&["run", spec]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    let out_file = dir.path().join("out/result.csv");
    let before = std::fs::read_to_string(&out_file).unwrap();
    assert_eq!(before, "id,amount\n1,10\n2,20\n");

    let out = sluice(&["run", spec, "--param", "input=bad.csv", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("node 'src'") && err.contains("bad.csv"), "{err}");
    assert!(err.contains("twenty"), "the message names the bad value: {err}");
    // --json: the failure is an event too.
    let events: Vec<serde_json::Value> =
        text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(events.iter().any(|e| e["event"] == "node_failed" && e["node"] == "src"));
    assert_eq!(events.last().unwrap()["status"], "failed");
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), before);
    assert!(staged_files(dir.path()).is_empty());

    // A file that is not what its source says is also the data's fault.
    std::fs::write(dir.path().join("fake.parquet"), b"this is not parquet").unwrap();
    let spec_text = std::fs::read_to_string(spec).unwrap().replace("\"read_csv\"", "\"read_parquet\"").replace(
        ", \"types\": {\"amount\": \"INTEGER\"}",
        "",
    );
    std::fs::write(dir.path().join("pq.sluice.json"), spec_text).unwrap();
    let out = sluice(&["run", dir.path().join("pq.sluice.json").to_str().unwrap(), "--param", "input=fake.parquet"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("fake.parquet"));
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), before);
}

#[test]
fn run_json_emits_one_event_per_line() {
    let dir = fixture("missing_file");
    let spec = dir.path().join("pipeline.sluice.json");
    let out = sluice(&["run", spec.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let events: Vec<serde_json::Value> =
        text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let kinds: Vec<&str> = events.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["run_started", "node_started", "node_finished", "node_started", "node_finished", "output_written", "run_finished"]
    );
    assert_eq!(events[2]["rows"], 2);
    assert_eq!(events[6]["status"], "success");
}

#[test]
fn catalog_and_schema_are_json() {
    let out = sluice(&["catalog", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds = v["kinds"].as_array().unwrap();
    assert!(kinds.len() >= 20);
    for k in kinds {
        assert!(k["params_schema"]["type"] == "object", "{}", k["id"]);
        assert!(!k["docs"].as_str().unwrap().is_empty());
    }
    let out = sluice(&["schema"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["title"], "Sluice pipeline spec, version 1");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(sluice(&["run"]).status.code(), Some(2));
    assert_eq!(sluice(&["frobnicate"]).status.code(), Some(2));
    let dir = fixture("missing_file");
    let spec = dir.path().join("pipeline.sluice.json");
    let out = sluice(&["run", spec.to_str().unwrap(), "--param", "nope=1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("'nope'"));
    let out = sluice(&["preview", spec.to_str().unwrap(), "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nosuch"));
}

/// The sample pipeline from a private copy of sample_data, run twice: both runs succeed and
/// every output is byte-identical, whatever order DuckDB's threads finish in.
#[test]
fn sample_pipeline_runs_and_a_second_run_gives_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sample_data");
    for sub in ["", "problems"] {
        std::fs::create_dir_all(data.join(sub)).unwrap();
        for e in std::fs::read_dir(root().join("sample_data").join(sub)).unwrap().flatten() {
            if e.file_type().unwrap().is_file() {
                std::fs::copy(e.path(), data.join(sub).join(e.file_name())).unwrap();
            }
        }
    }
    let pipelines = data.join("pipelines");
    std::fs::create_dir_all(&pipelines).unwrap();
    let name = "customer_features.sluice.json";
    std::fs::copy(root().join("sample_data/pipelines").join(name), pipelines.join(name)).unwrap();
    let spec = pipelines.join(name);

    let outputs = ["out/customer_features.parquet", "out/monthly_category_revenue.csv"];
    let mut runs = vec![];
    for _ in 0..2 {
        let out = sluice(&["run", spec.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        runs.push(outputs.map(|o| std::fs::read(pipelines.join(o)).unwrap()));
    }
    for (i, o) in outputs.iter().enumerate() {
        assert!(!runs[0][i].is_empty(), "{o} is written");
        assert!(runs[0][i] == runs[1][i], "{o} differs between two runs");
    }
    let csv = String::from_utf8(runs[0][1].clone()).unwrap();
    assert!(csv.starts_with("month,category,orders,revenue\n"), "{csv}");

    // The copy of the inputs with injected problems fails the checks that guard against them,
    // and no sink below a failed check is written: the outputs of the good run stay.
    let junit = dir.path().join("checks.xml");
    let out = sluice(&["run", spec.to_str().unwrap(), "--param", "data=../problems", "--junit", junit.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    for failed in ["recent_drift", "order_ids_consistent", "amount_present", "valid_status", "amount_in_range", "orders_volume"] {
        assert!(err.contains(&format!("error[C001]: check '{failed}' failed")), "{failed}: {err}");
    }
    assert_eq!(err.matches("error[C001]").count(), 6, "{err}");
    assert!(err.contains("– write_features") && err.contains("not run"), "{err}");
    for (i, o) in outputs.iter().enumerate() {
        assert!(std::fs::read(pipelines.join(o)).unwrap() == runs[0][i], "{o} was changed by the failed run");
    }
    assert!(staged_files(dir.path()).is_empty());
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<testsuite name=\"customer_features\" tests=") && xml.contains("failures=\"6\""), "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 6, "{xml}");
    assert!(xml.contains("status in {completed, shipped, returned, cancelled, pending}: failed, 272 of 71282 rows"), "{xml}");

    // Every run is in the history beside the spec, latest first.
    assert!(pipelines.join(".sluice/history.duckdb").is_file());
    let out = sluice(&["runs", spec.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let runs: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<&str> = runs.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["failed", "success", "success"], "{runs:#?}");
    assert_eq!(runs[0]["failed_checks"], 6);
    assert_eq!(runs[0]["source"], "cli");
    let id = runs[0]["run_id"].as_str().unwrap();
    let out = sluice(&["runs", "show", id, spec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["params"]["data"], "../problems");
    assert_eq!(run["spec_hash"], runs_show(&runs[1], spec.to_str().unwrap())["spec_hash"], "same spec, same hash");
    let node = |n: &str| run["nodes"].as_array().unwrap().iter().find(|x| x["node"] == n).cloned().unwrap();
    assert_eq!(node("orders")["rows"], 71282);
    assert_eq!(node("write_features")["status"], "skipped");
    let inputs = run["inputs"].as_array().unwrap();
    assert!(inputs.iter().any(|i| i["path"].as_str().unwrap().ends_with("problems/orders.csv.gz") && i["bytes"].as_u64() > Some(0)));
    let checks = run["checks"].as_array().unwrap();
    assert_eq!(checks.iter().filter(|c| c["status"] == "fail").count(), 6);

    // The row-count change and drift checks compare with the last successful run: none before
    // the first run (a warning), the first run before the second (no change: a pass).
    let second = runs_show(&runs[1], spec.to_str().unwrap());
    let first = runs_show(&runs[2], spec.to_str().unwrap());
    let check_of = |run: &serde_json::Value, node: &str| {
        run["checks"].as_array().unwrap().iter().find(|c| c["node"] == node).cloned().unwrap()
    };
    let volume = |run: &serde_json::Value| check_of(run, "orders_volume");
    for node in ["orders_volume", "recent_drift"] {
        assert_eq!(check_of(&first, node)["status"], "warn");
        assert!(check_of(&first, node)["message"].as_str().unwrap().contains("no baseline"), "{}", check_of(&first, node));
        assert_eq!(check_of(&second, node)["status"], "pass");
        assert_eq!(check_of(&second, node)["observed"], 0.0);
    }
    // The problem copy's last quarter: prices × 1.4 and no app orders; 'lost' is a few rows.
    let drift = check_of(&run, "recent_drift");
    assert_eq!(drift["status"], "fail");
    let drifted: Vec<&str> =
        drift["details"].as_array().unwrap().iter().filter(|d| d["drifted"] == true).map(|d| d["column"].as_str().unwrap()).collect();
    assert_eq!(drifted, ["unit_price", "channel"], "{drift}");
    assert!(drift["message"].as_str().unwrap().contains(runs[1]["run_id"].as_str().unwrap()), "compared with the last good run: {drift}");
    // The problem copy lost the app's orders: 71,282 rows against 100,311 is -28.94%.
    assert_eq!(volume(&run)["status"], "fail");
    assert!(volume(&run)["message"].as_str().unwrap().contains("71282 rows against 100311"), "{}", volume(&run));

    // With the store deleted there is no baseline again: a warning, and the run goes on.
    std::fs::remove_dir_all(pipelines.join(".sluice")).unwrap();
    let out = sluice(&["run", spec.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let events: Vec<serde_json::Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for node in ["orders_volume", "recent_drift"] {
        let check = events.iter().find(|e| e["event"] == "check_finished" && e["node"] == node).unwrap();
        assert_eq!(check["status"], "warn");
        assert!(check["message"].as_str().unwrap().contains("no baseline"), "{check}");
    }

    let out = sluice(&["runs", "show", "no-such-run", spec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no run 'no-such-run'"), "{}", text(&out.stderr));
}

/// A listed run in full, read through `runs show`.
fn runs_show(run: &serde_json::Value, spec: &str) -> serde_json::Value {
    let out = sluice(&["runs", "show", run["run_id"].as_str().unwrap(), spec]);
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
}

/// A training run fits the scaler on its training rows and writes the state file with the
/// outputs; a serving run with `--state` applies those numbers to new rows, so a row present in
/// both gets the same features, bit for bit. A state that no longer fits the spec is refused.
#[test]
fn training_state_is_applied_in_serving() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let channels = ["web", "app", "store", "web", "web", "app"];
    let mut train = String::from("id,amount,channel,bought\n");
    for i in 0..200 {
        let amount = if i % 17 == 0 { String::new() } else { format!("{}", (i * 37 % 101) as f64 / 3.0) };
        train.push_str(&format!("{i},{amount},{},{}\n", channels[i % 6], i % 3 == 0));
    }
    std::fs::write(p.join("train.csv"), &train).unwrap();
    // Serving: ten training rows again, a new extreme value, a null amount, an unseen channel
    // and a null channel.
    let mut serve = String::from("id,amount,channel,bought\n");
    for line in train.lines().skip(1).take(10) {
        serve.push_str(line);
        serve.push('\n');
    }
    serve.push_str("1000,99999,web,true\n1001,,app,false\n1002,5,kiosk,false\n1003,7,,true\n");
    std::fs::write(p.join("serve.csv"), &serve).unwrap();
    let spec = serde_json::json!({
        "version": 1,
        "name": "train_serve",
        "params": {"data": {"type": "string", "default": "train.csv"}, "out": {"type": "string", "default": "out/train.csv"}},
        "state": "out/train_serve.state.json",
        "nodes": [
            {"id": "rows", "kind": "read_csv", "params": {"path": "${data}"}},
            {"id": "split", "kind": "split", "inputs": {"input": "rows"}, "params": {"method": "random", "test": 0.25, "seed": 3, "key": ["id"]}},
            {"id": "scaled", "kind": "scale", "inputs": {"input": "split"}, "params": {"columns": ["amount"], "method": "standard", "suffix": "_z"}},
            {"id": "filled", "kind": "impute", "inputs": {"input": "scaled"}, "params": {"columns": {"amount_z": {"strategy": "median", "indicator": true}}}},
            {"id": "channel_1h", "kind": "one_hot", "inputs": {"input": "filled"}, "params": {"column": "channel", "top_k": 2}},
            {"id": "channel_te", "kind": "target_encode", "inputs": {"input": "channel_1h"}, "params": {"columns": ["channel"], "target": "bought", "smoothing": 5.0, "suffix": "_te"}},
            {"id": "write", "kind": "write_csv", "inputs": {"input": "channel_te"}, "params": {"path": "${out}", "order_by": [{"column": "id"}]}}
        ]
    });
    let spec_path = p.join("train_serve.sluice.json");
    std::fs::write(&spec_path, serde_json::to_string_pretty(&spec).unwrap()).unwrap();
    let spec_s = spec_path.to_str().unwrap();

    let out = sluice(&["run", spec_s, "--no-history"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("wrote fitted state of 4 node(s)"), "{}", text(&out.stderr));
    let state_path = p.join("out/train_serve.state.json");
    let state: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&state_path).unwrap()).unwrap();
    assert_eq!(state["sluice_state"], 1);
    assert_eq!(state["nodes"]["scaled"]["kind"], "scale");
    let mean = state["nodes"]["scaled"]["state"]["amount.mean"].as_f64().unwrap();
    let std = state["nodes"]["scaled"]["state"]["amount.std"].as_f64().unwrap();

    // Rows of an output: id, the features as written (everything after the raw columns), split.
    let read = |file: &str| -> Vec<(i64, String, String)> {
        let text = std::fs::read_to_string(p.join(file)).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(
            header,
            ["id", "amount", "channel", "bought", "split", "amount_z", "amount_z_missing", "channel_1", "channel_2", "channel_other", "channel_te"]
        );
        lines
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f[0].parse().unwrap(), f[5..].join(","), f[4].to_string())
            })
            .collect()
    };
    // The fitted numbers are the training rows' only (population standard deviation).
    let trained = read("out/train.csv");
    let amounts: std::collections::HashMap<i64, Option<f64>> = train
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].parse().unwrap(), f[1].parse().ok())
        })
        .collect();
    let train_rows = trained.iter().filter(|r| r.2 == "train").count();
    assert!(train_rows > 120 && train_rows < 180, "about three quarters are training rows: {train_rows}");
    let train_vals: Vec<f64> = trained.iter().filter(|r| r.2 == "train").filter_map(|r| amounts[&r.0]).collect();
    let n = train_vals.len() as f64;
    let m = train_vals.iter().sum::<f64>() / n;
    let s = (train_vals.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n).sqrt();
    assert!((mean - m).abs() <= 1e-12 * m.abs() && (std - s).abs() <= 1e-12 * s, "{mean} {m} {std} {s}");

    // Serving applies the saved numbers: rows present in both get identical features.
    let out = sluice(&[
        "run", spec_s, "--no-history", "--param", "data=serve.csv", "--param", "out=out/serve.csv", "--state", state_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("wrote fitted state"), "serving never refits: {}", text(&out.stderr));
    let served = read("out/serve.csv");
    assert_eq!(served.len(), 14);
    for r in &served[..10] {
        let t = trained.iter().find(|t| t.0 == r.0).unwrap();
        assert_eq!((&t.1, &t.2), (&r.1, &r.2), "row {}", r.0);
    }
    let row = |id: i64| served.iter().find(|r| r.0 == id).unwrap().1.split(',').map(str::to_string).collect::<Vec<_>>();
    let extreme: f64 = row(1000)[0].parse().unwrap();
    assert!((extreme - (99999.0 - mean) / std).abs() < 1e-9);
    // A null amount takes the training median of the scaled amounts, flagged.
    let median = state["nodes"]["filled"]["state"].as_object().unwrap().iter().find(|(k, _)| k.contains("median")).unwrap().1.as_f64().unwrap();
    assert_eq!(row(1001)[0].parse::<f64>().unwrap(), median);
    assert_eq!(row(1001)[1], "true");
    // The unseen channel and the null one: no error; "other" and the prior (the training mean).
    let prior = state["nodes"]["channel_te"]["state"].as_object().unwrap().iter().find(|(k, _)| k.contains("prior")).unwrap().1.as_f64().unwrap();
    for id in [1002, 1003] {
        let r = row(id);
        assert_eq!((r[2].as_str(), r[3].as_str()), ("0", "0"), "{r:?}");
        assert!((r[5].parse::<f64>().unwrap() - prior).abs() < 1e-12, "{r:?}");
    }
    assert_eq!(row(1002)[4], "1", "an unseen channel is 'other'");
    let after: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&state_path).unwrap()).unwrap();
    assert_eq!(after, state, "the state file is unchanged by serving");

    // A state fitted with other params is refused, naming the node and the params.
    let mut changed = spec.clone();
    changed["nodes"][2]["params"]["method"] = "robust".into();
    std::fs::write(&spec_path, serde_json::to_string_pretty(&changed).unwrap()).unwrap();
    let out = sluice(&["run", spec_s, "--no-history", "--state", state_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("error[C006]") && err.contains("node 'scaled'") && err.contains("method"), "{err}");
}
