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
    for failed in ["order_ids_consistent", "amount_present", "valid_status", "amount_in_range", "orders_volume"] {
        assert!(err.contains(&format!("error[C001]: check '{failed}' failed")), "{failed}: {err}");
    }
    assert_eq!(err.matches("error[C001]").count(), 5, "{err}");
    assert!(err.contains("– write_features") && err.contains("not run"), "{err}");
    for (i, o) in outputs.iter().enumerate() {
        assert!(std::fs::read(pipelines.join(o)).unwrap() == runs[0][i], "{o} was changed by the failed run");
    }
    assert!(staged_files(dir.path()).is_empty());
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<testsuite name=\"customer_features\" tests=") && xml.contains("failures=\"5\""), "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 5, "{xml}");
    assert!(xml.contains("status in {completed, shipped, returned, cancelled, pending}: failed, 272 of 71282 rows"), "{xml}");

    // Every run is in the history beside the spec, latest first.
    assert!(pipelines.join(".sluice/history.duckdb").is_file());
    let out = sluice(&["runs", spec.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let runs: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<&str> = runs.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["failed", "success", "success"], "{runs:#?}");
    assert_eq!(runs[0]["failed_checks"], 5);
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
    assert_eq!(checks.iter().filter(|c| c["status"] == "fail").count(), 5);

    // The row-count change check compares with the last successful run: none before the first
    // run (a warning), the first run before the second (no change: a pass).
    let second = runs_show(&runs[1], spec.to_str().unwrap());
    let first = runs_show(&runs[2], spec.to_str().unwrap());
    let volume = |run: &serde_json::Value| {
        run["checks"].as_array().unwrap().iter().find(|c| c["node"] == "orders_volume").cloned().unwrap()
    };
    assert_eq!(volume(&first)["status"], "warn");
    assert!(volume(&first)["message"].as_str().unwrap().contains("no baseline"), "{}", volume(&first));
    assert_eq!(volume(&second)["status"], "pass");
    assert_eq!(volume(&second)["observed"], 0.0);
    // The problem copy lost the app's orders: 71,282 rows against 100,311 is -28.94%.
    assert_eq!(volume(&run)["status"], "fail");
    assert!(volume(&run)["message"].as_str().unwrap().contains("71282 rows against 100311"), "{}", volume(&run));

    // With the store deleted there is no baseline again: a warning, and the run goes on.
    std::fs::remove_dir_all(pipelines.join(".sluice")).unwrap();
    let out = sluice(&["run", spec.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let events: Vec<serde_json::Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let check = events.iter().find(|e| e["event"] == "check_finished" && e["node"] == "orders_volume").unwrap();
    assert_eq!(check["status"], "warn");
    assert!(check["message"].as_str().unwrap().contains("no baseline"), "{check}");

    let out = sluice(&["runs", "show", "no-such-run", spec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no run 'no-such-run'"), "{}", text(&out.stderr));
}

/// A listed run in full, read through `runs show`.
fn runs_show(run: &serde_json::Value, spec: &str) -> serde_json::Value {
    let out = sluice(&["runs", "show", run["run_id"].as_str().unwrap(), spec]);
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
}
