//! Cancelling a long run from another thread: it stops within a second, no staged file is left,
//! and the output of an earlier run is untouched.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use sluice_engine::{load_plan, Engine, EngineError, Event, RunOptions, Settings};

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/cancel/pipeline.sluice.json");
    std::fs::copy(fixture, dir.path().join("pipeline.sluice.json")).unwrap();
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.path().join("numbers.csv")).unwrap());
    writeln!(f, "x").unwrap();
    for i in 0..400_000 {
        writeln!(f, "{i}").unwrap();
    }
    dir
}

#[test]
fn cancel_stops_within_a_second_and_keeps_earlier_outputs() {
    let dir = setup();
    let spec = dir.path().join("pipeline.sluice.json");
    let out = dir.path().join("out/pairs.parquet");

    // A quick run writes the output that the cancelled run must not touch.
    let engine = Engine::new(&Settings::default()).unwrap();
    let plan = load_plan(&engine, &spec, &[]).unwrap().into_plan().unwrap();
    engine.run(&plan, &RunOptions::default(), &mut |_| {}).unwrap();
    let before = std::fs::read(&out).unwrap();
    let modified = std::fs::metadata(&out).unwrap().modified().unwrap();

    // The same pipeline over 400k numbers: a self-join of 1.6e11 pairs, minutes of work.
    let plan = load_plan(&engine, &spec, &[("n".into(), "400000".into())]).unwrap().into_plan().unwrap();
    let cancel = engine.cancel_handle();
    let (tx, rx) = std::sync::mpsc::channel::<Instant>();
    let canceller = std::thread::spawn(move || {
        // Cancel once the expensive node has been running for a while.
        let started = rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(1500).saturating_sub(started.elapsed()));
        let at = Instant::now();
        cancel.cancel();
        at
    });
    let mut tx = Some(tx);
    let mut events = vec![];
    let result = engine.run(&plan, &RunOptions::default(), &mut |e| {
        if matches!(e, Event::NodeStarted { node, .. } if node == "pairs") {
            if let Some(tx) = tx.take() {
                tx.send(Instant::now()).unwrap();
            }
        }
        events.push(e.clone());
    });
    let stopped = Instant::now();
    let cancelled_at = canceller.join().unwrap();
    assert!(matches!(result, Err(EngineError::Cancelled)), "{result:?}");
    let took = stopped.duration_since(cancelled_at);
    assert!(took < Duration::from_secs(1), "stopped {took:?} after cancel");
    assert!(matches!(events.last(), Some(Event::RunFinished { status: sluice_engine::RunStatus::Cancelled, .. })));
    assert!(events.iter().any(|e| matches!(e, Event::NodeFailed { node, .. } if node == "pairs")));

    assert_eq!(std::fs::read(&out).unwrap(), before);
    assert_eq!(std::fs::metadata(&out).unwrap().modified().unwrap(), modified);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".sluice-tmp"))
        .collect();
    assert!(leftovers.is_empty());

    // The engine is usable again after a cancel.
    let plan = load_plan(&engine, &spec, &[]).unwrap().into_plan().unwrap();
    engine.run(&plan, &RunOptions::default(), &mut |_| {}).unwrap();
}
