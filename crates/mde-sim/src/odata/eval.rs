//! Evaluating a parsed `$filter` (and `$orderby`) against a record.
//!
//! Field names are resolved once, case-insensitively, to the entity's canonical names
//! (the samples page writes `Status`, `MachineId`, D21); an unknown name is the same 400
//! `ODataError` the service gives. String comparisons ignore ASCII case (interp.: the
//! service compares enum values such as `'pending'` without regard to case).

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use super::lexer::parse_datetime;
use super::parser::{Func, Lit, Node, Op};

/// A value read from a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Null,
    Str(Cow<'a, str>),
    Num(f64),
    Date(DateTime<Utc>),
    Bool(bool),
    List(&'a [String]),
}

/// Something a filter can be evaluated against; `field` receives canonical names only.
pub trait Record {
    fn field(&self, name: &str) -> Val<'_>;
}

/// The filterable/sortable properties of an entity.
#[derive(Debug)]
pub struct EntityDef {
    /// e.g. `MachineAction` (used in error messages).
    pub type_name: &'static str,
    pub fields: &'static [&'static str],
}

impl EntityDef {
    pub fn canonical(&self, name: &str) -> Result<&'static str, String> {
        self.fields.iter().copied().find(|f| f.eq_ignore_ascii_case(name)).ok_or_else(|| {
            format!(
                "Could not find a property named '{name}' on type 'microsoft.windowsDefenderATP.api.{}'.",
                self.type_name
            )
        })
    }
}

/// Rewrites field names to canonical ones and rejects unknown fields and non-boolean roots.
pub fn resolve(node: Node, entity: &EntityDef) -> Result<Node, String> {
    let node = resolve_inner(node, entity)?;
    let boolean = matches!(
        node,
        Node::Not(_) | Node::Bin(..) | Node::In(..) | Node::Any { .. } | Node::Lit(Lit::Bool(_))
    ) || matches!(node, Node::Call(f, _) if !matches!(f, Func::ToLower | Func::ToUpper));
    if boolean {
        Ok(node)
    } else {
        Err("The $filter expression must evaluate to a single boolean value.".into())
    }
}

fn resolve_inner(node: Node, e: &EntityDef) -> Result<Node, String> {
    Ok(match node {
        Node::Field(f) => Node::Field(e.canonical(&f)?.to_string()),
        Node::Not(n) => Node::Not(Box::new(resolve_inner(*n, e)?)),
        Node::Bin(op, l, r) => Node::Bin(
            op,
            Box::new(resolve_inner(*l, e)?),
            Box::new(resolve_inner(*r, e)?),
        ),
        Node::In(l, items) => Node::In(Box::new(resolve_inner(*l, e)?), items),
        Node::Call(f, args) => Node::Call(
            f,
            args.into_iter()
                .map(|a| resolve_inner(a, e))
                .collect::<Result<_, _>>()?,
        ),
        Node::Any { field, var, body } => Node::Any {
            field: e.canonical(&field)?.to_string(),
            var,
            body: Box::new(resolve_inner(*body, e)?),
        },
        leaf @ (Node::Var | Node::Lit(_)) => leaf,
    })
}

/// Whether `rec` matches the (resolved) filter.
pub fn matches(node: &Node, rec: &dyn Record) -> bool {
    eval(node, rec, None) == Val::Bool(true)
}

fn lit(l: &Lit) -> Val<'_> {
    match l {
        Lit::Str(s) => Val::Str(Cow::Borrowed(s)),
        Lit::Num(n) => Val::Num(*n),
        Lit::Date(d) => Val::Date(*d),
        Lit::Bool(b) => Val::Bool(*b),
        Lit::Null => Val::Null,
    }
}

fn eval<'a>(node: &'a Node, rec: &'a dyn Record, var: Option<&'a str>) -> Val<'a> {
    match node {
        Node::Field(f) => rec.field(f),
        Node::Var => var.map_or(Val::Null, |v| Val::Str(Cow::Borrowed(v))),
        Node::Lit(l) => lit(l),
        Node::Not(n) => match eval(n, rec, var) {
            Val::Bool(b) => Val::Bool(!b),
            _ => Val::Null,
        },
        Node::Bin(Op::And, l, r) => {
            Val::Bool(truthy(&eval(l, rec, var)) && truthy(&eval(r, rec, var)))
        }
        Node::Bin(Op::Or, l, r) => {
            Val::Bool(truthy(&eval(l, rec, var)) || truthy(&eval(r, rec, var)))
        }
        Node::Bin(op, l, r) => {
            let (a, b) = (eval(l, rec, var), eval(r, rec, var));
            Val::Bool(compare_op(*op, &a, &b))
        }
        Node::In(l, items) => {
            let a = eval(l, rec, var);
            Val::Bool(items.iter().any(|i| compare_op(Op::Eq, &a, &lit(i))))
        }
        Node::Call(f, args) => call(*f, args, rec, var),
        Node::Any { field, body, .. } => match rec.field(field) {
            Val::List(items) => {
                Val::Bool(items.iter().any(|it| truthy(&eval(body, rec, Some(it)))))
            }
            _ => Val::Bool(false),
        },
    }
}

fn truthy(v: &Val<'_>) -> bool {
    matches!(v, Val::Bool(true))
}

fn call<'a>(f: Func, args: &'a [Node], rec: &'a dyn Record, var: Option<&'a str>) -> Val<'a> {
    let text = |i: usize| match args.get(i).map(|a| eval(a, rec, var)) {
        Some(Val::Str(s)) => Some(s.to_lowercase()),
        _ => None,
    };
    match f {
        Func::ToLower | Func::ToUpper => match args.first().map(|a| eval(a, rec, var)) {
            Some(Val::Str(s)) if f == Func::ToLower => Val::Str(Cow::Owned(s.to_lowercase())),
            Some(Val::Str(s)) => Val::Str(Cow::Owned(s.to_uppercase())),
            _ => Val::Null,
        },
        _ => match (text(0), text(1)) {
            (Some(a), Some(b)) => Val::Bool(match f {
                Func::StartsWith => a.starts_with(&b),
                Func::EndsWith => a.ends_with(&b),
                _ => a.contains(&b),
            }),
            _ => Val::Bool(false),
        },
    }
}

fn compare_op(op: Op, a: &Val<'_>, b: &Val<'_>) -> bool {
    if matches!(a, Val::Null) || matches!(b, Val::Null) {
        let both = matches!(a, Val::Null) && matches!(b, Val::Null);
        return match op {
            Op::Eq => both,
            Op::Ne => !both,
            _ => false,
        };
    }
    let Some(ord) = compare(a, b) else {
        return op == Op::Ne;
    };
    match op {
        Op::Eq => ord == Ordering::Equal,
        Op::Ne => ord != Ordering::Equal,
        Op::Gt => ord == Ordering::Greater,
        Op::Ge => ord != Ordering::Less,
        Op::Lt => ord == Ordering::Less,
        Op::Le => ord != Ordering::Greater,
        Op::And | Op::Or | Op::In => false,
    }
}

/// Orders two values of compatible types (strings and dates or numbers are coerced).
pub fn compare(a: &Val<'_>, b: &Val<'_>) -> Option<Ordering> {
    match (a, b) {
        (Val::Str(x), Val::Str(y)) => Some(cmp_ci(x, y)),
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(y),
        (Val::Date(x), Val::Date(y)) => Some(x.cmp(y)),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        (Val::Date(x), Val::Str(s)) => parse_datetime(s).map(|y| x.cmp(&y)),
        (Val::Str(s), Val::Date(y)) => parse_datetime(s).map(|x| x.cmp(y)),
        (Val::Num(x), Val::Str(s)) => s.parse::<f64>().ok().and_then(|y| x.partial_cmp(&y)),
        (Val::Str(s), Val::Num(y)) => s.parse::<f64>().ok().and_then(|x| x.partial_cmp(y)),
        _ => None,
    }
}

fn cmp_ci(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Sort key order for `$orderby`: nulls first, then by value.
pub fn order(a: &Val<'_>, b: &Val<'_>) -> Ordering {
    match (a, b) {
        (Val::Null, Val::Null) => Ordering::Equal,
        (Val::Null, _) => Ordering::Less,
        (_, Val::Null) => Ordering::Greater,
        _ => compare(a, b).unwrap_or(Ordering::Equal),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parser::parse;
    use super::*;

    struct Row {
        status: &'static str,
        n: f64,
        when: DateTime<Utc>,
        tags: Vec<String>,
    }

    impl Record for Row {
        fn field(&self, name: &str) -> Val<'_> {
            match name {
                "status" => Val::Str(Cow::Borrowed(self.status)),
                "riskScore" => Val::Num(self.n),
                "creationDateTimeUtc" => Val::Date(self.when),
                "machineTags" => Val::List(&self.tags),
                _ => Val::Null,
            }
        }
    }

    const DEF: EntityDef = EntityDef {
        type_name: "MachineAction",
        fields: &[
            "status",
            "riskScore",
            "creationDateTimeUtc",
            "machineTags",
            "title",
        ],
    };

    fn check(filter: &str, row: &Row) -> bool {
        let node = resolve(parse(filter).expect("parses"), &DEF).expect("resolves");
        matches(&node, row)
    }

    #[test]
    fn evaluates() {
        let when = parse_datetime("2025-01-02T03:04:05Z").expect("date");
        let row = Row {
            status: "Pending",
            n: 3.0,
            when,
            tags: vec!["VIP".into(), "Finance".into()],
        };
        assert!(check("Status eq 'pending'", &row));
        assert!(check("status ne 'Succeeded' and riskScore ge 3", &row));
        assert!(check("status in ('Succeeded','Pending')", &row));
        assert!(!check("not (status eq 'Pending')", &row));
        assert!(check(
            "creationDateTimeUtc gt 2025-01-01Z and creationDateTimeUtc lt 2025-01-03T00:00:00Z",
            &row
        ));
        assert!(check(
            "creationDateTimeUtc ge datetime'2025-01-02T03:04:05Z'",
            &row
        ));
        assert!(check("machineTags/any(t: t eq 'vip')", &row));
        assert!(check("startswith(status,'Pend') or riskScore eq 1", &row));
        assert!(check("title eq null and status ne null", &row));
        assert!(check("tolower(status) eq 'pending'", &row));
    }

    #[test]
    fn rejects_unknown_fields_and_non_boolean() {
        assert!(resolve(parse("nope eq 'x'").expect("parses"), &DEF).is_err());
        assert!(resolve(parse("status").expect("parses"), &DEF).is_err());
        assert!(resolve(parse("'x'").expect("parses"), &DEF).is_err());
    }
}
