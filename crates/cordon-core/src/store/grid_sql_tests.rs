//! The grid SQL builder: bound parameters, the query shapes the indexes answer, the
//! counters' arithmetic.

use super::*;
use crate::dto::IsolationState;

#[test]
fn the_filter_binds_values_and_inlines_only_rust_integers() {
    let f = GridFilter {
        search: Some(" WS-01 ".into()),
        isolated_now: true,
        states: vec![IsolationState::ReleaseStuck],
        health: vec!["Active".into()],
        risk: vec!["High".into(), "'; DROP".into()],
        tags: vec!["vip".into()],
        ..GridFilter::default()
    };
    let s = count(Dialect::Sqlite, &f, "2026-01-01T00:00:00.000Z");
    assert_eq!(
        s.params,
        vec!["ws-01", "2026-01-01T00:00:00.000Z", "Active", "\nvip\n"]
    );
    let plain = count(Dialect::Sqlite, &GridFilter::default(), "x");
    assert!(
        plain.params.is_empty(),
        "no unused parameter: {:?}",
        plain.params
    );
    assert!(s.text.contains("risk IN (5, 9)"), "{}", s.text);
    assert!(!s.text.contains("DROP"));
    let p = count(Dialect::Pg, &f, "x");
    assert!(
        p.text.contains("strpos(name, $1)") && p.text.contains("$4"),
        "{}",
        p.text
    );
}

#[test]
fn a_search_leaves_out_the_columns_it_cannot_match() {
    let text = |needle: &str| {
        let f = GridFilter {
            search: Some(needle.into()),
            ..GridFilter::default()
        };
        count(Dialect::Sqlite, &f, "x").text
    };
    let name_only = text("WS-0042");
    assert!(name_only.contains("instr(name, ?1)"), "{name_only}");
    assert!(!name_only.contains("lower(id)") && !name_only.contains("instr(ip"));
    let ip = text("10.0.0.7");
    assert!(
        ip.contains("instr(ip, ?1)") && !ip.contains("lower(id)"),
        "{ip}"
    );
    let hex = text("AB12");
    assert!(hex.contains("instr(lower(id), ?1)") && hex.contains("instr(ip, ?1)"));
}

#[test]
fn state_filters_read_the_stored_state_and_since() {
    let text = |states: Vec<IsolationState>| {
        let f = GridFilter {
            states,
            ..GridFilter::default()
        };
        count(Dialect::Sqlite, &f, "c").text
    };
    use IsolationState::*;
    assert!(
        text(vec![Isolated, ReleaseStuck])
            .contains("(state IN (3, 5) OR (state = 4 AND since <= ?1))")
    );
    assert!(text(vec![Releasing]).contains("((state = 4 AND (since IS NULL OR since > ?1)))"));
    let both = text(vec![Releasing, ReleaseStuck]);
    assert!(
        both.contains("(state IN (4, 5))") && !both.contains("?1"),
        "{both}"
    );
    assert!(!both.contains("CASE"));
}

#[test]
fn counters_follow_the_views_counting() {
    let c = counters(&[
        (0, 10, 0),
        (1, 2, 0),
        (2, 1, 0),
        (3, 4, 0),
        (4, 5, 2),
        (5, 3, 0),
    ]);
    assert_eq!(
        (
            c.total,
            c.isolated_now,
            c.isolating,
            c.releasing,
            c.stuck,
            c.isolation_failed
        ),
        (25, 12, 2, 3, 5, 1)
    );
}

#[test]
fn ranks_order_by_severity() {
    assert!(risk_rank("") < risk_rank("None"));
    assert!(risk_rank("Low") < risk_rank("Medium") && risk_rank("Medium") < risk_rank("High"));
    assert!(value_rank("Low") < value_rank("Normal") && value_rank("Normal") < value_rank("High"));
    assert_eq!(frame_tags(&["a".into(), "b".into()]), "\na\nb\n");
    assert_eq!(frame_tags(&[]), "");
}
