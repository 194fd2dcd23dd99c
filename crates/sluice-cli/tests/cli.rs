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
/// A private copy of the sample data (and its copy with problems) with sample pipeline `name`
/// in its `pipelines` folder; returns the folder and the spec's path.
fn sample_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
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
    std::fs::copy(root().join("sample_data/pipelines").join(name), pipelines.join(name)).unwrap();
    let spec = pipelines.join(name);
    (dir, spec)
}

#[test]
fn sample_pipeline_runs_and_a_second_run_gives_identical_bytes() {
    let (dir, spec) = sample_copy("customer_features.sluice.json");
    let pipelines = spec.parent().unwrap().to_path_buf();

    let outputs = ["out/customer_features.parquet", "out/monthly_category_revenue.csv"];
    let mut runs = vec![];
    // The second run computes everything again instead of reusing the first run's results.
    for flags in [&[][..], &["--no-cache"][..]] {
        let out = sluice(&[&["run", spec.to_str().unwrap()][..], flags].concat());
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
        assert!(err.contains(&format!("error[E600]: check '{failed}' failed")), "{failed}: {err}");
    }
    assert_eq!(err.matches("error[E600]").count(), 6, "{err}");
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

/// Each node's `node_finished` event of a `--json` run: node id to whether it was cached.
fn finished(out: &Output) -> Vec<(String, bool)> {
    text(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["event"] == "node_finished")
        .map(|e| (e["node"].as_str().unwrap().to_string(), e["cached"].as_bool().unwrap()))
        .collect()
}

fn computed(events: &[(String, bool)]) -> Vec<&str> {
    events.iter().filter(|(_, cached)| !cached).map(|(n, _)| n.as_str()).collect()
}

fn edit_param(spec: &Path, node: &str, param: &str, value: serde_json::Value) {
    let mut doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(spec).unwrap()).unwrap();
    let n = doc["nodes"].as_array_mut().unwrap().iter_mut().find(|n| n["id"] == node).unwrap();
    n["params"][param] = value;
    std::fs::write(spec, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}

/// After a full run, an edit re-executes the edited node and what is below it, nothing else:
/// the rest comes from the result cache and the run record says so. The cache gives the same
/// outputs as computing everything, and a changed input file is noticed even with its size and
/// modification time kept.
#[test]
fn an_edit_reruns_only_the_nodes_it_makes_dirty() {
    let (dir, spec) = sample_copy("customer_churn.sluice.json");
    let pipelines = spec.parent().unwrap().to_path_buf();
    let s = spec.to_str().unwrap();
    let run = |extra: &[&str]| {
        let out = sluice(&[&["run", s, "--json"][..], extra].concat());
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        out
    };
    let first = finished(&run(&[]));
    assert_eq!(first.len(), 24);
    assert!(first.iter().all(|(_, cached)| !cached), "{first:?}");
    let train = pipelines.join("out/churn_train.parquet");
    let test = pipelines.join("out/churn_test.parquet");
    let mtime = |p: &Path| std::fs::metadata(p).unwrap().modified().unwrap();
    let (train_t, test_t) = (mtime(&train), mtime(&test));

    // A leaf: only it runs.
    edit_param(&spec, "write_test", "compression", "snappy".into());
    let second = run(&[]);
    assert_eq!(computed(&finished(&second)), ["write_test"]);
    assert_eq!(mtime(&train), train_t, "an unchanged sink is not written again");
    assert_ne!(mtime(&test), test_t);
    let runs: Vec<serde_json::Value> = serde_json::from_slice(&sluice(&["runs", s, "--json"]).stdout).unwrap();
    let record = runs_show(&runs[0], s);
    for n in record["nodes"].as_array().unwrap() {
        let expected = if n["node"] == "write_test" { "done" } else { "cached" };
        assert_eq!(n["status"], expected, "{n}");
    }
    // Rows of cached nodes are still reported.
    assert!(record["nodes"].as_array().unwrap().iter().all(|n| n["rows"].as_u64().is_some()));

    // Upstream: the edited node and its descendants, not the other branches.
    edit_param(&spec, "placed_orders", "predicate", "ordered_at IS NOT NULL AND amount IS NOT NULL".into());
    let third = finished(&run(&[]));
    let mut dirty = computed(&third);
    dirty.sort();
    let mut expected = vec![
        "placed_orders", "orders_eur", "order_values", "order_windows", "order_gaps", "labels", "last_activity", "calendar",
        "time_split", "filled", "segment_onehot", "country_onehot", "scaled", "feature_table", "train_rows", "test_rows",
        "write_train", "write_test",
    ];
    expected.sort();
    assert_eq!(dirty, expected);

    // Reused results give the outputs computing everything gives, and the same fitted state.
    let state = pipelines.join("out/customer_churn.state.json");
    let read = |p: &Path| std::fs::read(p).unwrap();
    let cached_outputs = (read(&train), read(&test));
    let fitted = |p: &Path| serde_json::from_slice::<serde_json::Value>(&read(p)).unwrap()["nodes"].clone();
    let cached_state = fitted(&state);
    let all = finished(&run(&["--no-cache"]));
    assert_eq!(computed(&all).len(), 24);
    assert!(cached_outputs == (read(&train), read(&test)), "outputs differ between a cached and a full computation");
    assert_eq!(cached_state, fitted(&state));

    // An input file changed in place, same size and modification time: its content says so.
    let fx = dir.path().join("sample_data/fx_rates.csv");
    let before = std::fs::read_to_string(&fx).unwrap();
    let t = mtime(&fx);
    let changed = before.replacen("1.0", "1.1", 1);
    assert_ne!(changed, before);
    std::fs::write(&fx, &changed).unwrap();
    std::fs::File::options().append(true).open(&fx).unwrap().set_modified(t).unwrap();
    let after = finished(&run(&[]));
    let dirty = computed(&after);
    assert!(dirty.contains(&"fx_rates") && dirty.contains(&"orders_eur") && dirty.contains(&"write_train"), "{dirty:?}");
    assert!(!dirty.contains(&"orders") && !dirty.contains(&"customers") && !dirty.contains(&"snapshots"), "{dirty:?}");

    // `sluice cache` reports the entries; `--clear` empties it and everything runs again.
    let out = sluice(&["cache", s]);
    assert!(text(&out.stdout).contains("entries"), "{}", text(&out.stdout));
    assert_eq!(sluice(&["cache", s, "--clear"]).status.code(), Some(0));
    assert_eq!(computed(&finished(&run(&[]))).len(), 24);
}

/// Checks that compare with earlier runs are measured on every run, but the nodes below them
/// are reused: a check passes its rows through unchanged.
#[test]
fn checks_against_history_rerun_and_their_descendants_are_reused() {
    let (_dir, spec) = sample_copy("customer_features.sluice.json");
    let s = spec.to_str().unwrap();
    for _ in 0..2 {
        assert_eq!(sluice(&["run", s, "--json"]).status.code(), Some(0));
    }
    let out = sluice(&["run", s, "--json"]);
    assert_eq!(computed(&finished(&out)), ["recent_drift", "orders_volume"]);
    // Without a history they have nothing to compare with, every time: their verdict is reused.
    assert_eq!(computed(&finished(&sluice(&["run", s, "--json", "--no-history"]))), ["recent_drift", "orders_volume"]);
    assert!(computed(&finished(&sluice(&["run", s, "--json", "--no-history"]))).is_empty());
}

/// Orders with an id, a creation month that never changes, an update time and an amount.
fn orders_csv(rows: &[(u32, &str, &str, f64)]) -> String {
    let mut s = String::from("id,month,updated_at,amount\n");
    for (id, month, at, amount) in rows {
        s.push_str(&format!("{id},{month},{at},{amount}\n"));
    }
    s
}

/// Every file under `dir`, relative path to bytes.
fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                dirs.push(e.path());
            } else {
                out.insert(e.path().strip_prefix(dir).unwrap().display().to_string(), std::fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

/// An incremental source reads only the rows above its mark; merge sinks (a Parquet file, a
/// partitioned dataset, a CSV file, a DuckDB table) upsert them by key. After appended and
/// updated rows, the incremental run ends with exactly what a full refresh writes, and the
/// dataset's partitions without new rows are not rewritten.
#[test]
fn an_incremental_run_ends_with_the_table_a_full_refresh_writes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let months = ["2025-01", "2025-02", "2025-03"];
    let mut rows: Vec<(u32, String, String, f64)> = (0..60)
        .map(|i| (i, months[(i % 3) as usize].to_string(), format!("2025-04-01 10:{:02}:00", i % 60), i as f64 * 1.25))
        .collect();
    let as_refs = |rows: &[(u32, String, String, f64)]| -> String {
        let r: Vec<(u32, &str, &str, f64)> = rows.iter().map(|(a, b, c, d)| (*a, b.as_str(), c.as_str(), *d)).collect();
        orders_csv(&r)
    };
    std::fs::write(p.join("orders.csv"), as_refs(&rows)).unwrap();
    let spec = serde_json::json!({
        "version": 1,
        "name": "incremental_orders",
        "params": {"out": {"type": "string", "default": "inc"}},
        "nodes": [
            {"id": "orders", "kind": "read_csv", "params": {"path": "orders.csv", "cursor": "updated_at"}},
            {"id": "priced", "kind": "derive", "inputs": {"input": "orders"}, "params": {"columns": {"amount_eur": "round(amount * 0.92, 2)"}}},
            {"id": "flat", "kind": "write_parquet", "inputs": {"input": "priced"}, "params": {"path": "${out}/orders.parquet", "mode": "merge", "key": ["id"]}},
            {"id": "parts", "kind": "write_parquet", "inputs": {"input": "priced"}, "params": {"path": "${out}/by_month", "mode": "merge", "key": ["id"], "partition_by": ["month"]}},
            {"id": "csv", "kind": "write_csv", "inputs": {"input": "priced"}, "params": {"path": "${out}/orders.csv", "mode": "merge", "key": ["id"]}},
            {"id": "table", "kind": "write_duckdb", "inputs": {"input": "priced"}, "params": {"path": "${out}/warehouse.duckdb", "table": "orders", "mode": "merge", "key": ["id"]}}
        ]
    });
    let spec_path = p.join("incremental.sluice.json");
    std::fs::write(&spec_path, serde_json::to_string_pretty(&spec).unwrap()).unwrap();
    let s = spec_path.to_str().unwrap();
    let run = |extra: &[&str]| {
        let out = sluice(&[&["run", s, "--json"][..], extra].concat());
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let events: Vec<serde_json::Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        events
    };
    let rows_read = |events: &[serde_json::Value]| {
        events.iter().find(|e| e["event"] == "node_finished" && e["node"] == "orders").unwrap()["rows"].as_u64().unwrap()
    };
    let first = run(&[]);
    assert_eq!(rows_read(&first), 60);
    let mark = first.iter().find(|e| e["event"] == "source_mark").expect("a mark");
    assert_eq!(mark["value"], "2025-04-01 10:59:00");

    // Nothing new: nothing read, nothing changes.
    assert_eq!(rows_read(&run(&[])), 0);

    let parts = p.join("inc/by_month");
    let mtime = |p: &Path| std::fs::metadata(p).unwrap().modified().unwrap();
    let march = parts.join("month=2025-03/data_0.parquet");
    let march_t = mtime(&march);
    // Updates to January and February rows, and new rows in February and April.
    for r in rows.iter_mut().filter(|r| r.0 % 3 != 2 && r.0 % 5 == 0) {
        r.2 = "2025-04-02 08:00:00".into();
        r.3 += 100.0;
    }
    for i in 60..75 {
        let month = if i % 2 == 0 { "2025-02" } else { "2025-04" };
        rows.push((i, month.into(), "2025-04-02 09:00:00".into(), i as f64));
    }
    let updated = rows.iter().filter(|r| r.2.starts_with("2025-04-02 08")).count() as u64;
    std::fs::write(p.join("orders.csv"), as_refs(&rows)).unwrap();
    let second = run(&[]);
    assert_eq!(rows_read(&second), updated + 15);
    assert_eq!(mtime(&march), march_t, "a partition without new rows is not rewritten");
    assert!(parts.join("month=2025-04/data_0.parquet").is_file());

    // A full refresh of the same data into another folder: the same files, byte for byte.
    let full = run(&["--full-refresh", "--param", "out=full"]);
    assert_eq!(rows_read(&full), 75);
    let (inc, fresh) = (tree(&p.join("inc")), tree(&p.join("full")));
    let files = |t: &std::collections::BTreeMap<String, Vec<u8>>| t.keys().filter(|k| !k.ends_with(".duckdb")).cloned().collect::<Vec<_>>();
    assert_eq!(files(&inc), files(&fresh));
    for name in files(&inc) {
        if inc[&name] != fresh[&name] {
            let keep = std::env::temp_dir().join("sluice-incremental-mismatch");
            let _ = std::fs::remove_dir_all(&keep);
            copy_dir(p, &keep);
            panic!("{name} differs between the incremental run and the full refresh (copied to {})", keep.display());
        }
    }
    // The DuckDB table holds the same rows.
    let engine = sluice_engine::Engine::new(&sluice_engine::Settings::default()).unwrap();
    let conn = engine.connection();
    conn.execute_batch(&format!(
        "ATTACH '{}' AS inc (READ_ONLY); ATTACH '{}' AS fresh (READ_ONLY);",
        p.join("inc/warehouse.duckdb").display(),
        p.join("full/warehouse.duckdb").display()
    ))
    .unwrap();
    let differ: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM (FROM inc.orders EXCEPT ALL FROM fresh.orders)) + (SELECT count(*) FROM (FROM fresh.orders EXCEPT ALL FROM inc.orders))",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let n: i64 = conn.query_row("SELECT count(*) FROM inc.orders", [], |r| r.get(0)).unwrap();
    assert_eq!((differ, n), (0, 75));

    // A key that is not unique fails the write, naming the key; the outputs stay.
    rows.push((3, "2025-01".into(), "2025-04-03 00:00:00".into(), 1.0));
    rows.push((3, "2025-01".into(), "2025-04-03 00:00:00".into(), 2.0));
    std::fs::write(p.join("orders.csv"), as_refs(&rows)).unwrap();
    let before = tree(&p.join("inc"));
    let out = sluice(&["run", s]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("merge key (id) is not unique in the rows to write: 1 key(s)"), "{}", text(&out.stderr));
    assert!(before == tree(&p.join("inc")), "a failed run changed an output");

    // A cursor that is not a column is a spec error.
    let mut bad = spec.clone();
    bad["nodes"][0]["params"]["cursor"] = "updated".into();
    std::fs::write(&spec_path, serde_json::to_string(&bad).unwrap()).unwrap();
    let out = sluice(&["validate", s, "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stdout).contains("cursor column 'updated' is not among the columns read"), "{}", text(&out.stdout));
}

/// A preview's column distributions are kept with the node's cached rows: the next preview reads
/// them instead of scanning the rows again, and they are those a fresh scan draws.
#[test]
fn previews_keep_the_distributions_with_the_cached_rows() {
    let (dir, spec) = sample_copy("customer_features.sluice.json");
    let s = spec.to_str().unwrap();
    let cache = dir.path().join("cache");
    let c = cache.to_str().unwrap();
    let preview = |extra: &[&str]| {
        let out = sluice(&[&["preview", s, "per_customer", "--json", "--limit", "5"][..], extra].concat());
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let first = preview(&["--cache-dir", c]);
    let fresh = preview(&["--no-cache"]);
    assert_eq!(first["histograms"], fresh["histograms"]);
    assert!(first["histograms"].as_array().unwrap().len() > 3);

    // The entry that holds per_customer's rows now holds their distributions too.
    let entry = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .find(|p| {
            let v: serde_json::Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
            v["node"] == "per_customer" && v.get("histograms").is_some()
        })
        .expect("per_customer's cache entry keeps its distributions");
    // Marked, to see that the next preview reads them from there.
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&entry).unwrap()).unwrap();
    v["histograms"][0]["nulls"] = 424242.into();
    std::fs::write(&entry, serde_json::to_vec(&v).unwrap()).unwrap();
    let again = preview(&["--cache-dir", c]);
    assert_eq!(again["histograms"][0]["nulls"], 424242);
    assert_eq!(again["rows"], first["rows"]);
    // A profile of every row takes them from there too; a sampled one draws its own.
    let profile = |extra: &[&str]| {
        let out = sluice(&[&["profile", s, "per_customer", "--json", "--cache-dir", c][..], extra].concat());
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    assert_eq!(profile(&[])["columns"][0]["histogram"]["nulls"], 424242);
    assert_ne!(profile(&["--sample", "10"])["columns"][0]["histogram"]["nulls"], 424242);
}

/// `sluice args` with stdout and/or stderr writing into a pipe whose reader is already gone (as
/// in `sluice ... 2>&1 | true`); the other stream is captured.
fn sluice_into_closed_pipe(args: &[&str], close_stdout: bool, close_stderr: bool) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sluice"));
    cmd.args(args);
    if close_stdout {
        cmd.stdout(writer.try_clone().unwrap());
    }
    if close_stderr {
        cmd.stderr(writer.try_clone().unwrap());
    }
    drop(writer);
    cmd.output().unwrap()
}

#[test]
fn a_closed_pipe_drops_the_output_and_keeps_the_exit_code() {
    let dir = fixture("broken");
    let broken = dir.path().join("broken.sluice.json");
    let broken = broken.to_str().unwrap();
    // Both streams closed, as `sluice validate X 2>&1 | true`: still exit 2, no panic (101).
    for args in [vec!["validate", broken], vec!["validate", broken, "--json"], vec!["run", broken]] {
        let out = sluice_into_closed_pipe(&args, true, true);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    // Stdout closed, stderr read: nothing panicked.
    let out = sluice_into_closed_pipe(&["validate", broken, "--json"], true, false);
    assert_eq!(out.status.code(), Some(2));
    assert!(!text(&out.stderr).contains("panicked"), "{}", text(&out.stderr));
    for args in [vec!["catalog"], vec!["catalog", "--json"], vec!["schema"], vec!["--help"]] {
        let out = sluice_into_closed_pipe(&args, true, false);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out.stderr));
        assert!(!text(&out.stderr).contains("panicked"), "{args:?}: {}", text(&out.stderr));
    }

    // A run whose progress cannot be shown still runs to the end and writes its output.
    let dir = fixture("missing_file");
    let spec = dir.path().join("pipeline.sluice.json");
    let spec = spec.to_str().unwrap();
    let out_file = dir.path().join("out/result.parquet");
    let out = sluice_into_closed_pipe(&["run", spec, "--json", "--no-history"], true, false);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("panicked"));
    assert!(out_file.exists());
    std::fs::remove_file(&out_file).unwrap();
    let out = sluice_into_closed_pipe(&["run", spec], true, true);
    assert_eq!(out.status.code(), Some(0));
    assert!(out_file.exists());
    // A failing run is still exit 1.
    let out = sluice_into_closed_pipe(&["run", spec, "--param", "input=absent.csv"], true, true);
    assert_eq!(out.status.code(), Some(1));
}

#[cfg(target_os = "linux")]
#[test]
fn output_that_cannot_be_written_fails_the_command() {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sluice")).arg("schema").stdout(full).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("E201") && !err.contains("panicked"), "{err}");
}

/// Writes `spec` as `name` in `dir` and returns its path as text.
fn write_spec(dir: &Path, name: &str, spec: &serde_json::Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(spec).unwrap()).unwrap();
    path.to_str().unwrap().to_string()
}

/// A CSV source read into a CSV sink; `input` names the file.
fn csv_copy_spec() -> serde_json::Value {
    serde_json::json!({
        "version": 1,
        "name": "csv_copy",
        "params": {"input": {"type": "string", "default": "good.csv"}},
        "nodes": [
            {"id": "src", "kind": "read_csv", "params": {"path": "${input}"}},
            {"id": "out", "kind": "write_csv", "inputs": {"input": "src"}, "params": {"path": "out/result.csv"}}
        ]
    })
}

/// CSV files DuckDB's sniffer reads "successfully" into garbage (one column of whole lines,
/// NUL bytes or quotes turning numbers into text, nothing at all) fail the run as data errors
/// naming the node and the file; the output of the last good run stays. A header without rows is
/// a warning, and the run goes on with 0 rows.
#[test]
fn csv_files_the_sniffer_misreads_are_data_errors_naming_node_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let files: [(&str, &[u8], &str, &str); 6] = [
        ("ragged.csv", b"id,amount\n1,10\n2,20,extra\n3,30\n", "D005", "line 3 has 3 fields"),
        ("empty.csv", b"", "D003", "is empty"),
        ("blank.csv", b"\n\n", "D003", "only blank lines"),
        ("nul.csv", b"id,amount\n1,10\n2,2\x000\n3,30\n", "D006", "NUL byte at line 3"),
        ("quote.csv", b"id,amount\n1,\"10\n2,20\n", "D007", "quote at line 2"),
        ("gz_ragged.csv.gz", &gzip(b"id,amount\n1,10\n2,20,extra\n"), "D005", "line 3 has 3 fields"),
    ];
    std::fs::write(p.join("good.csv"), "id,amount\n1,10\n2,20\n").unwrap();
    for (name, bytes, _, _) in &files {
        std::fs::write(p.join(name), bytes).unwrap();
    }
    let spec = write_spec(p, "csv.sluice.json", &csv_copy_spec());
    let ok = sluice(&["run", &spec]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    let out_file = p.join("out/result.csv");
    let before = std::fs::read(&out_file).unwrap();
    for (name, _, code, says) in &files {
        let out = sluice(&["run", &spec, "--param", &format!("input={name}")]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(&format!("error[{code}] node 'src'")) && err.contains(name) && err.contains(says), "{name}: {err}");
        assert!(err.contains("the input data cannot be read as it is"), "{err}");
        assert_eq!(std::fs::read(&out_file).unwrap(), before, "{name} changed the output");
        let out = sluice(&["validate", &spec, "--param", &format!("input={name}")]);
        assert_eq!(out.status.code(), Some(1), "validate {name}: {}", text(&out.stderr));
    }
    assert!(staged_files(p).is_empty());

    // A header and no rows: a warning naming node and file; the run writes 0 rows.
    std::fs::write(p.join("header_only.csv"), "id,amount\n").unwrap();
    let out = sluice(&["run", &spec, "--param", "input=header_only.csv"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("warning[D004] node 'src'") && err.contains("header_only.csv") && err.contains("0 rows"), "{err}");
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), "id,amount\n");
    let out = sluice(&["run", &spec, "--param", "input=header_only.csv", "--json"]);
    let events: Vec<serde_json::Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let w = events.iter().find(|e| e["event"] == "warning").expect("a warning event");
    assert_eq!((w["code"].as_str(), w["node"].as_str()), (Some("D004"), Some("src")), "{w}");
    assert!(w["message"].as_str().unwrap().contains("header_only.csv"));
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    // The sample data's generator compresses with flate2; gzip(1) is on every test machine too.
    let mut child = Command::new("gzip")
        .arg("-c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    child.wait_with_output().unwrap().stdout
}

/// Staged files of killed runs (a dead pid in their name) are deleted by the next run writing
/// to their folder; a live process's staged file is left alone.
#[test]
fn staged_files_of_dead_processes_are_removed_and_live_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("good.csv"), "id,amount\n1,10\n2,20\n").unwrap();
    let out = p.join("out");
    std::fs::create_dir_all(&out).unwrap();
    // Pids above the kernel's limit (2^22) never run.
    let dead = [
        ".result.csv.out.4194305-1765000000000-0.sluice-tmp",
        ".result.csv.stage-4194306.sluice-tmp",
        ".other.parquet.w.4194307-1-2.sluice-tmp",
    ];
    for name in dead {
        std::fs::write(out.join(name), vec![0u8; 4096]).unwrap();
    }
    let dead_dir = out.join(".parts.w.4194305-1-0.sluice-tmp/k=2");
    std::fs::create_dir_all(&dead_dir).unwrap();
    std::fs::write(dead_dir.join("data_0.parquet"), b"x").unwrap();
    let live = format!(".result.csv.out.{}-1-0.sluice-tmp", std::process::id());
    std::fs::write(out.join(&live), b"x").unwrap();
    let spec = write_spec(p, "csv.sluice.json", &csv_copy_spec());
    let run = sluice(&["run", &spec, "--no-cache"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!(std::fs::read_to_string(out.join("result.csv")).unwrap(), "id,amount\n1,10\n2,20\n");
    for name in dead {
        assert!(!out.join(name).exists(), "{name} is left");
    }
    assert!(!dead_dir.parent().unwrap().exists());
    assert!(out.join(&live).exists(), "a live process's staged file was deleted");
    let left: Vec<PathBuf> = staged_files(p).into_iter().filter(|f| !f.ends_with(&live)).collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Sinks into DuckDB files are written last, once every file is in place: a file that cannot be
/// moved in leaves the tables as they were, and a table that cannot be written puts the moved
/// files back. When an earlier DuckDB file was committed, the failure says so instead of "no
/// output was changed". A sink file another process holds is waited for (bounded), then the run
/// fails naming node and file.
#[test]
fn a_failed_run_changes_no_duckdb_table_and_a_locked_sink_is_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("good.csv"), "id,amount\n1,10\n2,20\n").unwrap();
    std::fs::write(p.join("more.csv"), "id,amount\n3,30\n4,40\n5,50\n").unwrap();
    // `facts` gets a column `note` (INTEGER at first); the sinks' order decides the commit's.
    let spec_with = |sinks: &[&str], note: &str| {
        let all = serde_json::json!({
            "out": {"id": "out", "kind": "write_csv", "inputs": {"input": "src"}, "params": {"path": "out/result.csv"}},
            "table_a": {"id": "table_a", "kind": "write_duckdb", "inputs": {"input": "src"}, "params": {"path": "out/wh.duckdb", "table": "a"}},
            "facts": {"id": "facts", "kind": "write_duckdb", "inputs": {"input": "noted"}, "params": {"path": "out/facts.duckdb", "table": "facts", "mode": "append"}}
        });
        let mut nodes = vec![
            serde_json::json!({"id": "src", "kind": "read_csv", "params": {"path": "${input}"}}),
            serde_json::json!({"id": "noted", "kind": "derive", "inputs": {"input": "src"}, "params": {"columns": {"note": note}}}),
        ];
        nodes.extend(sinks.iter().map(|s| all[*s].clone()));
        let spec = serde_json::json!({
            "version": 1,
            "name": "tables",
            "params": {"input": {"type": "string", "default": "good.csv"}},
            "nodes": nodes
        });
        write_spec(p, "tables.sluice.json", &spec)
    };
    let spec = spec_with(&["out", "table_a", "facts"], "1");
    let run = |spec: &str, extra: &[&str]| sluice(&[&["run", spec, "--no-cache"][..], extra].concat());
    let ok = run(&spec, &[]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    let csv = p.join("out/result.csv");
    let (wh, facts) = (p.join("out/wh.duckdb"), p.join("out/facts.duckdb"));
    let query = |db: &Path, sql: &str| -> i64 {
        let engine = sluice_engine::Engine::new(&sluice_engine::Settings::default()).unwrap();
        let conn = engine.connection();
        conn.execute_batch(&format!("ATTACH '{}' AS w (READ_ONLY)", db.display())).unwrap();
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    };
    let state = || {
        (
            std::fs::read(&csv).unwrap(),
            query(&wh, "SELECT sum(amount) FROM w.a"),
            query(&facts, "SELECT count(*) FROM w.facts"),
        )
    };
    let before = state();
    assert_eq!((before.1, before.2), (30, 2));

    // A file cannot be moved into place (a folder is in its way): the tables stay as they were.
    let csv_text = std::fs::read(&csv).unwrap();
    std::fs::remove_file(&csv).unwrap();
    std::fs::create_dir_all(csv.join("keep")).unwrap();
    let out = run(&spec, &["--param", "input=more.csv"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("node 'out'") && err.contains("result.csv") && err.contains("no output was changed"), "{err}");
    assert!(csv.join("keep").is_dir(), "the folder in the way is kept");
    assert_eq!((query(&wh, "SELECT sum(amount) FROM w.a"), query(&facts, "SELECT count(*) FROM w.facts")), (30, 2));
    std::fs::remove_dir_all(&csv).unwrap();
    std::fs::write(&csv, &csv_text).unwrap();

    // New rows, and a note that is not a number for the INTEGER column of `facts`: its table
    // fails first, after the CSV file was moved in; the file is put back.
    let spec = spec_with(&["out", "facts", "table_a"], "'x'");
    let out = run(&spec, &["--param", "input=more.csv"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("node 'facts'") && err.contains("facts.duckdb") && err.contains("no output was changed"), "{err}");
    assert!(state() == before, "a failed run changed an output");
    assert!(staged_files(p).is_empty(), "{:?}", staged_files(p));

    // `a` committed before `facts` fails: the failure says what was written.
    let spec = spec_with(&["out", "table_a", "facts"], "'x'");
    let out = run(&spec, &["--param", "input=more.csv"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("no output was changed") && err.contains("written before the failure"), "{err}");
    assert!(err.contains("wh.duckdb had been written already"), "{err}");
    assert_eq!(query(&wh, "SELECT sum(amount) FROM w.a"), 120);
    assert_eq!((std::fs::read(&csv).unwrap(), query(&facts, "SELECT count(*) FROM w.facts")), (before.0.clone(), 2));

    // Another process holds a sink's file: a short wait, then a clear failure; nothing changes.
    let spec = spec_with(&["out", "table_a", "facts"], "1");
    let before = state();
    let holder = sluice_engine::Engine::new(&sluice_engine::Settings::default()).unwrap();
    holder.connection().execute_batch(&format!("ATTACH '{}' AS held", facts.display())).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(["run", &spec, "--no-cache", "--param", "input=good.csv"])
        .env("SLUICE_LOCK_TIMEOUT", "1")
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error[E202]") && err.contains("node 'facts'") && err.contains("facts.duckdb") && err.contains("locked"), "{err}");
    assert!(err.contains("no output was changed"), "{err}");
    drop(holder);
    assert!(state() == before, "a run that found a sink locked changed an output");
    // Released while the run waits: it goes through.
    let holder = sluice_engine::Engine::new(&sluice_engine::Settings::default()).unwrap();
    holder.connection().execute_batch(&format!("ATTACH '{}' AS held", facts.display())).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(["run", &spec, "--no-cache", "--param", "input=good.csv", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    drop(holder);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!((query(&wh, "SELECT sum(amount) FROM w.a"), query(&facts, "SELECT count(*) FROM w.facts")), (30, 4));
}

/// A cache folder that cannot take the rows (a full disk: a 1 MB tmpfs when mounting one is
/// allowed, else a path below a file) costs the cache, not the run: a warning, and the run
/// computes without it.
#[test]
fn a_full_cache_disk_runs_uncached_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    // Labels that compress badly, so that the rows take more than the 1 MB the disk has.
    let mut rows = String::from("id,amount,label\n");
    let mut x: u64 = 88172645463325252;
    for i in 0..200_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        rows.push_str(&format!("{i},{},{x:016x}\n", i * 7 % 1000));
    }
    std::fs::write(p.join("good.csv"), rows).unwrap();
    let spec = write_spec(p, "csv.sluice.json", &csv_copy_spec());
    let tiny = p.join("tiny");
    std::fs::create_dir_all(&tiny).unwrap();
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(&tiny)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let _unmount = mounted.then(|| Unmount(tiny.clone()));
    let cache = if mounted {
        tiny.join("cache")
    } else {
        eprintln!("cannot mount a tmpfs here: the cache is made unwritable by a file in its path instead");
        std::fs::write(p.join("a_file"), b"").unwrap();
        p.join("a_file/cache")
    };
    let out = sluice(&["run", &spec, "--json", "--cache-dir", cache.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let events: Vec<serde_json::Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let w = events.iter().find(|e| e["event"] == "warning").expect("a warning event");
    assert_eq!((w["code"].as_str(), w["node"].as_str()), (Some("W201"), Some("src")), "{w}");
    let rows = events.iter().find(|e| e["event"] == "node_finished" && e["node"] == "src").unwrap()["rows"].as_u64();
    assert_eq!(rows, Some(200_000));
    assert_eq!(std::fs::read_to_string(p.join("out/result.csv")).unwrap().lines().count(), 200_001);
    if mounted {
        let left: u64 = std::fs::read_dir(&cache).map(|d| d.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum()).unwrap_or(0);
        assert!(left < 64 << 10, "the failed cache file is deleted, not left filling the disk: {left} bytes");
    }
    // On a terminal the warning is a line naming the node.
    let out = sluice(&["run", &spec, "--cache-dir", cache.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("warning[W201] node 'src': the result cache"), "{}", text(&out.stderr));
}

/// A history file that cannot be read (0 bytes, or not a database) is set aside with a
/// timestamp and a new one started, with a warning, instead of failing every later command.
#[test]
fn a_damaged_history_is_set_aside_and_started_again() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("good.csv"), "id,amount\n1,10\n").unwrap();
    let spec = write_spec(p, "csv.sluice.json", &csv_copy_spec());
    let history = p.join(".sluice/history.duckdb");
    let asides = || -> Vec<PathBuf> {
        std::fs::read_dir(p.join(".sluice"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|f| f.file_name().unwrap().to_string_lossy().starts_with("history.duckdb.broken-"))
            .collect()
    };
    for (i, damage) in [&b""[..], b"this is not a database"].into_iter().enumerate() {
        assert_eq!(sluice(&["run", &spec]).status.code(), Some(0));
        std::fs::write(&history, damage).unwrap();
        let out = sluice(&["runs", &spec, "--json"]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert!(err.contains("warning[W501]") && err.contains("set aside as"), "{err}");
        let runs: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert!(runs.is_empty());
        assert_eq!(asides().len(), 1, "damage {i}");
        for f in asides() {
            std::fs::remove_file(f).unwrap();
        }
        std::fs::write(&history, damage).unwrap();
        // A run sets it aside too, and records itself in the new history.
        let out = sluice(&["run", &spec]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains("warning[W501]"), "{}", text(&out.stderr));
        let runs: Vec<serde_json::Value> = serde_json::from_slice(&sluice(&["runs", &spec, "--json"]).stdout).unwrap();
        assert_eq!(runs.len(), 1);
        for f in asides() {
            std::fs::remove_file(f).unwrap();
        }
    }
}

/// A filter whose predicate misspells a column: the nodes above it still preview, show their SQL
/// and run with `--node`; the filter, what reads it and the whole pipeline are refused.
#[test]
fn an_error_in_a_node_does_not_block_the_nodes_above_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orders.csv"), "id,status,amount\n1,paid,10.5\n2,cancelled,3.0\n").unwrap();
    let spec = dir.path().join("desk_orders.sluice.json");
    let doc = serde_json::json!({
        "version": 1, "name": "desk_orders",
        "nodes": [
            {"id": "orders", "kind": "read_csv", "params": {"path": "orders.csv"}},
            {"id": "live", "kind": "filter", "inputs": {"input": "orders"}, "params": {"predicate": "stauts <> 'cancelled'"}},
            {"id": "out", "kind": "write_csv", "inputs": {"input": "live"}, "params": {"path": "out.csv"}}
        ]
    });
    std::fs::write(&spec, doc.to_string()).unwrap();
    let s = spec.to_str().unwrap();

    let out = sluice(&["preview", s, "orders", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(table["total_rows"], 2);
    let out = sluice(&["sql", s, "orders"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = sluice(&["profile", s, "orders", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = sluice(&["run", s, "--node", "orders"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The filter's error is shown all the same.
    assert!(text(&out.stderr).contains("stauts"), "{}", text(&out.stderr));
    assert!(!dir.path().join("out.csv").exists());

    for args in [&["preview", s, "live"][..], &["sql", s, "live"], &["run", s, "--node", "live"], &["run", s]] {
        let out = sluice(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("stauts"), "{args:?}: {}", text(&out.stderr));
    }
    assert!(!dir.path().join("out.csv").exists());
}
