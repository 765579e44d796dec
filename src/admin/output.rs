//! Text and JSON rendering for the admin tool. No I/O beyond returning strings.

use serde::Serialize;

/// Renders `items` as JSON (pretty) or with `text` for each.
pub fn render<T: Serialize>(json: bool, items: &[T], text: impl Fn(&T) -> String) -> String {
    if json {
        return serde_json::to_string_pretty(items).unwrap_or_else(|_| "[]".into()) + "\n";
    }
    let mut s = String::new();
    for i in items {
        s.push_str(&text(i));
        s.push('\n');
    }
    s
}
