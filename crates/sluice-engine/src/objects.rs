//! Object paths in the engine: before a spec is described, the objects its sources name are
//! mirrored beside it (only those that changed are downloaded), so DuckDB reads local files it
//! was granted and never the network; after a run commits a sink's file locally, the file is
//! sent to its store in one piece. See [`sluice_core::objects`].
//!
//! Stores are opened once per engine, only through the connections the spec's nodes name.

use std::sync::Arc;

use sluice_connect::objects::{self, Store, Synced};
use sluice_connect::ConnectError;
use sluice_core::files::ObjectUse;

use crate::run::Engine;
use crate::EngineError;

impl Engine {
    /// The open store of `u` (through its connection, or anonymous).
    fn store_for(&self, u: &ObjectUse) -> Result<Arc<Store>, EngineError> {
        let fail = |source: ConnectError| EngineError::Connection { node: u.node.clone(), source };
        let k = format!("{}|{}|{}", u.connection.as_deref().unwrap_or(""), u.object.family(), u.object.bucket);
        let mut open = self.remotes.stores.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = open.get(&k) {
            return Ok(s.clone());
        }
        let resolved = match &u.connection {
            Some(name) => Some(self.connections()?.resolve(name).map_err(fail)?),
            None => None,
        };
        let store = Arc::new(objects::open_store(&u.object, resolved.as_ref()).map_err(fail)?);
        open.insert(k, store.clone());
        Ok(store)
    }

    /// Bring the mirror of every object `objects` names up to date: sources' objects, and sinks'
    /// current outputs (an append or merge adds to them). Returns the nodes that failed.
    pub(crate) fn mirror_objects(&self, objects: &[ObjectUse]) -> Vec<(String, EngineError)> {
        let mut failed = Vec::new();
        for u in objects {
            if failed.iter().any(|(n, _): &(String, EngineError)| *n == u.node) {
                continue;
            }
            if let Err(e) = self.sync_object(u) {
                failed.push((u.node.clone(), e));
            }
        }
        failed
    }

    fn sync_object(&self, u: &ObjectUse) -> Result<Synced, EngineError> {
        let store = self.store_for(u)?;
        objects::sync(&store, u).map_err(|source| EngineError::Connection { node: u.node.clone(), source })
    }

    /// Send sink output `u` (committed in the mirror) to its store; returns the bytes sent.
    pub(crate) fn send_object(&self, u: &ObjectUse) -> Result<u64, EngineError> {
        let store = self.store_for(u)?;
        objects::send(&store, u).map_err(|source| EngineError::Connection { node: u.node.clone(), source })
    }
}
