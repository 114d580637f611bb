//! [`Cache`]: decoded chunks kept for the next read, within a byte budget,
//! shared by every dataset that is handed the same cache (TensorStore's
//! `cache_pool`).
//!
//! Entries are keyed by the array they belong to (an [`ArrayKey`]: the
//! store and the array's path in it, so two handles on one array share
//! entries) and the chunk's index, and are dropped least recently used
//! first when the bytes held would pass the budget. An entry also holds the
//! chunk's *generation* (for a file: its size, modification time and inode)
//! as it was when decoded; a read whose storage reports another generation
//! misses, so a chunk rewritten by another process is never served stale.
//! Writes through a dataset replace (or drop) the entries of the chunks they
//! store.
//!
//! [`Cache::global`] is the cache every dataset uses unless it is given
//! another: [`Cache::DEFAULT_BUDGET`] bytes, shared by the whole process.
//! `Cache::new(0)` keeps nothing.
//!
//! ```
//! use lazy_core::backend::ArrayKey;
//! use lazy_core::Cache;
//! use std::sync::Arc;
//!
//! let cache = Cache::new(1 << 20);
//! let array = ArrayKey::new("file:///data/store.zarr", "/x");
//! let chunk: Arc<Vec<f64>> = Arc::new(vec![1.0; 1000]);
//! cache.insert(&array, &[0], None, chunk.clone());
//! let got = cache.get::<f64>(&array, &[0], None).unwrap();
//! assert_eq!(got[999], 1.0);
//! assert!(cache.get::<f64>(&array, &[1], None).is_none());
//! let stats = cache.stats();
//! assert_eq!((stats.hits, stats.misses, stats.bytes), (1, 1, 8000));
//! ```

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The array a cached chunk belongs to: where its store is and its path in
/// the store. Two handles on one array (opened separately) have equal keys.
/// Cheap to clone (the names are shared): every cache lookup makes one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArrayKey(Arc<(String, String)>);

impl ArrayKey {
    /// The key of the array at `path` in the store at `store` (a canonical
    /// path or URL: equal stores must give equal strings).
    pub fn new(store: impl Into<String>, path: impl Into<String>) -> Self {
        ArrayKey(Arc::new((store.into(), path.into())))
    }
}

/// The array as messages name it: `array "/x" in file:///data/store.zarr`.
impl fmt::Display for ArrayKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "array {:?} in {}", self.0 .1, self.0 .0)
    }
}

/// A chunk's version in storage, as storage reports it: two reads of a
/// chunk that report the same generation saw the same bytes.
pub type Generation = u128;

type Key = (ArrayKey, Vec<u64>);

struct Entry {
    data: Arc<dyn Any + Send + Sync>,
    bytes: usize,
    generation: Option<Generation>,
    tick: u64,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<Key, Entry>,
    /// Entries by last use, oldest first.
    order: BTreeMap<u64, Key>,
    bytes: usize,
    tick: u64,
}

impl Inner {
    fn remove(&mut self, key: &Key) -> Option<Entry> {
        let entry = self.entries.remove(key)?;
        self.order.remove(&entry.tick);
        self.bytes -= entry.bytes;
        Some(entry)
    }
}

/// A decoded-chunk cache with a byte budget (see the module docs). Cheap to
/// clone: clones share the entries.
#[derive(Clone)]
pub struct Cache {
    shared: Arc<Shared>,
}

struct Shared {
    budget: usize,
    inner: Mutex<Inner>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// What a [`Cache`] holds and has done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// Lookups that found their chunk.
    pub hits: u64,
    /// Lookups that did not (absent, or of another generation).
    pub misses: u64,
    /// Decoded bytes held.
    pub bytes: usize,
    /// Chunks held.
    pub entries: usize,
    /// The budget.
    pub budget: usize,
}

impl Cache {
    /// The budget of [`Cache::global`]: 256 MiB. A chunk is kept only when it
    /// takes at most a quarter of the budget (64 MiB here).
    pub const DEFAULT_BUDGET: usize = 256 << 20;

    /// A cache holding at most `budget` bytes of decoded chunks (0: none).
    pub fn new(budget: usize) -> Self {
        Cache {
            shared: Arc::new(Shared {
                budget,
                inner: Mutex::new(Inner::default()),
                hits: AtomicU64::new(0),
                misses: AtomicU64::new(0),
            }),
        }
    }

    /// The process-wide cache of [`DEFAULT_BUDGET`](Self::DEFAULT_BUDGET)
    /// bytes, which datasets use unless they are given another.
    pub fn global() -> Cache {
        static GLOBAL: OnceLock<Cache> = OnceLock::new();
        GLOBAL
            .get_or_init(|| Cache::new(Self::DEFAULT_BUDGET))
            .clone()
    }

    /// The budget in bytes.
    pub fn budget(&self) -> usize {
        self.shared.budget
    }

    /// Whether a chunk of `bytes` decoded bytes would be kept: the budget
    /// holds it with room for others (at most a quarter of the budget).
    pub fn would_keep(&self, bytes: usize) -> bool {
        bytes > 0 && bytes <= self.shared.budget / 4
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent entries: recover.
        self.shared
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The decoded chunk `index` of `array`, when it is held with
    /// `generation` (or `generation` is `None`, storage that cannot tell)
    /// and its elements are `T`s. Counts a hit or a miss.
    pub fn get<T: Send + Sync + 'static>(
        &self,
        array: &ArrayKey,
        index: &[u64],
        generation: Option<Generation>,
    ) -> Option<Arc<Vec<T>>> {
        let key = (array.clone(), index.to_vec());
        let mut inner = self.lock();
        let found = match inner.entries.get(&key) {
            Some(e) if generation.is_none() || e.generation == generation => {
                e.data.clone().downcast::<Vec<T>>().ok()
            }
            Some(_) => {
                // Rewritten since: drop it.
                inner.remove(&key);
                None
            }
            None => None,
        };
        if found.is_some() {
            inner.tick += 1;
            let tick = inner.tick;
            if let Some(e) = inner.entries.get_mut(&key) {
                let old = std::mem::replace(&mut e.tick, tick);
                inner.order.remove(&old);
                inner.order.insert(tick, key);
            }
            self.shared.hits.fetch_add(1, Ordering::Relaxed);
        } else {
            self.shared.misses.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// Whether chunk `index` of `array` is held (of any generation), without
    /// counting a hit or a miss: storage with a cost per request (object
    /// stores) asks before fetching the chunks a read needs.
    pub fn contains(&self, array: &ArrayKey, index: &[u64]) -> bool {
        self.lock()
            .entries
            .contains_key(&(array.clone(), index.to_vec()))
    }

    /// Keeps `data`, the decoded chunk `index` of `array` as of
    /// `generation`, replacing what was held for it, and drops the least
    /// recently used chunks while the budget is passed. A chunk that
    /// [`would_keep`](Self::would_keep) refuses is not kept (and any older
    /// entry for it is dropped).
    pub fn insert<T: Send + Sync + 'static>(
        &self,
        array: &ArrayKey,
        index: &[u64],
        generation: Option<Generation>,
        data: Arc<Vec<T>>,
    ) {
        let key = (array.clone(), index.to_vec());
        let bytes = data.len().saturating_mul(std::mem::size_of::<T>());
        let mut inner = self.lock();
        inner.remove(&key);
        if !self.would_keep(bytes) {
            return;
        }
        inner.tick += 1;
        let tick = inner.tick;
        inner.order.insert(tick, key.clone());
        inner.bytes += bytes;
        inner.entries.insert(
            key,
            Entry {
                data,
                bytes,
                generation,
                tick,
            },
        );
        while inner.bytes > self.shared.budget {
            let Some((_, oldest)) = inner.order.pop_first() else {
                break;
            };
            if let Some(e) = inner.entries.remove(&oldest) {
                inner.bytes -= e.bytes;
            }
        }
    }

    /// Drops chunk `index` of `array`.
    pub fn remove(&self, array: &ArrayKey, index: &[u64]) {
        self.lock().remove(&(array.clone(), index.to_vec()));
    }

    /// Drops every chunk of `array`.
    pub fn remove_array(&self, array: &ArrayKey) {
        let mut inner = self.lock();
        let keys: Vec<Key> = inner
            .entries
            .keys()
            .filter(|(a, _)| a == array)
            .cloned()
            .collect();
        for key in keys {
            inner.remove(&key);
        }
    }

    /// Counters and sizes, for tests and benchmarks.
    pub fn stats(&self) -> CacheStats {
        let inner = self.lock();
        CacheStats {
            hits: self.shared.hits.load(Ordering::Relaxed),
            misses: self.shared.misses.load(Ordering::Relaxed),
            bytes: inner.bytes,
            entries: inner.entries.len(),
            budget: self.shared.budget,
        }
    }
}

impl fmt::Debug for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("stats", &self.stats())
            .finish()
    }
}

impl Default for Cache {
    /// The process-wide cache ([`Cache::global`]).
    fn default() -> Self {
        Cache::global()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_recently_used_chunks_go_first() {
        let cache = Cache::new(4 * 800);
        let a = ArrayKey::new("s", "/a");
        for i in 0..4u64 {
            cache.insert(&a, &[i], None, Arc::new(vec![0u8; 800]));
        }
        // 800 bytes is more than a quarter of 3200? No: exactly a quarter.
        assert_eq!(cache.stats().entries, 4);
        cache.get::<u8>(&a, &[0], None).unwrap(); // 0 is now the newest
        cache.insert(&a, &[4], None, Arc::new(vec![0u8; 800]));
        assert!(cache.get::<u8>(&a, &[1], None).is_none()); // the oldest went
        assert!(cache.get::<u8>(&a, &[0], None).is_some());
        assert!(cache.stats().bytes <= 3200);
    }

    #[test]
    fn other_generations_and_types_miss() {
        let cache = Cache::new(1 << 20);
        let a = ArrayKey::new("s", "/a");
        cache.insert(&a, &[0], Some(1), Arc::new(vec![1.0f32; 10]));
        assert!(cache.get::<f32>(&a, &[0], Some(2)).is_none());
        // The stale entry was dropped.
        assert!(cache.get::<f32>(&a, &[0], Some(1)).is_none());
        cache.insert(&a, &[0], Some(1), Arc::new(vec![1.0f32; 10]));
        assert!(cache.get::<f64>(&a, &[0], Some(1)).is_none());
        assert!(cache.get::<f32>(&a, &[0], None).is_some());
        // Too large for the budget: not kept.
        let small = Cache::new(100);
        small.insert(&a, &[0], None, Arc::new(vec![0u8; 26]));
        assert_eq!(small.stats().entries, 0);
        assert!(!Cache::new(0).would_keep(1));
    }
}
