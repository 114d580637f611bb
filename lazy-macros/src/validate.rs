//! Validation: every argument classified, and every mistake visible in the
//! tokens rejected with an error under the offending tokens: two ellipses, a
//! zero step, a step after something that is not a range, and literals that
//! are not integers (floats, strings, booleans, …).
//!
//! Expressions whose meaning depends on their type (a variable may hold an
//! integer, a list or a range) are left to the type system (`IntoSelectionItem`).

use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Error, Expr, ExprLit, ExprRange, Lit, LitInt, RangeLimits, Result, UnOp};

use crate::parse::{Arg, ArgKind, Input, Step};

/// One argument, classified.
pub(crate) enum Item {
    /// `...`
    Ellipsis(Span),
    /// The bare name `NewAxis`.
    NewAxis(Span),
    /// An integer literal, possibly negative.
    Index(Int),
    /// A range written in the macro, with its optional step.
    Slice(Box<Slice>),
    /// A list written in the macro, `[i, j, k]`.
    List(Vec<Int>),
    /// Any other expression; its type says what it selects.
    Typed(Expr),
}

/// A range written in the macro: `start..stop;step` or `start..=end;step`.
pub(crate) struct Slice {
    pub(crate) start: Option<Int>,
    pub(crate) end: Option<Int>,
    pub(crate) inclusive: bool,
    pub(crate) step: Option<Int>,
}

/// An integer: a literal the macro can read, or an expression of integer type.
pub(crate) enum Int {
    /// An unsuffixed integer literal, sign included: emitted as an `isize`.
    Literal { negative: bool, lit: LitInt },
    /// Any other expression, converted with `SelectionInt` (which rejects non-integers).
    Expr(Expr),
}

impl Int {
    /// Whether the tokens say it is zero (`0`, `-0`, `0isize`).
    fn is_literal_zero(&self) -> bool {
        match self {
            Int::Literal { lit, .. } => is_zero(lit),
            Int::Expr(expr) => {
                matches!(signed_literal(expr), Some((_, Lit::Int(lit))) if is_zero(lit))
            }
        }
    }
}

/// Classifies every argument; all errors found are reported together.
pub(crate) fn validate(input: Input) -> Result<Vec<Item>> {
    let mut items = Vec::with_capacity(input.args.len());
    let mut errors = Errors::default();
    let mut seen_ellipsis = false;
    for arg in input.args {
        let Arg { kind, step } = arg;
        let result = match kind {
            ArgKind::Ellipsis(dots) => {
                if seen_ellipsis {
                    errors.push(Error::new_spanned(
                        dots,
                        "an index can only have a single ellipsis (`...`); remove one, or write `..` for one full axis",
                    ));
                }
                seen_ellipsis = true;
                no_step(step.as_ref(), "`...`").map(|()| Item::Ellipsis(dots.span()))
            }
            ArgKind::Expr(expr) => classify(expr, step),
        };
        match result {
            Ok(item) => items.push(item),
            Err(e) => errors.push(e),
        }
    }
    errors.finish().map(|()| items)
}

fn classify(expr: Expr, step: Option<Step>) -> Result<Item> {
    let expr = strip(expr);
    match expr {
        Expr::Range(range) => slice(range, step).map(|s| Item::Slice(Box::new(s))),
        Expr::Array(array) => {
            no_step(step.as_ref(), "a list")?;
            let mut errors = Errors::default();
            let mut entries = Vec::with_capacity(array.elems.len());
            for elem in array.elems {
                match list_entry(elem) {
                    Ok(entry) => entries.push(entry),
                    Err(e) => errors.push(e),
                }
            }
            errors.finish().map(|()| Item::List(entries))
        }
        Expr::Path(ref path)
            if path.qself.is_none() && path.path.get_ident().is_some_and(|i| i == "NewAxis") =>
        {
            no_step(step.as_ref(), "`NewAxis`")?;
            Ok(Item::NewAxis(expr.span()))
        }
        expr => match int(expr, "an index")? {
            Int::Expr(expr) => {
                // A range held in a variable has no room for a step.
                no_step(
                    step.as_ref(),
                    "a value: write the range itself in `sel!`, as `start..stop;step`",
                )?;
                Ok(Item::Typed(expr))
            }
            literal => {
                no_step(step.as_ref(), "an integer index")?;
                Ok(Item::Index(literal))
            }
        },
    }
}

fn slice(range: ExprRange, step: Option<Step>) -> Result<Slice> {
    let mut errors = Errors::default();
    let mut bound = |b: Option<Box<Expr>>, what: &str| {
        b.and_then(|b| match int(*b, what) {
            Ok(i) => Some(i),
            Err(e) => {
                errors.push(e);
                None
            }
        })
    };
    let start = bound(range.start, "a range bound");
    let end = bound(range.end, "a range bound");
    let step = match step {
        None => None,
        Some(Step { expr, .. }) => match int(expr.clone(), "a step") {
            Ok(step) if step.is_literal_zero() => {
                errors.push(Error::new_spanned(
                    expr,
                    "slice step cannot be zero; use a positive step to walk forwards or a negative one (`..;-1`) to walk backwards",
                ));
                None
            }
            Ok(step) => Some(step),
            Err(e) => {
                errors.push(e);
                None
            }
        },
    };
    errors.finish()?;
    Ok(Slice {
        start,
        end,
        inclusive: matches!(range.limits, RangeLimits::Closed(_)),
        step,
    })
}

fn list_entry(expr: Expr) -> Result<Int> {
    let expr = strip(expr);
    match &expr {
        Expr::Range(_) => Err(Error::new_spanned(
            expr,
            "a list holds single positions, not ranges; write the range as its own index (`sel![1..3]`) or list its positions (`[1, 2]`)",
        )),
        Expr::Array(_) => Err(Error::new_spanned(
            expr,
            "nested lists are not supported: a list selects positions along one axis (orthogonal indexing); give each axis its own list, e.g. `sel![[0, 1], [2, 3]]`",
        )),
        _ => int(expr, "a list entry"),
    }
}

/// An integer literal, or an expression left to the type checker; literals
/// of other kinds are rejected here.
fn int(expr: Expr, what: &str) -> Result<Int> {
    let expr = strip(expr);
    let Some((negative, lit)) = signed_literal(&expr) else {
        return Ok(Int::Expr(expr));
    };
    let problem = match lit {
        Lit::Int(lit) if lit.suffix().is_empty() => {
            return Ok(Int::Literal {
                negative,
                lit: lit.clone(),
            })
        }
        // A suffixed integer keeps its type; `SelectionInt` converts it.
        Lit::Int(_) => return Ok(Int::Expr(expr)),
        Lit::Float(_) => "is a float",
        Lit::Str(_) => "is a string (field names are not supported)",
        Lit::Bool(_) => "is a boolean (boolean masks are not supported; list the positions instead, e.g. `[0, 2]`)",
        Lit::Char(_) => "is a character",
        _ => "is not an integer",
    };
    let sign = if negative { "-" } else { "" };
    Err(Error::new_spanned(
        &expr,
        format!(
            "`sel!` expected an integer for {what}, but `{sign}{}` {problem}",
            lit.to_token_stream()
        ),
    ))
}

/// `(e)` and invisible groups (from `macro_rules!` fragments) mean `e`.
fn strip(expr: Expr) -> Expr {
    match expr {
        Expr::Paren(p) => strip(*p.expr),
        Expr::Group(g) => strip(*g.expr),
        e => e,
    }
}

/// The literal of `lit` or `-lit`, and whether it is negated.
fn signed_literal(expr: &Expr) -> Option<(bool, &Lit)> {
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => Some((false, lit)),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => match &*unary.expr {
            Expr::Lit(ExprLit { lit, .. }) => Some((true, lit)),
            _ => None,
        },
        _ => None,
    }
}

fn is_zero(lit: &LitInt) -> bool {
    lit.base10_parse::<u128>().is_ok_and(|v| v == 0)
}

fn no_step(step: Option<&Step>, what: &str) -> Result<()> {
    match step {
        None => Ok(()),
        Some(Step { semi, expr }) => Err(Error::new_spanned(
            quote::quote!(#semi #expr),
            format!(
                "a step applies only to a range written in `sel!` (`1..10;2`, `..;-1`), not to {what}"
            ),
        )),
    }
}

/// Errors collected while going on, so that one expansion reports them all.
#[derive(Default)]
struct Errors(Option<Error>);

impl Errors {
    fn push(&mut self, e: Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    fn finish(self) -> Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(src: &str) -> Result<Vec<Item>> {
        validate(syn::parse_str::<Input>(src)?)
    }

    fn error(src: &str) -> String {
        match items(src) {
            Ok(_) => panic!("`{src}` was accepted"),
            Err(e) => e
                .into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(" | "),
        }
    }

    fn kinds(src: &str) -> Vec<&'static str> {
        let items = items(src).unwrap_or_else(|e| panic!("`{src}`: {e}"));
        items
            .iter()
            .map(|item| match item {
                Item::Ellipsis(_) => "ellipsis",
                Item::NewAxis(_) => "newaxis",
                Item::Index(_) => "index",
                Item::Slice(s) if s.inclusive => "inclusive",
                Item::Slice(_) => "slice",
                Item::List(_) => "list",
                Item::Typed(_) => "typed",
            })
            .collect()
    }

    #[test]
    fn every_form_is_classified() {
        assert_eq!(
            kinds(".., 3, -1, 1..10;2, ..;-1, a..=b, [4, 0, 2], ..., NewAxis, i, v, f(x) + 1,"),
            [
                "slice",
                "index",
                "index",
                "slice",
                "slice",
                "inclusive",
                "list",
                "ellipsis",
                "newaxis",
                "typed",
                "typed",
                "typed"
            ]
        );
        assert!(kinds("").is_empty());
        // Parentheses do not hide a range; a qualified `NewAxis` is a value.
        assert_eq!(kinds("(1..3), lazy_datasets::NewAxis"), ["slice", "typed"]);
    }

    #[test]
    fn literals_keep_their_sign_and_suffix() {
        let items = items("-7, 7u8").unwrap_or_default();
        assert!(
            matches!(&items[0], Item::Index(Int::Literal { negative: true, lit }) if lit.base10_digits() == "7")
        );
        assert!(matches!(&items[1], Item::Typed(_)));
    }

    #[test]
    fn mistakes_in_the_tokens_are_errors() {
        assert!(error("..., 0, ...").contains("single ellipsis"));
        assert!(error("1..10;0").contains("step cannot be zero"));
        assert!(error("..;-0").contains("step cannot be zero"));
        assert!(error("..;0i64").contains("step cannot be zero"));
        assert!(error("1.5").contains("`1.5` is a float"));
        assert!(error("-2.0..").contains("`-2.0` is a float"));
        assert!(error("..;0.5").contains("for a step, but `0.5` is a float"));
        assert!(error("\"x\"").contains("is a string"));
        assert!(error("true").contains("is a boolean"));
        assert!(error("'a'").contains("is a character"));
        assert!(error("[0, 1.0]").contains("for a list entry"));
        assert!(error("[[0], 1]").contains("nested lists"));
        assert!(error("[0..2]").contains("not ranges"));
        assert!(error("3;2").contains("not to an integer index"));
        assert!(error("r;2").contains("write the range itself"));
        assert!(error("[1];2").contains("not to a list"));
        assert!(error("NewAxis;2").contains("not to `NewAxis`"));
        assert!(error("...;2").contains("not to `...`"));
        // Every mistake is reported, not only the first.
        assert_eq!(error("1.5, ..;0, ..., ...").matches(" | ").count(), 2);
    }
}
