//! Cancelling a run from another thread: a flag checked between nodes, and DuckDB's interrupt for
//! the query under way, repeated until the run notices, so a query that starts just after the
//! first interrupt is stopped too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use duckdb::InterruptHandle;

/// Cancels the engine's current run. Cheap to clone and send to another thread.
#[derive(Clone)]
pub struct CancelHandle {
    pub(crate) flag: Arc<AtomicBool>,
    pub(crate) running: Arc<AtomicBool>,
    pub(crate) interrupt: Arc<InterruptHandle>,
}

impl CancelHandle {
    /// Ask the run to stop. Returns at once; the run ends with [`crate::EngineError::Cancelled`].
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
        let me = self.clone();
        std::thread::spawn(move || {
            while me.running.load(Ordering::SeqCst) && me.flag.load(Ordering::SeqCst) {
                me.interrupt.interrupt();
                std::thread::sleep(Duration::from_millis(20));
            }
        });
    }

    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}
