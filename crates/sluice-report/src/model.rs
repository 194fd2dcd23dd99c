//! The run document as typed structs.
//!
//! A report is most needed when a run went wrong, so reading the document never fails: every
//! field is optional, a field of the wrong type reads as missing, and a list entry that is not an
//! object is left out and named in [`Report::problems`].

use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Everything one report shows.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub pipeline: String,
    pub run: Run,
    pub nodes: Vec<Node>,
    pub checks: Vec<Check>,
    pub outputs: Vec<Output>,
    /// Parts of the document that could not be read, for people.
    pub problems: Vec<String>,
}

impl Report {
    /// Read a run document; what cannot be read is left out and listed in `problems`.
    pub fn from_value(doc: &Value) -> Report {
        let mut problems = Vec::new();
        if !doc.is_object() {
            problems.push(format!("the run document is not a JSON object but {}", kind_of(doc)));
        }
        let run = match doc.get("run") {
            None | Some(Value::Null) => Run::default(),
            Some(v) => Run::deserialize(v).unwrap_or_else(|e| {
                problems.push(format!("run: {e}"));
                Run::default()
            }),
        };
        Report {
            pipeline: doc.get("pipeline").map(text_of).unwrap_or_default(),
            run,
            nodes: list(doc, "nodes", &mut problems),
            checks: list(doc, "checks", &mut problems),
            outputs: list(doc, "outputs", &mut problems),
            problems,
        }
    }
}

/// Entries of the top-level list `key`, each read on its own so one bad entry costs only itself.
fn list<T: DeserializeOwned>(doc: &Value, key: &str, problems: &mut Vec<String>) -> Vec<T> {
    match doc.get(key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| match T::deserialize(v) {
                Ok(t) => Some(t),
                Err(e) => {
                    problems.push(format!("{key}[{i}]: {e}"));
                    None
                }
            })
            .collect(),
        Some(other) => {
            problems.push(format!("{key}: expected a list, found {}", kind_of(other)));
            Vec::new()
        }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The run as a whole.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Run {
    #[serde(deserialize_with = "de::text")]
    pub run_id: String,
    #[serde(deserialize_with = "de::text")]
    pub started_at: String,
    #[serde(deserialize_with = "de::count")]
    pub ms: Option<u64>,
    /// `success`, `failed` or `cancelled`.
    #[serde(deserialize_with = "de::text")]
    pub status: String,
    #[serde(deserialize_with = "de::object")]
    pub params: Map<String, Value>,
    #[serde(deserialize_with = "de::text")]
    pub spec_path: String,
    #[serde(deserialize_with = "de::opt_text")]
    pub error: Option<String>,
}

/// One node of the pipeline and how it ran.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Node {
    #[serde(deserialize_with = "de::text")]
    pub id: String,
    #[serde(deserialize_with = "de::text")]
    pub kind: String,
    /// `source`, `transform`, `check`, `sink`, ...
    #[serde(deserialize_with = "de::text")]
    pub category: String,
    /// `done`, `failed`, `skipped` or `not_run`.
    #[serde(deserialize_with = "de::text")]
    pub status: String,
    #[serde(deserialize_with = "de::count")]
    pub rows: Option<u64>,
    #[serde(deserialize_with = "de::count")]
    pub ms: Option<u64>,
    /// Reused from the result cache rather than computed.
    #[serde(deserialize_with = "de::flag")]
    pub cached: bool,
    /// `(port, upstream node id)` pairs; a port may take several upstream nodes.
    #[serde(deserialize_with = "de::inputs")]
    pub inputs: Vec<(String, String)>,
    #[serde(deserialize_with = "de::number")]
    pub x: Option<f64>,
    #[serde(deserialize_with = "de::number")]
    pub y: Option<f64>,
    /// `pass`, `warn` or `fail`, on check nodes that ran.
    #[serde(deserialize_with = "de::opt_text")]
    pub check_status: Option<String>,
    /// Why the node failed, when it did.
    #[serde(deserialize_with = "de::opt_text")]
    pub error: Option<String>,
}

/// The outcome of one check.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Check {
    #[serde(deserialize_with = "de::text")]
    pub node: String,
    #[serde(deserialize_with = "de::text")]
    pub kind: String,
    /// What is checked, e.g. `amount in [0, 10000]`.
    #[serde(deserialize_with = "de::text")]
    pub check: String,
    #[serde(deserialize_with = "de::text")]
    pub severity: String,
    /// `pass`, `warn` or `fail`.
    #[serde(deserialize_with = "de::text")]
    pub status: String,
    #[serde(deserialize_with = "de::number")]
    pub observed: Option<f64>,
    #[serde(deserialize_with = "de::text")]
    pub threshold: String,
    #[serde(deserialize_with = "de::count")]
    pub element_count: Option<u64>,
    #[serde(deserialize_with = "de::count")]
    pub unexpected_count: Option<u64>,
    /// In percent.
    #[serde(deserialize_with = "de::number")]
    pub unexpected_percent: Option<f64>,
    #[serde(deserialize_with = "de::text")]
    pub message: String,
    #[serde(deserialize_with = "de::lenient")]
    pub samples: Option<Samples>,
    /// Kind-specific measurements; for `check_drift` one object per column.
    pub details: Value,
}

impl Check {
    /// The per-column results of a drift check; empty for other kinds.
    pub fn drift_columns(&self) -> Vec<ColumnDrift> {
        if self.kind != "check_drift" {
            return Vec::new();
        }
        match &self.details {
            Value::Array(items) => items.iter().filter_map(|v| ColumnDrift::deserialize(v).ok()).collect(),
            _ => Vec::new(),
        }
    }
}

/// Some rows that broke a check's rule.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Samples {
    #[serde(deserialize_with = "de::list")]
    pub columns: Vec<SampleColumn>,
    /// Each row's values in column order, as JSON.
    #[serde(deserialize_with = "de::list")]
    pub rows: Vec<Vec<Value>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SampleColumn {
    #[serde(deserialize_with = "de::text")]
    pub name: String,
    #[serde(rename = "type", deserialize_with = "de::text")]
    pub ty: String,
}

/// One column's drift test.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ColumnDrift {
    #[serde(deserialize_with = "de::text")]
    pub column: String,
    /// `num` or `cat`.
    #[serde(deserialize_with = "de::text")]
    pub column_type: String,
    #[serde(deserialize_with = "de::text")]
    pub method: String,
    /// Null when the column could not be tested.
    #[serde(deserialize_with = "de::number")]
    pub score: Option<f64>,
    /// `p_value` or `distance`.
    #[serde(deserialize_with = "de::text")]
    pub score_type: String,
    #[serde(deserialize_with = "de::number")]
    pub threshold: Option<f64>,
    #[serde(deserialize_with = "de::flag")]
    pub drifted: bool,
    #[serde(deserialize_with = "de::count")]
    pub reference_rows: Option<u64>,
    #[serde(deserialize_with = "de::count")]
    pub current_rows: Option<u64>,
    /// Why the column could not be tested.
    #[serde(deserialize_with = "de::opt_text")]
    pub error: Option<String>,
    #[serde(deserialize_with = "de::lenient")]
    pub distribution: Option<Distribution>,
}

/// Baseline and current share of rows per bin or category.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Distribution {
    #[serde(deserialize_with = "de::texts")]
    pub labels: Vec<String>,
    #[serde(deserialize_with = "de::numbers")]
    pub reference: Vec<f64>,
    #[serde(deserialize_with = "de::numbers")]
    pub current: Vec<f64>,
}

/// A sink's output.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Output {
    #[serde(deserialize_with = "de::text")]
    pub node: String,
    #[serde(deserialize_with = "de::text")]
    pub path: String,
    #[serde(deserialize_with = "de::count")]
    pub rows: Option<u64>,
    #[serde(deserialize_with = "de::lenient")]
    pub profile: Option<Profile>,
    /// Why there is no profile.
    #[serde(deserialize_with = "de::opt_text")]
    pub error: Option<String>,
    /// Already what the run would write: left as it was, not written again.
    #[serde(deserialize_with = "de::flag")]
    pub cached: bool,
}

/// Column statistics of an output.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Profile {
    #[serde(deserialize_with = "de::text")]
    pub node: String,
    #[serde(deserialize_with = "de::count")]
    pub rows: Option<u64>,
    /// Rows the profile was computed on, when it is a sample.
    #[serde(deserialize_with = "de::count")]
    pub sampled_rows: Option<u64>,
    #[serde(deserialize_with = "de::list")]
    pub columns: Vec<ColumnProfile>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ColumnProfile {
    #[serde(deserialize_with = "de::text")]
    pub name: String,
    #[serde(rename = "type", deserialize_with = "de::text")]
    pub ty: String,
    /// `numeric`, `temporal` or `categorical`.
    #[serde(deserialize_with = "de::text")]
    pub shape: String,
    #[serde(deserialize_with = "de::count")]
    pub count: Option<u64>,
    #[serde(deserialize_with = "de::count")]
    pub nulls: Option<u64>,
    #[serde(deserialize_with = "de::number")]
    pub null_percent: Option<f64>,
    #[serde(deserialize_with = "de::count")]
    pub distinct: Option<u64>,
    #[serde(deserialize_with = "de::flag")]
    pub distinct_approx: bool,
    /// A number, or a string for times and text.
    pub min: Value,
    pub max: Value,
    #[serde(deserialize_with = "de::number")]
    pub mean: Option<f64>,
    #[serde(deserialize_with = "de::number")]
    pub std: Option<f64>,
    /// `(level, value)` pairs.
    #[serde(deserialize_with = "de::pairs")]
    pub quantiles: Vec<(f64, f64)>,
    #[serde(deserialize_with = "de::count")]
    pub zeros: Option<u64>,
    #[serde(deserialize_with = "de::count")]
    pub negatives: Option<u64>,
    #[serde(deserialize_with = "de::lenient")]
    pub histogram: Option<Histogram>,
}

impl ColumnProfile {
    /// The value at quantile `level`, when it was computed.
    pub fn quantile(&self, level: f64) -> Option<f64> {
        self.quantiles.iter().find(|(l, _)| (l - level).abs() < 1e-9).map(|(_, v)| *v)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Histogram {
    #[serde(deserialize_with = "de::text")]
    pub column: String,
    #[serde(rename = "type", deserialize_with = "de::text")]
    pub ty: String,
    #[serde(deserialize_with = "de::text")]
    pub shape: String,
    #[serde(deserialize_with = "de::count")]
    pub nulls: Option<u64>,
    #[serde(deserialize_with = "de::list")]
    pub bins: Vec<Bin>,
}

/// One bar of a histogram.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Bin {
    #[serde(deserialize_with = "de::text")]
    pub label: String,
    #[serde(deserialize_with = "de::number")]
    pub lo: Option<f64>,
    #[serde(deserialize_with = "de::number")]
    pub hi: Option<f64>,
    #[serde(deserialize_with = "de::count_or_zero")]
    pub count: u64,
}

/// A JSON value as text: strings as they are, other scalars as JSON, null as empty.
pub(crate) fn text_of(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Field readers that turn anything unexpected into "missing" instead of an error.
mod de {
    use super::*;

    fn any<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        Ok(Option::<Value>::deserialize(d)?.unwrap_or(Value::Null))
    }

    fn as_count(v: &Value) -> Option<u64> {
        v.as_u64().or_else(|| v.as_f64().filter(|f| f.is_finite() && *f >= 0.0).map(|f| f.round() as u64))
    }

    pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(text_of(&any(d)?))
    }

    pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(Some(text_of(&any(d)?)).filter(|s| !s.is_empty()))
    }

    pub fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Ok(any(d)?.as_f64())
    }

    pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Ok(as_count(&any(d)?))
    }

    pub fn count_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        Ok(as_count(&any(d)?).unwrap_or(0))
    }

    pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        Ok(any(d)?.as_bool().unwrap_or(false))
    }

    pub fn object<'de, D: Deserializer<'de>>(d: D) -> Result<Map<String, Value>, D::Error> {
        Ok(match any(d)? {
            Value::Object(m) => m,
            _ => Map::new(),
        })
    }

    /// A nested object, or `None` when it is missing or unreadable.
    pub fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
        let v = any(d)?;
        Ok(if v.is_null() { None } else { T::deserialize(&v).ok() })
    }

    /// A list, without the entries that cannot be read.
    pub fn list<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
        Ok(match any(d)? {
            Value::Array(items) => items.iter().filter_map(|v| T::deserialize(v).ok()).collect(),
            _ => Vec::new(),
        })
    }

    pub fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        Ok(match any(d)? {
            Value::Array(items) => items.iter().map(text_of).collect(),
            _ => Vec::new(),
        })
    }

    /// Numbers, with a missing value read as 0 so positions keep matching their labels.
    pub fn numbers<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Ok(match any(d)? {
            Value::Array(items) => items.iter().map(|v| v.as_f64().unwrap_or(0.0)).collect(),
            _ => Vec::new(),
        })
    }

    pub fn pairs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(f64, f64)>, D::Error> {
        Ok(match any(d)? {
            Value::Array(items) => items.iter().filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?))).collect(),
            _ => Vec::new(),
        })
    }

    /// `{port: id}` or `{port: [id, ...]}`.
    pub fn inputs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
        let Value::Object(ports) = any(d)? else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for (port, v) in ports {
            match v {
                Value::String(id) => out.push((port, id)),
                Value::Array(ids) => out.extend(ids.iter().filter_map(|id| id.as_str()).map(|id| (port.clone(), id.to_string()))),
                _ => {}
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_types_read_as_missing() {
        let r = Report::from_value(&json!({
            "pipeline": 7,
            "run": {"ms": "soon", "params": [1], "status": "success"},
            "nodes": [{"id": "a", "rows": -3, "x": "left", "inputs": {"left": "b", "more": ["c", 4]}}, 5],
            "checks": "none"
        }));
        assert_eq!(r.pipeline, "7");
        assert_eq!(r.run.ms, None);
        assert!(r.run.params.is_empty());
        assert_eq!(r.nodes.len(), 1);
        assert_eq!(r.nodes[0].rows, None);
        assert_eq!(r.nodes[0].x, None);
        assert_eq!(r.nodes[0].inputs, [("left".to_string(), "b".to_string()), ("more".to_string(), "c".to_string())]);
        assert_eq!(r.problems.len(), 2, "{:?}", r.problems);
    }

    #[test]
    fn counts_accept_whole_floats() {
        let b: Bin = Bin::deserialize(&json!({"label": "x", "count": 12.0})).unwrap();
        assert_eq!(b.count, 12);
    }
}
