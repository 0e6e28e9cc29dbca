//! Each replica's health: a background check every [`PERIOD`] connects if needed and asks
//! the replica how far behind it is, in its own terms:
//!
//! - MariaDB/MySQL: `SHOW REPLICA STATUS` (`SHOW SLAVE STATUS` on older servers),
//!   `Seconds_Behind_Master` (`…_Source` on MySQL 8.4); `NULL` means it is not applying
//!   changes (a stopped or broken replication): not usable. No row: not a replica at all (a
//!   promoted server, a copy), lag 0.
//! - PostgreSQL: 0 when everything received is replayed, else the time since the last
//!   replayed transaction was committed on the primary (`pg_last_xact_replay_timestamp`);
//!   a standby that waits long after a quiet spell counts as far behind until it replays.
//!
//! A replica is *usable* when the last check (at most `STALE_AFTER` old) succeeded and
//! its lag is within `database.replica_max_lag_seconds`, and no read failed on it in the
//! last `FAILED_FOR` (a replica can answer its small check and still fail or hang on real
//! reads: a network that drops large packets, a disk that stalls).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryResult, Statement};
use web::settings::DatabaseSettings;

/// How often each replica is checked.
pub const PERIOD: Duration = Duration::from_secs(1);
/// A check must answer within this.
const CHECK_TIMEOUT: Duration = Duration::from_secs(1);
/// A state older than this (the check hangs) is not trusted.
const STALE_AFTER: Duration = Duration::from_secs(3);
/// A replica a read failed on is skipped this long, even if its checks pass meanwhile.
const FAILED_FOR: Duration = Duration::from_secs(10);

/// One configured replica.
pub struct Replica {
    /// `replica1`, `replica2`, … in `database.replica_urls` order (URLs hold credentials).
    pub name: String,
    settings: DatabaseSettings,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    connection: Option<DatabaseConnection>,
    checked: Option<Instant>,
    /// The last check's answer: `Some(lag)` when it answered and applies changes.
    lag_seconds: Option<f64>,
    /// When a read last failed on it: skipped for [`FAILED_FOR`] after.
    failed_at: Option<Instant>,
}

impl State {
    fn failed(&self) -> bool {
        self.failed_at.is_some_and(|at| at.elapsed() < FAILED_FOR)
    }
}

/// What `/readyz` shows of a replica.
pub struct Reported {
    pub name: String,
    pub usable: bool,
    pub lag_seconds: Option<f64>,
}

impl Replica {
    /// A replica with the primary's pool settings, but quick to give up: a read that can't
    /// get a replica connection within a second goes to the primary.
    pub fn new(index: usize, url: &str, primary: &DatabaseSettings) -> Replica {
        let mut settings = primary.clone();
        settings.url = web::settings::Secret::new(url);
        settings.replica_urls = Vec::new();
        settings.connect_timeout_seconds = settings.connect_timeout_seconds.min(2);
        settings.acquire_timeout_seconds = 1;
        Replica {
            name: format!("replica{}", index + 1),
            settings,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Its pool, when it is usable now.
    pub fn usable_connection(&self, max_lag_seconds: f64) -> Option<DatabaseConnection> {
        let state = self.state();
        let fresh = state.checked.is_some_and(|at| at.elapsed() < STALE_AFTER);
        let caught_up = state.lag_seconds.is_some_and(|lag| lag <= max_lag_seconds);
        (fresh && caught_up && !state.failed())
            .then(|| state.connection.clone())
            .flatten()
    }

    /// A read failed on it: skip it for `FAILED_FOR`.
    pub fn mark_failed(&self) {
        self.state().failed_at = Some(Instant::now());
        metrics::gauge!("db_replica_up", "replica" => self.name.clone()).set(0.0);
    }

    pub fn report(&self, max_lag_seconds: f64) -> Reported {
        let lag_seconds = self.state().lag_seconds;
        Reported {
            name: self.name.clone(),
            usable: self.usable_connection(max_lag_seconds).is_some(),
            lag_seconds: lag_seconds.map(|lag| (lag * 1000.0).round() / 1000.0),
        }
    }

    /// One check: connect if not yet connected, then ask for the lag.
    pub async fn check(&self) {
        let outcome = tokio::time::timeout(CHECK_TIMEOUT * 3, self.measure()).await;
        let lag = match outcome {
            Ok(Ok(lag)) => lag,
            Ok(Err(error)) => {
                self.log_down(&error.to_string());
                None
            }
            Err(_) => {
                self.log_down("the check did not answer in time");
                None
            }
        };
        let answers = lag.is_some();
        let usable = {
            let mut state = self.state();
            if answers && state.lag_seconds.is_none() {
                tracing::info!(replica = %self.name, "replica answering again");
            }
            state.checked = Some(Instant::now());
            state.lag_seconds = lag;
            answers && !state.failed()
        };
        metrics::gauge!("db_replica_up", "replica" => self.name.clone())
            .set(f64::from(u8::from(usable)));
        if let Some(lag) = lag {
            metrics::gauge!("db_replica_lag_seconds", "replica" => self.name.clone()).set(lag);
        }
    }

    fn log_down(&self, why: &str) {
        let state = self.state();
        // Said once: when it goes down, or when the first check finds it down.
        let news = state.lag_seconds.is_some() || state.checked.is_none();
        drop(state);
        if news {
            tracing::warn!(replica = %self.name, error = why, "replica unavailable; reading the primary");
        }
    }

    async fn measure(&self) -> Result<Option<f64>, DbErr> {
        let existing = self.state().connection.clone();
        let connection = match existing {
            Some(connection) => connection,
            None => {
                let connection = web::db::connect(&self.settings).await?;
                self.state().connection = Some(connection.clone());
                connection
            }
        };
        let lag = tokio::time::timeout(CHECK_TIMEOUT, lag_of(&connection))
            .await
            .map_err(|_| DbErr::Custom("the lag query did not answer within 1 s".into()))??;
        Ok(lag)
    }
}

/// How far behind the server is, in seconds; `None` when it is not applying changes.
async fn lag_of(db: &DatabaseConnection) -> Result<Option<f64>, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let row = db
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT CASE WHEN NOT pg_is_in_recovery() \
                       OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0::float8 \
                     ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 \
                     END AS lag",
                ))
                .await?;
            Ok(row
                .and_then(|row| row.try_get::<Option<f64>>("", "lag").ok())
                .flatten()
                .map(|lag| lag.max(0.0)))
        }
        backend => {
            let status = match db
                .query_one_raw(Statement::from_string(backend, "SHOW REPLICA STATUS"))
                .await
            {
                Ok(row) => row,
                // Servers before MariaDB 10.5 / MySQL 8.0.22.
                Err(_) => {
                    db.query_one_raw(Statement::from_string(backend, "SHOW SLAVE STATUS"))
                        .await?
                }
            };
            Ok(match status {
                None => Some(0.0),
                Some(row) => seconds_behind(&row),
            })
        }
    }
}

fn seconds_behind(row: &QueryResult) -> Option<f64> {
    ["Seconds_Behind_Master", "Seconds_Behind_Source"]
        .iter()
        .find_map(|column| {
            row.try_get::<Option<u64>>("", column)
                .map(|v| v.map(|v| v as f64))
                .or_else(|_| {
                    row.try_get::<Option<i64>>("", column)
                        .map(|v| v.map(|v| v as f64))
                })
                .ok()
        })
        .flatten()
}
