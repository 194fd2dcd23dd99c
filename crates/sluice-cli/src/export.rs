//! What `sluice export dbt` needs beyond the plan: the connections the database sources name,
//! as they are defined now (never a password), and a plan that still exports when a source's
//! database cannot be reached (or its connection is not defined) on this machine.

use indexmap::IndexMap;
use sluice_core::{Diagnostic, Plan};
use sluice_engine::{EngineError, Loaded};
use sluice_export::dbt::sources::Connection;

/// Checking a database source reaches its database (D010): an export goes on without its
/// columns, and says so.
const UNREACHABLE: &str = "D010";

/// The plan to export, and the diagnostics to show as warnings: those of database sources that
/// could not be reached (their columns, and those of the nodes below them, stay unknown). Any
/// other error refuses the plan.
pub fn plan(loaded: Loaded) -> Result<(Plan, Vec<Diagnostic>), EngineError> {
    let errors: Vec<&Diagnostic> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
    if errors.is_empty() || !errors.iter().all(|d| d.code == UNREACHABLE) {
        return loaded.into_plan().map(|p| (p, Vec::new()));
    }
    let unreachable = loaded
        .diagnostics
        .iter()
        .filter(|d| d.code == UNREACHABLE)
        .map(|d| {
            let mut w = Diagnostic::warning(UNREACHABLE, d.message.clone())
                .help("the export goes on: this source's model reads its table's own columns, and the profile reads the connection from the environment");
            w.node = d.node.clone();
            w
        })
        .collect();
    match loaded.plan {
        Some(p) => Ok((p, unreachable)),
        None => Err(EngineError::Invalid(loaded.diagnostics)),
    }
}

/// The connections the plan's database sources name, as defined now; one that is not defined is
/// left out (the exported profile then reads it from the environment).
pub fn connections(plan: &Plan) -> IndexMap<String, Connection> {
    let mut out = IndexMap::new();
    let Ok(defined) = sluice_connect::Connections::load() else { return out };
    for read in plan.declared.remotes.values() {
        let Some(name) = &read.connection else { continue };
        if out.contains_key(name) {
            continue;
        }
        if let Ok(i) = defined.info(name) {
            let sslmode = i.url.split_once('?').and_then(|(_, q)| {
                q.split('&').find_map(|kv| kv.strip_prefix("sslmode=").map(str::to_string))
            });
            out.insert(
                name.clone(),
                Connection { driver: i.driver, host: i.host, port: i.port, database: i.database, user: i.user, sslmode },
            );
        }
    }
    out
}
