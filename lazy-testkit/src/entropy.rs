//! Where random choices come from: a seeded generator in ordinary tests, the
//! fuzzer's bytes in the fuzz harness. The key generator and the harness
//! draw from an [`Entropy`], so one generator serves both.
//!
//! ```
//! use lazy_testkit::entropy::{Bytes, Entropy};
//! use rand::SeedableRng;
//!
//! let mut bytes = Bytes::new(&[7, 200]);
//! assert_eq!(bytes.below(5), 2);
//! assert!(bytes.chance(2)); // 200 % 2 == 0
//! assert_eq!(bytes.u64(), 0); // the bytes ran out
//! let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
//! assert!(rng.below(10) < 10);
//! assert!((-3..=3).contains(&rng.range(-3, 3)));
//! ```

use rand::rngs::SmallRng;
use rand::Rng;

/// A source of random choices.
pub trait Entropy {
    /// A byte.
    fn byte(&mut self) -> u8;

    /// A 64-bit number.
    fn u64(&mut self) -> u64;

    /// A number in `0..n` (0 when `n` is 0 or 1).
    fn below(&mut self, n: usize) -> usize;

    /// A number in `lo..=hi` (`lo` when `hi < lo`).
    fn range(&mut self, lo: i128, hi: i128) -> i128;

    /// True one time in `one_in`.
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

impl Entropy for SmallRng {
    fn byte(&mut self) -> u8 {
        self.random()
    }

    fn u64(&mut self) -> u64 {
        self.random()
    }

    fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            0
        } else {
            self.random_range(0..n)
        }
    }

    fn range(&mut self, lo: i128, hi: i128) -> i128 {
        if hi <= lo {
            lo
        } else {
            self.random_range(lo..=hi)
        }
    }
}

/// The fuzzer's bytes, read front to back; zeros once they run out.
#[derive(Debug, Clone)]
pub struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    /// Choices read from `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data }
    }
}

impl Entropy for Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    fn u64(&mut self) -> u64 {
        (0..8).fold(0u64, |acc, _| (acc << 8) | u64::from(self.byte()))
    }

    fn below(&mut self, n: usize) -> usize {
        match n {
            0 | 1 => 0,
            2..=256 => usize::from(self.byte()) % n,
            _ => (self.u64() % n as u64) as usize,
        }
    }

    fn range(&mut self, lo: i128, hi: i128) -> i128 {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo) as u128 + 1;
        let r = if span <= 256 {
            u128::from(self.byte())
        } else {
            u128::from(self.u64())
        };
        lo + (r % span) as i128
    }
}
