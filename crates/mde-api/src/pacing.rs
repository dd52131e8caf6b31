//! Client-side pacing under Defender's per-API limits (100/min, 1,500/h).
//!
//! Waiting here is cheaper than earning a 429, and a bulk job of thousands of
//! releases must stay under budget (check R-2). Each API (e.g. "isolate") has
//! its own sliding-window log of send times: a request waits until sending it
//! keeps every "minute" window at most `per_minute` and every "hour" window at
//! most `per_hour`. Waiters queue in order (tokio's mutex is fair). Every
//! attempt, retries included, is counted: the server counts them too.
//!
//! The window lengths are 60 s and 3,600 s against Defender; benchmarks and
//! tests compress them (e.g. 100 per 6 s) to match a simulator enforcing the
//! same compressed limit, so a full budget cycle takes seconds, not minutes.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use tokio::time::Instant;

/// Defender's windows: one minute and one hour.
pub(crate) const MINUTE: Duration = Duration::from_secs(60);
pub(crate) const HOUR: Duration = Duration::from_secs(3600);

#[derive(Default)]
struct Window {
    sent: VecDeque<Instant>,
}

pub(crate) struct Pacer {
    per_minute: Option<u32>,
    per_hour: Option<u32>,
    minute_window: Duration,
    hour_window: Duration,
    windows: StdMutex<HashMap<&'static str, Arc<tokio::sync::Mutex<Window>>>>,
}

impl Pacer {
    /// A pacer with Defender's 60 s and 3,600 s windows.
    #[cfg(test)]
    pub(crate) fn new(per_minute: Option<u32>, per_hour: Option<u32>) -> Self {
        Self::with_windows(per_minute, per_hour, MINUTE, HOUR)
    }

    /// A pacer whose "minute" and "hour" last `minute_window` and
    /// `hour_window` (a zero length disables that limit).
    pub(crate) fn with_windows(
        per_minute: Option<u32>,
        per_hour: Option<u32>,
        minute_window: Duration,
        hour_window: Duration,
    ) -> Self {
        Self {
            per_minute: per_minute.filter(|n| *n > 0 && !minute_window.is_zero()),
            per_hour: per_hour.filter(|n| *n > 0 && !hour_window.is_zero()),
            minute_window,
            hour_window,
            windows: StdMutex::default(),
        }
    }

    /// Wait until one more request to `api` fits the budget, and count it.
    pub(crate) async fn acquire(&self, api: &'static str) {
        if self.per_minute.is_none() && self.per_hour.is_none() {
            return;
        }
        let window = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(api)
            .or_default()
            .clone();
        let mut window = window.lock().await;
        let keep = self.per_minute.max(self.per_hour).unwrap_or(0) as usize;
        loop {
            let now = Instant::now();
            let limits = [
                (self.per_minute, self.minute_window),
                (self.per_hour, self.hour_window),
            ];
            let wait_until = limits
                .into_iter()
                .filter_map(|(limit, span)| {
                    let limit = limit? as usize;
                    let len = window.sent.len();
                    // The `limit`-th most recent send must have left the window.
                    let oldest = *window.sent.get(len.checked_sub(limit)?)?;
                    (oldest + span > now).then_some(oldest + span)
                })
                .max();
            match wait_until {
                Some(t) => {
                    tracing::debug!(api, wait_ms = (t - now).as_millis() as u64, "pacing");
                    tokio::time::sleep_until(t).await;
                }
                None => break,
            }
        }
        window.sent.push_back(Instant::now());
        while window.sent.len() > keep {
            window.sent.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn sliding_windows_are_never_over_budget() {
        let pacer = Arc::new(Pacer::new(Some(10), Some(25)));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..60 {
            let pacer = pacer.clone();
            tasks.push(tokio::spawn(async move {
                pacer.acquire("isolate").await;
                Instant::now()
            }));
        }
        let mut times = Vec::new();
        for t in tasks {
            times.push(t.await.unwrap());
        }
        times.sort();
        for (i, t) in times.iter().enumerate() {
            let in_minute = times[i..].iter().filter(|u| **u < *t + MINUTE).count();
            assert!(in_minute <= 10, "minute window over budget at {i}");
            let in_hour = times[i..].iter().filter(|u| **u < *t + HOUR).count();
            assert!(in_hour <= 25, "hour window over budget at {i}");
        }
        // The first ten go at once; the 26th waits for the hour.
        assert_eq!(times[9], start);
        assert!(times[25] >= start + HOUR);

        // Another API has its own budget.
        let before = Instant::now();
        pacer.acquire("unisolate").await;
        assert_eq!(Instant::now(), before);
    }

    #[tokio::test(start_paused = true)]
    async fn compressed_windows_pace_in_seconds() {
        // 100 per 6 s and 1,500 per 360 s: Defender's limits, ten times faster.
        let pacer = Pacer::with_windows(
            Some(100),
            Some(1500),
            Duration::from_secs(6),
            Duration::from_secs(360),
        );
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..250 {
            pacer.acquire("unisolate").await;
            times.push(Instant::now() - start);
        }
        // Bursts of 100 at 0 s, 6 s and 12 s: never over 100 in any 6 s.
        assert_eq!(times[99], Duration::ZERO);
        assert_eq!(times[100], Duration::from_secs(6));
        assert_eq!(times[199], Duration::from_secs(6));
        assert_eq!(times[200], Duration::from_secs(12));
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .filter(|u| **u < *t + Duration::from_secs(6))
                .count();
            assert!(in_window <= 100, "window over budget at {i}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn no_limit_never_waits() {
        let pacer = Pacer::new(None, None);
        let start = Instant::now();
        for _ in 0..1000 {
            pacer.acquire("x").await;
        }
        assert_eq!(Instant::now(), start);
    }
}
