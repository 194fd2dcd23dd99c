//! The spec file (`*.sluice.json`, version 1): the model, a parser that reports every problem at once,
//! and a writer whose output is stable and pleasant to diff.
//!
//! Node definitions and canvas positions live in different sections: moving a box on the canvas
//! changes only `layout`.

pub mod json_schema;
pub mod params;
pub(crate) mod parse;
pub mod sql_schema;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use params::{ParamDecl, ParamType};
pub use parse::parse;

/// The spec version this build reads and writes.
pub const SPEC_VERSION: u32 = 1;

/// A pipeline: typed params, nodes wired by id, and their canvas layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Spec format version; this build reads version 1.
    pub version: u32,
    /// Short name of the pipeline.
    pub name: String,
    /// What the pipeline does, for its readers.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Typed parameters; `${name}` in any node parameter is replaced by the value.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub params: IndexMap<String, ParamDecl>,
    /// Where a run writes the fitted state of its feature steps (encoders, scalers, imputers,
    /// bins), relative to the spec; `sluice run --state FILE` applies such a file instead of
    /// fitting. `${param}` placeholders are filled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The nodes, in any order; `inputs` wire them together.
    pub nodes: Vec<NodeSpec>,
    /// Canvas positions by node id, kept apart from the logic.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub layout: IndexMap<String, Position>,
}

/// One node of the pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    /// Stable, readable id: letters, digits, `_` and `-`, starting with a letter or `_`.
    pub id: String,
    /// The node kind, from `sluice catalog`.
    pub kind: String,
    /// Optional note for readers.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Input port name to upstream node id.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub inputs: IndexMap<String, String>,
    /// The kind's parameters (see `sluice catalog`).
    #[serde(default = "empty_object")]
    pub params: Value,
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

/// A node's position on the canvas.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Position {
    #[serde(serialize_with = "coordinate")]
    pub x: f64,
    #[serde(serialize_with = "coordinate")]
    pub y: f64,
}

/// Whole coordinates are written without a fraction (`240`, not `240.0`), as people write them.
fn coordinate<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        s.serialize_i64(*v as i64)
    } else {
        s.serialize_f64(*v)
    }
}

impl Spec {
    pub fn node(&self, id: &str) -> Option<&NodeSpec> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The spec as written to disk: two-space indented JSON with a trailing newline.
    pub fn to_pretty_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a spec always serialises");
        s.push('\n');
        s
    }
}
