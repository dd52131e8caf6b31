//! The History view (and `cordon history`): every isolate and release action of the
//! tenant, filtered, newest first, with per-day counts for the chart and a CSV export.
//!
//! Pure: a function of the machines, the actions (given in any order, or walked
//! newest first from the store by a [`Pager`]) and the filter. The CSV follows
//! RFC 4180 (CRLF, quoted when needed, quotes doubled) and is safe to open in a
//! spreadsheet: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
//! gets a leading `'`, so a comment such as `=HYPERLINK(…)` is shown, never evaluated.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use mde_api::{ActionType, Machine, MachineAction};

use crate::dto::jobs::{DayCount, History, HistoryFilter, HistoryRow, JobKind, page_of};
use crate::error::{CoreError, Result};
use crate::fleet::actions::{ACTION_STATUSES, canonical};
use crate::store::ts;
use crate::time::rfc3339;

/// The matching isolate/release actions (newest first) and the per-day counts
/// (oldest day first, every day of the range present).
pub fn history(
    machines: &[Machine],
    actions: &[MachineAction],
    filter: &HistoryFilter,
) -> Result<History> {
    history_from(machines, actions.iter(), filter)
}

/// [`history`] over any iteration of the actions: the page the filter's
/// `offset`/`limit` ask for ([`page_of`]: defaulted and capped), counted from the
/// newest; `per_day` and `total` are over every match.
pub fn history_from<'a>(
    machines: &[Machine],
    actions: impl IntoIterator<Item = &'a MachineAction>,
    filter: &HistoryFilter,
) -> Result<History> {
    fill(Pager::new(names(machines), filter, true)?, actions)
}

/// Every matching row (the filter's `offset`/`limit` ignored): the CSV export and the
/// CLI. `offset` is 0 and `limit` the number of rows.
pub fn history_all_from<'a>(
    machines: &[Machine],
    actions: impl IntoIterator<Item = &'a MachineAction>,
    filter: &HistoryFilter,
) -> Result<History> {
    fill(Pager::new(names(machines), filter, false)?, actions)
}

/// The machines' DNS names by lowercase id (what a row names its machine by).
pub fn names(machines: &[Machine]) -> HashMap<String, String> {
    machines
        .iter()
        .filter_map(|m| Some((m.id.to_ascii_lowercase(), m.computer_dns_name.clone()?)))
        .collect()
}

/// Feeds `actions` to the pager newest first, as the store walks them.
fn fill<'a>(
    mut pager: Pager,
    actions: impl IntoIterator<Item = &'a MachineAction>,
) -> Result<History> {
    let mut all: Vec<&MachineAction> = actions.into_iter().collect();
    all.sort_by_cached_key(|a| std::cmp::Reverse((ts(a.creation_date_time_utc), a.id.clone())));
    for a in all {
        pager.push(a);
    }
    Ok(pager.finish())
}

/// Builds a [`History`] from actions given newest first (by stored creation time, then
/// id: the store's order, `Store::actions_each`), keeping only the rows of its page
/// and counting every match: a page over a million actions holds one page.
pub struct Pager {
    f: Compiled,
    names: HashMap<String, String>,
    /// (offset, limit) of the page; `None`: every row.
    page: Option<(u32, u32)>,
    rows: Vec<HistoryRow>,
    total: u32,
    by_day: BTreeMap<NaiveDate, (u32, u32)>,
    day_offset: Duration,
}

impl Pager {
    /// A pager for `filter` (its page, or every row unless `paged`); `names` from
    /// [`names`].
    pub fn new(
        names: HashMap<String, String>,
        filter: &HistoryFilter,
        paged: bool,
    ) -> Result<Self> {
        let minutes = filter.utc_offset_minutes.unwrap_or(0);
        Ok(Self {
            f: Compiled::new(filter)?,
            names,
            page: paged.then(|| page_of(filter.offset, filter.limit)),
            rows: Vec::new(),
            total: 0,
            by_day: BTreeMap::new(),
            day_offset: Duration::minutes(i64::from(
                minutes.clamp(-MAX_OFFSET_MINUTES, MAX_OFFSET_MINUTES),
            )),
        })
    }

    /// The creation range to read, as the store writes times (inclusive; `None`: open).
    pub fn bounds(&self) -> (Option<String>, Option<String>) {
        (self.f.since.map(ts), self.f.until.map(ts))
    }

    /// The next action (newer ones came first).
    pub fn push(&mut self, a: &MachineAction) {
        let kind = match a.action_type {
            ActionType::Isolate => JobKind::Isolate,
            ActionType::Unisolate => JobKind::Release,
            _ => return,
        };
        let f = &self.f;
        let machine_id = a.machine_id.clone().unwrap_or_default();
        let machine_name = self
            .names
            .get(&machine_id.to_ascii_lowercase())
            .cloned()
            .or_else(|| a.computer_dns_name.clone())
            .unwrap_or_else(|| machine_id.clone());
        let requestor = a.requestor.clone().unwrap_or_default();
        let keep = f.kind.is_none_or(|k| k == kind)
            && f.status.is_none_or(|s| a.status.as_str() == s)
            && f.requestor
                .as_deref()
                .is_none_or(|r| requestor.to_lowercase().contains(r))
            && f.machine.as_deref().is_none_or(|q| {
                machine_id.eq_ignore_ascii_case(q) || machine_name.to_lowercase().contains(q)
            })
            && f.since.is_none_or(|s| a.creation_date_time_utc >= s)
            && f.until.is_none_or(|u| a.creation_date_time_utc <= u);
        if !keep {
            return;
        }
        let created = a.creation_date_time_utc;
        let day = created
            .checked_add_signed(self.day_offset)
            .unwrap_or(created)
            .date_naive();
        let c = self.by_day.entry(day).or_default();
        match kind {
            JobKind::Isolate => c.0 += 1,
            JobKind::Release => c.1 += 1,
        }
        let index = self.total;
        self.total = self.total.saturating_add(1);
        if let Some((offset, limit)) = self.page
            && (index < offset || index - offset >= limit)
        {
            return;
        }
        self.rows.push(HistoryRow {
            action_id: a.id.clone(),
            machine_id,
            machine_name,
            kind,
            status: a.status.as_str().to_owned(),
            requestor,
            comment: a.requestor_comment.clone().unwrap_or_default(),
            created: rfc3339(created),
            updated: a.last_update_date_time_utc.map(rfc3339),
        });
    }

    /// The page (or every row), the total and the per-day counts.
    pub fn finish(self) -> History {
        let (offset, limit) = self.page.unwrap_or((0, self.total));
        History {
            rows: self.rows,
            per_day: fill_days(&self.by_day),
            total: self.total,
            offset,
            limit,
        }
    }
}

/// The longest span whose empty days are filled in (ten years).
const MAX_FILLED_DAYS: i64 = 3660;

/// The widest offset from UTC a zone has (UTC+14:00); a larger one is clamped.
const MAX_OFFSET_MINUTES: i32 = 14 * 60;

/// Isolations and releases per creation day (the viewer's days), oldest first, with
/// zero days filled.
fn fill_days(by_day: &BTreeMap<NaiveDate, (u32, u32)>) -> Vec<DayCount> {
    let (Some(first), Some(last)) = (
        by_day.keys().next().copied(),
        by_day.keys().next_back().copied(),
    ) else {
        return Vec::new();
    };
    // Zero days are filled only over a span a chart can show; an absurd span (a
    // server's malformed date, years apart) keeps the days that have counts.
    let days: Vec<NaiveDate> = if (last - first).num_days() <= MAX_FILLED_DAYS {
        first.iter_days().take_while(|d| *d <= last).collect()
    } else {
        by_day.keys().copied().collect()
    };
    days.into_iter()
        .map(|d| {
            let (isolations, releases) = by_day.get(&d).copied().unwrap_or_default();
            DayCount {
                day: d.format("%Y-%m-%d").to_string(),
                isolations,
                releases,
            }
        })
        .collect()
}

/// The CSV of the rows ([`crate::export::csv`]: BOM, CRLF, every cell quoted,
/// formula-safe).
pub fn csv(h: &History) -> Result<String> {
    let header = [
        "created",
        "updated",
        "type",
        "status",
        "machine",
        "machineId",
        "requestor",
        "comment",
        "actionId",
    ];
    crate::export::csv(
        &header,
        h.rows.iter().map(|r| {
            let kind = match r.kind {
                JobKind::Isolate => "Isolate",
                JobKind::Release => "Release",
            };
            [
                r.created.as_str(),
                r.updated.as_deref().unwrap_or_default(),
                kind,
                &r.status,
                &r.machine_name,
                &r.machine_id,
                &r.requestor,
                &r.comment,
                &r.action_id,
            ]
        }),
    )
}

/// The filter, validated once.
struct Compiled {
    kind: Option<JobKind>,
    status: Option<&'static str>,
    requestor: Option<String>,
    machine: Option<String>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
}

impl Compiled {
    fn new(f: &HistoryFilter) -> Result<Self> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let text = |v: &Option<String>| given(v).map(|s| s.to_lowercase());
        let status = match given(&f.status) {
            Some(s) => Some(canonical("status", &s, ACTION_STATUSES)?),
            None => None,
        };
        let since = match given(&f.since) {
            Some(s) => Some(bound("since", &s, false)?),
            None => None,
        };
        let until = match given(&f.until) {
            Some(s) => Some(bound("until", &s, true)?),
            None => None,
        };
        if let (Some(s), Some(u)) = (since, until)
            && s > u
        {
            return Err(CoreError::Invalid {
                field: "until".into(),
                message: format!(
                    "“until” ({}) is before “since” ({}).",
                    rfc3339(u),
                    rfc3339(s)
                ),
            });
        }
        Ok(Self {
            kind: f.kind,
            status,
            requestor: text(&f.requestor),
            machine: text(&f.machine),
            since,
            until,
        })
    }
}

/// An RFC 3339 time, or a date: its first second (`since`) or its last (`until`),
/// so both ends are inclusive.
fn bound(field: &str, s: &str, end_of_day: bool) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Some(t) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    {
        let t = t.and_utc();
        // The last day chrono can represent has no next day: saturate, never panic.
        return Ok(if end_of_day {
            t.checked_add_signed(Duration::days(1))
                .and_then(|n| n.checked_sub_signed(Duration::nanoseconds(1)))
                .unwrap_or(DateTime::<Utc>::MAX_UTC)
        } else {
            t
        });
    }
    Err(CoreError::Invalid {
        field: field.into(),
        message: format!(
            "“{s}” is not a time: use RFC 3339, e.g. 2025-01-31T08:00:00Z (or a date, 2025-01-31)."
        ),
    })
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
