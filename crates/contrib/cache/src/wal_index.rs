//! The database's state without a transaction: the header of SQLite's WAL index.
//!
//! In WAL mode every commit, from any process, rewrites the header at the start of the
//! `-shm` file (the "wal-index", <https://sqlite.org/walformat.html>) before it returns:
//! the change counter, the last valid frame and the WAL's salts. Reading that header is
//! how SQLite's own readers notice a change; it is two 48-byte copies in shared memory,
//! written copy 2 first and copy 1 last, so a reader that finds both equal has a
//! consistent header. Reading it costs no system call, where `PRAGMA data_version` takes
//! and releases file locks on every call.
//!
//! The mapping stays valid because the caller keeps a SQLite connection to the database
//! open for as long as this exists: while any connection of this process uses the
//! wal-index, no other process deletes or recreates it.

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{Ordering, fence};

use memmap2::Mmap;

/// One copy of the header (`WalIndexHdr`) is 48 bytes; two copies, then the checkpoint info.
const HEADER: usize = 48;

pub(super) struct WalIndex {
    map: Mmap,
}

impl WalIndex {
    /// Maps the wal-index of the database at `path`; `None` if it has none (not in WAL mode).
    pub(super) fn open(path: &Path) -> Option<WalIndex> {
        let mut shm = path.as_os_str().to_owned();
        shm.push("-shm");
        let file = File::open(shm).ok()?;
        if file.metadata().ok()?.len() < 2 * HEADER as u64 {
            return None;
        }
        // SAFETY: the mapping is read-only and only ever read through `read_volatile` (see
        // `header`), as memory that other processes write.
        let map = unsafe { memmap2::MmapOptions::new().len(2 * HEADER).map(&file) }.ok()?;
        let index = WalIndex { map };
        index.state().map(|_| index)
    }

    /// The change counter, last frame and salts of the current header, as one number that
    /// differs after every commit; `None` while a writer is halfway through updating it.
    pub(super) fn state(&self) -> Option<u128> {
        let first = self.header(0);
        fence(Ordering::Acquire);
        let second = self.header(HEADER);
        let is_init = first[12] != 0;
        if first != second || !is_init {
            return None;
        }
        let word = |at: usize| {
            u128::from(u32::from_ne_bytes([
                first[at],
                first[at + 1],
                first[at + 2],
                first[at + 3],
            ]))
        };
        // iChange at 8, mxFrame at 16, aSalt at 32 and 36.
        Some(word(8) | word(16) << 32 | word(32) << 64 | word(36) << 96)
    }

    fn header(&self, offset: usize) -> [u8; HEADER] {
        let base = self.map.as_ptr();
        let mut bytes = [0u8; HEADER];
        for (i, byte) in bytes.iter_mut().enumerate() {
            // SAFETY: `offset + i < 2 * HEADER`, the mapped length; volatile, because
            // another process may write these bytes at any time.
            *byte = unsafe { std::ptr::read_volatile(base.add(offset + i)) };
        }
        bytes
    }
}
