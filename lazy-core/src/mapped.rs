//! [`MappedFile`]: read-only files mapped into memory, their faults
//! reported, not fatal (see the type's docs).

use std::fs::File;

/// A read-only file mapped whole into memory (unmapped when dropped), so
/// that chunks are decoded straight from the page cache (no `pread` copy),
/// with the hazard of a mapping made safe: a read of a page the file no
/// longer has (cut short under the mapping) or whose read-in failed is
/// reported, not a `SIGBUS` that kills the process.
///
/// Reading a byte of a mapped file past its end raises `SIGBUS`, and so does
/// an I/O error while a page is read in. A process-wide handler, installed
/// with the first mapping, looks up the faulting address among the live
/// mappings (a fixed table of atomics, all it touches in a signal handler):
/// if it is one of them, it counts the fault against that mapping and puts
/// a page of zeros there, so the read goes on and [`MappedFile::read`]
/// reports it afterwards. Any other `SIGBUS` goes to the handler that was
/// there before (the default: the process dies, as it would have).
///
/// What it does not cover, and callers must: the bytes past a file's new
/// end *inside its last page* read as zeros without a fault, and another
/// process writing the file changes the bytes as they are read (see
/// [`MappedFile::new`]). lazy-hdf5 decodes from a mapping only chunks whose
/// decoding checks itself in the same pass (deflate's checksum), and reads
/// a chunk again with `pread` when that fails. A `SIGBUS` handler that
/// another library installs after ours without handing on (Python's
/// `faulthandler.enable()` called after the first mapping) takes the
/// faults over: a file cut short then kills the process, as without
/// mapping.
///
/// A mapping that faulted is never read from again (its reads answer
/// `None`, and the caller reads with `pread`, whose errors are ordinary).
/// Set `LAZY_DATASETS_MMAP=0` to read every file with `pread` instead.
/// Linux only; elsewhere [`MappedFile::new`] answers `None`.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use lazy_core::backend::MappedFile;
/// use std::io::Write;
///
/// let path = std::env::temp_dir().join(format!("lazy-mapped-doc-{}", std::process::id()));
/// std::fs::File::create(&path)?.write_all(&[7u8; 300_000])?;
/// let file = std::fs::File::open(&path)?;
/// // SAFETY: nothing else writes the file while it is read here.
/// let map = unsafe { MappedFile::new(&file) }.expect("mapped");
/// let sum = map.read(299_000, 1_000, |b| b.iter().map(|&x| x as u32).sum::<u32>());
/// assert_eq!(sum.unwrap().unwrap(), 7_000);
/// assert!(map.read(299_500, 1_000, |_| ()).is_none()); // past the end: read it another way
///
/// // Cut short under the mapping (past its last page, of at most 64 KiB):
/// // an error, and the process lives on.
/// std::fs::OpenOptions::new().write(true).open(&path)?.set_len(100)?;
/// assert!(map.read(299_000, 1_000, |b| b[0]).unwrap().is_err());
/// assert!(map.read(0, 10, |b| b[0]).is_none()); // faulted once: never again
/// std::fs::remove_file(&path)?;
/// # }
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct MappedFile {
    #[cfg(target_os = "linux")]
    map: linux::Map,
}

impl std::fmt::Debug for MappedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MappedFile")
            .field("len", &self.len())
            .finish()
    }
}

impl MappedFile {
    /// Maps `file` (open for reading) whole, as long as it is now; `None`
    /// where mapping does not apply or fails: not Linux, an empty file,
    /// `LAZY_DATASETS_MMAP=0`, the fault handler not installed, or every
    /// one of the 4,096 mappings of the process in use.
    ///
    /// # Safety
    ///
    /// The mapping is shared with the file: another process writing the
    /// file changes the bytes a [`read`](Self::read)'s closure is looking
    /// at, even between two reads of the same byte. The caller's closures
    /// must not rely on the bytes staying put for memory safety (decoders
    /// that bounds-check every length they read from the bytes are fine),
    /// and must check the integrity of what they decode where a changed
    /// byte matters (a checksum computed in the same pass that decodes).
    pub unsafe fn new(file: &File) -> Option<MappedFile> {
        #[cfg(target_os = "linux")]
        {
            linux::Map::new(file).map(|map| MappedFile { map })
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = file;
            None
        }
    }

    /// The number of bytes mapped: the file's length when it was mapped.
    pub fn len(&self) -> usize {
        #[cfg(target_os = "linux")]
        {
            self.map.len
        }
        #[cfg(not(target_os = "linux"))]
        {
            0
        }
    }

    /// Whether no byte is mapped (never: empty files are not mapped).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs `f` on the `len` bytes at `at`. `None` when they are not all
    /// mapped (past the length the file had when mapped), or the mapping
    /// faulted before: read them another way. `Some(Err)` when reading them
    /// faulted (the file was cut short, or a page could not be read in);
    /// what `f` returned is dropped then, as it saw zeros where the fault
    /// was.
    pub fn read<R>(
        &self,
        at: u64,
        len: usize,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Option<std::io::Result<R>> {
        #[cfg(target_os = "linux")]
        {
            self.map.read(at, len, f)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (at, len, f);
            None
        }
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::fs::File;
    use std::os::fd::AsRawFd;
    use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
    use std::sync::OnceLock;

    /// How many mappings the process can have at once; more files are read
    /// with `pread`.
    const SLOTS: usize = 4096;

    /// A slot's `len` while it is claimed but not (or no longer) live.
    const CLAIMED: usize = usize::MAX;

    /// One live mapping, as the signal handler sees it: `len` 0 is a free
    /// slot, [`CLAIMED`] one being set up or torn down.
    struct Slot {
        start: AtomicUsize,
        len: AtomicUsize,
        faults: AtomicUsize,
    }

    static TABLE: [Slot; SLOTS] = [const {
        Slot {
            start: AtomicUsize::new(0),
            len: AtomicUsize::new(0),
            faults: AtomicUsize::new(0),
        }
    }; SLOTS];

    /// The page size, read once before the handler is installed.
    static PAGE: AtomicUsize = AtomicUsize::new(4096);

    /// How many threads are inside [`on_sigbus`] looking at the table: a
    /// mapping is unmapped (and its slot cleared) only when none is, so
    /// that a handler never pairs the length of one mapping with the start
    /// of the next in its slot, nor maps zeros where a mapping was.
    static IN_HANDLER: AtomicUsize = AtomicUsize::new(0);

    /// The `SIGBUS` action before ours (leaked, set once before ours is
    /// installed), for the faults that are not ours.
    static PREVIOUS: AtomicPtr<libc::sigaction> = AtomicPtr::new(std::ptr::null_mut());

    /// Whether the handler is installed (and mapping enabled).
    fn enabled() -> bool {
        static ON: OnceLock<bool> = OnceLock::new();
        *ON.get_or_init(|| {
            if std::env::var("LAZY_DATASETS_MMAP").is_ok_and(|v| v.trim() == "0") {
                return false;
            }
            install()
        })
    }

    fn install() -> bool {
        // SAFETY: sysconf and sigaction with valid pointers; the handler
        // only touches atomics and async-signal-safe calls (mmap, sigaction,
        // raise).
        unsafe {
            let page = libc::sysconf(libc::_SC_PAGESIZE);
            if page <= 0 {
                return false;
            }
            PAGE.store(page as usize, Ordering::SeqCst);
            let mut previous: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGBUS, std::ptr::null(), &mut previous) != 0 {
                return false;
            }
            PREVIOUS.store(Box::into_raw(Box::new(previous)), Ordering::SeqCst);
            let mut ours: libc::sigaction = std::mem::zeroed();
            ours.sa_sigaction = on_sigbus as *const () as usize;
            ours.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut ours.sa_mask);
            libc::sigaction(libc::SIGBUS, &ours, std::ptr::null_mut()) == 0
        }
    }

    /// The `SIGBUS` handler: a fault inside a live mapping gets a page of
    /// zeros and is counted; anything else goes to the previous handler.
    extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
        // SAFETY: errno is this thread's; it is put back before returning,
        // as the interrupted code may be between a call and its check.
        let errno = unsafe { *libc::__errno_location() };
        // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
        let (addr, code) = unsafe {
            match info.as_ref() {
                Some(info) => (info.si_addr() as usize, info.si_code),
                None => (0, 0),
            }
        };
        IN_HANDLER.fetch_add(1, Ordering::SeqCst);
        // Faults raised by the kernel have a positive code; a SIGBUS sent
        // by a process (kill, raise) is never ours.
        let ours = code > 0 && zero_fill(addr);
        IN_HANDLER.fetch_sub(1, Ordering::SeqCst);
        if !ours {
            // SAFETY: the previous action was read by sigaction; calling
            // its handler with our arguments is what the kernel would have
            // done.
            unsafe { chain(sig, code, info, ctx) };
        }
        // SAFETY: as above.
        unsafe { *libc::__errno_location() = errno };
    }

    /// When `addr` is inside a live mapping: counts a fault against it,
    /// then puts a page of zeros where `addr` is, so that the faulting read
    /// goes on (the count first: a reader that sees the zeros sees the
    /// count). Whether it did.
    fn zero_fill(addr: usize) -> bool {
        let page = PAGE.load(Ordering::Relaxed);
        for slot in &TABLE {
            let len = slot.len.load(Ordering::SeqCst);
            if len == 0 || len == CLAIMED {
                continue;
            }
            let start = slot.start.load(Ordering::SeqCst);
            if addr < start || addr - start >= len {
                continue;
            }
            slot.faults.fetch_add(1, Ordering::SeqCst);
            let base = addr & !(page - 1);
            // SAFETY: the page lies inside a mapping of ours, live until
            // this handler is done (`Map::drop` waits for it); replacing it
            // with zeros changes what a read of it sees, never what memory
            // is whose.
            let zeros = unsafe {
                libc::mmap(
                    base as *mut libc::c_void,
                    page,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            return zeros != libc::MAP_FAILED;
        }
        false
    }

    /// Hands a `SIGBUS` that is not ours to the action installed before
    /// ours. The default action (and a fault where the signal was ignored,
    /// which the kernel does not let a process ignore) is put back and the
    /// signal raised again: it kills as it would have. A signal sent by a
    /// process where it was ignored is ignored.
    ///
    /// # Safety
    ///
    /// Called from the signal handler with the kernel's arguments.
    unsafe fn chain(
        sig: libc::c_int,
        code: libc::c_int,
        info: *mut libc::siginfo_t,
        ctx: *mut libc::c_void,
    ) {
        let previous = PREVIOUS.load(Ordering::SeqCst);
        let handler = previous.as_ref().map_or(libc::SIG_DFL, |p| p.sa_sigaction);
        if handler == libc::SIG_IGN && code <= 0 {
            return;
        }
        if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
            let mut default: libc::sigaction = std::mem::zeroed();
            default.sa_sigaction = libc::SIG_DFL;
            libc::sigaction(sig, &default, std::ptr::null_mut());
            // Pending until this handler returns, then fatal.
            libc::raise(sig);
            return;
        }
        let siginfo = previous
            .as_ref()
            .is_some_and(|p| p.sa_flags & libc::SA_SIGINFO != 0);
        if siginfo {
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                std::mem::transmute(handler);
            f(sig, info, ctx);
        } else {
            let f: extern "C" fn(libc::c_int) = std::mem::transmute(handler);
            f(sig);
        }
    }

    /// A live mapping and its slot.
    pub(super) struct Map {
        ptr: *const u8,
        pub(super) len: usize,
        slot: &'static Slot,
    }

    // SAFETY: the mapping is read-only memory owned by this value; reading
    // it from several threads at once is sound.
    unsafe impl Send for Map {}
    unsafe impl Sync for Map {}

    impl Map {
        pub(super) fn new(file: &File) -> Option<Map> {
            if !enabled() {
                return None;
            }
            let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
            if len == 0 || len == CLAIMED {
                return None;
            }
            let slot = TABLE.iter().find(|s| {
                s.len
                    .compare_exchange(0, CLAIMED, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
            })?;
            // SAFETY: a fresh shared read-only mapping of an open file; the
            // kernel picks the address.
            let ptr = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ,
                    libc::MAP_SHARED,
                    file.as_raw_fd(),
                    0,
                )
            };
            if ptr == libc::MAP_FAILED {
                slot.len.store(0, Ordering::Release);
                return None;
            }
            slot.faults.store(0, Ordering::SeqCst);
            slot.start.store(ptr as usize, Ordering::Release);
            slot.len.store(len, Ordering::Release);
            Some(Map {
                ptr: ptr.cast::<u8>(),
                len,
                slot,
            })
        }

        pub(super) fn read<R>(
            &self,
            at: u64,
            len: usize,
            f: impl FnOnce(&[u8]) -> R,
        ) -> Option<std::io::Result<R>> {
            let at = usize::try_from(at).ok()?;
            let end = at.checked_add(len)?;
            if end > self.len {
                return None;
            }
            if self.slot.faults.load(Ordering::SeqCst) != 0 {
                return None;
            }
            // SAFETY: [at, end) lies inside the mapping, which lives as long
            // as `self`; its pages stay readable (a fault gets zeros). That
            // the bytes may change under `f` is the contract of `new`.
            let bytes = unsafe { std::slice::from_raw_parts(self.ptr.add(at), len) };
            let got = f(bytes);
            // Every read `f` made comes before the count is looked at: a
            // fault (counted before its zeros are mapped) that `f` saw
            // zeros of is seen here.
            std::sync::atomic::fence(Ordering::SeqCst);
            if self.slot.faults.load(Ordering::SeqCst) != 0 {
                return Some(Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the file changed while it was read: cut short, or a page of it could not be read",
                )));
            }
            Some(Ok(got))
        }
    }

    impl Drop for Map {
        fn drop(&mut self) {
            self.slot.len.store(CLAIMED, Ordering::SeqCst);
            // A handler that read this slot's length before it was claimed
            // may still be pairing it with the start, or mapping zeros into
            // this mapping: wait for it (handlers take microseconds).
            while IN_HANDLER.load(Ordering::SeqCst) != 0 {
                std::thread::yield_now();
            }
            // SAFETY: the mapping made in `new`, unmapped once; nothing
            // borrows it past `self`.
            unsafe {
                libc::munmap(self.ptr as *mut libc::c_void, self.len);
            }
            self.slot.start.store(0, Ordering::Release);
            self.slot.len.store(0, Ordering::Release);
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::MappedFile;
    use std::io::Write;

    fn mapping(path: &std::path::Path) -> Option<MappedFile> {
        // SAFETY: each test's file is written by that test alone.
        unsafe { MappedFile::new(&std::fs::File::open(path).unwrap()) }
    }

    fn temp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("lazy-mapped-{name}-{}", std::process::id()));
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(bytes).unwrap();
        path
    }

    #[test]
    fn reads_equal_the_file_and_ranges_past_it_are_refused() {
        let bytes: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let path = temp("equal", &bytes);
        let map = mapping(&path).unwrap();
        assert_eq!(map.len(), bytes.len());
        for (at, len) in [
            (0, 1),
            (4095, 2),
            (12_345, 20_000),
            (49_999, 1),
            (50_000, 0),
        ] {
            let got = map.read(at as u64, len, |b| b.to_vec()).unwrap().unwrap();
            assert_eq!(got, &bytes[at..at + len], "{at}+{len}");
        }
        assert!(map.read(49_999, 2, |_| ()).is_none());
        assert!(map.read(u64::MAX, 1, |_| ()).is_none());
        assert!(map.read(1, usize::MAX, |_| ()).is_none());
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_file_cut_short_is_an_error_and_the_mapping_is_dropped_from_use() {
        // Pages are at most 64 KiB: the read at 192 KiB is pages past the
        // new end of 8 KiB.
        let path = temp("cut", &vec![1u8; 256 << 10]);
        let map = mapping(&path).unwrap();
        // Faulted in while whole: the pages stay mapped.
        assert_eq!(
            map.read(0, 4096, |b| b.iter().map(|&x| x as usize).sum::<usize>())
                .unwrap()
                .unwrap(),
            4096
        );
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(8192)
            .unwrap();
        let err = map.read(32 << 10, 1000, |b| {
            b.iter().map(|&x| x as usize).sum::<usize>()
        });
        let err = err.unwrap().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
        assert!(err.to_string().contains("cut short"), "{err}");
        assert!(map.read(0, 10, |_| ()).is_none());
        // Another mapping of another file is unaffected.
        let other = temp("other", &[3u8; 100]);
        let map2 = mapping(&other).unwrap();
        assert_eq!(
            map2.read(0, 100, |b| b.to_vec()).unwrap().unwrap(),
            vec![3u8; 100]
        );
        drop(map);
        std::fs::remove_file(&path).unwrap();
        std::fs::remove_file(&other).unwrap();
    }

    #[test]
    fn empty_files_are_not_mapped() {
        let path = temp("empty", &[]);
        assert!(mapping(&path).is_none());
        std::fs::remove_file(&path).unwrap();
    }
}
