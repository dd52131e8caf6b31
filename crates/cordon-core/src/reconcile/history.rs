//! The History view (and `cordon history`): every isolate and release action of the
//! tenant, filtered, newest first, with per-day counts for the chart and a CSV export.
//!
//! Pure: a function of the cached machines and actions and the filter. The CSV follows
//! RFC 4180 (CRLF, quoted when needed, quotes doubled) and is safe to open in a
//! spreadsheet: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
//! gets a leading `'`, so a comment such as `=HYPERLINK(…)` is shown, never evaluated.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use mde_api::{ActionType, Machine, MachineAction};

use crate::dto::jobs::{DayCount, History, HistoryFilter, HistoryRow, JobKind, page_of};
use crate::error::{CoreError, Result};
use crate::fleet::actions::{ACTION_STATUSES, canonical};
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

/// [`history`] over any iteration of the actions (the App's cache is a map): the page
/// the filter's `offset`/`limit` ask for ([`page_of`]: defaulted and capped), counted
/// from the newest; `per_day` and `total` are over every match.
pub fn history_from<'a>(
    machines: &[Machine],
    actions: impl IntoIterator<Item = &'a MachineAction>,
    filter: &HistoryFilter,
) -> Result<History> {
    let (offset, limit) = page_of(filter.offset, filter.limit);
    let mut h = history_all_from(machines, actions, filter)?;
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(h.rows.len());
    let end = start
        .saturating_add(usize::try_from(limit).unwrap_or(usize::MAX))
        .min(h.rows.len());
    h.rows.truncate(end);
    h.rows.drain(..start);
    h.offset = offset;
    h.limit = limit;
    Ok(h)
}

/// Every matching row (the filter's `offset`/`limit` ignored): the CSV export and the
/// CLI. `offset` is 0 and `limit` the number of rows.
pub fn history_all_from<'a>(
    machines: &[Machine],
    actions: impl IntoIterator<Item = &'a MachineAction>,
    filter: &HistoryFilter,
) -> Result<History> {
    let f = Compiled::new(filter)?;
    let names: HashMap<String, &str> = machines
        .iter()
        .filter_map(|m| Some((m.id.to_ascii_lowercase(), m.computer_dns_name.as_deref()?)))
        .collect();
    let mut rows: Vec<HistoryRow> = Vec::new();
    for a in actions {
        let kind = match a.action_type {
            ActionType::Isolate => JobKind::Isolate,
            ActionType::Unisolate => JobKind::Release,
            _ => continue,
        };
        let machine_id = a.machine_id.clone().unwrap_or_default();
        let machine_name = names
            .get(&machine_id.to_ascii_lowercase())
            .map(|n| (*n).to_owned())
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
            continue;
        }
        rows.push(HistoryRow {
            action_id: a.id.clone(),
            machine_id,
            machine_name,
            kind,
            status: a.status.as_str().to_owned(),
            requestor,
            comment: a.requestor_comment.clone().unwrap_or_default(),
            created: rfc3339(a.creation_date_time_utc),
            updated: a.last_update_date_time_utc.map(rfc3339),
        });
    }
    // RFC 3339 strings in UTC with whole seconds sort as times.
    rows.sort_by(|x, y| {
        y.created
            .cmp(&x.created)
            .then_with(|| y.action_id.cmp(&x.action_id))
    });
    let per_day = per_day(&rows, filter.utc_offset_minutes.unwrap_or(0));
    let total = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    Ok(History {
        rows,
        per_day,
        total,
        offset: 0,
        limit: total,
    })
}

/// The longest span whose empty days are filled in (ten years).
const MAX_FILLED_DAYS: i64 = 3660;

/// The widest offset from UTC a zone has (UTC+14:00); a larger one is clamped.
const MAX_OFFSET_MINUTES: i32 = 14 * 60;

/// Isolations and releases per creation day, oldest first, with zero days filled: the
/// days of a viewer `offset_minutes` from UTC (0: UTC days).
fn per_day(rows: &[HistoryRow], offset_minutes: i32) -> Vec<DayCount> {
    let offset = Duration::minutes(i64::from(
        offset_minutes.clamp(-MAX_OFFSET_MINUTES, MAX_OFFSET_MINUTES),
    ));
    let mut by_day: BTreeMap<NaiveDate, (u32, u32)> = BTreeMap::new();
    for r in rows {
        let Some(day) = DateTime::parse_from_rfc3339(&r.created)
            .ok()
            .map(|t| t.with_timezone(&Utc))
            .map(|t| t.checked_add_signed(offset).unwrap_or(t).date_naive())
        else {
            continue;
        };
        let c = by_day.entry(day).or_default();
        match r.kind {
            JobKind::Isolate => c.0 += 1,
            JobKind::Release => c.1 += 1,
        }
    }
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
