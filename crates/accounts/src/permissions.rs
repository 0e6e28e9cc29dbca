//! Permissions and groups, Django's authorization model: the stored permissions (kept in
//! step with what the apps declare by every `migrate`), groups of them, and what one user
//! may do: their own permissions and their groups', all for a superuser, none when inactive.

use std::collections::BTreeSet;

use sea_orm::DatabaseTransaction;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, Set,
};
use web::db::{TransactionError, write_transaction_as};

use crate::models::user::{User, normalize_email};
use crate::models::{group, group_permission, permission, user, user_group, user_permission};

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
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl TransactionError for GroupError {
    fn is_retryable(&self) -> bool {
        matches!(self, GroupError::Db(e) if web::db::is_retryable(e))
    }
}

/// Stores `declared` as the permission table: adds the new ones, renames changed names,
/// removes those no app declares any more (with their grants), in one transaction.
pub async fn sync(
    db: &DatabaseConnection,
    declared: &[web::permissions::Permission],
) -> Result<(), DbErr> {
    write_transaction_as(db, |txn| {
        let declared = declared.to_vec();
        Box::pin(async move { store(txn, &declared).await })
    })
    .await
}

async fn store(
    txn: &DatabaseTransaction,
    declared: &[web::permissions::Permission],
) -> Result<(), DbErr> {
    let stored = permission::Entity::find().all(txn).await?;
    for wanted in declared {
        match stored.iter().find(|p| p.code == wanted.code) {
            Some(p) if p.name == wanted.name => {}
            Some(p) => {
                let mut row: permission::ActiveModel = p.clone().into();
                row.name = Set(wanted.name.clone());
                row.update(txn).await?;
            }
            None => {
                permission::ActiveModel {
                    id: NotSet,
                    code: Set(wanted.code.clone()),
                    name: Set(wanted.name.clone()),
                }
                .insert(txn)
                .await?;
            }
        }
    }
    let gone: Vec<i64> = stored
        .iter()
        .filter(|p| !declared.iter().any(|d| d.code == p.code))
        .map(|p| p.id)
        .collect();
    if !gone.is_empty() {
        // Grants go with them (the foreign keys cascade; deleted here too, so this does
        // not depend on SQLite's foreign-key setting).
        group_permission::Entity::delete_many()
            .filter(group_permission::Column::PermissionId.is_in(gone.clone()))
            .exec(txn)
            .await?;
        user_permission::Entity::delete_many()
            .filter(user_permission::Column::PermissionId.is_in(gone.clone()))
            .exec(txn)
            .await?;
        permission::Entity::delete_many()
            .filter(permission::Column::Id.is_in(gone))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Every stored permission, by code.
pub async fn all<C: ConnectionTrait>(db: &C) -> Result<Vec<permission::Permission>, DbErr> {
    permission::Entity::find()
        .order_by_asc(permission::Column::Code)
        .all(db)
        .await
}

/// What one user may do, read once per request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPermissions {
    everything: bool,
    codes: BTreeSet<String>,
}

impl UserPermissions {
    /// The user's permissions: one indexed query (none for a superuser or an inactive user).
    pub async fn of<C: ConnectionTrait>(db: &C, user: &User) -> Result<UserPermissions, DbErr> {
        if !user.is_active {
            return Ok(UserPermissions::default());
        }
        if user.is_superuser {
            return Ok(UserPermissions {
                everything: true,
                codes: BTreeSet::new(),
            });
        }
        let direct = Query::select()
            .column(user_permission::Column::PermissionId)
            .from(user_permission::Entity)
            .and_where(Expr::col(user_permission::Column::UserId).eq(user.id))
            .to_owned();
        let through_groups = Query::select()
            .column((
                group_permission::Entity,
                group_permission::Column::PermissionId,
            ))
            .from(group_permission::Entity)
            .inner_join(
                user_group::Entity,
                Expr::col((user_group::Entity, user_group::Column::GroupId))
                    .equals((group_permission::Entity, group_permission::Column::GroupId)),
            )
            .and_where(Expr::col((user_group::Entity, user_group::Column::UserId)).eq(user.id))
            .to_owned();
        let codes = permission::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(permission::Column::Id.in_subquery(direct))
                    .add(permission::Column::Id.in_subquery(through_groups)),
            )
            .all(db)
            .await?
            .into_iter()
            .map(|p| p.code)
            .collect();
        Ok(UserPermissions {
            everything: false,
            codes,
        })
    }

    /// Whether the user has `code` (`catalog.change_product`).
    pub fn has(&self, code: &str) -> bool {
        self.everything || self.codes.contains(code)
    }

    /// The codes held (empty for a superuser, who holds every one).
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.codes.iter().map(String::as_str)
    }
}

/// Creates the group, or replaces its permissions, in one transaction. Every code must
/// exist; otherwise nothing changes.
pub async fn set_group(
    db: &DatabaseConnection,
    name: &str,
    codes: &[String],
) -> Result<group::Group, GroupError> {
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(GroupError::EmptyName);
    }
    write_transaction_as(db, |txn| {
        let (name, codes) = (name.clone(), codes.to_vec());
        Box::pin(async move { replace_group(txn, &name, &codes).await })
    })
    .await
}

async fn replace_group(
    txn: &DatabaseTransaction,
    name: &str,
    codes: &[String],
) -> Result<group::Group, GroupError> {
    let stored = permission::Entity::find()
        .filter(permission::Column::Code.is_in(codes.to_vec()))
        .all(txn)
        .await?;
    if let Some(unknown) = codes.iter().find(|c| !stored.iter().any(|p| &p.code == *c)) {
        return Err(GroupError::UnknownPermission(unknown.clone()));
    }
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
    group_permission::Entity::delete_many()
        .filter(group_permission::Column::GroupId.eq(group.id))
        .exec(txn)
        .await?;
    for p in &stored {
        group_permission::ActiveModel {
            id: NotSet,
            group_id: Set(group.id),
            permission_id: Set(p.id),
        }
        .insert(txn)
        .await?;
    }
    Ok(group)
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
