//! Groups of permissions, and who is in them.

use sea_orm::DatabaseTransaction;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, Set,
};
use web::db::{TransactionError, write_transaction_as};

use crate::models::user::{User, normalize_email};
use crate::models::{group, group_permission, permission, user, user_group, user_permission};

use super::user::codes_where;

/// Why a group could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    #[error("there is no permission `{0}` (`project permissions` lists them)")]
    UnknownPermission(String),
    #[error("there is no group `{0}`")]
    UnknownGroup(String),
    #[error("no user has the email {0}")]
    UnknownUser(String),
    #[error("a group needs a name")]
    EmptyName,
    #[error("a group named `{0}` exists already")]
    NameTaken(String),
    #[error("a group's name has at most 150 characters")]
    NameTooLong,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl TransactionError for GroupError {
    fn is_retryable(&self) -> bool {
        matches!(self, GroupError::Db(e) if web::db::is_retryable(e))
    }
}

/// Creates the group, or replaces its permissions, in one transaction. Every code must
/// exist; otherwise nothing changes.
pub async fn set_group(
    db: &DatabaseConnection,
    name: &str,
    codes: &[String],
) -> Result<group::Group, GroupError> {
    let name = clean_name(name)?;
    write_transaction_as(db, |txn| {
        let (name, codes) = (name.clone(), codes.to_vec());
        Box::pin(async move { replace_group(txn, &name, &codes).await })
    })
    .await
}

/// A group's name, trimmed; empty or too long is refused.
fn clean_name(name: &str) -> Result<String, GroupError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(GroupError::EmptyName);
    }
    if name.chars().count() > 150 {
        return Err(GroupError::NameTooLong);
    }
    Ok(name.to_string())
}

/// The stored permissions with `codes`; an unknown code is refused, naming it.
async fn permissions_named<C: ConnectionTrait>(
    db: &C,
    codes: &[String],
) -> Result<Vec<permission::Permission>, GroupError> {
    let stored = permission::Entity::find()
        .filter(permission::Column::Code.is_in(codes.to_vec()))
        .all(db)
        .await?;
    match codes.iter().find(|c| !stored.iter().any(|p| &p.code == *c)) {
        Some(unknown) => Err(GroupError::UnknownPermission(unknown.clone())),
        None => Ok(stored),
    }
}

/// Makes `permissions` the group's permissions.
async fn grant_to_group<C: ConnectionTrait>(
    db: &C,
    group_id: i64,
    permissions: &[permission::Permission],
) -> Result<(), DbErr> {
    group_permission::Entity::delete_many()
        .filter(group_permission::Column::GroupId.eq(group_id))
        .exec(db)
        .await?;
    for p in permissions {
        group_permission::ActiveModel {
            id: NotSet,
            group_id: Set(group_id),
            permission_id: Set(p.id),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

async fn replace_group(
    txn: &DatabaseTransaction,
    name: &str,
    codes: &[String],
) -> Result<group::Group, GroupError> {
    let stored = permissions_named(txn, codes).await?;
    let found = group::Entity::find()
        .filter(group::Column::Name.eq(name))
        .one(txn)
        .await?;
    let group = match found {
        Some(group) => group,
        None => {
            group::ActiveModel {
                id: NotSet,
                name: Set(name.to_string()),
            }
            .insert(txn)
            .await?
        }
    };
    grant_to_group(txn, group.id, &stored).await?;
    Ok(group)
}

/// A new group (the admin's add form): the name must be free, every code must exist.
pub async fn create_group(
    db: &DatabaseConnection,
    name: &str,
    codes: &[String],
) -> Result<group::Group, GroupError> {
    let name = clean_name(name)?;
    write_transaction_as(db, |txn| {
        let (name, codes) = (name.clone(), codes.to_vec());
        Box::pin(async move {
            let stored = permissions_named(txn, &codes).await?;
            let created = group::ActiveModel {
                id: NotSet,
                name: Set(name.clone()),
            }
            .insert(txn)
            .await
            .map_err(|e| name_error(e, &name))?;
            grant_to_group(txn, created.id, &stored).await?;
            Ok(created)
        })
    })
    .await
}

/// Renames group `id` and makes `codes` its permissions, in one transaction.
pub async fn update_group(
    db: &DatabaseConnection,
    id: i64,
    name: &str,
    codes: &[String],
) -> Result<(), GroupError> {
    let name = clean_name(name)?;
    write_transaction_as(db, |txn| {
        let (name, codes) = (name.clone(), codes.to_vec());
        Box::pin(async move {
            let stored = permissions_named(txn, &codes).await?;
            let renamed = group::Entity::update_many()
                .col_expr(group::Column::Name, Expr::value(name.clone()))
                .filter(group::Column::Id.eq(id))
                .exec(txn)
                .await
                .map_err(|e| name_error(e, &name))?;
            if renamed.rows_affected == 0 {
                return Err(GroupError::UnknownGroup(id.to_string()));
            }
            grant_to_group(txn, id, &stored).await?;
            Ok(())
        })
    })
    .await
}

fn name_error(e: DbErr, name: &str) -> GroupError {
    if web::db::is_unique_violation(&e) {
        GroupError::NameTaken(name.to_string())
    } else {
        GroupError::Db(e)
    }
}

/// Deletes group `id` with its grants and memberships; `false` if there was none.
pub async fn delete_group(db: &DatabaseConnection, id: i64) -> Result<bool, GroupError> {
    write_transaction_as(db, |txn| {
        Box::pin(async move {
            // The foreign keys cascade; deleted here too, so this does not depend on
            // SQLite's foreign-key setting.
            group_permission::Entity::delete_many()
                .filter(group_permission::Column::GroupId.eq(id))
                .exec(txn)
                .await?;
            user_group::Entity::delete_many()
                .filter(user_group::Column::GroupId.eq(id))
                .exec(txn)
                .await?;
            let deleted = group::Entity::delete_by_id(id).exec(txn).await?;
            Ok(deleted.rows_affected > 0)
        })
    })
    .await
}

/// The codes granted to group `id`, sorted.
pub async fn group_codes<C: ConnectionTrait>(db: &C, id: i64) -> Result<Vec<String>, DbErr> {
    codes_where(
        db,
        Query::select()
            .column(group_permission::Column::PermissionId)
            .from(group_permission::Entity)
            .and_where(Expr::col(group_permission::Column::GroupId).eq(id))
            .to_owned(),
    )
    .await
}

/// Every group, by name.
pub async fn all_groups<C: ConnectionTrait>(db: &C) -> Result<Vec<group::Group>, DbErr> {
    group::Entity::find()
        .order_by_asc(group::Column::Name)
        .all(db)
        .await
}

/// The groups user `id` is in, by name.
pub async fn groups_of<C: ConnectionTrait>(db: &C, id: i64) -> Result<Vec<group::Group>, DbErr> {
    let ids = Query::select()
        .column(user_group::Column::GroupId)
        .from(user_group::Entity)
        .and_where(Expr::col(user_group::Column::UserId).eq(id))
        .to_owned();
    group::Entity::find()
        .filter(group::Column::Id.in_subquery(ids))
        .order_by_asc(group::Column::Name)
        .all(db)
        .await
}

/// Makes `group_names` user `id`'s groups and `codes` their direct permissions, inside
/// the caller's transaction (the admin saves them with the user's other fields).
pub async fn set_user_access<C: ConnectionTrait>(
    txn: &C,
    id: i64,
    group_names: &[String],
    codes: &[String],
) -> Result<(), GroupError> {
    let stored = permissions_named(txn, codes).await?;
    let groups = group::Entity::find()
        .filter(group::Column::Name.is_in(group_names.to_vec()))
        .all(txn)
        .await?;
    if let Some(unknown) = group_names
        .iter()
        .find(|n| !groups.iter().any(|g| &g.name == *n))
    {
        return Err(GroupError::UnknownGroup(unknown.clone()));
    }
    user_group::Entity::delete_many()
        .filter(user_group::Column::UserId.eq(id))
        .exec(txn)
        .await?;
    for g in &groups {
        user_group::ActiveModel {
            id: NotSet,
            user_id: Set(id),
            group_id: Set(g.id),
        }
        .insert(txn)
        .await?;
    }
    user_permission::Entity::delete_many()
        .filter(user_permission::Column::UserId.eq(id))
        .exec(txn)
        .await?;
    for p in &stored {
        user_permission::ActiveModel {
            id: NotSet,
            user_id: Set(id),
            permission_id: Set(p.id),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

async fn group_and_user<C: ConnectionTrait>(
    db: &C,
    group_name: &str,
    email: &str,
) -> Result<(group::Group, User), GroupError> {
    let group = group::Entity::find()
        .filter(group::Column::Name.eq(group_name.trim()))
        .one(db)
        .await?
        .ok_or_else(|| GroupError::UnknownGroup(group_name.trim().to_string()))?;
    let user = user::find_by_email(db, email)
        .await?
        .ok_or_else(|| GroupError::UnknownUser(normalize_email(email)))?;
    Ok((group, user))
}

/// Puts the user in the group (nothing changes if they are in it already).
pub async fn add_user(
    db: &DatabaseConnection,
    group_name: &str,
    email: &str,
) -> Result<(), GroupError> {
    let (group, user) = group_and_user(db, group_name, email).await?;
    let added = user_group::ActiveModel {
        id: NotSet,
        user_id: Set(user.id),
        group_id: Set(group.id),
    }
    .insert(db)
    .await;
    match added {
        // Already in it (the pair is unique): in the group all the same.
        Err(e) if web::db::is_unique_violation(&e) => Ok(()),
        other => other.map(|_| ()).map_err(GroupError::from),
    }
}

/// Takes the user out of the group; `false` if they were not in it.
pub async fn remove_user(
    db: &DatabaseConnection,
    group_name: &str,
    email: &str,
) -> Result<bool, GroupError> {
    let (group, user) = group_and_user(db, group_name, email).await?;
    let removed = user_group::Entity::delete_many()
        .filter(user_group::Column::UserId.eq(user.id))
        .filter(user_group::Column::GroupId.eq(group.id))
        .exec(db)
        .await?;
    Ok(removed.rows_affected > 0)
}
