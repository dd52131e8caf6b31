//! `$filter` parser: precedence climbing over the lexer's tokens.
//!
//! Precedence, loosest first: `or`, `and`, comparisons (`eq ne gt ge lt le in`); `not`
//! applies to the comparison that follows it. Keywords are case-insensitive because
//! connectors send `AND` (T2). Functions: `startswith`, `endswith`, `contains`,
//! `substringof`, `tolower`, `toupper`; lambdas: `machineTags/any(t: t eq 'x')`.

use chrono::{DateTime, Utc};

use super::lexer::{Tok, tokenize};

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Str(String),
    Num(f64),
    Date(DateTime<Utc>),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Or,
    And,
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    In,
}

impl Op {
    fn prec(self) -> u8 {
        match self {
            Self::Or => 1,
            Self::And => 2,
            _ => 3,
        }
    }

    fn from_word(w: &str) -> Option<Self> {
        Some(match w.to_ascii_lowercase().as_str() {
            "or" => Self::Or,
            "and" => Self::And,
            "eq" => Self::Eq,
            "ne" => Self::Ne,
            "gt" => Self::Gt,
            "ge" => Self::Ge,
            "lt" => Self::Lt,
            "le" => Self::Le,
            "in" => Self::In,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    StartsWith,
    EndsWith,
    Contains,
    ToLower,
    ToUpper,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Field(String),
    /// The variable of the enclosing lambda.
    Var,
    Lit(Lit),
    Not(Box<Node>),
    Bin(Op, Box<Node>, Box<Node>),
    In(Box<Node>, Vec<Lit>),
    Call(Func, Vec<Node>),
    Any {
        field: String,
        var: String,
        body: Box<Node>,
    },
}

/// Parses a `$filter` expression.
pub fn parse(input: &str) -> Result<Node, String> {
    let toks = tokenize(input)?;
    if toks.is_empty() {
        return Err("The $filter expression is empty.".into());
    }
    let mut p = Parser {
        toks,
        pos: 0,
        var: None,
    };
    let node = p.expr(0)?;
    if p.pos < p.toks.len() {
        return Err(format!(
            "Syntax error at position {}: unexpected '{}'.",
            p.pos,
            show(&p.toks[p.pos])
        ));
    }
    Ok(node)
}

fn show(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => s.clone(),
        Tok::Str(s) => format!("'{s}'"),
        Tok::Num(n) => n.to_string(),
        Tok::Date(d) => d.to_rfc3339(),
        Tok::LParen => "(".into(),
        Tok::RParen => ")".into(),
        Tok::Comma => ",".into(),
        Tok::Colon => ":".into(),
    }
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    var: Option<String>,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Result<Tok, String> {
        let t = self
            .toks
            .get(self.pos)
            .cloned()
            .ok_or("Syntax error: unexpected end of expression.")?;
        self.pos += 1;
        Ok(t)
    }

    fn expect(&mut self, want: &Tok) -> Result<(), String> {
        let got = self.next()?;
        if &got == want {
            Ok(())
        } else {
            Err(format!(
                "Syntax error: expected '{}' but found '{}'.",
                show(want),
                show(&got)
            ))
        }
    }

    fn peek_op(&self) -> Option<Op> {
        match self.peek() {
            Some(Tok::Ident(w)) => Op::from_word(w),
            _ => None,
        }
    }

    fn expr(&mut self, min: u8) -> Result<Node, String> {
        let mut lhs = self.unary()?;
        while let Some(op) = self.peek_op() {
            if op.prec() < min {
                break;
            }
            self.pos += 1;
            if op == Op::In {
                lhs = Node::In(Box::new(lhs), self.in_list()?);
                continue;
            }
            let rhs = self.expr(op.prec() + 1)?;
            lhs = Node::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Node, String> {
        if matches!(self.peek(), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("not")) {
            self.pos += 1;
            return Ok(Node::Not(Box::new(self.expr(3)?)));
        }
        self.primary()
    }

    fn in_list(&mut self) -> Result<Vec<Lit>, String> {
        self.expect(&Tok::LParen)?;
        let mut items = Vec::new();
        loop {
            match self.primary()? {
                Node::Lit(l) => items.push(l),
                other => {
                    return Err(format!(
                        "Syntax error: 'in' expects literals, found {other:?}."
                    ));
                }
            }
            match self.next()? {
                Tok::Comma => {}
                Tok::RParen => return Ok(items),
                t => {
                    return Err(format!(
                        "Syntax error: expected ',' or ')' but found '{}'.",
                        show(&t)
                    ));
                }
            }
        }
    }

    fn primary(&mut self) -> Result<Node, String> {
        match self.next()? {
            Tok::LParen => {
                let e = self.expr(0)?;
                self.expect(&Tok::RParen)?;
                Ok(e)
            }
            Tok::Str(s) => Ok(Node::Lit(Lit::Str(s))),
            Tok::Num(n) => Ok(Node::Lit(Lit::Num(n))),
            Tok::Date(d) => Ok(Node::Lit(Lit::Date(d))),
            Tok::Ident(name) => self.ident(name),
            t => Err(format!("Syntax error: unexpected '{}'.", show(&t))),
        }
    }

    fn ident(&mut self, name: String) -> Result<Node, String> {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "true" => return Ok(Node::Lit(Lit::Bool(true))),
            "false" => return Ok(Node::Lit(Lit::Bool(false))),
            "null" => return Ok(Node::Lit(Lit::Null)),
            _ => {}
        }
        if Op::from_word(&lower).is_some() || lower == "not" {
            return Err(format!(
                "Syntax error: '{name}' is an operator, an operand was expected."
            ));
        }
        if (lower == "datetime" || lower == "datetimeoffset")
            && let Some(Tok::Str(text)) = self.peek().cloned()
        {
            self.pos += 1;
            let d = super::lexer::parse_datetime(&text)
                .ok_or_else(|| format!("Unrecognized datetime literal '{text}'."))?;
            return Ok(Node::Lit(Lit::Date(d)));
        }
        if self.peek() != Some(&Tok::LParen) {
            if self.var.as_deref().is_some_and(|v| v == name) {
                return Ok(Node::Var);
            }
            return Ok(Node::Field(name));
        }
        if let Some(field) = lower
            .strip_suffix("/any")
            .map(|_| name[..name.len() - 4].to_string())
        {
            return self.lambda(field);
        }
        self.pos += 1; // '('
        let mut args = Vec::new();
        if self.peek() != Some(&Tok::RParen) {
            loop {
                args.push(self.expr(0)?);
                if self.peek() == Some(&Tok::Comma) {
                    self.pos += 1;
                } else {
                    break;
                }
            }
        }
        self.expect(&Tok::RParen)?;
        let (func, arity) = match lower.as_str() {
            "startswith" => (Func::StartsWith, 2),
            "endswith" => (Func::EndsWith, 2),
            "contains" => (Func::Contains, 2),
            "substringof" => {
                args.reverse();
                (Func::Contains, 2)
            }
            "tolower" => (Func::ToLower, 1),
            "toupper" => (Func::ToUpper, 1),
            _ => return Err(format!("An unknown function with name '{name}' was found.")),
        };
        if args.len() != arity {
            return Err(format!(
                "The function '{name}' expects {arity} argument(s), got {}.",
                args.len()
            ));
        }
        Ok(Node::Call(func, args))
    }

    fn lambda(&mut self, field: String) -> Result<Node, String> {
        self.expect(&Tok::LParen)?;
        let var = match self.next()? {
            Tok::Ident(v) => v,
            t => {
                return Err(format!(
                    "Syntax error: expected a lambda variable, found '{}'.",
                    show(&t)
                ));
            }
        };
        self.expect(&Tok::Colon)?;
        let outer = self.var.replace(var.clone());
        let body = self.expr(0);
        self.var = outer;
        let body = body?;
        self.expect(&Tok::RParen)?;
        Ok(Node::Any {
            field,
            var,
            body: Box::new(body),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> Box<Node> {
        Box::new(Node::Field(s.into()))
    }
    fn s(v: &str) -> Box<Node> {
        Box::new(Node::Lit(Lit::Str(v.into())))
    }

    #[test]
    fn precedence_and_binds_tighter_than_or() {
        let n = parse("a eq 'x' or b eq 'y' and c eq 'z'").expect("parses");
        let want = Node::Bin(
            Op::Or,
            Box::new(Node::Bin(Op::Eq, f("a"), s("x"))),
            Box::new(Node::Bin(
                Op::And,
                Box::new(Node::Bin(Op::Eq, f("b"), s("y"))),
                Box::new(Node::Bin(Op::Eq, f("c"), s("z"))),
            )),
        );
        assert_eq!(n, want);
    }

    #[test]
    fn parentheses_not_and_in() {
        let n = parse("not (a eq 'x' OR a eq 'y') AND type in ('Isolate','Unisolate')")
            .expect("parses");
        match n {
            Node::Bin(Op::And, l, r) => {
                assert!(matches!(*l, Node::Not(_)));
                assert!(matches!(*r, Node::In(_, ref v) if v.len() == 2));
            }
            other => panic!("unexpected tree {other:?}"),
        }
    }

    #[test]
    fn functions_and_lambdas() {
        assert!(matches!(
            parse("startswith(computerDnsName,'ws-')"),
            Ok(Node::Call(Func::StartsWith, _))
        ));
        let n = parse("machineTags/any(tag: tag eq 'VIP')").expect("parses");
        assert!(
            matches!(n, Node::Any { ref field, ref body, .. } if field == "machineTags"
            && matches!(**body, Node::Bin(Op::Eq, ref l, _) if **l == Node::Var))
        );
    }

    #[test]
    fn errors() {
        for bad in [
            "",
            "a eq",
            "a eq 'x' and",
            "(a eq 'x'",
            "a eq 'x')",
            "foo(a)",
            "a in 'x'",
            "eq eq 1",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }
}
