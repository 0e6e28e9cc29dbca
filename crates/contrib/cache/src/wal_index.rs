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
//! The header is read through SQLite's own mapping of the `-shm` file, asked of the
//! connection's VFS (`xShmMap`), never through a file descriptor of ours: closing any
//! descriptor of a file drops every POSIX lock this process holds on it, SQLite's
//! "dead man's switch" lock included, after which another process opening the database
//! believes itself alone, truncates the `-shm` file and a mapping of ours would fault
//! (`SIGBUS`). SQLite's mapping stays valid while its connection is open.

use std::ffi::c_void;
use std::sync::atomic::{Ordering, fence};

use rusqlite::ffi;

/// One copy of the header (`WalIndexHdr`) is 48 bytes; two copies, then the checkpoint info.
const HEADER: usize = 48;

/// The size of the wal-index's regions, as SQLite maps them (`WALINDEX_PGSZ`).
const REGION: i32 = 32 * 1024;

pub(super) struct WalIndex {
    /// The first region of the wal-index, mapped by SQLite for the connection it came from.
    header: *const u8,
}

// SAFETY: the pointer is to shared memory that is only read, with volatile reads, while
// the connection that mapped it is open (the owner keeps both, see `SqliteVersion`).
unsafe impl Send for WalIndex {}
unsafe impl Sync for WalIndex {}

impl WalIndex {
    /// The wal-index of `connection`'s database as SQLite mapped it; `None` if it has
    /// none (not in WAL mode, or not mapped yet). The caller keeps `connection` open, and
    /// uses it from no other thread during this call, for as long as the index is used.
    pub(super) fn of(connection: &rusqlite::Connection) -> Option<WalIndex> {
        let mut region: *mut c_void = std::ptr::null_mut();
        // SAFETY: `handle` is the open connection's; the file pointer SQLite hands back is
        // its main database file, valid while the connection is open; `xShmMap` with
        // `bExtend = 0` only returns region 0 if it is mapped already, at SQLite's size.
        unsafe {
            let handle = connection.handle();
            let mut file: *mut ffi::sqlite3_file = std::ptr::null_mut();
            let rc = ffi::sqlite3_file_control(
                handle,
                c"main".as_ptr(),
                ffi::SQLITE_FCNTL_FILE_POINTER,
                (&raw mut file).cast(),
            );
            if rc != ffi::SQLITE_OK || file.is_null() || (*file).pMethods.is_null() {
                return None;
            }
            let methods = &*(*file).pMethods;
            let map = if methods.iVersion >= 2 {
                methods.xShmMap?
            } else {
                return None;
            };
            if map(file, 0, REGION, 0, &raw mut region) != ffi::SQLITE_OK || region.is_null() {
                return None;
            }
        }
        let index = WalIndex {
            header: region.cast_const().cast(),
        };
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
        let base = self.header;
        let mut bytes = [0u8; HEADER];
        for (i, byte) in bytes.iter_mut().enumerate() {
            // SAFETY: `offset + i < 2 * HEADER < REGION`, the mapped length; volatile, because
            // another process may write these bytes at any time.
            *byte = unsafe { std::ptr::read_volatile(base.add(offset + i)) };
        }
        bytes
    }
}
