#![allow(clippy::unwrap_used)]
use super::*;
use chrono::TimeZone;
use proptest::prelude::*;

#[test]
fn golden_literals() {
    assert_eq!(quote("O'Brien"), "'O''Brien'");
    assert_eq!(quote("'"), "''''");
    assert_eq!(quote(""), "''");
    assert_eq!(
        Filter::eq("computerDnsName", "a' or true or 'a").to_string(),
        "computerDnsName eq 'a'' or true or ''a'"
    );
    assert_eq!(unquote("'O''Brien'").as_deref(), Some("O'Brien"));
    assert_eq!(unquote("'a' or 'b'"), None);
    assert_eq!(unquote("'a"), None);
    assert_eq!(unquote("a"), None);
}

#[test]
fn filter_rendering() {
    let t = Utc.with_ymd_and_hms(2024, 5, 1, 8, 30, 0).unwrap();
    let f = Filter::eq("machineId", "abc")
        .and(Filter::r#in("type", ["Isolate", "Unisolate"]))
        .and(Filter::ge("creationDateTimeUtc", t));
    assert_eq!(
        f.to_string(),
        "(machineId eq 'abc' and type in ('Isolate','Unisolate')) and creationDateTimeUtc ge 2024-05-01T08:30:00Z"
    );
    let g = Filter::startswith("computerDnsName", "desk'")
        .or(!Filter::eq("healthStatus", "Active"))
        .or(Filter::lt("lastSeen", t).and(Filter::le("rbacGroupId", 5_i64)))
        .or(Filter::gt("riskScore", "Low").and(Filter::ne("isAadJoined", true)));
    assert_eq!(
        g.to_string(),
        "((startswith(computerDnsName,'desk''') or not (healthStatus eq 'Active')) \
         or (lastSeen lt 2024-05-01T08:30:00Z and rbacGroupId le 5)) \
         or (riskScore gt 'Low' and isAadJoined ne true)"
    );
    let millis = Utc.timestamp_millis_opt(1_714_552_200_123).unwrap();
    assert_eq!(
        Literal::from(millis).to_string(),
        "2024-05-01T08:30:00.123Z"
    );
    assert_eq!(Literal::Null.to_string(), "null");
}

#[test]
fn query_pairs_and_encoding() {
    let q = Query::new()
        .filter(Filter::eq("computerDnsName", "a&b+c #%'"))
        .top(50)
        .skip(100)
        .orderby("creationDateTimeUtc desc")
        .expand("evidence");
    let pairs = q.pairs(q.top, q.skip);
    let qs = encode_pairs(&pairs);
    assert_eq!(
        qs,
        "$filter=computerDnsName%20eq%20%27a%26b%2Bc%20%23%25%27%27%27\
         &$orderby=creationDateTimeUtc%20desc&$expand=evidence&$top=50&$skip=100"
    );
    // The URL crate's decoder gives back the exact filter text.
    let url = url::Url::parse(&format!("http://x/api?{qs}")).unwrap();
    let filter = url
        .query_pairs()
        .find(|(k, _)| k == "$filter")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert_eq!(filter, "computerDnsName eq 'a&b+c #%'''");
    assert!(Query::new().pairs(None, Some(0)).is_empty());
}

/// An OData literal scanner independent of `unquote`: the length in bytes of the
/// single-quoted literal at the start of `s`, if there is one.
fn scan_literal(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'\'') {
        return None;
    }
    let mut i = 1;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

fn tricky_string() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("'".to_owned()),
        Just("''".to_owned()),
        Just("\"".to_owned()),
        Just("%".to_owned()),
        Just("&".to_owned()),
        Just("#".to_owned()),
        Just("+".to_owned()),
        Just("/".to_owned()),
        Just("\\".to_owned()),
        Just("\0".to_owned()),
        Just("\u{202e}".to_owned()),
        Just("🦀".to_owned()),
        Just(" or true or ".to_owned()),
        any::<String>(),
    ];
    prop::collection::vec(pieces, 0..8).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    /// I-1: any string survives quoting, and stays one literal in one comparison.
    #[test]
    fn literal_round_trip(s in tricky_string()) {
        let quoted = quote(&s);
        prop_assert_eq!(unquote(&quoted), Some(s.clone()));
        let filter = Filter::eq("computerDnsName", s.as_str()).to_string();
        let rest = filter.strip_prefix("computerDnsName eq ").unwrap();
        prop_assert_eq!(scan_literal(rest), Some(rest.len()), "one literal, nothing after it");
        // Survives URL encoding and decoding too.
        let qs = encode_pairs(&[("$filter", filter.clone())]);
        let url = url::Url::parse(&format!("http://x/?{qs}")).unwrap();
        let decoded = url.query_pairs().next().map(|(_, v)| v.into_owned());
        prop_assert_eq!(decoded, Some(filter));
    }
}
