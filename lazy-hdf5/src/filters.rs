//! HDF5's filter pipeline, decoded in Rust: deflate (zlib streams), shuffle
//! and fletcher32 (checked), the filters h5py, netCDF-4 and most HDF5
//! writers use. A chunk's bytes go through the pipeline's filters in
//! reverse order, skipping those its filter mask says were not applied.
//! Datasets with any other filter are read through libhdf5.
//!
//! ```
//! # // The doctest runs on the crate's hidden entry point.
//! use lazy_hdf5::__filters::{decode, Stage};
//!
//! // Four u16 values shuffled: first bytes, then second bytes.
//! let shuffled = [1, 2, 3, 4, 0, 0, 0, 0];
//! let mut out = [0u8; 8];
//! decode(&[Stage::Shuffle(2)], 0, shuffled.to_vec(), &mut out).unwrap();
//! assert_eq!(out, [1, 0, 2, 0, 3, 0, 4, 0]);
//! // A checksum that does not match is an error, not data.
//! let mut bad = vec![1, 2, 3, 4];
//! bad.extend_from_slice(&[0, 0, 0, 0]);
//! assert!(decode(&[Stage::Fletcher32], 0, bad, &mut [0u8; 4]).is_err());
//! ```

/// One decoding step of a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// zlib-compressed bytes (HDF5's deflate filter).
    Deflate,
    /// Bytes shuffled for elements of this many bytes.
    Shuffle(usize),
    /// A fletcher32 checksum of the rest, appended.
    Fletcher32,
}

/// HDF5's fletcher32 checksum (`H5_checksum_fletcher32`): 16-bit words,
/// each read high byte first, with a final odd byte.
pub fn fletcher32(data: &[u8]) -> u32 {
    let (mut sum1, mut sum2) = (0u32, 0u32);
    let words = data.chunks_exact(2);
    let odd = words.remainder().first().copied();
    let mut left = data.len() / 2;
    let mut words = words;
    while left > 0 {
        let n = left.min(360);
        left -= n;
        for w in words.by_ref().take(n) {
            sum1 += (u32::from(w[0]) << 8) | u32::from(w[1]);
            sum2 += sum1;
        }
        sum1 = (sum1 & 0xffff) + (sum1 >> 16);
        sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    }
    if let Some(b) = odd {
        sum1 += u32::from(b) << 8;
        sum2 += sum1;
        sum1 = (sum1 & 0xffff) + (sum1 >> 16);
        sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    }
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    (sum2 << 16) | sum1
}

/// Inflates the zlib stream `input` into exactly `out`, its checksum
/// verified (libdeflate: about twice zlib-rs' speed on whole chunks; one
/// decompressor per thread).
fn inflate(input: &[u8], out: &mut [u8]) -> Result<(), String> {
    use libdeflater::{DecompressionError, Decompressor};
    thread_local! {
        static DECOMPRESSOR: std::cell::RefCell<Decompressor> =
            std::cell::RefCell::new(Decompressor::new());
    }
    let found = DECOMPRESSOR.with(|d| d.borrow_mut().zlib_decompress(input, out));
    match found {
        Ok(n) if n == out.len() => Ok(()),
        Ok(n) => Err(format!(
            "the deflate stream holds {n} bytes, the chunk {}",
            out.len()
        )),
        Err(DecompressionError::InsufficientSpace) => Err(format!(
            "the deflate stream holds more than the chunk's {} bytes",
            out.len()
        )),
        Err(e) => Err(format!("a bad deflate stream: {e}")),
    }
}

/// Undoes the shuffle filter for elements of `size` bytes: `input` holds
/// every element's first byte, then every second byte, …; trailing bytes
/// that make no whole element are as they were.
fn unshuffle(input: &[u8], size: usize, out: &mut [u8]) -> Result<(), String> {
    if input.len() != out.len() {
        return Err(format!(
            "shuffled data of {} bytes for a chunk of {}",
            input.len(),
            out.len()
        ));
    }
    if size <= 1 {
        out.copy_from_slice(input);
        return Ok(());
    }
    let n = input.len() / size;
    for b in 0..size {
        let plane = &input[b * n..(b + 1) * n];
        for (i, &v) in plane.iter().enumerate() {
            out[i * size + b] = v;
        }
    }
    let tail = n * size;
    out[tail..].copy_from_slice(&input[tail..]);
    Ok(())
}

/// Decodes a stored chunk `encoded` through `stages` (in pipeline order;
/// bit `i` of `mask` set means stage `i` was not applied) into `out`, the
/// chunk's decoded bytes. Any inconsistency (a bad stream, a checksum that
/// does not match, sizes that do not add up) is an error, never a panic or
/// garbage.
pub fn decode(stages: &[Stage], mask: u32, encoded: Vec<u8>, out: &mut [u8]) -> Result<(), String> {
    let active: Vec<Stage> = stages
        .iter()
        .enumerate()
        .filter(|&(i, _)| i >= 32 || mask & (1 << i) == 0)
        .map(|(_, s)| *s)
        .collect();
    let mut data = encoded;
    for (k, stage) in active.iter().enumerate().rev() {
        let last = k == 0;
        match *stage {
            Stage::Fletcher32 => {
                let n = data
                    .len()
                    .checked_sub(4)
                    .ok_or("a fletcher32 chunk shorter than its checksum")?;
                let stored = u32::from_le_bytes([data[n], data[n + 1], data[n + 2], data[n + 3]]);
                let sum = fletcher32(&data[..n]);
                // HDF5 1.6 wrote the two 16-bit halves swapped on some
                // machines; it accepts both, and so does this.
                let b = sum.to_le_bytes();
                let reversed = u32::from_le_bytes([b[2], b[3], b[0], b[1]]);
                if stored != sum && stored != reversed {
                    return Err(format!(
                        "fletcher32 checksum mismatch: stored {stored:#010x}, computed {sum:#010x}"
                    ));
                }
                data.truncate(n);
            }
            Stage::Deflate if last => return inflate(&data, out),
            Stage::Deflate => {
                let mut next = vec![0u8; out.len()];
                inflate(&data, &mut next)?;
                data = next;
            }
            Stage::Shuffle(size) if last => return unshuffle(&data, size, out),
            Stage::Shuffle(size) => {
                let mut next = vec![0u8; data.len()];
                unshuffle(&data, size, &mut next)?;
                data = next;
            }
        }
    }
    if data.len() != out.len() {
        return Err(format!(
            "a stored chunk of {} bytes where {} were expected",
            data.len(),
            out.len()
        ));
    }
    out.copy_from_slice(&data);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn fletcher32_matches_hdf5() {
        // Fletcher's sums of big-endian 16-bit words, modulo 65535 (HDF5
        // reduces with end-around carries, which is the same residue), for
        // odd and even lengths and several 360-word rounds. Files written
        // by libhdf5 with the filter are read in tests/direct.rs.
        let naive = |d: &[u8]| {
            let (mut a, mut b) = (0u64, 0u64);
            for w in d.chunks(2) {
                let v = (u64::from(w[0]) << 8) | w.get(1).map_or(0, |&x| u64::from(x));
                a = (a + v) % 65535;
                b = (b + a) % 65535;
            }
            ((b << 16) | a) as u32
        };
        for len in [1, 5, 1000, 1001, 5000] {
            let data: Vec<u8> = (0..len as u32).map(|i| (i * 7 % 251) as u8).collect();
            let (x, y) = (fletcher32(&data), naive(&data));
            assert_eq!((x & 0xffff) % 65535, (y & 0xffff) % 65535, "len {len}");
            assert_eq!((x >> 16) % 65535, (y >> 16) % 65535, "len {len}");
        }
    }

    #[test]
    fn deflate_shuffle_round_trip_and_corruption() {
        let values: Vec<u8> = (0..4000u32)
            .flat_map(|i| (i as f32).to_le_bytes())
            .collect();
        let n = values.len() / 4;
        let mut shuffled = vec![0u8; values.len()];
        for i in 0..n {
            for b in 0..4 {
                shuffled[b * n + i] = values[i * 4 + b];
            }
        }
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&shuffled).unwrap();
        let mut stored = z.finish().unwrap();
        let sum = fletcher32(&stored);
        stored.extend_from_slice(&sum.to_le_bytes());
        let stages = [Stage::Shuffle(4), Stage::Deflate, Stage::Fletcher32];
        let mut out = vec![0u8; values.len()];
        decode(&stages, 0, stored.clone(), &mut out).unwrap();
        assert_eq!(out, values);
        // Every single-byte corruption is caught by the checksum.
        for at in (0..stored.len()).step_by(97) {
            let mut bad = stored.clone();
            bad[at] ^= 0x5a;
            assert!(decode(&stages, 0, bad, &mut out).is_err(), "byte {at}");
        }
        // Cut short, or the wrong size: errors.
        assert!(decode(&stages, 0, stored[..stored.len() / 2].to_vec(), &mut out).is_err());
        assert!(decode(&stages, 0, stored.clone(), &mut out[..100]).is_err());
        // The mask skips stages: a chunk stored without the shuffle.
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&values).unwrap();
        let plain = z.finish().unwrap();
        decode(&[Stage::Shuffle(4), Stage::Deflate], 0b01, plain, &mut out).unwrap();
        assert_eq!(out, values);
    }
}
