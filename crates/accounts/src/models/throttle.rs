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
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(300))"
    )]
    pub key: String,
    #[sea_orm(default_value = 0)]
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

/// Reserves one attempt for `key` before the password is checked, counting it as a
/// failure until [`reset`] says otherwise: `Ok(None)` when reserved, `Ok(Some(seconds))`
/// when `key` already has `max` attempts in its window. The count is raised with one
/// conditional `UPDATE … WHERE failures < max`, atomic across requests and processes, so
/// at most `max` guesses per window are ever checked however many arrive at once.
pub async fn reserve_attempt<C: ConnectionTrait>(
    db: &C,
    key: &str,
    max: u32,
    window: Duration,
) -> Result<Option<u64>, DbErr> {
    // Scoped: ExprTrait's `max`/`add` would shadow the integer methods elsewhere.
    use sea_orm::sea_query::ExprTrait;
    let current = now();
    // A window that is over starts again from zero.
    Entity::delete_many()
        .filter(Column::Key.eq(key))
        .filter(Column::WindowStartedAt.lte(current - window))
        .exec(db)
        .await?;
    Entity::insert(ActiveModel {
        key: Set(key.to_string()),
        failures: Set(0),
        window_started_at: Set(current),
    })
    // An existing row stays as it is (a no-op update: MySQL has no DO NOTHING).
    .on_conflict(
        OnConflict::column(Column::Key)
            .update_column(Column::Key)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let reserved = Entity::update_many()
        .col_expr(Column::Failures, Expr::col(Column::Failures).add(1))
        .filter(Column::Key.eq(key))
        .filter(Column::Failures.lt(max as i32))
        .exec(db)
        .await?
        .rows_affected
        == 1;
    if reserved {
        return Ok(None);
    }
    let started = Entity::find_by_id(key.to_string())
        .one(db)
        .await?
        .map_or(current, |row| row.window_started_at);
    Ok(Some(
        Ord::max((started + window - current).whole_seconds(), 1) as u64,
    ))
}

/// Gives back an attempt reserved with [`reserve_attempt`] that was never checked.
pub async fn release_attempt<C: ConnectionTrait>(db: &C, key: &str) -> Result<(), DbErr> {
    use sea_orm::sea_query::ExprTrait;
    Entity::update_many()
        .col_expr(Column::Failures, Expr::col(Column::Failures).sub(1))
        .filter(Column::Key.eq(key))
        .filter(Column::Failures.gt(0))
        .exec(db)
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
