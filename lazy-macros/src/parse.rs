//! Parsing: the tokens of `sel![...]` into a list of arguments, each an
//! ellipsis or an expression, with an optional `;step`. What the expressions
//! mean is decided in `validate`.

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Result, Token};

/// The whole input: arguments separated by commas, a trailing comma allowed.
pub(crate) struct Input {
    pub(crate) args: Punctuated<Arg, Token![,]>,
}

/// One argument as written.
pub(crate) struct Arg {
    pub(crate) kind: ArgKind,
    pub(crate) step: Option<Step>,
}

pub(crate) enum ArgKind {
    /// `...`
    Ellipsis(Token![...]),
    /// Anything else: a range, a list, a literal, `NewAxis` or an expression.
    Expr(Expr),
}

/// `;step` after an argument.
pub(crate) struct Step {
    pub(crate) semi: Token![;],
    pub(crate) expr: Expr,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> Result<Self> {
        Ok(Input {
            args: Punctuated::parse_terminated(input)?,
        })
    }
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> Result<Self> {
        // `...` is not an expression, so it is looked for first.
        let kind = if input.peek(Token![...]) {
            ArgKind::Ellipsis(input.parse()?)
        } else {
            ArgKind::Expr(input.parse()?)
        };
        let step = if input.peek(Token![;]) {
            Some(Step {
                semi: input.parse()?,
                expr: input.parse()?,
            })
        } else {
            None
        };
        Ok(Arg { kind, step })
    }
}
