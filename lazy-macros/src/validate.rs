//! Validation: every argument classified, and every mistake visible in the
//! tokens rejected with an error under the offending tokens: two ellipses, a
//! zero step, a step after something that is not a range, and literals that
//! are not integers (floats, strings, booleans, …).
//!
//! Expressions whose meaning depends on their type (a variable may hold an
//! integer, a list or a range) are left to the type system (`SelArg`).

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
    /// Any other expression, converted with `SelInt` (which rejects non-integers).
    Expr(Expr),
}

impl Int {
    /// The value, when the tokens say it: zero is all `validate` needs to know.
    fn is_literal_zero(&self) -> bool {
        match self {
            Int::Literal { lit, .. } => lit.base10_parse::<u128>().is_ok_and(|v| v == 0),
            Int::Expr(expr) => suffixed_zero(expr),
        }
    }
}

/// Classifies every argument; all errors found are reported together.
pub(crate) fn validate(input: Input) -> Result<Vec<Item>> {
    let mut items = Vec::with_capacity(input.args.len());
    let mut errors = Errors::default();
    let mut ellipsis: Option<Span> = None;
    for arg in input.args {
        let Arg { kind, step } = arg;
        let result = match kind {
            ArgKind::Ellipsis(dots) => {
                if ellipsis.is_some() {
                    errors.push(Error::new_spanned(
                        dots,
                        "an index can only have a single ellipsis (`...`); remove one, or write `..` for one full axis",
                    ));
                }
                ellipsis = Some(dots.spans[0]);
                no_step(step.as_ref(), "`...`").map(|()| Item::Ellipsis(dots.spans[0]))
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
            if path.qself.is_none()
                && path.path.leading_colon.is_none()
                && path.path.segments.len() == 1
                && path.path.segments[0].ident == "NewAxis"
                && path.path.segments[0].arguments.is_none() =>
        {
            no_step(step.as_ref(), "`NewAxis`")?;
            Ok(Item::NewAxis(expr.span()))
        }
        expr => {
            no_step(step.as_ref(), "an integer index")?;
            match int(expr, "an index")? {
                Int::Expr(expr) => Ok(Item::Typed(expr)),
                literal => Ok(Item::Index(literal)),
            }
        }
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
        Some(Step { expr, .. }) => match int(expr, "a step") {
            Ok(step) if step.is_literal_zero() => {
                errors.push(Error::new_spanned(
                    step_tokens(&step),
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
    let (negative, lit) = match &expr {
        Expr::Lit(ExprLit { lit, .. }) => (false, lit),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => match &*unary.expr {
            Expr::Lit(ExprLit { lit, .. }) => (true, lit),
            _ => return Ok(Int::Expr(expr)),
        },
        _ => return Ok(Int::Expr(expr)),
    };
    let problem = match lit {
        Lit::Int(lit) if lit.suffix().is_empty() => {
            return Ok(Int::Literal {
                negative,
                lit: lit.clone(),
            })
        }
        // A suffixed integer keeps its type; `SelInt` converts it.
        Lit::Int(_) => return Ok(Int::Expr(expr)),
        Lit::Float(_) => "is a float",
        Lit::Str(_) => "is a string (field names are not supported)",
        Lit::Bool(_) => "is a boolean (boolean masks are not supported; list the positions instead, e.g. `[0, 2]`)",
        Lit::Char(_) => "is a character",
        _ => "is not an integer",
    };
    Err(Error::new_spanned(
        &expr,
        format!(
            "`sel!` expected an integer for {what}, but `{}` {problem}",
            expr.to_token_stream()
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

/// A suffixed literal zero such as `0isize` or `-0i32`.
fn suffixed_zero(expr: &Expr) -> bool {
    let lit = match expr {
        Expr::Lit(ExprLit { lit, .. }) => lit,
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => match &*u.expr {
            Expr::Lit(ExprLit { lit, .. }) => lit,
            _ => return false,
        },
        _ => return false,
    };
    matches!(lit, Lit::Int(i) if i.base10_parse::<u128>().is_ok_and(|v| v == 0))
}

fn step_tokens(step: &Int) -> proc_macro2::TokenStream {
    match step {
        Int::Literal { negative, lit } => {
            let mut tokens = proc_macro2::TokenStream::new();
            if *negative {
                tokens.extend(quote::quote_spanned!(lit.span()=> -));
            }
            lit.to_tokens(&mut tokens);
            tokens
        }
        Int::Expr(expr) => expr.to_token_stream(),
    }
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
