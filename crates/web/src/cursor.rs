//! Keyset pages (contract v2): every JSON list carries `next_cursor`, and `?cursor=` reads
//! the page after it at any depth as fast as the first, instead of skipping rows.
//!
//! Lists are newest first, ordered by `(created_at, id)` descending; a cursor is the
//! position of the last item shown plus a fingerprint of the list it came from (endpoint
//! and filters), so it can't be replayed on another list. It is opaque to clients
//! (base64url); `per_page` may change between pages.
//!
//! ```ignore
//! let scope = cursor::scope("catalog:products", &[("q", q), ("include_inactive", "false")]);
//! let after = pagination.after(|| scope.clone())?;   // 422 for a foreign cursor
//! let (items, total, more) = product::list(&db, &filter, &pagination, after).await?;
//! Ok(PageOf::keyed(items, pagination, total, more, &scope, |p| Keyset::of(p.created_at, p.id)))
//! ```

use base64::Engine;
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{ColumnTrait, DbBackend};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// A position in a newest-first list: the `(created_at, id)` of the last item seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyset {
    pub created_at: OffsetDateTime,
    pub id: i64,
}

impl Keyset {
    pub fn of(created_at: OffsetDateTime, id: i64) -> Keyset {
        Keyset { created_at, id }
    }

    /// Rows after this position in a newest-first list: `(created_at, id) < (self)`,
    /// written so that a `(.., created_at, id)` index seeks to it rather than skipping the
    /// rows before it (which costs a page 50,000 rows deep as much as reading them). On
    /// PostgreSQL a row comparison, the only form its planner turns into an index
    /// condition; elsewhere the `OR` form, which SQLite and MySQL/MariaDB range-scan (see
    /// the MySQL index hint where the product list uses it).
    pub fn older<C: ColumnTrait>(&self, backend: DbBackend, created_at: C, id: C) -> Condition {
        if backend == DbBackend::Postgres {
            let row = Expr::tuple([created_at.into_expr(), id.into_expr()]);
            let key = Expr::tuple([Expr::val(self.created_at), Expr::val(self.id)]);
            return Condition::all().add(row.lt(key));
        }
        Condition::any().add(created_at.lt(self.created_at)).add(
            Condition::all()
                .add(created_at.eq(self.created_at))
                .add(id.lt(self.id)),
        )
    }

    /// Whether an item at `(created_at, id)` comes after this position (for lists sorted
    /// in memory).
    pub fn is_before(&self, created_at: OffsetDateTime, id: i64) -> bool {
        (created_at, id) < (self.created_at, self.id)
    }
}

/// The fingerprint of a list: its endpoint and its filters' values.
pub fn scope(endpoint: &str, filters: &[(&str, &str)]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(endpoint.as_bytes());
    for (name, value) in filters {
        hasher.update([0]);
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
    }
    hex::encode(&hasher.finalize()[..8])
}

/// The cursor of the page after `key` in the list `scope`.
pub fn encode(scope: &str, key: Keyset) -> String {
    let micros = key.created_at.unix_timestamp_nanos() / 1_000;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("1.{scope}.{micros}.{}", key.id))
}

/// A cursor as a client sent it, read back: its list's scope and position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub scope: String,
    pub key: Keyset,
}

/// `None` for anything that is not a cursor this server made.
pub fn decode(raw: &str) -> Option<Cursor> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.split('.');
    let (version, scope, micros, id) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if version != "1" || parts.next().is_some() || scope.len() != 16 {
        return None;
    }
    let micros: i128 = micros.parse().ok()?;
    let created_at = OffsetDateTime::from_unix_timestamp_nanos(micros.checked_mul(1_000)?).ok()?;
    Some(Cursor {
        scope: scope.to_string(),
        key: Keyset {
            created_at,
            id: id.parse().ok()?,
        },
    })
}
