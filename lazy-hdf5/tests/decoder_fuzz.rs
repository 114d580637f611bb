//! The decoder's fuzz harness (`lazy_hdf5::__filters::fuzz`, the
//! `hdf5_chunks` target of `fuzz/`) on stable Rust: every filter
//! combination, element size and mode, with pseudo-random bytes and with
//! every single-byte change of check-summed chunks; the harness asserts
//! that nothing panics and that a check-summed chunk with a byte changed is
//! refused.

use lazy_hdf5::__filters::fuzz;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

#[test]
fn random_inputs_in_every_mode() {
    let mut rng = SmallRng::seed_from_u64(0x4df5_c0de);
    for case in 0..3000u32 {
        let len = rng.random_range(0..3000);
        let mut data: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        // Every mode and filter choice in turn; compressible values half
        // the time (runs of one byte), so that deflate finds matches.
        if let Some(first) = data.get_mut(0) {
            *first = (case % 4) as u8;
        }
        if let Some(second) = data.get_mut(1) {
            *second = (case / 4) as u8;
        }
        if case % 2 == 1 {
            for (i, v) in data.iter_mut().enumerate().skip(2).take(len / 2) {
                *v = (i / 50) as u8;
            }
        }
        fuzz(&data);
    }
}

#[test]
fn every_single_byte_change_of_a_checksummed_chunk_is_refused() {
    // Mode 1: the input is [mode, filters, values, corruption], the two
    // halves of equal length. The corruption XORs one byte at `at`
    // (`[0, at / 257, at % 257]`), then flips mask bit 0 twice per 6 bytes
    // (no change), so the harness asserts the change is refused.
    let values: Vec<u8> = (0..399u32).map(|i| (i / 7) as u8).collect();
    // Shuffle + deflate + fletcher32 on 4-byte elements; fletcher32 alone
    // on 8-byte elements; deflate + fletcher32 on bytes.
    for pick in [0b0100_0111u8, 0b1100_0100, 0b0000_0110] {
        for at in 1..700usize {
            let mut data = vec![1, pick];
            data.extend_from_slice(&values);
            data.extend_from_slice(&[0, (at / 257) as u8, (at % 257) as u8]);
            while data.len() < 2 + 2 * values.len() {
                data.extend_from_slice(&[3, 0, 0, 3, 0, 0]);
            }
            assert_eq!(data.len(), 2 + 2 * values.len());
            fuzz(&data);
        }
    }
}
