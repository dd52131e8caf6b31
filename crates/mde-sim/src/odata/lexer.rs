//! Tokens of an OData `$filter`. Literals are recognised here (quoted strings with doubled
//! single quotes, numbers, GUIDs, `2019-11-22T00:00:00Z` and `2018-08-01Z` datetimes), so
//! the parser only deals with structure.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name, keyword or path (`machineTags/any`); keywords are matched case-insensitively.
    Ident(String),
    Str(String),
    Num(f64),
    Date(DateTime<Utc>),
    LParen,
    RParen,
    Comma,
    Colon,
}

pub fn tokenize(input: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if let Some(guid) = guid_at(&chars, i) {
            toks.push(Tok::Str(guid));
            i += 36;
            continue;
        }
        match c {
            '(' => toks.push(Tok::LParen),
            ')' => toks.push(Tok::RParen),
            ',' => toks.push(Tok::Comma),
            ':' => toks.push(Tok::Colon),
            '\'' => {
                let (s, next) = string_at(&chars, i)?;
                toks.push(Tok::Str(s));
                i = next;
                continue;
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || matches!(chars[i], ':' | '.' | '+' | '-'))
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                toks.push(literal(&text)?);
                continue;
            }
            c if c.is_alphabetic() || c == '_' || c == '$' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '/' | '.' | '$'))
                {
                    i += 1;
                }
                toks.push(Tok::Ident(chars[start..i].iter().collect()));
                continue;
            }
            other => {
                return Err(format!(
                    "Syntax error: character '{other}' is not valid at position {i}."
                ));
            }
        }
        i += 1;
    }
    Ok(toks)
}

/// A quoted string starting at `i`; `''` inside means one quote.
fn string_at(chars: &[char], i: usize) -> Result<(String, usize), String> {
    let mut s = String::new();
    let mut j = i + 1;
    loop {
        match chars.get(j) {
            None => {
                return Err(format!(
                    "There is an unterminated string literal at position {i}."
                ));
            }
            Some('\'') if chars.get(j + 1) == Some(&'\'') => {
                s.push('\'');
                j += 2;
            }
            Some('\'') => return Ok((s, j + 1)),
            Some(&c) => {
                s.push(c);
                j += 1;
            }
        }
    }
}

/// An unquoted GUID (`Edm.Guid` literal) starting at `i`.
fn guid_at(chars: &[char], i: usize) -> Option<String> {
    let s: String = chars.get(i..i + 36)?.iter().collect();
    let next_ok = chars.get(i + 36).is_none_or(|c| !c.is_alphanumeric());
    let prev_ok = i == 0 || !chars[i - 1].is_alphanumeric();
    (next_ok && prev_ok && uuid::Uuid::try_parse(&s).is_ok() && s.chars().nth(8) == Some('-'))
        .then_some(s)
}

fn literal(text: &str) -> Result<Tok, String> {
    if text.len() >= 10
        && text.as_bytes().get(4) == Some(&b'-')
        && text.as_bytes().get(7) == Some(&b'-')
    {
        return parse_datetime(text)
            .map(Tok::Date)
            .ok_or_else(|| format!("Unrecognized datetime literal '{text}'."));
    }
    text.parse::<f64>()
        .map(Tok::Num)
        .map_err(|_| format!("Unrecognized literal '{text}'."))
}

/// Datetime literal forms seen in Microsoft's samples, plus RFC 3339 in general.
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(text) {
        return Some(d.with_timezone(&Utc));
    }
    let bare = text.strip_suffix('Z').unwrap_or(text);
    if let Ok(d) = NaiveDate::parse_from_str(bare, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|n| n.and_utc());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(bare, fmt) {
            return Some(n.and_utc());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        let t = tokenize("status eq 'it''s' and x ge 2019-11-22T00:00:00Z or y lt 2018-08-01Z")
            .expect("lexes");
        assert_eq!(t[2], Tok::Str("it's".into()));
        assert!(matches!(t[6], Tok::Date(_)));
        assert!(matches!(t[10], Tok::Date(_)));
        let t = tokenize("riskScore eq -1.5 and id eq 7d9bc0b8-5f6b-4d8a-9b3e-000000000001")
            .expect("lexes");
        assert_eq!(t[2], Tok::Num(-1.5));
        assert_eq!(
            t[6],
            Tok::Str("7d9bc0b8-5f6b-4d8a-9b3e-000000000001".into())
        );
        assert!(tokenize("a eq 'open").is_err());
        assert!(tokenize("a eq #").is_err());
    }
}
