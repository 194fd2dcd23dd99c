//! Hostile specs (tests/hostile): each tries to smuggle a statement, read an undeclared file or
//! write outside its folder. Every command that opens a spec (validate, sql, preview, run) is
//! run on each, and a canary folder beside the spec's must stay exactly as it was; refusals
//! name the node and the rule. One case is run again with the user's consent, to show the
//! canary would change if anything got through.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sluice(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(args)
        .env_remove("SLUICE_ALLOW_WRITE")
        .env("SLUICE_NO_CACHE", "1")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Every file below `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(snapshot(&p));
        } else {
            out.insert(p.clone(), std::fs::read(&p).unwrap());
        }
    }
    out
}

/// A spec folder with the case and its input, and a canary folder beside it.
struct Case {
    _tmp: tempfile::TempDir,
    spec: PathBuf,
    canary: PathBuf,
}

fn case(name: &str) -> Case {
    let hostile = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/hostile");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("specs");
    let canary = tmp.path().join("canary");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&canary).unwrap();
    std::fs::write(canary.join("secret.csv"), "password\nhunter2\n").unwrap();
    std::fs::write(canary.join(".profile"), "export PATH=/usr/bin\n").unwrap();
    std::fs::copy(hostile.join("input.csv"), dir.join("input.csv")).unwrap();
    let spec_text = std::fs::read_to_string(hostile.join(format!("{name}.sluice.json"))).unwrap();
    let spec = dir.join(format!("{name}.sluice.json"));
    std::fs::write(&spec, spec_text.replace("@CANARY@", &canary.to_string_lossy())).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(canary.join(".profile"), dir.join("innocent.csv")).unwrap();
    Case { _tmp: tmp, spec, canary }
}

/// Run every command on the case: none may touch the canary. Returns what `run` printed, and
/// its exit code.
fn contained(name: &str, node: &str, extra: &[&str]) -> (String, i32) {
    let c = case(name);
    let before = snapshot(&c.canary);
    let spec = c.spec.to_string_lossy().to_string();
    let mut last = (String::new(), 0);
    for args in [
        vec!["validate", spec.as_str()],
        vec!["sql", spec.as_str(), node],
        vec!["preview", spec.as_str(), node],
        vec!["run", spec.as_str()],
    ] {
        let mut args = args.clone();
        args.extend_from_slice(extra);
        let out = sluice(&args);
        let printed = text(&out);
        assert!(!printed.contains("panicked"), "{name}: {args:?} panicked:\n{printed}");
        assert_eq!(snapshot(&c.canary), before, "{name}: `sluice {}` touched the canary folder:\n{printed}", args.join(" "));
        last = (printed, out.status.code().unwrap_or(-1));
    }
    (last.0, last.1)
}

/// The case is refused by `run` with `code` (exit 2, a spec error) naming `node`.
fn refused(name: &str, node: &str, code: &str) {
    let (printed, exit) = contained(name, node, &[]);
    assert_eq!(exit, 2, "{name}: expected a refusal, got exit {exit}:\n{printed}");
    assert!(printed.contains(code), "{name}: expected {code}:\n{printed}");
    assert!(printed.contains(&format!("'{node}'")), "{name}: the refusal must name node '{node}':\n{printed}");
}

#[test]
fn statements_smuggled_through_sql_params_are_refused() {
    refused("predicate_quote_in_comment", "f", "S022");
    refused("derive_adds_a_clause", "f", "S064");
    refused("train_rows_closes_a_bracket", "f", "S061");
    refused("sql_node_second_statement", "f", "S022");
    refused("check_sql_attach", "f", "S022");
}

#[test]
fn a_comment_that_nests_differently_never_runs_a_second_statement() {
    // Whether or not the parser nests comments, nothing but the aggregate runs.
    let (printed, exit) = contained("aggregate_nested_comment", "f", &[]);
    assert!(exit == 0 || printed.contains("not one"), "exit {exit}:\n{printed}");
}

#[test]
fn files_the_spec_does_not_declare_cannot_be_read() {
    for name in ["sql_reads_an_undeclared_file", "sql_reads_system_files", "sql_downloads"] {
        let (printed, exit) = contained(name, "f", &[]);
        assert_ne!(exit, 0, "{name}:\n{printed}");
        assert!(printed.contains("'f'"), "{name}: names the node:\n{printed}");
        assert!(printed.contains("is not declared by the spec"), "{name}:\n{printed}");
        assert!(!printed.contains("hunter2"), "{name}: the secret was read:\n{printed}");
    }
}

#[test]
fn params_are_values_not_sql() {
    let c = case("param_smuggles_sql");
    let hostile = format!("who=x' ; COPY (SELECT 1) TO '{}/pwned.csv' (FORMAT csv) ; SELECT '", c.canary.display());
    let before = snapshot(&c.canary);
    let spec = c.spec.to_string_lossy().to_string();
    for cmd in ["validate", "run"] {
        let out = sluice(&[cmd, &spec, "--param", &hostile]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    assert_eq!(snapshot(&c.canary), before);
    // The value was compared as text: no row has that status.
    let written = std::fs::read_to_string(c.spec.parent().unwrap().join("out/result.csv")).unwrap();
    assert_eq!(written.lines().count(), 1, "{written}");
    let sql = text(&sluice(&["sql", &spec, "f", "--param", &hostile]));
    assert!(sql.contains("status = 'x'' ; COPY"), "{sql}");
}

#[test]
fn writes_outside_the_folder_need_consent() {
    refused("sink_appends_to_a_dotfile", "dot", "S067");
    refused("sink_climbs_out", "out", "S067");
    refused("sink_through_a_symlink", "out", "S067");
    refused("two_sinks_one_file", "b", "S068");
    let (printed, exit) = contained("state_outside", "f", &[]);
    assert_eq!(exit, 2, "{printed}");
    assert!(printed.contains("S067") && printed.contains("state"), "{printed}");
}

#[test]
fn consent_lets_production_write_where_it_was_allowed() {
    // The same dotfile case with --allow-write: the canary changes, so the refusals above are
    // not a test that cannot fail.
    let c = case("sink_appends_to_a_dotfile");
    let spec = c.spec.to_string_lossy().to_string();
    let canary = c.canary.to_string_lossy().to_string();
    let out = sluice(&["run", &spec, "--allow-write", &canary]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let profile = std::fs::read_to_string(c.canary.join(".profile")).unwrap();
    assert!(profile.contains("echo owned"), "{profile}");
    // SLUICE_ALLOW_WRITE grants the same.
    let c = case("sink_climbs_out");
    let out = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(["run", &c.spec.to_string_lossy()])
        .env("SLUICE_ALLOW_WRITE", &c.canary)
        .env("SLUICE_NO_CACHE", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(c.canary.join("climbed.csv").is_file());
}
