//! One way to write and read times, so every view, export and stored row agrees.
//!
//! Times cross IPC and land in exports as RFC 3339 UTC strings (`…Z`, whole seconds);
//! the store keeps milliseconds so that its text columns sort in time order. Reading
//! accepts any RFC 3339 offset. Sentences written for people (state reasons) use
//! [`crate::fleet::derive::fmt_time`] instead, which is not meant to be parsed.

use chrono::{DateTime, SecondsFormat, Utc};

/// A time as the UI and the exports show it: `2025-01-31T08:00:00Z`.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A time as the store keeps it: RFC 3339 UTC with milliseconds (sorts as text).
pub fn rfc3339_millis(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An RFC 3339 time in any offset, as UTC; `None` when it is not one.
pub fn parse_rfc3339(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_back() {
        let t = parse_rfc3339("2025-01-31T10:00:00.123+02:00").expect("valid");
        assert_eq!(rfc3339(t), "2025-01-31T08:00:00Z");
        assert_eq!(rfc3339_millis(t), "2025-01-31T08:00:00.123Z");
        assert_eq!(parse_rfc3339(&rfc3339_millis(t)), Some(t));
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
