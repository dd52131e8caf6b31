//! Sliding-window rate limits (100 calls/min and 1,500 calls/h by default, §5.1), counted
//! in real time so that a client's back-off is measured on its own clock. The window
//! lengths are settable so a benchmark can compress "a minute" into a few seconds.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::config::{RateScope, SimConfig};

/// APIs with their own, lower documented limits (per minute, per hour): getPackageUri
/// allows 2/min and 120/h (D26). They are always counted on their own.
const OWN_LIMITS: &[(&str, u32, u32)] = &[("machineactions.packageuri", 2, 120)];

pub struct RateLimiter {
    per_minute: u32,
    per_hour: u32,
    minute: Duration,
    hour: Duration,
    scope: RateScope,
    hits: HashMap<String, VecDeque<Instant>>,
}

impl RateLimiter {
    pub fn new(c: &SimConfig) -> Self {
        Self {
            per_minute: c.rate_per_minute,
            per_hour: c.rate_per_hour,
            minute: c.rate_minute_window,
            hour: c.rate_hour_window.max(c.rate_minute_window),
            scope: c.rate_scope,
            hits: HashMap::new(),
        }
    }

    /// Counts one call of `app` to `api`; `Err(retry_after_secs)` when over a limit
    /// (rejected calls are not counted).
    pub fn check(&mut self, app: &str, api: &str, now: Instant) -> Result<(), u64> {
        let own = OWN_LIMITS.iter().find(|(a, _, _)| *a == api);
        let (per_minute, per_hour) = own.map_or((self.per_minute, self.per_hour), |&(_, m, h)| {
            (m.min(self.per_minute), h.min(self.per_hour))
        });
        let key = match self.scope {
            RateScope::PerApp if own.is_none() => app.to_string(),
            _ => format!("{app}|{api}"),
        };
        let hits = self.hits.entry(key).or_default();
        while hits
            .front()
            .is_some_and(|&t| now.duration_since(t) >= self.hour)
        {
            hits.pop_front();
        }
        let in_minute =
            hits.len() - hits.partition_point(|&t| now.duration_since(t) >= self.minute);
        let mut wait = Duration::ZERO;
        if in_minute >= per_minute as usize {
            // The call that frees a slot is the oldest one still inside the minute window.
            let idx = hits.len() - per_minute.max(1) as usize;
            wait = wait.max(self.minute.saturating_sub(now.duration_since(hits[idx])));
        }
        if hits.len() >= per_hour as usize {
            let idx = hits.len() - per_hour.max(1) as usize;
            wait = wait.max(self.hour.saturating_sub(now.duration_since(hits[idx])));
        }
        if per_minute == 0 || per_hour == 0 {
            return Err(self.minute.as_secs().max(1));
        }
        if wait > Duration::ZERO {
            // Retry-After is whole seconds, rounded up so that waiting it out suffices.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Err(secs.max(1));
        }
        hits.push_back(now);
        Ok(())
    }

    /// Changes the limits from now on.
    pub fn set_limits(&mut self, per_minute: Option<u32>, per_hour: Option<u32>) {
        if let Some(m) = per_minute {
            self.per_minute = m;
        }
        if let Some(h) = per_hour {
            self.per_hour = h;
        }
    }

    /// The limits in force: (per minute, per hour).
    pub fn limits(&self) -> (u32, u32) {
        (self.per_minute, self.per_hour)
    }

    /// Forgets all counts (reset).
    pub fn clear(&mut self) {
        self.hits.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minute_and_hour_windows() {
        let cfg = SimConfig {
            rate_per_minute: 3,
            rate_per_hour: 5,
            ..SimConfig::default()
        };
        let mut rl = RateLimiter::new(&cfg);
        let t = Instant::now();
        for i in 0..3 {
            assert_eq!(rl.check("app", "x", t + Duration::from_secs(i)), Ok(()));
        }
        assert_eq!(rl.check("app", "x", t + Duration::from_secs(10)), Err(50));
        assert_eq!(
            rl.check("other", "x", t + Duration::from_secs(10)),
            Ok(()),
            "per app"
        );
        assert_eq!(
            rl.check("app", "y", t + Duration::from_secs(10)),
            Ok(()),
            "per API"
        );
        assert_eq!(rl.check("app", "x", t + Duration::from_secs(61)), Ok(()));
        assert_eq!(rl.check("app", "x", t + Duration::from_secs(62)), Ok(()));
        // 5 calls within the hour: the hour limit now answers.
        assert_eq!(
            rl.check("app", "x", t + Duration::from_secs(200)),
            Err(3400)
        );
    }

    #[test]
    fn get_package_uri_has_its_own_two_per_minute() {
        let mut rl = RateLimiter::new(&SimConfig::default());
        let t = Instant::now();
        let api = "machineactions.packageuri";
        assert_eq!(rl.check("app", api, t), Ok(()));
        assert_eq!(rl.check("app", api, t + Duration::from_secs(1)), Ok(()));
        assert_eq!(rl.check("app", api, t + Duration::from_secs(2)), Err(58));
        assert_eq!(rl.check("app", "machineactions.get", t), Ok(()));
        assert_eq!(rl.check("app", api, t + Duration::from_secs(60)), Ok(()));
    }
}
