//! Secrets (passwords) that never reach a message, a log or a file of ours: their `Debug` and
//! `Display` print a mask, and [`redact`] takes them out of any text a driver hands back.

use std::fmt;

/// A password.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The value, for the driver that logs in with it and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// `text` with every occurrence of the secret (raw and percent-encoded, as it appears in a
/// URL) replaced by `***`.
pub fn redact(text: &str, secret: Option<&Secret>) -> String {
    let Some(s) = secret.filter(|s| !s.is_empty()) else { return text.to_string() };
    let mut out = text.replace(s.expose(), "***");
    let encoded: String = url::form_urlencoded::byte_serialize(s.expose().as_bytes()).collect();
    if encoded != s.expose() {
        out = out.replace(&encoded, "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn secrets_are_masked_everywhere() {
        let s = Secret::new("p@ss word");
        assert_eq!(format!("{s} {s:?}"), "*** Secret(***)");
        assert_eq!(redact("login p@ss word failed; url p%40ss+word", Some(&s)), "login *** failed; url ***");
        assert_eq!(redact("nothing", None), "nothing");
    }
}
