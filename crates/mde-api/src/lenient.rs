//! Tolerant field extraction from a JSON object.
//!
//! Defender's documents and real responses disagree on names (`externalID` vs
//! `externalId`, `lastUpdateTimeUtc` vs `lastUpdateDateTimeUtc`), types
//! (`rbacGroupId` as a number) and presence (nulls everywhere). One odd field
//! must not throw away a page of 10,000 machines, so entities are read from a
//! JSON map field by field: names match exactly or else case-insensitively, a
//! value of the wrong type reads as absent, and unknown fields are ignored.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub(crate) struct Obj(Map<String, Value>);

impl Obj {
    #[cfg(test)]
    pub(crate) fn new(map: Map<String, Value>) -> Self {
        Self(map)
    }

    /// Remove and return a field; exact name first, then any casing. `null` is absent.
    pub(crate) fn take(&mut self, name: &str) -> Option<Value> {
        let value = match self.0.remove(name) {
            Some(v) => Some(v),
            None => {
                let key = self
                    .0
                    .keys()
                    .find(|k| k.eq_ignore_ascii_case(name))
                    .cloned();
                key.and_then(|k| self.0.remove(&k))
            }
        };
        value.filter(|v| !v.is_null())
    }

    /// A string; numbers and booleans are accepted and written out.
    pub(crate) fn string(&mut self, name: &str) -> Option<String> {
        match self.take(name)? {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub(crate) fn strings(&mut self, name: &str) -> Vec<String> {
        match self.take(name) {
            Some(Value::Array(items)) => items
                .into_iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// An integer; numeric strings are accepted.
    pub(crate) fn i64(&mut self, name: &str) -> Option<i64> {
        match self.take(name)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub(crate) fn bool(&mut self, name: &str) -> Option<bool> {
        match self.take(name)? {
            Value::Bool(b) => Some(b),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub(crate) fn datetime(&mut self, name: &str) -> Option<DateTime<Utc>> {
        match self.take(name)? {
            Value::String(s) => parse_datetime(&s),
            _ => None,
        }
    }

    /// Any serde type (used for the string enums and nested objects).
    pub(crate) fn parse<T: DeserializeOwned>(&mut self, name: &str) -> Option<T> {
        serde_json::from_value(self.take(name)?).ok()
    }

    /// An array of objects read with `read`; elements that are not objects or
    /// that `read` refuses are skipped.
    pub(crate) fn objects<T>(&mut self, name: &str, read: fn(Obj) -> Option<T>) -> Vec<T> {
        match self.take(name) {
            Some(Value::Array(items)) => items
                .into_iter()
                .filter_map(|v| match v {
                    Value::Object(m) => read(Obj(m)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// RFC 3339 with any number of fraction digits; a timestamp without an offset
/// is taken as UTC (the API's `DateTimeOffset` fields are UTC).
pub(crate) fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc());
        }
    }
    None
}

/// A deserializer for entity types: read a JSON object, then hand it to `read`.
pub(crate) fn deserialize_object<'de, D, T>(
    d: D,
    what: &str,
    read: fn(Obj) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize as _;
    let map = Map::<String, Value>::deserialize(d)?;
    read(Obj(map)).map_err(|e| serde::de::Error::custom(format!("{what}: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn datetimes() {
        let seven = parse_datetime("2018-12-04T12:18:57.7575733Z").unwrap();
        assert_eq!(seven.timestamp(), 1_543_925_937);
        assert!(parse_datetime("2021-01-01T00:00:00+02:00").is_some());
        assert_eq!(
            parse_datetime("2021-01-01T00:00:00"),
            parse_datetime("2021-01-01T00:00:00Z")
        );
        assert!(parse_datetime("yesterday").is_none());
    }

    #[test]
    fn names_and_types() {
        let Value::Object(map) = serde_json::json!({
            "externalID": "x", "rbacGroupId": 140, "osBuild": "19045",
            "flag": "true", "nothing": null, "tags": ["a", 1, "b"]
        }) else {
            panic!("object")
        };
        let mut o = Obj::new(map);
        assert_eq!(o.string("externalId").as_deref(), Some("x"));
        assert_eq!(o.string("rbacGroupId").as_deref(), Some("140"));
        assert_eq!(o.i64("osBuild"), Some(19045));
        assert_eq!(o.bool("flag"), Some(true));
        assert_eq!(o.string("nothing"), None);
        assert_eq!(o.strings("tags"), ["a", "b"]);
        assert_eq!(o.string("missing"), None);
    }
}
