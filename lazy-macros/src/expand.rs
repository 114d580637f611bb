//! Expansion: the classified arguments into a chain of `TypedSelection::push` calls,
//! `TypedSelection::new().push(a).push(b)…`, so that the type of each argument adds its
//! counts to the selection's type.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::validate::{Int, Item, Slice};

/// The selection expression for `items`.
pub(crate) fn expand(items: &[Item]) -> TokenStream {
    let root = quote!(::lazy_datasets);
    let pushes = items.iter().map(|item| {
        let arg = match item {
            Item::Ellipsis(span) => quote_spanned!(*span=> #root::Ellipsis),
            Item::NewAxis(span) => quote_spanned!(*span=> #root::NewAxis),
            Item::Index(i) => int(i),
            Item::Slice(slice) => self::slice(slice),
            Item::List(entries) => {
                let entries = entries.iter().map(int);
                quote!(::std::vec::Vec::<isize>::from([#(#entries),*]))
            }
            // Left as written: its type decides what it selects (`IntoSelectionItem`).
            Item::Typed(expr) => quote!(#expr),
        };
        quote!(.push(#arg))
    });
    quote!(#root::TypedSelection::new() #(#pushes)*)
}

fn slice(slice: &Slice) -> TokenStream {
    let root = quote!(::lazy_datasets);
    let some = |bound: &Option<Int>| match bound {
        Some(i) => {
            let i = int(i);
            quote!(::core::option::Option::Some(#i))
        }
        None => quote!(::core::option::Option::None),
    };
    let start = some(&slice.start);
    let step = slice.step.as_ref().map_or_else(|| quote!(1isize), int);
    match (&slice.end, slice.inclusive) {
        (Some(end), true) => {
            let end = int(end);
            quote!(#root::Slice::inclusive(#start, #end, #step))
        }
        (end, _) => {
            let stop = some(end);
            quote!(#root::Slice::new(#start, #stop, #step))
        }
    }
}

/// An `isize` expression for an integer argument.
fn int(i: &Int) -> TokenStream {
    match i {
        Int::Literal { negative, lit } => {
            let value = syn::LitInt::new(&format!("{}isize", lit.base10_digits()), lit.span());
            if *negative {
                quote_spanned!(lit.span()=> -#value)
            } else {
                quote!(#value)
            }
        }
        // Spanned at the expression, so a non-integer is reported there.
        Int::Expr(expr) => {
            quote_spanned!(expr.span()=> ::lazy_datasets::SelectionInt::to_isize(#expr))
        }
    }
}
