//! When to try again, and how long to wait first.
//!
//! Like the Azure SDKs: the server's delay (`retry-after-ms`,
//! `x-ms-retry-after-ms`, `Retry-After` in seconds or as an HTTP date) always
//! wins; otherwise capped exponential backoff, `(2^attempt − 1) × base`,
//! jittered in `[0.8, 1.3)` so that many clients do not retry in step.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng as _;
use reqwest::header::HeaderMap;

/// The longest delay a server's answer can ask for: a day. A larger value (or
/// `1e300`) is read as this, so no answer can overflow a `Duration` or an `Instant`
/// (a panic that would kill the task reading it); the runner defers its item durably
/// to that time instead of failing it.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// The delay the server asks for, if any, at most [`MAX_RETRY_AFTER`]. Never
/// negative; an HTTP date in the past means "now"; garbage means "not said".
pub fn parse_retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
        {
            return Some(capped_secs(ms / 1000.0));
        }
    }
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    retry_after_value(value, now)
}

/// One `Retry-After` value: delta-seconds or an HTTP date.
pub fn retry_after_value(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| capped_secs(secs));
    }
    let date = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some(
        date.signed_duration_since(now)
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(MAX_RETRY_AFTER),
    )
}

/// Seconds (finite, not negative) as a `Duration`, at most [`MAX_RETRY_AFTER`]: the
/// cap comes before the conversion, which would panic on a huge value.
fn capped_secs(secs: f64) -> Duration {
    Duration::from_secs_f64(secs.min(MAX_RETRY_AFTER.as_secs_f64()))
}

/// The nominal delay before retry number `attempt` (1-based), capped.
pub fn nominal_backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let factor = 2u32
        .saturating_pow(attempt.min(30))
        .saturating_sub(1)
        .max(1);
    base.saturating_mul(factor).min(cap)
}

/// The jittered delay before retry number `attempt`: in `[0.8, 1.3)` × nominal,
/// never above `cap`.
pub fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let jitter = rand::thread_rng().gen_range(0.8..1.3);
    nominal_backoff(attempt, base, cap).mul_f64(jitter).min(cap)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    /// no value a server can send panics or asks for more than a day.
    #[test]
    fn absurd_retry_after_values_are_capped_not_panics() {
        let now = Utc.with_ymd_and_hms(2015, 10, 21, 7, 28, 0).unwrap();
        let p = |pairs: &[(&'static str, &str)]| parse_retry_after(&headers(pairs), now);
        for (name, value) in [
            ("retry-after-ms", "1e300"),
            ("x-ms-retry-after-ms", "1e300"),
            ("retry-after", "1e300"),
            ("retry-after", "18446744073709551616"),
            ("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"),
        ] {
            assert_eq!(
                p(&[(name, value)]),
                Some(MAX_RETRY_AFTER),
                "{name}: {value}"
            );
        }
        for (name, value) in [
            ("retry-after-ms", "-1"),
            ("retry-after-ms", "NaN"),
            ("retry-after-ms", "inf"),
            ("retry-after", "-5"),
            ("retry-after", "soon"),
        ] {
            assert_eq!(p(&[(name, value)]), None, "{name}: {value}");
        }
        // What the transport and the runner do with it cannot overflow either.
        let _ = tokio::time::Instant::now() + MAX_RETRY_AFTER;
        assert!(chrono::Duration::from_std(MAX_RETRY_AFTER).is_ok());
    }

    #[test]
    fn retry_after_forms() {
        let now = Utc.with_ymd_and_hms(2015, 10, 21, 7, 28, 0).unwrap();
        let p = |pairs: &[(&'static str, &str)]| parse_retry_after(&headers(pairs), now);
        assert_eq!(p(&[("retry-after", "7")]), Some(Duration::from_secs(7)));
        assert_eq!(
            p(&[("retry-after", " 1.5 ")]),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            p(&[("retry-after", "Wed, 21 Oct 2015 07:28:30 GMT")]),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            p(&[("retry-after", "Wed, 21 Oct 2015 07:00:00 GMT")]),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        assert_eq!(
            p(&[("retry-after", "9"), ("retry-after-ms", "250")]),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            p(&[("x-ms-retry-after-ms", "1200")]),
            Some(Duration::from_millis(1200))
        );
        assert_eq!(p(&[("retry-after", "-3")]), None);
        assert_eq!(p(&[("retry-after", "soon")]), None);
        assert_eq!(p(&[("retry-after", "NaN")]), None);
        assert_eq!(p(&[("retry-after-ms", "-1")]), None);
        assert_eq!(p(&[]), None);
        assert!(p(&[("retry-after", "1e300")]).is_some());
    }

    #[test]
    fn backoff_bounds() {
        let base = Duration::from_millis(800);
        let cap = Duration::from_secs(60);
        assert_eq!(nominal_backoff(1, base, cap), base);
        assert_eq!(nominal_backoff(2, base, cap), base * 3);
        assert_eq!(nominal_backoff(3, base, cap), base * 7);
        assert_eq!(nominal_backoff(50, base, cap), cap);
        assert_eq!(nominal_backoff(0, base, cap), base);
        for attempt in 1..=12 {
            let nominal = nominal_backoff(attempt, base, cap);
            for _ in 0..1_000 {
                let d = backoff(attempt, base, cap);
                assert!(d <= cap, "never above the cap");
                assert!(d >= nominal.mul_f64(0.8), "at least 0.8 × nominal");
                assert!(d < nominal.mul_f64(1.3), "below 1.3 × nominal");
            }
        }
    }
}
