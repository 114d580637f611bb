//! The chunk index of a dataset stored as a version 1 B-tree (what h5py
//! and HDF5 1.8 write by default), walked a level at a time: every node of
//! a level is read by one [`ByteSource::read_many`] call, so that a file
//! read by ranges (`remote.rs`) costs one round of requests per level of
//! the tree (side by side, close nodes merged into one request) rather
//! than one request per node, and a local file one positional read per
//! node. The nodes' bytes are parsed by hdf5-reader's
//! [`BTreeV1Node::parse`].
//!
//! Everything read is checked before it is followed: the signature, a
//! node type of raw data chunks, each child one level below its parent,
//! nodes inside the file and none visited twice, so a damaged file is an
//! error message, never a loop or a panic.

use std::collections::HashSet;
use std::ops::Range;

use hdf5_reader::btree_v1::{BTreeV1Key, BTreeV1Node};
use hdf5_reader::io::Cursor;

use super::source::ByteSource;

/// The entries a node is read for at first: 64, what HDF5's default
/// `K = 32` for chunk B-trees allows. A node with more (a file made with a
/// larger `K`) is read again whole.
const GUESSED_ENTRIES: u64 = 64;

/// Where to find and how to read one B-tree.
pub(crate) struct Tree<'a> {
    /// The file's bytes.
    pub(crate) source: &'a dyn ByteSource,
    /// The position in the file of HDF5's address 0 (the superblock's base).
    pub(crate) base: u64,
    /// Bytes of an address.
    pub(crate) offset_size: u8,
    /// Bytes of a length.
    pub(crate) length_size: u8,
    /// The dataset's rank (a chunk key holds one more offset).
    pub(crate) rank: u32,
}

impl Tree<'_> {
    /// Bytes of a node's header: signature, type, level, entries used and
    /// the two sibling addresses.
    fn header_len(&self) -> u64 {
        8 + 2 * u64::from(self.offset_size)
    }

    /// Bytes of a node with `entries` children: its header, `entries + 1`
    /// keys (chunk size, filter mask, `rank + 1` offsets of 8 bytes) and
    /// `entries` child addresses.
    fn node_len(&self, entries: u64) -> u64 {
        let key = 8 + (u64::from(self.rank) + 1) * 8;
        self.header_len() + (entries + 1) * key + entries * u64::from(self.offset_size)
    }

    /// The bytes of the nodes at (relative) addresses `nodes`, each read
    /// for [`GUESSED_ENTRIES`] entries (less at the end of the file) and
    /// read again whole when it has more.
    fn read_nodes(&self, nodes: &[u64]) -> Result<Vec<Vec<u8>>, String> {
        let len = self.source.len();
        let at = |addr: u64| {
            self.base
                .checked_add(addr)
                .filter(|&at| at < len)
                .ok_or_else(|| format!("a B-tree node at {addr}, past the end of the file"))
        };
        let guessed = self.node_len(GUESSED_ENTRIES);
        let ranges = nodes
            .iter()
            .map(|&addr| {
                let start = at(addr)?;
                Ok(start..start.saturating_add(guessed).min(len))
            })
            .collect::<Result<Vec<Range<u64>>, String>>()?;
        let mut bytes = self
            .source
            .read_many(&ranges)
            .map_err(|e| format!("a B-tree node: {e}"))?;
        // Nodes with more entries than guessed, read again whole.
        let mut again = Vec::new();
        for (k, node) in bytes.iter().enumerate() {
            let entries = node
                .get(6..8)
                .map_or(0, |b| u64::from(u16::from_le_bytes([b[0], b[1]])));
            let whole = self.node_len(entries);
            if whole > node.len() as u64 {
                let start = ranges.get(k).map_or(0, |r| r.start);
                let end = start
                    .checked_add(whole)
                    .filter(|&end| end <= len)
                    .ok_or_else(|| {
                        format!("a B-tree node of {entries} entries past the end of the file")
                    })?;
                again.push((k, start..end));
            }
        }
        if !again.is_empty() {
            let ranges: Vec<Range<u64>> = again.iter().map(|(_, r)| r.clone()).collect();
            let whole = self
                .source
                .read_many(&ranges)
                .map_err(|e| format!("a B-tree node: {e}"))?;
            for ((k, _), node) in again.iter().zip(whole) {
                if let Some(slot) = bytes.get_mut(*k) {
                    *slot = node;
                }
            }
        }
        Ok(bytes)
    }

    /// Every leaf entry of the tree whose root is at (relative) address
    /// `root`: each chunk's key (its size, filter mask and offsets) and
    /// its (relative) address, in the tree's order.
    pub(crate) fn leaves(&self, root: u64) -> Result<Vec<(BTreeV1Key, u64)>, String> {
        let mut level: Vec<u64> = vec![root];
        // The level of this round's nodes: the root's own, then one less
        // each round.
        let mut expected: Option<u8> = None;
        let mut visited: HashSet<u64> = HashSet::new();
        let mut leaves = Vec::new();
        while !level.is_empty() {
            for &addr in &level {
                if !visited.insert(addr) {
                    return Err(format!("its B-tree visits the node at {addr} twice"));
                }
            }
            let bytes = self.read_nodes(&level)?;
            let mut next = Vec::new();
            for (addr, bytes) in level.iter().zip(bytes) {
                let mut cursor = Cursor::new(&bytes);
                let node = BTreeV1Node::parse(
                    &mut cursor,
                    self.offset_size,
                    self.length_size,
                    Some(self.rank),
                )
                .map_err(|e| format!("the B-tree node at {addr}: {e}"))?;
                if node.node_type != 1 {
                    return Err(format!(
                        "the B-tree node at {addr} is of type {}, not of chunks",
                        node.node_type
                    ));
                }
                let want = *expected.get_or_insert(node.level);
                if node.level != want {
                    return Err(format!(
                        "the B-tree node at {addr} is at level {}, its parent's level less one is {want}",
                        node.level
                    ));
                }
                if node.level == 0 {
                    leaves.extend(node.keys.into_iter().zip(node.children));
                } else {
                    next.extend(
                        node.children
                            .into_iter()
                            .filter(|&child| !Cursor::is_undefined_offset(child, self.offset_size)),
                    );
                }
            }
            // Children are one level below (leaves, at level 0, have none).
            expected = expected.and_then(|l| l.checked_sub(1));
            level = next;
        }
        Ok(leaves)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pure::source::Memory;

    const UNDEFINED: u64 = u64::MAX;

    /// A node of a rank-1 chunk tree at `level`, children `children` (their
    /// addresses), the key before child `i` the chunk at offset `10 * i`
    /// of `100 + i` bytes.
    fn node(level: u8, children: &[u64]) -> Vec<u8> {
        let mut b = b"TREE".to_vec();
        b.push(1);
        b.push(level);
        b.extend((children.len() as u16).to_le_bytes());
        b.extend(UNDEFINED.to_le_bytes());
        b.extend(UNDEFINED.to_le_bytes());
        for i in 0..=children.len() {
            b.extend((100 + i as u32).to_le_bytes());
            b.extend(0u32.to_le_bytes());
            b.extend((10 * i as u64).to_le_bytes());
            b.extend(0u64.to_le_bytes());
            if let Some(c) = children.get(i) {
                b.extend(c.to_le_bytes());
            }
        }
        b
    }

    /// A file of `nodes` placed at their addresses (the rest zeros).
    fn file(nodes: &[(u64, Vec<u8>)]) -> Memory {
        let len = nodes
            .iter()
            .map(|(at, b)| *at as usize + b.len())
            .max()
            .unwrap_or(0);
        let mut bytes = vec![0u8; len];
        for (at, b) in nodes {
            bytes[*at as usize..*at as usize + b.len()].copy_from_slice(b);
        }
        Memory(bytes)
    }

    fn walk(source: &Memory, root: u64) -> Result<Vec<(u64, u64)>, String> {
        let tree = Tree {
            source,
            base: 0,
            offset_size: 8,
            length_size: 8,
            rank: 1,
        };
        Ok(tree
            .leaves(root)?
            .into_iter()
            .map(|(key, addr)| match key {
                BTreeV1Key::RawData { chunk_size, .. } => (u64::from(chunk_size), addr),
                BTreeV1Key::Group { .. } => (0, 0),
            })
            .collect())
    }

    #[test]
    fn a_two_level_tree_gives_its_leaves_in_order() {
        // A root over two leaves; the second leaf has 100 entries, more
        // than a node is first read for, and lies at the end of the file.
        let first: Vec<u64> = (0..3).map(|i| 50_000 + i).collect();
        let second: Vec<u64> = (0..100).map(|i| 60_000 + i).collect();
        let source = file(&[
            (0, node(1, &[1_000, 20_000])),
            (1_000, node(0, &first)),
            (20_000, node(0, &second)),
        ]);
        let leaves = walk(&source, 0).unwrap();
        let expected: Vec<(u64, u64)> = (0..3)
            .map(|i| (100 + i, 50_000 + i))
            .chain((0..100).map(|i| (100 + i, 60_000 + i)))
            .collect();
        assert_eq!(leaves, expected);
    }

    #[test]
    fn a_leaf_root_is_read_alone() {
        let source = file(&[(8, node(0, &[7, 9]))]);
        assert_eq!(walk(&source, 8).unwrap(), vec![(100, 7), (101, 9)]);
    }

    #[test]
    fn damaged_trees_are_errors() {
        // A node that is its own child.
        let cycle = file(&[(0, node(1, &[0]))]);
        assert!(walk(&cycle, 0).unwrap_err().contains("twice"));
        // A child two levels below its parent.
        let skipped = file(&[(0, node(2, &[500])), (500, node(0, &[1]))]);
        assert!(walk(&skipped, 0).unwrap_err().contains("level"));
        // A child past the end of the file.
        let past = file(&[(0, node(1, &[1 << 40]))]);
        assert!(walk(&past, 0).unwrap_err().contains("past the end"));
        // A node claiming more entries than the file holds.
        let mut long = node(0, &[1]);
        long[6..8].copy_from_slice(&5000u16.to_le_bytes());
        assert!(walk(&file(&[(0, long)]), 0)
            .unwrap_err()
            .contains("past the end"));
        // Not a B-tree node, and a group node.
        let zeros = file(&[(0, vec![0; 64])]);
        assert!(walk(&zeros, 0).is_err());
        let mut group = node(0, &[1]);
        group[4] = 0;
        assert!(walk(&file(&[(0, group)]), 0).is_err());
    }

    /// A valid two-level tree with bytes changed at random (a fixed seed):
    /// every walk ends, with leaves or an error, and never panics.
    #[test]
    fn changed_bytes_never_panic() {
        let children: Vec<u64> = (0..70).map(|i| 9_000 + i).collect();
        let nodes = [
            (0, node(1, &[700, 4_000])),
            (700, node(0, &children[..5])),
            (4_000, node(0, &children)),
        ];
        // The positions of the nodes' bytes (the rest of the file is unread).
        let places: Vec<usize> = nodes
            .iter()
            .flat_map(|(at, b)| *at as usize..*at as usize + b.len())
            .collect();
        let good = file(&nodes);
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut failed = 0;
        for _ in 0..3_000 {
            let mut bytes = good.0.clone();
            for _ in 0..1 + next() % 4 {
                let at = places[(next() % places.len() as u64) as usize];
                bytes[at] = next() as u8;
            }
            if walk(&Memory(bytes), 0).is_err() {
                failed += 1;
            }
        }
        // Most changes land in keys and addresses the walk follows.
        assert!(failed > 100, "{failed}");
    }
}
