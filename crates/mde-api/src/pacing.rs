//! Client-side pacing under Defender's per-API limits (100/min, 1,500/h).
//!
//! Waiting here is cheaper than earning a 429, and a bulk job of thousands of
//! releases must stay under budget (check R-2). Each API (e.g. "isolate") has
//! its own sliding-window log of send times: a request waits until sending it
//! keeps every "minute" window at most `per_minute` and every "hour" window at
//! most `per_hour`. Waiters queue in order (tokio's mutex is fair). Every
//! attempt, retries included, is counted: the server counts them too.
//!
//! A 429's `Retry-After` holds the whole API, not just the request that earned it:
//! [`Pacer::hold`] makes every later send to that API wait until the time has passed
//! nothing is sent before the server said it would take it again).
//!
//! Processes that share one app registration share its budget too (Defender counts
//! per application): [`Client::set_share`] tells the pacer how many processes send
//! under this registration now (the team's heartbeats count them), and each keeps to
//! its share, `limit / share` (at least one request per window), so a burst from two
//! processes earns no more 429s than one process would.
//!
//! Each window is kept a little longer than the server's (see `with_margin`), so
//! that the jitter between our stamp and the server's count never earns a 429.
//! The window lengths are 60 s and 3,600 s against Defender; benchmarks and
//! tests compress them (e.g. 100 per 6 s) to match a simulator enforcing the
//! same compressed limit, so a full budget cycle takes seconds, not minutes.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::Error;
use crate::client::Client;
use crate::kinds::ActionType;

/// Defender's windows: one minute and one hour.
pub(crate) const MINUTE: Duration = Duration::from_secs(60);
pub(crate) const HOUR: Duration = Duration::from_secs(3600);

/// A window as the pacer keeps it: a little longer than the server's, because a send
/// is stamped here a moment before the server counts it, and that moment varies
/// (connection set-up, scheduling). 1/40 of the window, between 100 ms and 1 s: the
/// minute becomes 61 s (98 % of the budget), a benchmark's 6 s becomes 6.15 s.
fn with_margin(span: Duration) -> Duration {
    span + (span / 40).clamp(Duration::from_millis(100), Duration::from_secs(1))
}

/// One API's log of send times. `queue` orders the waiters (tokio's mutex is fair);
/// `log` is only held for short, non-async critical sections, so spending a reserved
/// slot never waits behind a queued waiter.
#[derive(Default)]
struct Window {
    queue: tokio::sync::Mutex<()>,
    log: StdMutex<Log>,
}

#[derive(Default)]
struct Log {
    sent: VecDeque<Instant>,
    /// Slots counted by `reserve` and not yet used by a send or released.
    reserved: VecDeque<Instant>,
    /// No send before this time (the last 429's `Retry-After`).
    hold_until: Option<Instant>,
}

impl Window {
    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Log {
    /// Forgets the send counted at `t` (one entry).
    fn remove(&mut self, t: Instant) {
        if let Some(i) = self.sent.iter().rposition(|s| *s == t) {
            self.sent.remove(i);
        }
    }
}

pub(crate) struct Pacer {
    per_minute: Option<u32>,
    per_hour: Option<u32>,
    minute_window: Duration,
    hour_window: Duration,
    windows: StdMutex<HashMap<&'static str, Arc<Window>>>,
    /// Processes sharing the budget (1 when alone).
    share: std::sync::atomic::AtomicU32,
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
            share: std::sync::atomic::AtomicU32::new(1),
        }
    }

    /// Processes sharing this budget now (at least 1).
    pub(crate) fn set_share(&self, processes: u32) {
        self.share
            .store(processes.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    /// `limit` as this process's share of it (at least one request).
    fn mine(&self, limit: Option<u32>) -> Option<u32> {
        let share = self.share.load(std::sync::atomic::Ordering::Relaxed).max(1);
        limit.map(|l| (l / share).max(1))
    }

    fn unlimited(&self) -> bool {
        self.per_minute.is_none() && self.per_hour.is_none()
    }

    fn window(&self, api: &'static str) -> Arc<Window> {
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(api)
            .or_default()
            .clone()
    }

    /// Holds every send to `api` until `until` (a 429's `Retry-After`); a later,
    /// shorter hold does not shorten it.
    pub(crate) fn hold(&self, api: &'static str, until: Instant) {
        let window = self.window(api);
        let mut log = window.log();
        log.hold_until = Some(log.hold_until.map_or(until, |t| t.max(until)));
    }

    /// Waits out a hold on `api`, if any.
    async fn wait_hold(&self, window: &Window) {
        loop {
            let until = window.log().hold_until;
            match until {
                Some(t) if t > Instant::now() => tokio::time::sleep_until(t).await,
                _ => return,
            }
        }
    }

    /// Wait until one more request to `api` fits the budget, and count it. A slot
    /// taken earlier with [`Pacer::reserve`] is used first, without waiting (its
    /// intent is committed: it goes at once).
    pub(crate) async fn acquire(&self, api: &'static str) {
        let window = self.window(api);
        if self.unlimited() {
            self.wait_hold(&window).await;
            return;
        }
        {
            let mut log = window.log();
            if let Some(t) = log.reserved.pop_front() {
                // Count the send at the time it really goes (later than the
                // reservation): the windows only get more conservative.
                log.remove(t);
                log.sent.push_back(Instant::now());
                return;
            }
        }
        self.wait_and_count(api, &window).await;
    }

    /// Wait until one more request to `api` fits the budget and count it now, for a
    /// send that follows shortly (its first `acquire` then does not wait). Returns
    /// `false` when nothing is paced (no slot to give back).
    pub(crate) async fn reserve(&self, api: &'static str) -> bool {
        let window = self.window(api);
        if self.unlimited() {
            self.wait_hold(&window).await;
            return false;
        }
        let t = self.wait_and_count(api, &window).await;
        window.log().reserved.push_back(t);
        true
    }

    /// Gives back a reserved slot that will not be used.
    pub(crate) fn release(&self, api: &'static str) {
        if self.unlimited() {
            return;
        }
        let window = self.window(api);
        let mut log = window.log();
        if let Some(t) = log.reserved.pop_back() {
            log.remove(t);
        }
    }

    async fn wait_and_count(&self, api: &'static str, window: &Window) -> Instant {
        let _turn = window.queue.lock().await;
        self.wait_hold(window).await;
        let keep = self.per_minute.max(self.per_hour).unwrap_or(0) as usize;
        loop {
            let now = Instant::now();
            let wait_until = {
                let mut log = window.log();
                let limits = [
                    (self.mine(self.per_minute), with_margin(self.minute_window)),
                    (self.mine(self.per_hour), with_margin(self.hour_window)),
                ];
                let wait_until = limits
                    .into_iter()
                    .filter_map(|(limit, span)| {
                        let limit = limit? as usize;
                        let len = log.sent.len();
                        // The `limit`-th most recent send must have left the window.
                        let oldest = *log.sent.get(len.checked_sub(limit)?)?;
                        (oldest + span > now).then_some(oldest + span)
                    })
                    .max();
                if wait_until.is_none() {
                    log.sent.push_back(now);
                    while log.sent.len() > keep {
                        log.sent.pop_front();
                    }
                    return now;
                }
                wait_until
            };
            if let Some(t) = wait_until {
                tracing::debug!(api, wait_ms = (t - now).as_millis() as u64, "pacing");
                tokio::time::sleep_until(t).await;
            }
        }
    }
}

impl Client {
    /// Takes a slot of the isolate (or release) budget now, waiting for the pacer,
    /// so that the POST that follows goes out at once. A bulk runner commits its
    /// intent between the two: a cancel in that gap then stops the POST, and no
    /// POST starts long after its intent because it queued for the budget. The
    /// slot is given back when dropped unless [`SendSlot::spend`] is called.
    pub async fn reserve_send(&self, action: ActionType) -> Result<SendSlot, Error> {
        let api = match action {
            ActionType::Isolate => "machines.isolate",
            ActionType::Unisolate => "machines.unisolate",
            other => {
                return Err(Error::InvalidArgument {
                    detail: format!("no send slot for {}", other.as_str()),
                });
            }
        };
        let held = self.inner.pacer.reserve(api).await;
        Ok(SendSlot {
            client: self.clone(),
            api,
            held,
        })
    }
}

/// A slot of an action API's rate budget, from [`Client::reserve_send`].
#[derive(Debug)]
pub struct SendSlot {
    client: Client,
    api: &'static str,
    held: bool,
}

impl SendSlot {
    /// The next POST to this API uses the slot (call right before it).
    pub fn spend(mut self) {
        self.held = false;
    }
}

impl Drop for SendSlot {
    fn drop(&mut self) {
        if self.held {
            self.client.inner.pacer.release(self.api);
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
    async fn two_processes_sharing_an_app_keep_to_half_the_budget_each() {
        // Two processes under one registration: each sends at most 5 of the 10 per
        // minute, so together they stay within Defender's count.
        let (a, b) = (Pacer::new(Some(10), None), Pacer::new(Some(10), None));
        a.set_share(2);
        b.set_share(2);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..8 {
            a.acquire("isolate").await;
            times.push(Instant::now());
            b.acquire("isolate").await;
            times.push(Instant::now());
        }
        times.sort();
        let first_minute = times.iter().filter(|t| **t < start + MINUTE).count();
        assert_eq!(first_minute, 10, "5 each in the first minute: {times:?}");
        for (i, t) in times.iter().enumerate() {
            let in_minute = times[i..].iter().filter(|u| **u < *t + MINUTE).count();
            assert!(in_minute <= 10, "the shared budget holds at {i}");
        }
        // Alone again: the whole budget.
        a.set_share(1);
        let before = Instant::now();
        for _ in 0..5 {
            a.acquire("unisolate").await;
        }
        a.set_share(0);
        for _ in 0..5 {
            a.acquire("unisolate").await;
        }
        assert_eq!(
            Instant::now(),
            before,
            "ten at once with a share of 1 (0 counts as 1)"
        );
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
        // Bursts of 100 at 0 s, 6.15 s and 12.3 s (the window plus its 1/40 margin):
        // never over 100 in any 6 s.
        assert_eq!(times[99], Duration::ZERO);
        assert_eq!(times[100], Duration::from_millis(6150));
        assert_eq!(times[199], Duration::from_millis(6150));
        assert_eq!(times[200], Duration::from_millis(12300));
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .filter(|u| **u < *t + Duration::from_secs(6))
                .count();
            assert!(in_window <= 100, "window over budget at {i}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_reserved_slot_is_spent_without_waiting_or_given_back() {
        let pacer = Pacer::with_windows(Some(2), None, Duration::from_secs(6), HOUR);
        let start = Instant::now();
        let at = || Instant::now() - start;
        // Two slots taken at 0 s fill the window.
        assert!(pacer.reserve("isolate").await);
        assert!(pacer.reserve("isolate").await);
        tokio::time::sleep(Duration::from_secs(1)).await;
        // One is spent at 1 s without waiting, the other given back.
        pacer.acquire("isolate").await;
        assert_eq!(at(), Duration::from_secs(1));
        pacer.release("isolate");
        // So one more fits at once…
        assert!(pacer.reserve("isolate").await);
        pacer.acquire("isolate").await;
        assert_eq!(at(), Duration::from_secs(1));
        // …and the next waits for the window (sends at 1 s and 1 s → 7 s + margin).
        pacer.acquire("isolate").await;
        assert_eq!(at(), Duration::from_millis(7150));
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

    #[tokio::test(start_paused = true)]
    async fn a_hold_stops_every_send_to_that_api_until_it_ends() {
        for pacer in [Pacer::new(None, None), Pacer::new(Some(100), Some(1500))] {
            let start = Instant::now();
            pacer.hold("unisolate", start + Duration::from_secs(7));
            // A shorter, later hold does not shorten it.
            pacer.hold("unisolate", start + Duration::from_secs(2));
            pacer.acquire("isolate").await;
            assert_eq!(Instant::now(), start, "another API is not held");
            pacer.acquire("unisolate").await;
            assert_eq!(Instant::now(), start + Duration::from_secs(7));
            pacer.acquire("unisolate").await;
            assert_eq!(Instant::now(), start + Duration::from_secs(7));
        }
    }
}
