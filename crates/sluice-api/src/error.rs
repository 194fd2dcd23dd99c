//! Errors as the UI sees them: a stable code, a message, and diagnostics when the spec is at fault.

use serde::Serialize;
use sluice_core::Diagnostic;
use sluice_engine::EngineError;

/// An error returned to the UI.
#[derive(Debug, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: String,
    pub message: String,
    /// The node at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ApiError { code: code.into(), message: message.into(), node: None, diagnostics: vec![] }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        let node = match &e {
            EngineError::Node { node, .. } | EngineError::Io { node, .. } => Some(node.clone()),
            _ => None,
        };
        let diagnostics = match &e {
            EngineError::Invalid(d) => d.clone(),
            _ => vec![],
        };
        ApiError { code: e.code().into(), message: e.to_string(), node, diagnostics }
    }
}

impl From<sluice_export::ExportError> for ApiError {
    fn from(e: sluice_export::ExportError) -> Self {
        let diagnostics = match &e {
            sluice_export::ExportError::Unsupported { nodes, .. } => nodes.clone(),
            _ => vec![],
        };
        let node = match diagnostics.as_slice() {
            [one] => one.node.clone(),
            _ => None,
        };
        ApiError { code: e.code().into(), message: e.to_string(), node, diagnostics }
    }
}

impl From<sluice_core::CoreError> for ApiError {
    fn from(e: sluice_core::CoreError) -> Self {
        EngineError::from(e).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn serialises_as_code_and_message() {
        let e: ApiError = EngineError::Node { node: "src".into(), message: "boom".into() }.into();
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v, serde_json::json!({"code": "E200", "message": "node 'src' failed: boom", "node": "src"}));
    }
}
