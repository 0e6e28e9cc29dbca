//! The `auth_tokens` table: bearer tokens for the JSON API.
//!
//! A token is 256 random bits; only its SHA-256 is stored (a random token needs no slow
//! hash: there is nothing to brute-force). Logging out deletes the row.

use base64::Engine;
use rand::RngCore;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::NotSet, Condition, Set};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use web::db::now;

use super::user::{self, User};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(indexed)]
    pub user_id: i64,
    #[sea_orm(unique, column_type = "Char(Some(64))")]
    pub key_hash: String,
    pub created_at: TimeDateTimeWithTimeZone,
    #[sea_orm(indexed)]
    pub expires_at: TimeDateTimeWithTimeZone,
    pub last_used_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

/// `last_used_at` is refreshed at most this often, so authenticated reads stay reads.
const TOUCH_INTERVAL: Duration = Duration::minutes(1);

/// SHA-256 of the raw token, hex.
pub fn hash(raw: &str) -> String {
    hex::encode(Sha256::digest(raw.as_bytes()))
}

/// A newly issued token: the raw value is shown to the client once and never stored.
pub struct Issued {
    pub raw: String,
    pub expires_at: OffsetDateTime,
}

pub async fn issue<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    ttl_seconds: i64,
) -> Result<Issued, DbErr> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let created = now();
    let expires_at = created + Duration::seconds(ttl_seconds);
    ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        key_hash: Set(hash(&raw)),
        created_at: Set(created),
        expires_at: Set(expires_at),
        last_used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(Issued { raw, expires_at })
}

/// Whether `last_used_at` is due for a refresh.
pub fn needs_touch(last_used_at: Option<OffsetDateTime>, at: OffsetDateTime) -> bool {
    last_used_at.is_none_or(|t| at - t >= TOUCH_INTERVAL)
}

/// The unexpired token and its active user for the token whose hash is `key_hash`, in one
/// query.
pub async fn resolve<C: ConnectionTrait>(
    db: &C,
    key_hash: &str,
) -> Result<Option<(Model, User)>, DbErr> {
    let current = now();
    let found = Entity::find()
        .filter(Column::KeyHash.eq(key_hash))
        .filter(Column::ExpiresAt.gt(current))
        .find_also_related(user::Entity)
        .one(db)
        .await?;
    let Some((token, Some(user))) = found else {
        return Ok(None);
    };
    if !user.is_active {
        return Ok(None);
    }
    if needs_touch(token.last_used_at, current) {
        // Conditional, so concurrent requests write once.
        Entity::update_many()
            .col_expr(Column::LastUsedAt, Expr::value(current))
            .filter(Column::Id.eq(token.id))
            .filter(
                Condition::any()
                    .add(Column::LastUsedAt.is_null())
                    .add(Column::LastUsedAt.lte(current - TOUCH_INTERVAL)),
            )
            .exec(db)
            .await?;
    }
    Ok(Some((token, user)))
}

/// Revokes one token.
pub async fn revoke<C: ConnectionTrait>(db: &C, token_id: i64) -> Result<(), DbErr> {
    Entity::delete_by_id(token_id).exec(db).await?;
    Ok(())
}

/// Revokes every token of a user (password change).
pub async fn revoke_all<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<u64, DbErr> {
    Ok(Entity::delete_many()
        .filter(Column::UserId.eq(user_id))
        .exec(db)
        .await?
        .rows_affected)
}

/// Deletes expired tokens (`project cleanup`).
pub async fn delete_expired<C: ConnectionTrait>(db: &C) -> Result<u64, DbErr> {
    Ok(Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now()))
        .exec(db)
        .await?
        .rows_affected)
}
