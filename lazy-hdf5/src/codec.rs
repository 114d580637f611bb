//! HDF5's filter pipeline in Rust: deflate (zlib streams), shuffle and
//! fletcher32 (checked), the filters h5py, netCDF-4 and most HDF5 writers
//! use, decoded ([`decode`]: a chunk's bytes go through the pipeline's
//! filters in reverse order, skipping those its filter mask says were not
//! applied) and encoded ([`encode`]: in order, all applied, as libhdf5
//! writes them). Datasets with any other filter are read and written
//! through libhdf5.
//!
//! ```
//! # // The doctest runs on the crate's hidden entry point.
//! use lazy_hdf5::__filters::{decode, Stage};
//!
//! // Four u16 values shuffled: first bytes, then second bytes.
//! let shuffled = [1, 2, 3, 4, 0, 0, 0, 0];
//! let mut out = [0u8; 8];
//! decode(&[Stage::Shuffle(2)], 0, &shuffled, &mut out).unwrap();
//! assert_eq!(out, [1, 0, 2, 0, 3, 0, 4, 0]);
//! // A checksum that does not match is an error, not data.
//! let mut bad = vec![1, 2, 3, 4];
//! bad.extend_from_slice(&[0, 0, 0, 0]);
//! assert!(decode(&[Stage::Fletcher32], 0, &bad, &mut [0u8; 4]).is_err());
//! ```

use lazy_core::backend::Strided;
use lazy_core::Element;

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
    match size {
        0 | 1 => out.copy_from_slice(input),
        2 => unshuffle_n::<2>(input, out),
        4 => unshuffle_n::<4>(input, out),
        8 => unshuffle_n::<8>(input, out),
        _ => {
            let n = input.len() / size;
            for (b, plane) in input.chunks_exact(n.max(1)).take(size).enumerate() {
                for (value, &v) in out.chunks_exact_mut(size).zip(plane) {
                    value[b] = v;
                }
            }
        }
    }
    // Trailing bytes that make no whole element were not shuffled.
    let tail = input.len() / size.max(1) * size.max(1);
    out[tail..].copy_from_slice(&input[tail..]);
    Ok(())
}

/// Where unshuffled elements go: a buffer of the chunk's bytes in order,
/// or a column of an interleaved output ([`decode_strided`]).
trait Elements {
    /// Writes elements `i..i + K`, each of `N` bytes (as stored); nothing
    /// where they do not fit.
    fn put_block<const N: usize, const K: usize>(&mut self, i: usize, values: [[u8; N]; K]);
}

impl Elements for [u8] {
    #[inline(always)]
    fn put_block<const N: usize, const K: usize>(&mut self, i: usize, values: [[u8; N]; K]) {
        let Some(at) = i.checked_mul(N) else { return };
        if let Some(dst) = self.get_mut(at..at.saturating_add(N * K)) {
            for (value, bytes) in dst.chunks_exact_mut(N).zip(values) {
                value.copy_from_slice(&bytes);
            }
        }
    }
}

impl<T: Element> Elements for Strided<'_, T> {
    #[inline(always)]
    fn put_block<const N: usize, const K: usize>(&mut self, i: usize, values: [[u8; N]; K]) {
        Strided::put_block(self, i, values);
    }
}

/// [`unshuffle`] for elements of `S` bytes: each element gathered from
/// the `S` planes (blocks of 8 or 4 elements transposed in registers, the
/// rest byte by byte), written in order to `out`.
fn unshuffle_n<const S: usize>(input: &[u8], out: &mut (impl Elements + ?Sized)) {
    let n = input.len() / S;
    let planes: [&[u8]; S] = std::array::from_fn(|b| &input[b * n..(b + 1) * n]);
    #[cfg(target_arch = "x86_64")]
    let whole = if let Ok(planes) = <&[&[u8]; 8]>::try_from(&planes[..]) {
        sse2::unshuffle_8(planes, |i, r| out.put_block(i, r))
    } else if let Ok(planes) = <&[&[u8]; 4]>::try_from(&planes[..]) {
        sse2::unshuffle_4(planes, |i, r| out.put_block(i, r))
    } else {
        0
    };
    #[cfg(not(target_arch = "x86_64"))]
    let whole = if let Ok(planes) = <&[&[u8]; 8]>::try_from(&planes[..]) {
        unshuffle_8x8(planes, |i, r| out.put_block(i, r.map(u64::to_le_bytes)))
    } else if let Ok(planes) = <&[&[u8]; 4]>::try_from(&planes[..]) {
        unshuffle_4x4(planes, |i, r| out.put_block(i, r.map(u32::to_le_bytes)))
    } else {
        0
    };
    for i in whole..n {
        let value: [u8; S] = std::array::from_fn(|b| planes[b].get(i).copied().unwrap_or(0));
        out.put_block(i, [value]);
    }
}

/// Swaps the `bits`-wide fields of `a` and `b` selected by `mask` shifted:
/// one step of a byte-matrix transposition in registers.
#[inline(always)]
fn swap_fields<W>(a: &mut W, b: &mut W, bits: u32, mask: W)
where
    W: Copy
        + std::ops::Shr<u32, Output = W>
        + std::ops::Shl<u32, Output = W>
        + std::ops::BitXor<Output = W>
        + std::ops::BitAnd<Output = W>,
{
    let t = ((*a >> bits) ^ *b) & mask;
    *a = *a ^ (t << bits);
    *b = *b ^ t;
}

/// Transposes the 8 x 8 byte matrix whose rows are the little-endian bytes
/// of `r` (three steps of swaps, in registers): elements to planes and
/// back.
#[inline(always)]
fn transpose_8x8(r: &mut [u64; 8]) {
    let [r0, r1, r2, r3, r4, r5, r6, r7] = &mut *r;
    for (a, b) in [(&mut *r0, &mut *r1), (r2, r3), (r4, r5), (r6, r7)] {
        swap_fields(a, b, 8, 0x00FF_00FF_00FF_00FF);
    }
    let [r0, r1, r2, r3, r4, r5, r6, r7] = &mut *r;
    for (a, b) in [(&mut *r0, &mut *r2), (r1, r3), (r4, r6), (r5, r7)] {
        swap_fields(a, b, 16, 0x0000_FFFF_0000_FFFF);
    }
    let [r0, r1, r2, r3, r4, r5, r6, r7] = &mut *r;
    for (a, b) in [(&mut *r0, &mut *r4), (r1, r5), (r2, r6), (r3, r7)] {
        swap_fields(a, b, 32, 0x0000_0000_FFFF_FFFF);
    }
}

/// [`transpose_8x8`] for a 4 x 4 byte matrix in four `u32`s.
#[inline(always)]
fn transpose_4x4(r: &mut [u32; 4]) {
    let [r0, r1, r2, r3] = &mut *r;
    for (a, b) in [(&mut *r0, &mut *r1), (r2, r3)] {
        swap_fields(a, b, 8, 0x00FF_00FF);
    }
    let [r0, r1, r2, r3] = &mut *r;
    for (a, b) in [(&mut *r0, &mut *r2), (r1, r3)] {
        swap_fields(a, b, 16, 0x0000_FFFF);
    }
}

/// Unshuffles the first elements of 8 bytes in blocks of 8: the 8 bytes of
/// each plane as one `u64`, the 8 x 8 byte matrix transposed in registers
/// (three steps of swaps), then `put(i, words)` for the block from element
/// `i`, `words` its elements' bytes little-endian (as stored). Returns how
/// many elements it did.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn unshuffle_8x8(planes: &[&[u8]; 8], mut put: impl FnMut(usize, [u64; 8])) -> usize {
    let n = planes.first().map_or(0, |p| p.len());
    let whole = n / 8 * 8;
    for i in (0..whole).step_by(8) {
        let mut r = [0u64; 8];
        for (word, plane) in r.iter_mut().zip(planes) {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&plane[i..i + 8]);
            *word = u64::from_le_bytes(bytes);
        }
        transpose_8x8(&mut r);
        put(i, r);
    }
    whole
}

/// [`unshuffle_8x8`] for elements of 4 bytes: blocks of 4 elements, the
/// 4 x 4 byte matrix transposed as four `u32`s.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn unshuffle_4x4(planes: &[&[u8]; 4], mut put: impl FnMut(usize, [u32; 4])) -> usize {
    let n = planes.first().map_or(0, |p| p.len());
    let whole = n / 4 * 4;
    for i in (0..whole).step_by(4) {
        let mut r = [0u32; 4];
        for (word, plane) in r.iter_mut().zip(planes) {
            let mut bytes = [0u8; 4];
            bytes.copy_from_slice(&plane[i..i + 4]);
            *word = u32::from_le_bytes(bytes);
        }
        transpose_4x4(&mut r);
        put(i, r);
    }
    whole
}

/// The unshuffle kernels of x86-64 (SSE2, which every x86-64 has): 16
/// elements at a time, their planes' 16 bytes each interleaved by three
/// rounds of unpacks (bytes, then pairs, then quads): a third of the
/// instructions of the 8 x 8 transposes in general registers that other
/// targets use (`unshuffle_8x8`).
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_loadu_si128, _mm_storeu_si128, _mm_unpackhi_epi16, _mm_unpackhi_epi32,
        _mm_unpackhi_epi8, _mm_unpacklo_epi16, _mm_unpacklo_epi32, _mm_unpacklo_epi8,
    };

    /// Bytes `i..i + 16` of `plane` (which holds them) in a register.
    #[inline(always)]
    fn load(plane: &[u8], i: usize) -> __m128i {
        let bytes: &[u8] = &plane[i..i + 16];
        // SAFETY: 16 readable bytes; an unaligned load.
        unsafe { _mm_loadu_si128(bytes.as_ptr().cast()) }
    }

    /// The `K` elements of `N` bytes held by `V` registers in order.
    #[inline(always)]
    fn store<const N: usize, const K: usize, const V: usize>(r: [__m128i; V]) -> [[u8; N]; K] {
        const { assert!(N * K == 16 * V) };
        let mut out = [[0u8; N]; K];
        for (k, v) in r.into_iter().enumerate() {
            // SAFETY: register k fills bytes 16k..16k + 16 of `out`, which
            // holds 16 * V bytes; an unaligned store.
            unsafe { _mm_storeu_si128(out.as_mut_ptr().cast::<u8>().add(16 * k).cast(), v) };
        }
        out
    }

    /// Bytes 0-3 of 16 elements from four planes' 16 bytes each: bytes
    /// interleaved in pairs, then pairs in quads; register k holds elements
    /// 4k..4k + 4.
    #[inline(always)]
    fn quads(p: [__m128i; 4]) -> [__m128i; 4] {
        // SAFETY: SSE2 is part of every x86-64 (the unpacks only move bytes
        // between registers).
        unsafe {
            // Bytes b, b+1 of elements 0-7 (lo) and 8-15 (hi).
            let a = [
                _mm_unpacklo_epi8(p[0], p[1]),
                _mm_unpackhi_epi8(p[0], p[1]),
                _mm_unpacklo_epi8(p[2], p[3]),
                _mm_unpackhi_epi8(p[2], p[3]),
            ];
            [
                _mm_unpacklo_epi16(a[0], a[2]),
                _mm_unpackhi_epi16(a[0], a[2]),
                _mm_unpacklo_epi16(a[1], a[3]),
                _mm_unpackhi_epi16(a[1], a[3]),
            ]
        }
    }

    /// Unshuffles the first elements of 8 bytes, 16 at a time: `put(i,
    /// elements)` for the block from element `i`, each element's bytes as
    /// stored. Returns how many elements it did.
    #[inline(always)]
    pub(super) fn unshuffle_8(
        planes: &[&[u8]; 8],
        mut put: impl FnMut(usize, [[u8; 8]; 16]),
    ) -> usize {
        let n = planes.first().map_or(0, |p| p.len());
        let whole = n / 16 * 16;
        for i in (0..whole).step_by(16) {
            // Bytes 0-3 (q) and 4-7 (h) of elements 4k..4k + 4.
            let q = quads(std::array::from_fn(|b| load(planes[b], i)));
            let h = quads(std::array::from_fn(|b| load(planes[b + 4], i)));
            // Whole elements, two per register, in order.
            // SAFETY: as in `quads`.
            let e: [__m128i; 8] = std::array::from_fn(|k| unsafe {
                match k % 2 {
                    0 => _mm_unpacklo_epi32(q[k / 2], h[k / 2]),
                    _ => _mm_unpackhi_epi32(q[k / 2], h[k / 2]),
                }
            });
            put(i, store(e));
        }
        whole
    }

    /// [`unshuffle_8`] for elements of 4 bytes.
    #[inline(always)]
    pub(super) fn unshuffle_4(
        planes: &[&[u8]; 4],
        mut put: impl FnMut(usize, [[u8; 4]; 16]),
    ) -> usize {
        let n = planes.first().map_or(0, |p| p.len());
        let whole = n / 16 * 16;
        for i in (0..whole).step_by(16) {
            put(i, store(quads(std::array::from_fn(|b| load(planes[b], i)))));
        }
        whole
    }
}

/// Encodes a chunk's bytes `data` (in the file's byte order) through
/// `stages` in pipeline order, all applied (filter mask 0), as libhdf5
/// writes them: shuffled, deflated at `level` (libdeflate, zlib format),
/// check-summed. libhdf5 and h5py read the result back (tests/writes.rs).
///
/// ```
/// use lazy_hdf5::__filters::{decode, encode, Stage};
///
/// let values: Vec<u8> = (0..1000u32).flat_map(|v| v.to_le_bytes()).collect();
/// let stages = [Stage::Shuffle(4), Stage::Deflate, Stage::Fletcher32];
/// let stored = encode(&stages, 4, &values)?;
/// assert!(stored.len() < values.len() / 2);
/// let mut back = vec![0u8; values.len()];
/// decode(&stages, 0, &stored, &mut back)?;
/// assert_eq!(back, values);
/// # Ok::<(), String>(())
/// ```
pub fn encode(stages: &[Stage], level: u8, data: &[u8]) -> Result<Vec<u8>, String> {
    use std::borrow::Cow;
    let mut stored: Cow<'_, [u8]> = Cow::Borrowed(data);
    for stage in stages {
        stored = match *stage {
            Stage::Shuffle(size) => Cow::Owned(shuffle(&stored, size)),
            Stage::Deflate => Cow::Owned(deflate(&stored, level)?),
            Stage::Fletcher32 => {
                let sum = fletcher32(&stored);
                let mut owned = stored.into_owned();
                owned.extend_from_slice(&sum.to_le_bytes());
                Cow::Owned(owned)
            }
        };
    }
    Ok(stored.into_owned())
}

/// Deflates `input` into a zlib stream at `level` (0 to 9; libdeflate's
/// levels 0 to 12 are asked for as zlib's, so the sizes are comparable to
/// what libhdf5 writes). One compressor per thread and level.
fn deflate(input: &[u8], level: u8) -> Result<Vec<u8>, String> {
    use libdeflater::{CompressionLvl, Compressor};
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<Option<(u8, Compressor)>> =
            const { std::cell::RefCell::new(None) };
    }
    COMPRESSOR.with(|cell| {
        let mut cell = cell.borrow_mut();
        let compressor = match &mut *cell {
            Some((l, c)) if *l == level => c,
            slot => {
                let lvl = CompressionLvl::new(i32::from(level.min(9)))
                    .map_err(|e| format!("deflate level {level}: {e:?}"))?;
                &mut slot.insert((level, Compressor::new(lvl))).1
            }
        };
        // Into a buffer of the bound, kept by the thread; the result is
        // copied out at its size.
        thread_local! {
            static OUT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        OUT.with(|out| {
            let mut out = out.borrow_mut();
            let bound = compressor.zlib_compress_bound(input.len());
            if out.len() < bound {
                out.resize(bound, 0);
            }
            let n = compressor
                .zlib_compress(input, &mut out)
                .map_err(|e| format!("cannot deflate a chunk: {e}"))?;
            Ok(out.get(..n).unwrap_or_default().to_vec())
        })
    })
}

/// Decodes a stored chunk `encoded` through `stages` (in pipeline order;
/// bit `i` of `mask` set means stage `i` was not applied) into `out`, the
/// chunk's decoded bytes. Any inconsistency (a bad stream, a checksum that
/// does not match, sizes that do not add up) is an error, never a panic or
/// garbage. The stages before the last decode into two buffers the thread
/// keeps (no allocation, no zeroing per chunk).
pub fn decode(stages: &[Stage], mask: u32, encoded: &[u8], out: &mut [u8]) -> Result<(), String> {
    thread_local! {
        static BUFFERS: std::cell::RefCell<[Vec<u8>; 2]> = const {
            std::cell::RefCell::new([Vec::new(), Vec::new()])
        };
    }
    if out.len().max(encoded.len()) > KEPT_BYTES {
        return decode_with(stages, mask, encoded, out, &mut [Vec::new(), Vec::new()]);
    }
    BUFFERS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffers) => decode_with(stages, mask, encoded, out, &mut buffers),
        Err(_) => decode_with(stages, mask, encoded, out, &mut [Vec::new(), Vec::new()]),
    })
}

/// Decodes a stored chunk as [`decode`] does, straight into `out` (a
/// column of an interleaved output), when the last stage to undo is the
/// shuffle of elements of `T`'s size (4 or 8 bytes): the stages before it
/// into a buffer the thread keeps, then the shuffle undone block by block
/// into `out`, with no temporary of the chunk's elements. The stored bytes
/// are in this machine's byte order. Returns `Ok(false)`, having written
/// nothing, for any other pipeline: the caller then decodes into a buffer
/// and copies.
pub fn decode_strided<T: Element>(
    stages: &[Stage],
    mask: u32,
    encoded: &[u8],
    out: &mut Strided<'_, T>,
) -> Result<bool, String> {
    thread_local! {
        static SHUFFLED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let size = std::mem::size_of::<T>();
    let Some(k) = shuffle_last(stages, mask, size) else {
        return Ok(false);
    };
    let rest = stages.get(k + 1..).unwrap_or(&[]);
    let rest_mask = mask.checked_shr(k as u32 + 1).unwrap_or(0);
    let n = out
        .len()
        .checked_mul(size)
        .ok_or("a chunk larger than memory")?;
    let mut undo = |shuffled: &mut Vec<u8>| -> Result<bool, String> {
        let shuffled = grown(shuffled, n);
        decode(rest, rest_mask, encoded, shuffled)?;
        if size == 8 {
            unshuffle_n::<8>(shuffled, out);
        } else {
            unshuffle_n::<4>(shuffled, out);
        }
        Ok(true)
    };
    if n > KEPT_BYTES {
        return undo(&mut Vec::new());
    }
    SHUFFLED.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffer) => undo(&mut buffer),
        Err(_) => undo(&mut Vec::new()),
    })
}

/// Where in `stages` the shuffle of elements of `size` bytes (4 or 8) is,
/// when it is the last stage to undo (the first applied): what
/// [`decode_strided`] undoes straight into its output.
pub fn shuffle_last(stages: &[Stage], mask: u32, size: usize) -> Option<usize> {
    let k = (0..stages.len()).find(|&i| i >= 32 || mask & (1 << i) == 0)?;
    (stages.get(k) == Some(&Stage::Shuffle(size)) && matches!(size, 4 | 8)).then_some(k)
}

/// Whether decoding a chunk stored through `stages` (those `mask` leaves
/// on) checks what it read in the same pass that reads it: deflate (its
/// checksum covers the output as it is inflated from one read of the
/// input) without fletcher32 (checked over the input first, in a pass of
/// its own). Chunks decoded from a file's mapping must be, since its bytes
/// can change as they are read, and a file cut short inside its last
/// page reads as zeros there without a fault.
pub fn checked_in_one_pass(stages: &[Stage], mask: u32) -> bool {
    let on = |stage: Stage| {
        stages
            .iter()
            .enumerate()
            .any(|(i, &s)| s == stage && (i >= 32 || mask & (1 << i) == 0))
    };
    on(Stage::Deflate) && !on(Stage::Fletcher32)
}

/// The largest chunk whose buffers a thread keeps ([`decode`],
/// [`with_read_buffer`]); larger ones get buffers of their own, freed after
/// (a thread that once read a huge chunk does not hold its size). Kept
/// buffers cost 2.5-4.5% less CPU for a full read of 3 x 5M `f64` in
/// h5py's 39 KB chunks.
const KEPT_BYTES: usize = 8 << 20;

/// [`decode`] with `buffers` for the stages' intermediate results: each
/// stage reads the input or one buffer and writes the other buffer (or
/// `out`, for the last one).
fn decode_with(
    stages: &[Stage],
    mask: u32,
    encoded: &[u8],
    out: &mut [u8],
    buffers: &mut [Vec<u8>; 2],
) -> Result<(), String> {
    let active: Vec<Stage> = stages
        .iter()
        .enumerate()
        .filter(|&(i, _)| i >= 32 || mask & (1 << i) == 0)
        .map(|(_, s)| *s)
        .collect();
    // Where the data of the next stage to undo is: the input (`None`) or
    // buffer 0 or 1, its first `len` bytes.
    let mut at: Option<usize> = None;
    let mut len = encoded.len();
    for (k, stage) in active.iter().enumerate().rev() {
        let last = k == 0;
        let [b0, b1] = &mut *buffers;
        let (src, dst, dst_at): (&[u8], &mut Vec<u8>, usize) = match at {
            None => (encoded, b0, 0),
            Some(0) => (b0, b1, 1),
            Some(_) => (b1, b0, 0),
        };
        let data = src.get(..len).ok_or("a stage's data past its buffer")?;
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
                len = n;
            }
            Stage::Deflate if last => return inflate(data, out),
            Stage::Deflate => {
                inflate(data, grown(dst, out.len()))?;
                (at, len) = (Some(dst_at), out.len());
            }
            Stage::Shuffle(size) if last => return unshuffle(data, size, out),
            Stage::Shuffle(size) => {
                unshuffle(data, size, grown(dst, data.len()))?;
                at = Some(dst_at);
            }
        }
    }
    let data = match at {
        None => encoded,
        Some(0) => &buffers[0],
        Some(_) => &buffers[1],
    };
    let data = data.get(..len).ok_or("a stage's data past its buffer")?;
    if data.len() != out.len() {
        return Err(format!(
            "a stored chunk of {} bytes where {} were expected",
            data.len(),
            out.len()
        ));
    }
    out.copy_from_slice(data);
    Ok(())
}

/// The first `n` bytes of `buf`, grown (with zeros) to hold them: a kept
/// buffer is zeroed only where it grows.
fn grown(buf: &mut Vec<u8>, n: usize) -> &mut [u8] {
    if buf.len() < n {
        buf.resize(n, 0);
    }
    &mut buf[..n]
}

/// Runs `f` on a buffer of `n` bytes the thread keeps (contents left from
/// earlier calls: `f` is to fill it), for a stored chunk's bytes read from
/// a file: no allocation, no zeroing per chunk.
pub(crate) fn with_read_buffer<R>(n: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
    thread_local! {
        static READ: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    if n > KEPT_BYTES {
        return f(&mut vec![0u8; n]);
    }
    READ.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => f(grown(&mut buf, n)),
        Err(_) => f(&mut vec![0u8; n]),
    })
}

/// The decoder's fuzz harness (the `hdf5_chunks` target of `fuzz/`, and
/// `tests/decoder_fuzz.rs` on stable Rust): the decoder never panics, and
/// refuses the corrupted chunks its checks can see.
///
/// The first byte chooses a mode. Mode 0 decodes the rest of `data` as a
/// stored chunk (the second byte picks the stages, the element size and the
/// chunk's length): anything may come back but a panic. Otherwise a valid
/// chunk is built from `data` (values, then shuffled, deflated and
/// check-summed as the second byte says, with libdeflate), decoded to its
/// values, then corrupted as the next bytes say (bytes changed, cut short,
/// extended, or the mask changed) and decoded again: no panic, and a chunk
/// with a checksum and one byte changed is refused.
pub fn fuzz(data: &[u8]) {
    let (Some(&mode), Some(&pick)) = (data.first(), data.get(1)) else {
        return;
    };
    let rest = data.get(2..).unwrap_or_default();
    let size = [1usize, 2, 4, 8][usize::from(pick >> 6)];
    let mut stages = Vec::new();
    if pick & 1 != 0 {
        stages.push(Stage::Shuffle(size));
    }
    if pick & 2 != 0 {
        stages.push(Stage::Deflate);
    }
    if pick & 4 != 0 {
        stages.push(Stage::Fletcher32);
    }
    if mode % 2 == 0 {
        let len = usize::from((pick >> 3) & 7) * 997 % 4096;
        let mut out = vec![0u8; len];
        let _ = decode(&stages, u32::from(mode >> 1), rest, &mut out);
        return;
    }
    // A valid chunk of the values, then its corruption.
    let split = rest.len() / 2;
    let (values, corruption) = rest.split_at(split);
    let original: Vec<u8> = values.to_vec();
    let Ok(stored) = encode(&stages, 1, &original) else {
        return;
    };
    let mut out = vec![0u8; original.len()];
    let decoded = decode(&stages, 0, &stored, &mut out);
    assert!(
        decoded.is_ok() && out == original,
        "a valid chunk: {decoded:?}"
    );
    let mut bad = stored.clone();
    let mut mask = 0u32;
    for step in corruption.chunks(3) {
        let (op, a, b) = (step[0], step.get(1).copied(), step.get(2).copied());
        let at = usize::from(a.unwrap_or(0)) * 257 + usize::from(b.unwrap_or(0));
        match op % 4 {
            0 if !bad.is_empty() => {
                let i = at % bad.len();
                bad[i] ^= b.unwrap_or(1).max(1);
            }
            1 => bad.truncate(at % (bad.len() + 1)),
            2 => bad.extend_from_slice(&[a.unwrap_or(0); 3]),
            _ => mask ^= 1 << (u32::from(a.unwrap_or(0)) % 3),
        }
    }
    let decoded = decode(&stages, mask, &bad, &mut out);
    // fletcher32 sees every change of one byte (it changes one 16-bit word
    // by less than 65535): such a chunk is refused, never decoded to other
    // values. (Other changes may slip past a checksum, rarely; the mask is
    // not covered by one.)
    let differing = bad.iter().zip(&stored).filter(|(x, y)| x != y).count();
    if mask == 0 && bad.len() == stored.len() && differing == 1 {
        assert!(
            !stages.contains(&Stage::Fletcher32) || decoded.is_err(),
            "a chunk with one byte changed passed its checksum: stages {stages:?}"
        );
    }
}

/// The shuffle filter (what [`unshuffle`] undoes): every element's first
/// byte, then every second byte, …; trailing bytes that make no whole
/// element stay as they are.
fn shuffle(input: &[u8], size: usize) -> Vec<u8> {
    let mut out = input.to_vec();
    if size <= 1 {
        return out;
    }
    let n = input.len() / size;
    match size {
        2 => shuffle_n::<2>(input, n, &mut out),
        4 => shuffle_n::<4>(input, n, &mut out),
        8 => shuffle_n::<8>(input, n, &mut out),
        _ => {
            for (plane, b) in out.chunks_exact_mut(n.max(1)).take(size).zip(0..) {
                for (o, value) in plane.iter_mut().zip(input.chunks_exact(size)) {
                    *o = value.get(b).copied().unwrap_or(*o);
                }
            }
        }
    }
    out
}

/// [`shuffle`] for elements of `S` bytes: the `S` planes written one after
/// another, each from every element.
fn shuffle_n<const S: usize>(input: &[u8], n: usize, out: &mut [u8]) {
    let done = match S {
        8 => shuffle_8x8(input, n, out),
        4 => shuffle_4x4(input, n, out),
        _ => 0,
    };
    // The last elements (and every one of other sizes), one by one.
    for (k, e) in input.chunks_exact(S).enumerate().take(n).skip(done) {
        for (b, &byte) in e.iter().enumerate() {
            if let Some(o) = out.get_mut(b * n + k) {
                *o = byte;
            }
        }
    }
}

/// Shuffles the first of `n` elements of 8 bytes in blocks of 8: the block
/// as eight `u64`s, transposed in registers ([`transpose_8x8`]), each row
/// then 8 bytes of one plane. Returns how many elements it did.
fn shuffle_8x8(input: &[u8], n: usize, out: &mut [u8]) -> usize {
    let whole = n / 8 * 8;
    for (k, block) in input[..whole * 8].chunks_exact(64).enumerate() {
        let mut r = [0u64; 8];
        for (word, value) in r.iter_mut().zip(block.chunks_exact(8)) {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(value);
            *word = u64::from_le_bytes(bytes);
        }
        transpose_8x8(&mut r);
        for (b, word) in r.iter().enumerate() {
            let at = b * n + k * 8;
            out[at..at + 8].copy_from_slice(&word.to_le_bytes());
        }
    }
    whole
}

/// [`shuffle_8x8`] for elements of 4 bytes: blocks of 4 as four `u32`s.
fn shuffle_4x4(input: &[u8], n: usize, out: &mut [u8]) -> usize {
    let whole = n / 4 * 4;
    for (k, block) in input[..whole * 4].chunks_exact(16).enumerate() {
        let mut r = [0u32; 4];
        for (word, value) in r.iter_mut().zip(block.chunks_exact(4)) {
            let mut bytes = [0u8; 4];
            bytes.copy_from_slice(value);
            *word = u32::from_le_bytes(bytes);
        }
        transpose_4x4(&mut r);
        for (b, word) in r.iter().enumerate() {
            let at = b * n + k * 4;
            out[at..at + 4].copy_from_slice(&word.to_le_bytes());
        }
    }
    whole
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
    fn shuffle_and_unshuffle_match_the_layout_at_every_size_and_length() {
        for size in 1..=9 {
            for len in (0..200).chain([255, 256, 257, 511, 512, 700, 1029, 4096 + 13]) {
                let data: Vec<u8> = (0..len).map(|i| (i * 37 + size) as u8).collect();
                // The shuffled layout written out by hand: byte b of element
                // i at b * n + i, trailing bytes as they were.
                let n = len / size;
                let mut shuffled = data.clone();
                for i in 0..n {
                    for b in 0..size {
                        shuffled[b * n + i] = data[i * size + b];
                    }
                }
                assert_eq!(
                    shuffle(&data, size),
                    shuffled,
                    "shuffle: size {size}, {len} bytes"
                );
                let mut out = vec![0u8; len];
                unshuffle(&shuffled, size, &mut out).unwrap();
                assert_eq!(out, data, "size {size}, {len} bytes");
            }
        }
    }

    #[test]
    fn only_pipelines_checked_as_they_decode_are_decoded_from_a_mapping() {
        use Stage::{Deflate, Fletcher32, Shuffle};
        assert!(checked_in_one_pass(&[Deflate], 0));
        assert!(checked_in_one_pass(&[Shuffle(8), Deflate], 0));
        assert!(!checked_in_one_pass(&[Shuffle(8), Deflate, Fletcher32], 0));
        assert!(!checked_in_one_pass(&[Shuffle(8)], 0));
        assert!(!checked_in_one_pass(&[], 0));
        // Deflate skipped for this chunk (mask bit 1): not checked.
        assert!(!checked_in_one_pass(&[Shuffle(8), Deflate], 0b10));
        // Fletcher32 skipped: checked by deflate alone.
        assert!(checked_in_one_pass(&[Deflate, Fletcher32], 0b10));
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
        decode(&stages, 0, &stored, &mut out).unwrap();
        assert_eq!(out, values);
        // Every single-byte corruption is caught by the checksum.
        for at in (0..stored.len()).step_by(97) {
            let mut bad = stored.clone();
            bad[at] ^= 0x5a;
            assert!(decode(&stages, 0, &bad, &mut out).is_err(), "byte {at}");
        }
        // Cut short, or the wrong size: errors.
        assert!(decode(&stages, 0, &stored[..stored.len() / 2], &mut out).is_err());
        assert!(decode(&stages, 0, &stored, &mut out[..100]).is_err());
        // The mask skips stages: a chunk stored without the shuffle.
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&values).unwrap();
        let plain = z.finish().unwrap();
        decode(&[Stage::Shuffle(4), Stage::Deflate], 0b01, &plain, &mut out).unwrap();
        assert_eq!(out, values);
    }

    #[test]
    fn a_shuffled_chunk_decodes_straight_into_a_strided_column() {
        use lazy_core::backend::Strided;
        use ndarray::{s, Array2};
        // 1,003 f64 (not a multiple of 8: a scalar tail) and 1,003 u32,
        // shuffled and deflated by flate2, into column 1 of 3.
        fn check<T: lazy_core::Element + Copy>(values: &[T], le: impl Fn(T) -> Vec<u8>) {
            let size = std::mem::size_of::<T>();
            let n = values.len();
            let bytes: Vec<u8> = values.iter().flat_map(|&v| le(v)).collect();
            let mut shuffled = vec![0u8; bytes.len()];
            for i in 0..n {
                for b in 0..size {
                    shuffled[b * n + i] = bytes[i * size + b];
                }
            }
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            z.write_all(&shuffled).unwrap();
            let stored = z.finish().unwrap();
            let stages = [Stage::Shuffle(size), Stage::Deflate];
            let mut out = Array2::<T>::default((n, 3));
            let mut column = Strided::new(out.slice_mut(s![.., 1])).unwrap();
            assert!(decode_strided(&stages, 0, &stored, &mut column).unwrap());
            assert_eq!(out.column(1).to_vec(), values);
            assert!(out
                .column(0)
                .iter()
                .chain(out.column(2))
                .all(|&v| v == T::default()));
            // A pipeline that does not end in this shuffle: not done.
            let mut column = Strided::new(out.slice_mut(s![.., 0])).unwrap();
            assert!(!decode_strided(&stages, 0b01, &stored, &mut column).unwrap());
            assert!(!decode_strided(&[Stage::Deflate], 0, &stored, &mut column).unwrap());
            // A corrupt stream: an error.
            assert!(decode_strided(&stages, 0, &stored[..stored.len() / 2], &mut column).is_err());
        }
        let f: Vec<f64> = (0..1003).map(|i| (i as f64).sqrt() * -3.5).collect();
        check(&f, |v| v.to_le_bytes().to_vec());
        let u: Vec<u32> = (0..1003)
            .map(|i: u32| i.wrapping_mul(2_654_435_761).wrapping_add(i))
            .collect();
        check(&u, |v| v.to_le_bytes().to_vec());
    }
}
