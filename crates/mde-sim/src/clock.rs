//! The simulation clock. Every timestamp the simulator writes comes from it, so a test can
//! jump three days ahead in a millisecond and the demo can run at 60×. It is anchored to a
//! real `Instant` and never reads the wall clock after start.

use std::time::Instant;

use chrono::{DateTime, Datelike, Duration, SecondsFormat, TimeZone, Timelike, Utc};

#[derive(Debug, Clone)]
pub struct SimClock {
    anchor_real: Instant,
    anchor_sim: DateTime<Utc>,
    speed: f64,
}

impl SimClock {
    pub fn new(start: DateTime<Utc>, speed: f64) -> Self {
        Self {
            anchor_real: Instant::now(),
            anchor_sim: start,
            speed: speed.max(0.0),
        }
    }

    /// Current simulated time.
    pub fn now(&self) -> DateTime<Utc> {
        let real = self.anchor_real.elapsed().as_secs_f64();
        self.anchor_sim + secs(real * self.speed)
    }

    /// Jumps ahead by `seconds` of simulated time.
    pub fn advance(&mut self, seconds: f64) {
        self.anchor_sim += secs(seconds.max(0.0));
    }

    /// Changes the speed from now on (the past is not rewritten).
    pub fn set_speed(&mut self, speed: f64) {
        self.anchor_sim = self.now();
        self.anchor_real = Instant::now();
        self.speed = speed.max(0.0);
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }
}

/// Seconds (fractional) as a chrono duration, microsecond resolution.
pub fn secs(seconds: f64) -> Duration {
    // Saturate rather than overflow: a clock advanced by absurd amounts stays usable.
    let micros = (seconds * 1_000_000.0).clamp(-9.0e15, 9.0e15);
    Duration::microseconds(micros as i64)
}

/// The OData timestamp shape of the real service: 7 fractional digits and `Z`
/// (e.g. `2025-03-01T10:15:30.1234567Z`).
pub fn odata(t: DateTime<Utc>) -> String {
    // Written out rather than through `format("%Y…")`: this runs for every timestamp of
    // every page, and parsing the pattern each time dominated large pages.
    let ticks = t.timestamp_subsec_nanos() / 100;
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{ticks:07}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// RFC 7231 HTTP-date for the `Date` header.
pub fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Entra's `timestamp` field: `2025-03-01 10:15:30Z`.
pub fn entra_timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%SZ").to_string()
}

/// RFC 3339 with seconds, for the control API.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The real time now, truncated to whole milliseconds (the default simulation start).
pub fn real_now() -> DateTime<Utc> {
    let now = Utc::now();
    Utc.timestamp_millis_opt(now.timestamp_millis())
        .single()
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let t = Utc
            .with_ymd_and_hms(2025, 3, 1, 10, 15, 30)
            .single()
            .expect("valid")
            + Duration::nanoseconds(123_456_789);
        assert_eq!(odata(t), "2025-03-01T10:15:30.1234567Z");
        assert_eq!(http_date(t), "Sat, 01 Mar 2025 10:15:30 GMT");
        assert_eq!(entra_timestamp(t), "2025-03-01 10:15:30Z");
    }

    #[test]
    fn advance_and_speed() {
        let start = Utc
            .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
            .single()
            .expect("valid");
        let mut c = SimClock::new(start, 0.0);
        assert_eq!(c.now(), start);
        c.advance(3600.0);
        assert_eq!(c.now(), start + Duration::hours(1));
        c.set_speed(1000.0);
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(c.now() >= start + Duration::hours(1) + Duration::seconds(10));
    }
}
