//! An HDF5 file in an object store or on a web server, read by byte ranges
//! (feature `cloud`): the [`ByteSource`] of files opened with
//! [`open_url`](crate::open_url).
//!
//! The URL, its settings, the requests (their runtime, timeouts and
//! retries) and the messages of failed requests are lazy-zarr's
//! ([`lazy_zarr::RangeReader`]): one implementation for both backends.
//!
//! - At open, one request reads the object's first [`HEAD`] bytes (all of
//!   a smaller object) and learns its size: the superblock, the root group
//!   and, in most files, every object header and chunk index are there, so
//!   opening a file and its datasets costs that one request.
//! - Metadata past it is read by aligned [`BLOCK`]s, kept in a bounded
//!   cache ([`BLOCKS`] of them, the oldest dropped first): the many small
//!   reads of an object header or a heap cost one request per block.
//! - A B-tree v1 chunk index is read a level at a time
//!   ([`ByteSource::read_many`]): its nodes from the first read or the
//!   blocks kept when they are there, the others by range as chunks are —
//!   one round of requests per level of the tree, not one request per node.
//! - Chunks are read by [`RemoteSource::read_ranges`]: bytes inside the
//!   first read are taken from it; the others are fetched by range, ranges
//!   less than [`GAP`] apart merged into one request of at most
//!   [`MERGED`] bytes, at most `concurrency` requests in flight. A chunk's
//!   bytes are a part of the answer that brought them, shared, not copied
//!   (copying them took a tenth of a remote full read's time). Chunks do
//!   not go through the block cache (decoded ones are in lazy-core's).

use std::collections::{HashMap, VecDeque};
use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use lazy_core::{Error, Result};
use lazy_zarr::{RangeReader, StoreUrl};

use super::source::ByteSource;

/// The bytes read at open: 8 MiB.
pub(crate) const HEAD: u64 = 8 << 20;
/// The size of the blocks metadata past [`HEAD`] is read by: 256 KiB. An
/// object header past the first read cost 21-68 ms by 4 MiB blocks, 1-48
/// ms by 1 MiB ones, from s3s-fs's binary on loopback; from
/// bench/s3-server a full read of the benchmark's stack (two headers past
/// the first read) took 61-63 ms by 256 KiB blocks against 63-65 ms by
/// 1 MiB ones. A header is a few KiB: a smaller block moves less and
/// rarely costs a second request.
pub(crate) const BLOCK: u64 = 256 << 10;
/// The most blocks kept (256: 64 MiB).
pub(crate) const BLOCKS: usize = 256;
/// Chunk ranges at most this far apart are read by one request: 1 MiB
/// (object_store's default for the same).
pub(crate) const GAP: u64 = 1 << 20;
/// The longest request merged ranges make: 16 MiB, the upper end of what
/// AWS advises for ranged reads (longer ones are read side by side
/// instead). From s3s-fs on loopback 4, 8 and 16 MiB read a stack of three
/// 58 MB datasets alike (500-590 ms); on moto, which answers one request at
/// a time, fewer requests are faster.
pub(crate) const MERGED: u64 = 16 << 20;

/// An object read by ranges (see the module docs).
pub(crate) struct RemoteSource {
    reader: RangeReader,
    len: u64,
    head: Bytes,
    blocks: Mutex<Blocks>,
}

/// The block cache: blocks by number, and their order of arrival.
#[derive(Default)]
struct Blocks {
    kept: HashMap<u64, Arc<[u8]>>,
    order: VecDeque<u64>,
}

impl std::fmt::Debug for RemoteSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteSource")
            .field("url", &self.reader.url())
            .field("len", &self.len)
            .finish()
    }
}

impl RemoteSource {
    /// The object at `url`, its first [`HEAD`] bytes read (one request).
    pub(crate) fn open(url: StoreUrl) -> Result<RemoteSource> {
        let reader = RangeReader::open(url)?;
        let (head, len) = reader.first(HEAD)?;
        Ok(RemoteSource {
            reader,
            len,
            head,
            blocks: Mutex::default(),
        })
    }

    /// The URL.
    pub(crate) fn url(&self) -> &str {
        self.reader.url()
    }

    /// The bytes of each of `ranges`, in order: from the first read when
    /// inside it, the others fetched side by side, ranges close together
    /// merged into one request (see the module docs). Each range's bytes
    /// are a slice of a frame the client received, copied only where they
    /// span two frames.
    pub(crate) fn read_ranges(&self, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        self.fetch(ranges, |r| self.head_part(r))
    }

    /// The bytes of each of `ranges`, in order: those `have` gives (bytes
    /// held already), the others fetched as [`read_ranges`](Self::read_ranges)
    /// says (nothing fetched is kept).
    fn fetch(
        &self,
        ranges: &[Range<u64>],
        have: impl Fn(&Range<u64>) -> Option<Bytes>,
    ) -> Result<Vec<Bytes>> {
        for r in ranges {
            if r.end < r.start || r.end > self.len {
                return Err(Error::backend_msg(format!(
                    "cannot read {}: bytes {}..{} of an object of {} bytes",
                    self.url(),
                    r.start,
                    r.end,
                    self.len
                )));
            }
        }
        let mut out: Vec<Option<Bytes>> = ranges
            .iter()
            .map(|r| {
                if r.is_empty() {
                    Some(Bytes::new())
                } else {
                    have(r)
                }
            })
            .collect();
        let wanted: Vec<(usize, Range<u64>)> = ranges
            .iter()
            .enumerate()
            .filter(|(i, _)| out.get(*i).is_some_and(Option::is_none))
            .map(|(i, r)| (i, r.clone()))
            .collect();
        if wanted.is_empty() {
            return Ok(out.into_iter().flatten().collect());
        }
        let groups = merge(&wanted);
        let requests: Vec<Range<u64>> = groups.iter().map(|(r, _)| r.clone()).collect();
        let fetched = self.reader.receive(&requests)?;
        for ((merged, members), received) in groups.iter().zip(fetched) {
            for &(i, ref r) in members {
                let from = usize::try_from(r.start - merged.start).unwrap_or(usize::MAX);
                let to = usize::try_from(r.end - merged.start).unwrap_or(usize::MAX);
                let Some(bytes) = received.slice(from..to) else {
                    return Err(Error::backend_msg(format!(
                        "cannot read {}: a short answer",
                        self.url()
                    )));
                };
                if let Some(slot) = out.get_mut(i) {
                    *slot = Some(bytes);
                }
            }
        }
        out.into_iter()
            .map(|b| b.ok_or_else(|| Error::internal("a range left unread")))
            .collect()
    }

    /// The bytes of `range` when the first read holds them.
    fn in_head(&self, range: &Range<u64>) -> Option<&[u8]> {
        let start = usize::try_from(range.start).ok()?;
        let end = usize::try_from(range.end).ok()?;
        self.head.get(start..end)
    }

    /// The bytes of `range` as a part of the first read (not copied), when
    /// it holds them.
    fn head_part(&self, range: &Range<u64>) -> Option<Bytes> {
        self.in_head(range).map(|part| self.head.slice_ref(part))
    }

    /// The bytes of `range` (inside the object, not empty) when the first
    /// read or the blocks kept hold them all (nothing is fetched).
    fn kept(&self, range: &Range<u64>) -> Option<Bytes> {
        if let Some(bytes) = self.head_part(range) {
            return Some(bytes);
        }
        let (first, last) = (range.start / BLOCK, (range.end - 1) / BLOCK);
        let blocks = self.blocks.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = Vec::with_capacity(usize::try_from(range.end - range.start).ok()?);
        for n in first..=last {
            let block = blocks.kept.get(&n)?;
            let base = n * BLOCK;
            let from = usize::try_from(range.start.max(base) - base).ok()?;
            let to = usize::try_from(range.end.min(base + BLOCK) - base).ok()?;
            out.extend_from_slice(block.get(from..to)?);
        }
        Some(out.into())
    }

    /// The blocks numbered `wanted` (of [`BLOCK`] bytes, the object's last
    /// one shorter), from the cache, the missing ones fetched (a run of
    /// consecutive ones by one request) and kept.
    fn blocks(&self, wanted: Range<u64>) -> Result<Vec<Arc<[u8]>>> {
        let mut got: Vec<Option<Arc<[u8]>>> = {
            let blocks = self.blocks.lock().unwrap_or_else(PoisonError::into_inner);
            wanted
                .clone()
                .map(|n| blocks.kept.get(&n).cloned())
                .collect()
        };
        let missing: Vec<u64> = wanted
            .clone()
            .zip(&got)
            .filter(|(_, b)| b.is_none())
            .map(|(n, _)| n)
            .collect();
        if !missing.is_empty() {
            // Runs of consecutive missing blocks, one request each.
            let mut runs: Vec<Range<u64>> = Vec::new();
            for &n in &missing {
                match runs.last_mut() {
                    Some(run) if run.end == n => run.end = n + 1,
                    _ => runs.push(n..n + 1),
                }
            }
            let ranges: Vec<Range<u64>> = runs
                .iter()
                .map(|run| run.start * BLOCK..(run.end * BLOCK).min(self.len))
                .collect();
            let fetched = self.reader.read_ranges(&ranges)?;
            let mut blocks = self.blocks.lock().unwrap_or_else(PoisonError::into_inner);
            for (run, bytes) in runs.iter().zip(fetched) {
                for (k, n) in run.clone().enumerate() {
                    let from = (k as u64 * BLOCK) as usize;
                    let to = (from + BLOCK as usize).min(bytes.len());
                    let block: Arc<[u8]> = bytes.get(from..to).unwrap_or(&[]).into();
                    if let Some(slot) = got.get_mut((n - wanted.start) as usize) {
                        *slot = Some(block.clone());
                    }
                    if blocks.kept.insert(n, block).is_none() {
                        blocks.order.push_back(n);
                    }
                }
            }
            while blocks.order.len() > BLOCKS {
                if let Some(old) = blocks.order.pop_front() {
                    blocks.kept.remove(&old);
                }
            }
        }
        got.into_iter()
            .map(|b| b.ok_or_else(|| Error::internal("a block left unread")))
            .collect()
    }
}

/// `wanted` ranges (with their places) grouped into requests: sorted by
/// start, a range less than [`GAP`] past the previous request's end joins
/// it while the request stays within [`MERGED`] bytes.
#[allow(clippy::type_complexity)]
fn merge(wanted: &[(usize, Range<u64>)]) -> Vec<(Range<u64>, Vec<(usize, Range<u64>)>)> {
    let mut sorted = wanted.to_vec();
    sorted.sort_by_key(|(_, r)| (r.start, r.end));
    let mut groups: Vec<(Range<u64>, Vec<(usize, Range<u64>)>)> = Vec::new();
    for (i, r) in sorted {
        if let Some((merged, members)) = groups.last_mut() {
            let end = merged.end.max(r.end);
            if r.start <= merged.end.saturating_add(GAP) && end - merged.start <= MERGED {
                merged.end = end;
                members.push((i, r));
                continue;
            }
        }
        groups.push((r.clone(), vec![(i, r)]));
    }
    groups
}

impl ByteSource for RemoteSource {
    fn len(&self) -> u64 {
        self.len
    }

    /// Metadata read together (a level of a B-tree): copied from the first
    /// read or from blocks already kept when they hold a range, the others
    /// fetched as [`read_ranges`](RemoteSource::read_ranges) fetches (side
    /// by side, close ranges merged; no new block kept).
    fn read_many(&self, ranges: &[Range<u64>]) -> std::io::Result<Vec<Vec<u8>>> {
        self.fetch(ranges, |r| self.kept(r))
            .map(|got| got.into_iter().map(Vec::from).collect())
            .map_err(|e| std::io::Error::other(e.to_string()))
    }

    /// From the first read, or by blocks through the cache.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        let n = buf.len() as u64;
        let end = offset
            .checked_add(n)
            .filter(|&end| end <= self.len)
            .ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "past the end")
            })?;
        if let Some(bytes) = self.in_head(&(offset..end)) {
            buf.copy_from_slice(bytes);
            return Ok(());
        }
        if n == 0 {
            return Ok(());
        }
        let first = offset / BLOCK;
        let last = (end - 1) / BLOCK;
        let blocks = self
            .blocks(first..last + 1)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut at = offset;
        let mut filled = 0usize;
        for (k, block) in blocks.iter().enumerate() {
            let base = (first + k as u64) * BLOCK;
            let from = at.saturating_sub(base) as usize;
            let take = (buf.len() - filled).min(block.len().saturating_sub(from));
            let part = block.get(from..from + take).ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "a short block")
            })?;
            buf[filled..filled + take].copy_from_slice(part);
            filled += take;
            at += take as u64;
        }
        if filled != buf.len() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "short blocks",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_ranges_merge_far_ones_do_not() {
        let wanted = vec![
            (0, 100..200),
            (1, 0..50),
            (2, 200 + GAP + 1..200 + GAP + 10),
            (3, 60..70),
        ];
        let groups = merge(&wanted);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].0, 0..200);
        assert_eq!(groups[0].1.len(), 3);
        assert_eq!(groups[1].0, 200 + GAP + 1..200 + GAP + 10);
    }

    #[test]
    fn merged_requests_stay_bounded() {
        let wanted: Vec<(usize, Range<u64>)> = (0..40u64)
            .map(|i| (i as usize, i * (1 << 20)..(i + 1) * (1 << 20)))
            .collect();
        let groups = merge(&wanted);
        assert!(groups.iter().all(|(r, _)| r.end - r.start <= MERGED));
        assert_eq!(groups.iter().map(|(_, m)| m.len()).sum::<usize>(), 40);
    }
}
