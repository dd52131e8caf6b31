//! The one JSON printer of the command line: every `--json` answer goes through it.
//!
//! The output is ASCII only: any character outside ASCII is written as a `\uXXXX`
//! escape (a surrogate pair above U+FFFF), so Windows PowerShell 5.1's
//! `ConvertFrom-Json` reads `café-01` as `café-01` whatever the console's code page,
//! and a pipe or a file never carries bytes a reader could decode the wrong way.
//! Outside strings JSON is ASCII already, so escaping every non-ASCII character of the
//! encoded text is exact. A closed pipe (`cordon … --json | Select-Object -First 1`)
//! ends the output quietly instead of panicking.

use std::io::Write;

/// Prints `v` as indented JSON on stdout (one document, then a newline).
pub fn print(v: &impl serde::Serialize) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => write_line(&ascii(&s)),
        Err(e) => eprintln!("cordon: could not write JSON: {e}"),
    }
}

/// Prints `v` as one line of JSON on stdout (summaries for schedulers and logs).
pub fn print_line(v: &impl serde::Serialize) {
    match serde_json::to_string(v) {
        Ok(s) => write_line(&ascii(&s)),
        Err(e) => eprintln!("cordon: could not write JSON: {e}"),
    }
}

/// `text` with every non-ASCII character as a JSON `\uXXXX` escape (UTF-16 units).
pub fn ascii(text: &str) -> String {
    if text.is_ascii() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut units = [0u16; 2];
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out
}

fn write_line(s: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{s}").and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("cordon: could not write the output: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::ascii;

    #[test]
    fn non_ascii_becomes_escapes_that_parse_back() {
        let row = serde_json::json!({
            "name": "café-01",
            "comment": "Zürich — 東京 🔒",
            "plain": "ws-01",
        });
        let text = ascii(&serde_json::to_string_pretty(&row).unwrap_or_default());
        assert!(text.is_ascii(), "{text}");
        assert!(text.contains(r#""café-01""#.replace('é', r"\u00e9").as_str()));
        assert!(text.contains(r"\ud83d\udd12"), "a surrogate pair: {text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, row);
    }

    #[test]
    fn ascii_text_is_unchanged() {
        let s = r#"{"a": "b\n\u0001"}"#;
        assert_eq!(ascii(s), s);
    }
}
