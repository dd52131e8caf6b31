//! OData system query options (`$filter $top $skip $orderby $count $select $expand`) and
//! the paging rules of §3.1/§5.1: pages of at most 10,000; `$top` above that is a 400;
//! `@odata.nextLink` only when a result exceeds the page and `$top` was not given.

use serde_json::{Map, Value};

use super::eval::{EntityDef, Record, matches, order, resolve};
use super::parser::{Node, parse};
use crate::urlenc;

#[derive(Debug, Default)]
pub struct Query {
    pub filter: Option<Node>,
    pub top: Option<usize>,
    pub skip: usize,
    pub orderby: Vec<(&'static str, bool)>,
    pub count: bool,
    pub select: Option<Vec<&'static str>>,
    pub expand: Vec<String>,
    /// The original `$filter`/`$orderby`/`$select`/`$expand` text, kept for nextLink.
    carry: Vec<(String, String)>,
}

/// Parses the query options of a collection request. `expandable` lists the navigation
/// properties `$expand` accepts.
pub fn parse_query(
    pairs: &[(String, String)],
    entity: &EntityDef,
    max_top: usize,
    expandable: &[&str],
) -> Result<Query, String> {
    let mut q = Query::default();
    for (key, value) in pairs {
        let lower = key.to_ascii_lowercase();
        if !lower.starts_with('$') {
            continue;
        }
        match lower.as_str() {
            "$filter" => {
                q.filter = Some(resolve(parse(value)?, entity)?);
                q.carry.push((key.clone(), value.clone()));
            }
            "$top" => {
                let n: usize = value
                    .trim()
                    .parse()
                    .map_err(|_| format!("Invalid value '{value}' for $top query option."))?;
                if n > max_top {
                    return Err(format!(
                        "The limit of '{max_top}' for Top query has been exceeded. The value from the incoming request is '{n}'."
                    ));
                }
                q.top = Some(n);
            }
            "$skip" => {
                q.skip = value
                    .trim()
                    .parse()
                    .map_err(|_| format!("Invalid value '{value}' for $skip query option."))?;
            }
            "$orderby" => {
                for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let mut words = part.split_whitespace();
                    let field = entity.canonical(words.next().unwrap_or_default())?;
                    let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
                        None | Some("asc") => false,
                        Some("desc") => true,
                        Some(other) => return Err(format!("Syntax error: '{other}' in $orderby.")),
                    };
                    q.orderby.push((field, desc));
                }
                q.carry.push((key.clone(), value.clone()));
            }
            "$count" => {
                q.count = match value.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(format!("'{value}' is not a valid count option.")),
                };
                q.carry.push((key.clone(), value.clone()));
            }
            "$select" => {
                let fields = value
                    .split(',')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(|f| entity.canonical(f))
                    .collect::<Result<Vec<_>, _>>()?;
                q.select = Some(fields);
                q.carry.push((key.clone(), value.clone()));
            }
            "$expand" => {
                for item in value.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                    let known = expandable.iter().find(|e| e.eq_ignore_ascii_case(item)).ok_or_else(|| {
                        format!("Could not find a property named '{item}' on type 'microsoft.windowsDefenderATP.api.{}'.", entity.type_name)
                    })?;
                    q.expand.push((*known).to_string());
                }
                q.carry.push((key.clone(), value.clone()));
            }
            "$format" => {}
            _ => return Err(format!("The query parameter '{key}' is not supported.")),
        }
    }
    Ok(q)
}

/// One page of a collection: which rows, and the paging metadata.
#[derive(Debug)]
pub struct Page {
    pub rows: Vec<u32>,
    pub total: usize,
    pub next_skip: Option<usize>,
}

impl Query {
    /// Filters, orders and slices `candidates`. `record` gives the OData view of a row.
    pub fn page<'a, R, F>(
        &self,
        candidates: impl Iterator<Item = u32>,
        page_size: usize,
        record: F,
    ) -> Page
    where
        R: Record + 'a,
        F: Fn(u32) -> R,
    {
        let mut rows: Vec<u32> = match &self.filter {
            Some(f) => candidates.filter(|&i| matches(f, &record(i))).collect(),
            None => candidates.collect(),
        };
        if !self.orderby.is_empty() {
            rows.sort_by(|&a, &b| {
                let (ra, rb) = (record(a), record(b));
                for (field, desc) in &self.orderby {
                    let o = order(&ra.field(field), &rb.field(field));
                    let o = if *desc { o.reverse() } else { o };
                    if o.is_ne() {
                        return o;
                    }
                }
                std::cmp::Ordering::Equal
            });
        }
        let total = rows.len();
        let take = self.top.unwrap_or(page_size).min(page_size);
        let start = self.skip.min(total);
        let end = start.saturating_add(take).min(total);
        let next_skip = (self.top.is_none() && total > end).then_some(end);
        rows.truncate(end);
        rows.drain(..start);
        Page {
            rows,
            total,
            next_skip,
        }
    }

    /// The query string of the next page (same filter/order, new `$skip`).
    pub fn next_query(&self, skip: usize) -> String {
        let mut pairs: Vec<(&str, &str)> = self
            .carry
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let skip = skip.to_string();
        pairs.push(("$skip", &skip));
        urlenc::build(&pairs)
    }

    /// Applies `$select` to one entity (keys compared case-insensitively).
    pub fn project(&self, v: Value) -> Value {
        let (Some(select), Value::Object(obj)) = (&self.select, &v) else {
            return v;
        };
        let mut out = Map::new();
        for (k, val) in obj {
            if select.iter().any(|s| s.eq_ignore_ascii_case(k)) {
                out.insert(k.clone(), val.clone());
            }
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::super::eval::Val;
    use super::*;

    const DEF: EntityDef = EntityDef {
        type_name: "Machine",
        fields: &["id", "riskScore"],
    };

    struct R(u32);
    impl Record for R {
        fn field(&self, name: &str) -> Val<'_> {
            match name {
                "id" => Val::Str(Cow::Owned(format!("{:03}", self.0))),
                _ => Val::Num(f64::from(self.0 % 3)),
            }
        }
    }

    fn q(s: &str) -> Result<Query, String> {
        parse_query(&urlenc::parse(s), &DEF, 10, &[])
    }

    #[test]
    fn top_skip_and_next_link() {
        let p = q("").expect("ok").page(0..25, 10, R);
        assert_eq!((p.rows.len(), p.total, p.next_skip), (10, 25, Some(10)));
        let p = q("$skip=20").expect("ok").page(0..25, 10, R);
        assert_eq!((p.rows, p.next_skip), (vec![20, 21, 22, 23, 24], None));
        let p = q("$top=3&$skip=5").expect("ok").page(0..25, 10, R);
        assert_eq!(
            (p.rows, p.next_skip),
            (vec![5, 6, 7], None),
            "no nextLink with $top"
        );
        assert!(q("$top=11").is_err());
        assert!(
            q("$stop=5").is_err(),
            "the documented typo is not an option"
        );
        assert!(q("$skip=-1").is_err());
    }

    #[test]
    fn filter_and_orderby() {
        let query = q("$filter=riskScore eq 2&$orderby=riskScore desc, id desc").expect("ok");
        let p = query.page(0..9, 10, R);
        assert_eq!(p.rows, vec![8, 5, 2]);
        assert!(
            query
                .next_query(10)
                .contains("%24filter=riskScore%20eq%202")
        );
        assert!(q("$orderby=nope").is_err());
        assert!(q("$orderby=id sideways").is_err());
    }
}
