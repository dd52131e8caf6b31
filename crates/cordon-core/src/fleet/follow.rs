//! Following the store instead of Defender: what a process does while another one
//! leads the sync on a shared store ([`crate::team::SYNC_LEASE`]). The leader writes
//! every change to the store and stamps `actions_synced_at`; a follower reloads the
//! cache only when that stamp moved, so twenty desktops spend the API budget once and
//! an idle follower costs one small read per round.

use crate::error::Result;
use crate::fleet::sync::ACTIONS_SYNCED_AT;
use crate::fleet::{Cache, Fleet};
use crate::store::{off_runtime, parse_ts};

impl Fleet {
    /// Reloads the cache from the store when the leader synced since the last look;
    /// `true` when it did.
    pub async fn follow_store(&self) -> Result<bool> {
        self.ready().await;
        let store = self.inner.store.clone();
        let seen = self.cache().synced_at;
        let stamp = {
            let store = store.clone();
            off_runtime(move || store.meta(ACTIONS_SYNCED_AT))
                .await
                .unwrap_or(Ok(None))?
        };
        let Some(stamp) = stamp.as_deref().map(parse_ts) else {
            return Ok(false);
        };
        if seen == Some(stamp) {
            return Ok(false);
        }
        let loaded = off_runtime(move || Cache::load(&store))
            .await
            .unwrap_or_else(|| {
                Err(crate::error::CoreError::Storage(
                    "the store task ended".into(),
                ))
            })?;
        {
            let mut c = self.cache();
            c.machines = loaded.machines;
            c.actions = loaded.actions;
            c.alerts = loaded.alerts;
            c.synced_at = Some(stamp);
            c.error = None;
            c.loading = false;
        }
        self.bump();
        Ok(true)
    }
}
