//! Paging through OData collections.
//!
//! Microsoft's advice and the field reports (defender-api.md §3.1) agree: ask
//! for pages with `$top` (at most 10,000) and `$skip`, and stop at a short page;
//! with `$top` the server sends no `@odata.nextLink`. If one comes anyway it is
//! followed, but only on the API's own origin (the bearer goes nowhere else) and
//! never twice (one user saw nextLinks loop).
//!
//! The first page also asks `$count=true`: with the total known, paging stops at
//! the last full page instead of fetching an empty one when the size is a multiple
//! of the page (P-3: ⌈rows / 10,000⌉ calls). `$count` is third-party usage, not
//! documented (defender-api.md §3): a server that ignores it costs nothing, and one
//! that refuses it (400) is asked once more without it, and never again by this
//! client.

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use serde::de::DeserializeOwned;
use url::Url;

use crate::Error;
use crate::client::Client;
use crate::model::Page;
use crate::query::{Query, encode_pairs};

impl Client {
    /// Page through a collection with `$top`/`$skip`, stopping at a short page;
    /// follows `@odata.nextLink` if the server sends one (same origin only).
    pub(crate) async fn list<T: DeserializeOwned>(
        &self,
        api: &'static str,
        segments: &[&str],
        query: &Query,
        empty_is_404: bool,
    ) -> Result<Vec<T>, Error> {
        let page_size = self.inner.options.page_size.clamp(1, 10_000);
        let limit = query.top.map(|t| t as usize);
        let mut skip = query.skip.unwrap_or(0);
        let mut out: Vec<T> = Vec::new();
        let mut next_link: Option<Url> = None;
        let mut seen_links = HashSet::new();
        let mut total: Option<usize> = None;
        let (start, mut first, mut refused_here) = (skip as usize, true, false);
        loop {
            let ask_count = first
                && !refused_here
                && limit.is_none()
                && !self.inner.count_refused.load(Ordering::Relaxed);
            let (url, asked) = match next_link.take() {
                Some(url) => (url, None),
                None => {
                    let remaining = limit.map(|l| l.saturating_sub(out.len()));
                    let top = remaining.map_or(page_size, |r| r.min(page_size as usize) as u32);
                    let mut url = self.api_url(segments);
                    let mut pairs = query.pairs(Some(top), Some(skip));
                    if ask_count {
                        pairs.push(("$count", "true".to_owned()));
                    }
                    url.set_query(Some(&encode_pairs(&pairs)));
                    (url, Some(top))
                }
            };
            let page: Page<T> = match self.send_get(api, url).await {
                Err(Error::Api {
                    status: 404, code, ..
                }) if empty_is_404 && (code == "NotFound" || code == "ResourceNotFound") => {
                    // Documented quirk: an empty machine list is a 404.
                    break;
                }
                Err(Error::Api { status: 400, .. }) if ask_count => {
                    // Once more without it; only a success then proves `$count` was
                    // the cause (a bad filter fails again and is reported).
                    refused_here = true;
                    continue;
                }
                other => other?,
            };
            if first && refused_here {
                tracing::info!(api, "$count refused; paging without it from now on");
                self.inner.count_refused.store(true, Ordering::Relaxed);
            }
            first = false;
            if ask_count {
                total = page
                    .count
                    .as_ref()
                    .and_then(serde_json::Value::as_u64)
                    .map(|n| n as usize);
            }
            let got = page.value.len();
            out.extend(page.value);
            if limit.is_some_and(|l| out.len() >= l) {
                out.truncate(limit.unwrap_or(usize::MAX));
                break;
            }
            if total.is_some_and(|t| start + out.len() >= t) {
                break;
            }
            if let Some(link) = page.next_link {
                let url = Url::parse(&link)
                    .ok()
                    .filter(|u| u.origin() == self.inner.endpoints.api_base.origin());
                match url {
                    Some(url) if got > 0 && seen_links.insert(link.clone()) => {
                        next_link = Some(url);
                        continue;
                    }
                    Some(_) => break, // a link seen before, or an empty page: stop looping
                    None => {
                        return Err(Error::InvalidEndpoint {
                            url: link,
                            reason: "@odata.nextLink points outside the API base".into(),
                        });
                    }
                }
            }
            match asked {
                Some(top) if got >= top as usize && got > 0 => skip += got as u32,
                _ => break,
            }
        }
        Ok(out)
    }
}
