//! Ranks: the number of axes of a dataset, as a type.
//!
//! A rank is a typenum unsigned number (`U0`, `U1`, `U2`, …) when it is known at
//! compile time, or [`Dyn`] when it is only known at run time (a file opened
//! without a declared rank). Each rank maps to the ndarray dimension type its
//! reads return: `U2 -> Ix2`, `Dyn -> IxDyn`, and ranks past ndarray's fixed
//! dimensions (`U7` and up) to `IxDyn`.
//!
//! Rank arithmetic is typenum's: stacking a rank-`R` dataset gives rank
//! `Add1<R>`, and anything combined with [`Dyn`] stays [`Dyn`].
//!
//! ```
//! use lazy_core::{Dyn, Rank};
//! use typenum::{Add1, U2, U3};
//!
//! assert_eq!(<U2 as Rank>::NDIM, Some(2));
//! assert_eq!(<Dyn as Rank>::NDIM, None);
//! // Stacking rank-2 datasets gives rank 3; stacking Dyn ones stays Dyn.
//! let _: <Add1<U2> as Rank>::Dim = ndarray::Ix3(1, 2, 3);
//! let _: Add1<Dyn> = Dyn;
//! # let _ = std::marker::PhantomData::<U3>;
//! ```

use std::fmt::Debug;
use std::ops::{Add, Sub};

use ndarray::{Dimension, Ix0, Ix1, Ix2, Ix3, Ix4, Ix5, Ix6, IxDyn};
use typenum::{UInt, UTerm, B1};

/// The number of axes of a dataset, known at compile time (typenum `U0`, `U1`, …)
/// or at run time ([`Dyn`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a rank",
    label = "expected a rank such as `U2` or `Dyn`",
    note = "ranks are typenum numbers `U0` to `U16` (`use lazy_datasets::prelude::*`) or `Dyn`"
)]
pub trait Rank: 'static + Copy + Default + Debug + Send + Sync {
    /// The ndarray dimension type of arrays of this rank.
    type Dim: Dimension;
    /// The number of axes, or `None` for [`Dyn`].
    const NDIM: Option<usize>;
}

/// A rank known only at run time; every rank check moves to run time.
///
/// `Dyn` absorbs rank arithmetic: `Add1<Dyn>` is `Dyn`, as is `Dyn + U2` and
/// `Dyn - U1`. Datasets of rank `Dyn` read into `ArrayD`.
///
/// ```
/// use lazy_core::{DatasetExt, Dyn};
/// use ndarray::ArrayD;
///
/// let a = ArrayD::<f64>::zeros(vec![2, 3]);
/// assert_eq!(a.ndim(), 2); // known at run time only: `ArrayD` has rank `Dyn`
/// let _: ArrayD<f64> = a.read_all().unwrap();
/// # let _ = Dyn;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Dyn;

impl Rank for Dyn {
    type Dim = IxDyn;
    const NDIM: Option<usize> = None;
}

impl Add<B1> for Dyn {
    type Output = Dyn;
    fn add(self, _: B1) -> Dyn {
        Dyn
    }
}

impl Add<UTerm> for Dyn {
    type Output = Dyn;
    fn add(self, _: UTerm) -> Dyn {
        Dyn
    }
}

impl<U, B> Add<UInt<U, B>> for Dyn {
    type Output = Dyn;
    fn add(self, _: UInt<U, B>) -> Dyn {
        Dyn
    }
}

impl Sub<UTerm> for Dyn {
    type Output = Dyn;
    fn sub(self, _: UTerm) -> Dyn {
        Dyn
    }
}

impl<U, B> Sub<UInt<U, B>> for Dyn {
    type Output = Dyn;
    fn sub(self, _: UInt<U, B>) -> Dyn {
        Dyn
    }
}

macro_rules! fixed_ranks {
    ($($n:literal => $u:ident => $dim:ty),* $(,)?) => {$(
        impl Rank for typenum::$u {
            type Dim = $dim;
            const NDIM: Option<usize> = Some($n);
        }
    )*};
}

fixed_ranks! {
    0 => U0 => Ix0, 1 => U1 => Ix1, 2 => U2 => Ix2, 3 => U3 => Ix3,
    4 => U4 => Ix4, 5 => U5 => Ix5, 6 => U6 => Ix6,
    7 => U7 => IxDyn, 8 => U8 => IxDyn, 9 => U9 => IxDyn, 10 => U10 => IxDyn,
    11 => U11 => IxDyn, 12 => U12 => IxDyn, 13 => U13 => IxDyn, 14 => U14 => IxDyn,
    15 => U15 => IxDyn, 16 => U16 => IxDyn,
}

/// The rank of arrays of an ndarray dimension type: `Ix2 -> U2`, `IxDyn -> Dyn`.
///
/// This is how ndarray arrays become datasets of the right rank.
///
/// ```
/// use lazy_core::{DimRank, Rank};
/// assert_eq!(<<ndarray::Ix3 as DimRank>::Rank as Rank>::NDIM, Some(3));
/// assert_eq!(<<ndarray::IxDyn as DimRank>::Rank as Rank>::NDIM, None);
/// ```
pub trait DimRank: Dimension {
    /// The rank of this dimension type.
    type Rank: Rank;
}

macro_rules! dim_ranks {
    ($($dim:ty => $r:ty),* $(,)?) => {$(
        impl DimRank for $dim {
            type Rank = $r;
        }
    )*};
}

dim_ranks! {
    Ix0 => typenum::U0, Ix1 => typenum::U1, Ix2 => typenum::U2, Ix3 => typenum::U3,
    Ix4 => typenum::U4, Ix5 => typenum::U5, Ix6 => typenum::U6, IxDyn => Dyn,
}
