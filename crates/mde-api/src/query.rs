//! Typed OData queries: `$filter`, `$top`, `$skip`, `$orderby`.
//!
//! This is the only code that writes `$filter` text. Values are never pasted
//! into a filter: string literals are single-quoted with every `'` doubled (OData
//! ABNF `SQUOTE-in-string`), datetimes are written unquoted in RFC 3339 with `Z`,
//! and field names are `&'static str`, so only names written in code can appear.
//! A device name or tag chosen by an attacker stays one literal (check I-1/I-2).

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};

/// A literal value in a filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    String(String),
    DateTime(DateTime<Utc>),
    Int(i64),
    Bool(bool),
    Null,
}

impl From<&str> for Literal {
    fn from(v: &str) -> Self {
        Literal::String(v.to_owned())
    }
}
impl From<String> for Literal {
    fn from(v: String) -> Self {
        Literal::String(v)
    }
}
impl From<&String> for Literal {
    fn from(v: &String) -> Self {
        Literal::String(v.clone())
    }
}
impl From<DateTime<Utc>> for Literal {
    fn from(v: DateTime<Utc>) -> Self {
        Literal::DateTime(v)
    }
}
impl From<i64> for Literal {
    fn from(v: i64) -> Self {
        Literal::Int(v)
    }
}
impl From<bool> for Literal {
    fn from(v: bool) -> Self {
        Literal::Bool(v)
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::String(s) => f.write_str(&quote(s)),
            Literal::DateTime(t) => f.write_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            Literal::Int(i) => write!(f, "{i}"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Null => f.write_str("null"),
        }
    }
}

/// Quote a string as an OData literal: `O'Brien` → `'O''Brien'`.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// Read back a quoted OData string literal; `None` unless `text` is exactly one
/// well-formed literal.
pub fn unquote(text: &str) -> Option<String> {
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\'' {
            // A quote inside must be doubled; a lone one would end the literal.
            if chars.next() != Some('\'') {
                return None;
            }
        }
        out.push(c);
    }
    Some(out)
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "eq",
            CmpOp::Ne => "ne",
            CmpOp::Gt => "gt",
            CmpOp::Ge => "ge",
            CmpOp::Lt => "lt",
            CmpOp::Le => "le",
        }
    }
}

/// A `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare {
        field: &'static str,
        op: CmpOp,
        value: Literal,
    },
    In {
        field: &'static str,
        values: Vec<Literal>,
    },
    StartsWith {
        field: &'static str,
        prefix: String,
    },
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

impl Filter {
    fn cmp(field: &'static str, op: CmpOp, value: impl Into<Literal>) -> Self {
        Filter::Compare {
            field,
            op,
            value: value.into(),
        }
    }
    pub fn eq(field: &'static str, value: impl Into<Literal>) -> Self {
        Self::cmp(field, CmpOp::Eq, value)
    }
    pub fn ne(field: &'static str, value: impl Into<Literal>) -> Self {
        Self::cmp(field, CmpOp::Ne, value)
    }
    pub fn gt(field: &'static str, value: impl Into<Literal>) -> Self {
        Self::cmp(field, CmpOp::Gt, value)
    }
    pub fn ge(field: &'static str, value: impl Into<Literal>) -> Self {
        Self::cmp(field, CmpOp::Ge, value)
    }
    pub fn lt(field: &'static str, value: impl Into<Literal>) -> Self {
        Self::cmp(field, CmpOp::Lt, value)
    }
    pub fn le(field: &'static str, value: impl Into<Literal>) -> Self {
        Self::cmp(field, CmpOp::Le, value)
    }
    /// `field in ('a','b')`.
    pub fn r#in<I, V>(field: &'static str, values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<Literal>,
    {
        Filter::In {
            field,
            values: values.into_iter().map(Into::into).collect(),
        }
    }
    /// `startswith(field,'prefix')`.
    pub fn startswith(field: &'static str, prefix: impl Into<String>) -> Self {
        Filter::StartsWith {
            field,
            prefix: prefix.into(),
        }
    }
    pub fn and(self, other: Filter) -> Self {
        Filter::And(Box::new(self), Box::new(other))
    }
    pub fn or(self, other: Filter) -> Self {
        Filter::Or(Box::new(self), Box::new(other))
    }
    /// `not (…)`; also available as `!filter`.
    pub fn negate(self) -> Self {
        Filter::Not(Box::new(self))
    }

    fn write(&self, out: &mut String, top: bool) {
        use std::fmt::Write as _;
        match self {
            Filter::Compare { field, op, value } => {
                let _ = write!(out, "{field} {} {value}", op.as_str());
            }
            Filter::In { field, values } => {
                let list: Vec<String> = values.iter().map(ToString::to_string).collect();
                let _ = write!(out, "{field} in ({})", list.join(","));
            }
            Filter::StartsWith { field, prefix } => {
                let _ = write!(out, "startswith({field},{})", quote(prefix));
            }
            Filter::And(a, b) | Filter::Or(a, b) => {
                let op = if matches!(self, Filter::And(..)) {
                    "and"
                } else {
                    "or"
                };
                if !top {
                    out.push('(');
                }
                a.write(out, false);
                let _ = write!(out, " {op} ");
                b.write(out, false);
                if !top {
                    out.push(')');
                }
            }
            Filter::Not(inner) => {
                out.push_str("not (");
                inner.write(out, true);
                out.push(')');
            }
        }
    }
}

impl std::ops::Not for Filter {
    type Output = Filter;
    fn not(self) -> Filter {
        self.negate()
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write(&mut out, true);
        f.write_str(&out)
    }
}

/// A collection query. `top` limits the total number of rows returned by the
/// list calls (which page through results themselves).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub filter: Option<Filter>,
    pub top: Option<u32>,
    pub skip: Option<u32>,
    pub orderby: Vec<&'static str>,
    /// `$expand`, e.g. `"evidence"` for alerts.
    pub expand: Vec<&'static str>,
}

impl Query {
    pub fn new() -> Self {
        Self::default()
    }
    /// Set the filter (replacing any earlier one; combine with [`Filter::and`]).
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }
    pub fn top(mut self, n: u32) -> Self {
        self.top = Some(n);
        self
    }
    pub fn skip(mut self, n: u32) -> Self {
        self.skip = Some(n);
        self
    }
    /// Add an `$orderby` clause such as `"creationDateTimeUtc desc"`.
    pub fn orderby(mut self, clause: &'static str) -> Self {
        self.orderby.push(clause);
        self
    }

    /// Add an `$expand` item such as `"evidence"`.
    pub fn expand(mut self, item: &'static str) -> Self {
        self.expand.push(item);
        self
    }

    /// The query pairs for one page (`top`/`skip` given by the pager).
    pub(crate) fn pairs(&self, top: Option<u32>, skip: Option<u32>) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(filter) = &self.filter {
            pairs.push(("$filter", filter.to_string()));
        }
        if !self.orderby.is_empty() {
            pairs.push(("$orderby", self.orderby.join(",")));
        }
        if !self.expand.is_empty() {
            pairs.push(("$expand", self.expand.join(",")));
        }
        if let Some(top) = top {
            pairs.push(("$top", top.to_string()));
        }
        if let Some(skip) = skip.filter(|s| *s > 0) {
            pairs.push(("$skip", skip.to_string()));
        }
        pairs
    }
}

/// Percent-encode query values (keys are our own constants such as `$filter`);
/// spaces become `%20` (not `+`, which some OData servers read literally).
pub(crate) fn encode_pairs(pairs: &[(&str, String)]) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v).replace('+', "%20")))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;
