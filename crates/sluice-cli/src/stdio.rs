//! Every write to stdout and stderr, for readers that go away early.
//!
//! A closed pipe (`sluice catalog | head -1`, `sluice validate spec 2>&1 | true`) does not fail
//! the command: what is left to print is dropped and the command finishes its work, so the exit
//! code still says what it found (a run still writes its outputs; an invalid spec is still 2).
//! Any other failure to write stdout (a full disk) is remembered, and a command that would have
//! succeeded exits 1 with the error, since its output is incomplete.

use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);
static STDOUT_FAILED: Mutex<Option<std::io::Error>> = Mutex::new(None);

/// Write `bytes` to stdout and flush, unless its reader has gone.
pub fn out(bytes: &[u8]) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut s = std::io::stdout().lock();
    if let Err(e) = s.write_all(bytes).and_then(|()| s.flush()) {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != ErrorKind::BrokenPipe {
            STDOUT_FAILED.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(e);
        }
    }
}

/// Write `bytes` to stderr, unless its reader has gone. Errors there cannot be reported.
pub fn err(bytes: &[u8]) {
    if STDERR_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    if std::io::stderr().lock().write_all(bytes).is_err() {
        STDERR_CLOSED.store(true, Ordering::Relaxed);
    }
}

/// The first failure to write stdout other than a closed pipe, taken.
pub fn stdout_failure() -> Option<std::io::Error> {
    STDOUT_FAILED.lock().unwrap_or_else(|p| p.into_inner()).take()
}

/// `println!` through [`out`].
macro_rules! outln {
    () => {
        $crate::stdio::out(b"\n")
    };
    ($($t:tt)*) => {
        $crate::stdio::out(format!("{}\n", format_args!($($t)*)).as_bytes())
    };
}

/// `eprintln!` through [`err`].
macro_rules! errln {
    ($($t:tt)*) => {
        $crate::stdio::err(format!("{}\n", format_args!($($t)*)).as_bytes())
    };
}

pub(crate) use {errln, outln};
