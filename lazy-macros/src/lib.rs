//! Procedural macros of lazy-datasets: [`sel!`](macro@sel), NumPy index
//! syntax checked at compile time.
//!
//! Use it through the facade crate (`lazy_datasets::sel`, also in
//! `lazy_datasets::prelude`): the expansion names `::lazy_datasets`.
//!
//! The macro is built like thiserror-impl: `parse` reads the tokens,
//! `validate` classifies each argument and rejects the mistakes visible in
//! the tokens with an error under them, `expand` writes the typed selection.

mod expand;
mod parse;
mod validate;

use proc_macro::TokenStream;

/// A typed selection in NumPy's index syntax: `sel![.., 3, 1..10;2, [4, 0, 2], ..., NewAxis]`.
///
/// The result is a [`TypedSelection`] whose type counts the axes the selection
/// consumes, drops and adds, so reading it from a dataset of rank `R` gives
/// an array of rank `R - dropped + added`, and indexing more axes than the
/// dataset has does not compile. Pass it to `read`, `write` or `view` (and
/// `sliced` on ndarray arrays). On a dataset of rank `Dyn` every check
/// happens at run time and reads give `ArrayD`.
///
/// [`TypedSelection`]: ../lazy_datasets/struct.TypedSelection.html
///
/// # Forms
///
/// Arguments are separated by commas. With `n` the length of the axis:
///
/// | `sel!` | NumPy | selects |
/// |---|---|---|
/// | `i`, `-1`, `n - 1` (any integer expression) | `x[i]`, `x[-1]` | one position; the axis is dropped. Negative positions count from the end |
/// | `..` | `x[:]` | the whole axis |
/// | `a..b` | `x[a:b]` | `a` up to `b`, excluded; negative bounds count from the end, bounds clamp to the axis |
/// | `a..` | `x[a:]` | from `a` to the end |
/// | `..b` | `x[:b]` | from the start up to `b`, excluded |
/// | `a..=b` | `x[a:b+1]` | `a` through `b`; `..=-1` reaches the last position (`x[:]`) |
/// | `..=b` | `x[:b+1]` | the start through `b` |
/// | `a..b;k`, `a..;k`, `..b;k`, `..;k`, `a..=b;k` | `x[a:b:k]`, `x[a::k]`, `x[:b:k]`, `x[::k]` | every `k`-th position; `k` is a non-zero integer expression |
/// | `..;-1` | `x[::-1]` | the axis reversed |
/// | `a..b;-k` | `x[a:b:-k]` | from `a` walking backwards to `b`, excluded (`8..2;-2` is 8, 6, 4) |
/// | `a..=b;-k` | `x[a:b-1:-k]` | from `a` walking backwards through `b` (`3..=0;-1` is 3, 2, 1, 0) |
/// | `[i, j, k]` | `x[[i, j, k]]` | the listed positions, any order, repeats allowed; the axis is kept |
/// | an expression of type `Vec<T>`, `&[T]`, `[T; N]`, `&Vec<T>` or `&[T; N]` (integer `T`) | `x[idx]` | a list, as above |
/// | an expression of a range type (`Range<usize>`, `RangeFrom<i32>`, …) | `x[a:b]` | a range, as above (no step) |
/// | `...` | `x[...]` | as many whole axes as needed; at most one |
/// | `NewAxis` | `x[np.newaxis]`, `x[None]` | a new axis of length 1 in the output |
/// | (nothing) `sel![]` | `x[()]`, `x[...]` | everything |
///
/// Axes left after the last argument are taken whole, as in NumPy. Integer
/// arguments may have any integer type (`isize`, `i32`, `usize`, …).
/// Variables are classified by their type: `sel![i]` is an index when `i` is
/// an integer and a list when it is a `Vec`.
///
/// ```
/// use lazy_datasets::prelude::*;
/// use ndarray::{array, Array, Array1, Array2};
///
/// let x = Array::from_iter(0..24).into_shape_with_order((4, 6)).unwrap();
///
/// let row: Array1<i32> = x.read(sel![1])?;                            // x[1]
/// assert_eq!(row, array![6, 7, 8, 9, 10, 11]);
/// let last: Array1<i32> = x.read(sel![.., -1])?;                      // x[:, -1]
/// assert_eq!(last, array![5, 11, 17, 23]);
/// let block: Array2<i32> = x.read(sel![1..3, ..=2])?;                 // x[1:3, :3]
/// assert_eq!(block, array![[6, 7, 8], [12, 13, 14]]);
/// let back: Array1<i32> = x.read(sel![0, 4..0;-2])?;                  // x[0, 4:0:-2]
/// assert_eq!(back, array![4, 2]);
/// let picked: Array1<i32> = x.read(sel![[3, 0, 3], 5])?;             // x[[3, 0, 3], 5]
/// assert_eq!(picked, array![23, 5, 23]);
/// let cols = vec![4usize, 1];
/// let both: Array2<i32> = x.read(sel![..;-3, cols])?;                 // x[::-3, [4, 1]]
/// assert_eq!(both, array![[22, 19], [4, 1]]);
/// let lifted: Array2<i32> = x.read(sel![NewAxis, ..., 0])?;           // x[np.newaxis, ..., 0]
/// assert_eq!(lifted, array![[0, 6, 12, 18]]);
///
/// // Any integer expression, of any integer type.
/// let (i, n) = (2i64, x.shape()[1]);
/// let tail: Array1<i32> = x.read(sel![i, n - 2..])?;                  // x[i, n-2:]
/// assert_eq!(tail, array![16, 17]);
/// # Ok::<(), lazy_datasets::Error>(())
/// ```
///
/// Views and writes take the same selections:
///
/// ```
/// use lazy_datasets::prelude::*;
/// use ndarray::{array, Array1};
///
/// let mut x = array![[1, 2, 3], [4, 5, 6]];
/// x.write(sel![.., ..;-2], 0)?;                                       // x[:, ::-2] = 0
/// assert_eq!(x, array![[0, 2, 0], [0, 5, 0]]);
/// let middle = (&x).sliced(sel![.., 1])?;                             // lazy: nothing read yet
/// let m: Array1<i32> = middle.read(sel![..;-1])?;
/// assert_eq!(m, array![5, 2]);
/// # Ok::<(), lazy_datasets::Error>(())
/// ```
///
/// # Checked at compile time
///
/// Indexing more axes than the dataset has:
///
/// ```compile_fail
/// use lazy_datasets::prelude::*;
/// let x = ndarray::array![1.0, 2.0];
/// let _ = x.read(sel![0, 0]); // error: this selection indexes more axes than the dataset has
/// ```
///
/// Reading into an array of the wrong rank:
///
/// ```compile_fail
/// use lazy_datasets::prelude::*;
/// let x = ndarray::array![[1.0, 2.0]];
/// let _: ndarray::Array2<f64> = x.read(sel![0, ..]).unwrap(); // the result is an Array1
/// ```
///
/// Two ellipses, a zero step and literals that are not integers are
/// rejected with an error under the offending tokens:
///
/// ```compile_fail
/// let _ = lazy_datasets::sel![..., 0, ...]; // error: an index can only have a single ellipsis
/// ```
///
/// ```compile_fail
/// let _ = lazy_datasets::sel![1..10;0]; // error: slice step cannot be zero
/// ```
///
/// ```compile_fail
/// let _ = lazy_datasets::sel![1.5]; // error: `sel!` expected an integer for an index, but `1.5` is a float
/// ```
///
/// and an expression that is not an integer, range or list says so through
/// its type:
///
/// ```compile_fail
/// let x = 1.5;
/// let _ = lazy_datasets::sel![x]; // error: `f64` cannot select along an axis
/// ```
///
/// At run time, positions out of bounds and a step that is zero are
/// `ErrorKind::Index` errors, never panics.
///
/// # Differences from ndarray's `s!`
///
/// - **Negative steps mean what they mean in NumPy.** `a..b;-k` starts at
///   `a` and walks backwards to `b`; ndarray's `s![a..b;-k]` takes `a..b`
///   and walks it from its end (ndarray issue #312). So `sel![8..2;-2]` is
///   positions 8, 6, 4 where `s![2..8;-2]` is 7, 5, 3; `sel![2..8;-2]` is
///   empty, as `x[2:8:-2]` is. Both agree on `..;-1`.
/// - **`a..=b` includes `b` in the direction of the step**, and `..=-1` reaches
///   the last position.
/// - **Ellipsis.** `...` stands for as many whole axes as needed (`s!` has none).
/// - **Lists.** `[4, 0, 2]` or a `Vec`/slice of positions selects them along
///   one axis; several lists index orthogonally (like h5py and `np.ix_`), not
///   pointwise as NumPy's advanced indexing does.
/// - **Missing axes.** Axes after the last argument are taken whole; `s!` wants
///   one argument per axis.
/// - **`NewAxis`** is written as the bare name.
/// - Bounds and steps may be any integer type, and a negative index past the
///   start is an error rather than a panic.
#[proc_macro]
pub fn sel(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as parse::Input);
    match validate::validate(input) {
        Ok(items) => expand::expand(&items).into(),
        // One `compile_error!` per error, the last as the value of a block: the
        // block is then a valid expression whose type is an error, so the
        // compiler reports nothing more about the code around the macro.
        Err(e) => {
            let errors = e.into_iter().map(|e| e.to_compile_error());
            quote::quote!({ #(#errors);* }).into()
        }
    }
}
