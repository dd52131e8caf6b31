//! The fleet's "loaded" gate: the cache is read from the store on its own thread after
//! the fleet opens, so the Machines view's first window (asked of the store alone)
//! paints at launch instead of after a large tenant's whole cache (issue 15: 16–32 s
//! at 100,000 machines). Whatever needs the cache waits here: async code awaits
//! [`Ready::wait`] (a watch channel, nothing held across the `.await`), synchronous
//! code blocks in [`Ready::block`] (a condition variable) — never the other way round.

use std::sync::{Condvar, Mutex, PoisonError};

use tokio::sync::watch;

/// Opens once, never closes.
pub(crate) struct Ready {
    open: Mutex<bool>,
    cv: Condvar,
    tx: watch::Sender<bool>,
}

impl Ready {
    pub fn new() -> Self {
        Self {
            open: Mutex::new(false),
            cv: Condvar::new(),
            tx: watch::channel(false).0,
        }
    }

    /// Lets every waiter through, now and later.
    pub fn open(&self) {
        *self.open.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.cv.notify_all();
        self.tx.send_replace(true);
    }

    #[cfg(test)]
    pub fn is_open(&self) -> bool {
        *self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Blocks this thread until open.
    pub fn block(&self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        while !*open {
            open = self.cv.wait(open).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Resolves when open.
    pub async fn wait(&self) {
        let mut rx = self.tx.subscribe();
        // The sender lives as long as `self`: an error cannot happen while borrowed.
        let _ = rx.wait_for(|open| *open).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::Ready;

    #[tokio::test]
    async fn waiters_of_both_kinds_pass_once_it_opens_and_not_before() {
        let ready = Arc::new(Ready::new());
        assert!(!ready.is_open());
        let waiting = {
            let r = Arc::clone(&ready);
            tokio::spawn(async move { r.wait().await })
        };
        let blocked = {
            let r = Arc::clone(&ready);
            std::thread::spawn(move || r.block())
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished());
        assert!(!blocked.is_finished());
        ready.open();
        waiting.await.expect("the async waiter passes");
        blocked.join().expect("the blocked thread passes");
        // Later waiters pass at once.
        ready.wait().await;
        ready.block();
        assert!(ready.is_open());
    }
}
