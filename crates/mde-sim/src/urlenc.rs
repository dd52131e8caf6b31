//! `application/x-www-form-urlencoded` parsing and percent-encoding, done by hand so the
//! simulator sees query strings and token forms exactly as sent (OData `$filter` values
//! keep their quotes and spaces) without depending on an extractor's leniency.

/// Parses `a=1&b=two+words` into pairs, percent-decoding names and values.
pub fn parse(input: &str) -> Vec<(String, String)> {
    input
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

/// Percent-decodes one form component, `+` meaning a space. Invalid escapes stay literal.
pub fn decode(s: &str) -> String {
    decode_with(s, true)
}

/// Percent-decodes a path segment (`+` stays a plus).
pub fn decode_path(s: &str) -> String {
    decode_with(s, false)
}

fn decode_with(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex_val(bytes[i + 1]), hex_val(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes everything but the RFC 3986 unreserved characters.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Builds a query string from pairs.
pub fn build(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let q = build(&[
            ("$filter", "status eq 'Pending' and x eq 'it''s'"),
            ("$top", "5"),
        ]);
        let p = parse(&q);
        assert_eq!(
            p[0],
            (
                "$filter".into(),
                "status eq 'Pending' and x eq 'it''s'".into()
            )
        );
        assert_eq!(p[1], ("$top".into(), "5".into()));
        assert_eq!(decode("a+b%20c%2"), "a b c%2");
        assert_eq!(decode("%zz"), "%zz");
    }
}
