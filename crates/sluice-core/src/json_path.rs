//! The small JSON paths an HTTP API source names parts of a response body with: keys joined by
//! dots and array indexes in brackets (`data.items`, `$.data.items`, `results[0].rows`). Empty
//! (or `$`) is the body itself. Nothing more (no wildcards, no filters): a path names one value.

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// The steps of `text`; an error says what is wrong with it.
pub fn parse(text: &str) -> Result<Vec<Step>, String> {
    let t = text.trim();
    let t = t.strip_prefix('$').unwrap_or(t);
    let t = t.strip_prefix('.').unwrap_or(t);
    let mut steps = Vec::new();
    if t.is_empty() {
        return Ok(steps);
    }
    for part in t.split('.') {
        // `key[1][2]`: the key (may be absent after the first part: `a.[0]` is refused below),
        // then its indexes.
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() && (rest.is_empty() || !steps.is_empty()) {
            return Err(format!("'{text}' has an empty key (write keys joined by dots: data.items)"));
        }
        if !key.is_empty() {
            if key.contains(']') {
                return Err(format!("'{text}' has a ']' that no '[' opened"));
            }
            steps.push(Step::Key(key.to_string()));
        }
        while !rest.is_empty() {
            let Some(close) = rest.find(']') else { return Err(format!("'{text}' has a '[' that does not close")) };
            let inner = &rest[1..close];
            let i: usize = inner.trim().parse().map_err(|_| format!("'{text}': [{inner}] is not an array index (a number from 0)"))?;
            steps.push(Step::Index(i));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(format!("'{text}': '{rest}' follows an index; join keys with dots"));
            }
        }
    }
    Ok(steps)
}

/// The value at `steps` in `body`, None when a step does not exist.
pub fn get<'a>(body: &'a Value, steps: &[Step]) -> Option<&'a Value> {
    steps.iter().try_fold(body, |v, s| match s {
        Step::Key(k) => v.as_object()?.get(k),
        Step::Index(i) => v.as_array()?.get(*i),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_name_one_value() {
        let body = json!({"data": {"items": [1, 2], "pages": [{"next": "u"}]}});
        for p in ["data.items", "$.data.items", " $.data.items "] {
            assert_eq!(get(&body, &parse(p).unwrap()), Some(&json!([1, 2])), "{p}");
        }
        assert_eq!(get(&body, &parse("data.pages[0].next").unwrap()), Some(&json!("u")));
        assert_eq!(get(&body, &parse("data.items[1]").unwrap()), Some(&json!(2)));
        assert_eq!(get(&body, &parse("").unwrap()), Some(&body));
        assert_eq!(get(&body, &parse("$").unwrap()), Some(&body));
        assert_eq!(get(&body, &parse("data.missing").unwrap()), None);
        assert_eq!(get(&body, &parse("data.items[5]").unwrap()), None);
        assert_eq!(get(&body, &parse("data.items.x").unwrap()), None);
        assert_eq!(get(&json!([[7]]), &parse("[0][0]").unwrap()), Some(&json!(7)));
    }

    #[test]
    fn malformed_paths_say_why() {
        assert!(parse("data..items").unwrap_err().contains("empty key"));
        assert!(parse("data.items[").unwrap_err().contains("does not close"));
        assert!(parse("data.items[x]").unwrap_err().contains("not an array index"));
        assert!(parse("data.items[0]x").unwrap_err().contains("follows an index"));
        assert!(parse("a].b").unwrap_err().contains("no '[' opened"));
        assert!(parse("a.[0]").is_err());
    }
}
