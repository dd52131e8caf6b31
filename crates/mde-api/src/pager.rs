//! Paging through OData collections.
//!
//! Microsoft's advice and the field reports (defender-api.md §3.1) agree: ask
//! for pages with `$top` (at most 10,000) and `$skip`, and stop at a short page;
//! with `$top` the server sends no `@odata.nextLink`. If one comes anyway it is
//! followed, but only on the API's own origin (the bearer goes nowhere else) and
//! never twice (one user saw nextLinks loop).

use std::collections::HashSet;

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
        loop {
            let (url, asked) = match next_link.take() {
                Some(url) => (url, None),
                None => {
                    let remaining = limit.map(|l| l.saturating_sub(out.len()));
                    let top = remaining.map_or(page_size, |r| r.min(page_size as usize) as u32);
                    let mut url = self.api_url(segments);
                    url.set_query(Some(&encode_pairs(&query.pairs(Some(top), Some(skip)))));
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
                other => other?,
            };
            let got = page.value.len();
            out.extend(page.value);
            if limit.is_some_and(|l| out.len() >= l) {
                out.truncate(limit.unwrap_or(usize::MAX));
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
