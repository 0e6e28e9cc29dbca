//! The version of a SQLite file, read without a transaction (see [`super`]).

use std::path::Path;
use std::sync::Mutex;

use super::Version;
use super::wal_index::WalIndex;

/// Reads the database's version.
pub(super) struct SqliteVersion {
    /// Declared before the connection, so dropped first: it points into the connection's
    /// mapping of the wal-index.
    wal_index: Option<WalIndex>,
    /// Also what keeps the wal-index mapped (see [`super::wal_index`]).
    connection: Mutex<rusqlite::Connection>,
}

impl SqliteVersion {
    /// The version reader of the database at a `sqlite://` `url`; `None` for an in-memory
    /// database or another backend.
    pub(super) fn for_url(url: &str) -> Option<Self> {
        Self::open(Path::new(&sqlite_file(url)?))
    }

    fn open(path: &Path) -> Option<Self> {
        let flags =
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = rusqlite::Connection::open_with_flags(path, flags).ok()?;
        // A first read attaches this connection to the wal-index before it is mapped.
        connection
            .query_row("PRAGMA data_version", [], |r| r.get::<_, i64>(0))
            .ok()?;
        Some(SqliteVersion {
            wal_index: WalIndex::of(&connection),
            connection: Mutex::new(connection),
        })
    }

    pub(super) fn read(&self) -> Option<Version> {
        if let Some(state) = self.wal_index.as_ref().and_then(|index| index.state()) {
            return Some(Version::WalIndex(state));
        }
        let connection = self.connection.lock().ok()?;
        let mut statement = connection.prepare_cached("PRAGMA data_version").ok()?;
        statement
            .query_row([], |r| r.get::<_, i64>(0))
            .ok()
            .map(Version::DataVersion)
    }
}

/// The file of a `sqlite://path?…` URL (not an in-memory database).
pub(super) fn sqlite_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    Some(path.to_string())
}
