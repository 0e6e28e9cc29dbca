//! The `login_throttles` table: failed-login counters per email and per client address,
//! in the database so every server process counts together.

use sea_orm::Set;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Expr, OnConflict};
use time::Duration;
use web::db::now;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_throttles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub failures: i32,
    pub window_started_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub fn email_key(email: &str) -> String {
    format!("email:{email}")
}

pub fn ip_key(ip: &std::net::IpAddr) -> String {
    format!("ip:{ip}")
}

/// Seconds until `key` may try again, if it has reached `max` failures in the window.
pub async fn retry_after<C: ConnectionTrait>(
    db: &C,
    key: &str,
    max: u32,
    window: Duration,
) -> Result<Option<u64>, DbErr> {
    let Some(row) = Entity::find_by_id(key.to_string()).one(db).await? else {
        return Ok(None);
    };
    let ends = row.window_started_at + window;
    let remaining = ends - now();
    if remaining.is_positive() && row.failures >= max as i32 {
        Ok(Some(remaining.whole_seconds().max(1) as u64))
    } else {
        Ok(None)
    }
}

/// Counts one failure for `key`, starting a new window if the old one is over.
pub async fn record_failure<C: ConnectionTrait>(
    db: &C,
    key: &str,
    window: Duration,
) -> Result<(), DbErr> {
    // Scoped: ExprTrait's `max`/`add` would shadow the integer methods elsewhere.
    use sea_orm::sea_query::ExprTrait;
    let current = now();
    Entity::delete_many()
        .filter(Column::Key.eq(key))
        .filter(Column::WindowStartedAt.lte(current - window))
        .exec(db)
        .await?;
    Entity::insert(ActiveModel {
        key: Set(key.to_string()),
        failures: Set(1),
        window_started_at: Set(current),
    })
    .on_conflict(
        OnConflict::column(Column::Key)
            .value(
                Column::Failures,
                Expr::col((Entity, Column::Failures)).add(1),
            )
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Forgets the failures of `key` (after a successful login).
pub async fn reset<C: ConnectionTrait>(db: &C, key: &str) -> Result<(), DbErr> {
    Entity::delete_by_id(key.to_string()).exec(db).await?;
    Ok(())
}

/// Deletes counters whose window is over (`project cleanup`).
pub async fn delete_expired<C: ConnectionTrait>(db: &C, window: Duration) -> Result<u64, DbErr> {
    Ok(Entity::delete_many()
        .filter(Column::WindowStartedAt.lte(now() - window))
        .exec(db)
        .await?
        .rows_affected)
}
