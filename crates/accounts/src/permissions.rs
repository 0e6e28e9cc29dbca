//! Permissions and groups, Django's authorization model: the stored permissions (kept in
//! step with what the apps declare by every `migrate`), groups of them, and what one user
//! may do: their own permissions and their groups', all for a superuser, none when inactive.

use std::collections::BTreeSet;
use std::sync::Arc;

use sea_orm::DatabaseTransaction;
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Query, UnionType};
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

/// The `post_migrate` receiver: stores every declared permission (see [`sync`]).
pub struct StorePermissions;

#[async_trait::async_trait]
impl web::migrate::PostMigrate for StorePermissions {
    async fn post_migrate(
        &self,
        db: &sea_orm::DatabaseConnection,
        permissions: &[web::permissions::Permission],
    ) -> anyhow::Result<()> {
        Ok(sync(db, permissions).await?)
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

/// The alias of the granted ids in [`UserPermissions::of`]'s query.
const GRANTED: &str = "granted";

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
        // The ids granted directly UNION those granted through groups, joined to the
        // codes: every step an index lookup (the pairs' unique keys lead with the user
        // and the group; `OR id IN (…)` instead made MariaDB scan the permissions).
        let mut granted = granted_directly(user.id);
        granted.union(
            UnionType::Distinct,
            Query::select()
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
                .to_owned(),
        );
        let query = Query::select()
            .column((permission::Entity, permission::Column::Code))
            .from(permission::Entity)
            .join_subquery(
                JoinType::InnerJoin,
                granted,
                GRANTED,
                Expr::col((GRANTED, user_permission::Column::PermissionId))
                    .equals((permission::Entity, permission::Column::Id)),
            )
            .to_owned();
        let codes = db
            .query_all(&query)
            .await?
            .iter()
            .map(|row| row.try_get::<String>("", "code"))
            .collect::<Result<_, _>>()?;
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

/// The codes granted to user `id` directly (not through groups), sorted.
pub async fn direct_codes<C: ConnectionTrait>(db: &C, id: i64) -> Result<Vec<String>, DbErr> {
    codes_where(db, granted_directly(id)).await
}

/// The ids of the permissions granted to user `user_id` directly.
fn granted_directly(user_id: i64) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(user_permission::Column::PermissionId)
        .from(user_permission::Entity)
        .and_where(Expr::col(user_permission::Column::UserId).eq(user_id))
        .to_owned()
}

async fn codes_where<C: ConnectionTrait>(
    db: &C,
    ids: sea_orm::sea_query::SelectStatement,
) -> Result<Vec<String>, DbErr> {
    Ok(permission::Entity::find()
        .filter(permission::Column::Id.in_subquery(ids))
        .order_by_asc(permission::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.code)
        .collect())
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

/// `perms` in templates, as Django's: `perms.catalog.change_product` is true when the user
/// has it, `perms.catalog` when they have any permission of the app;
/// `perms["catalog.change_product"]` works too. Every lookup is defined (true or false),
/// so templates rendered with strict undefined checks can ask anything.
pub fn template_value(perms: UserPermissions) -> minijinja::Value {
    minijinja::Value::from_object(TemplatePerms {
        perms: Arc::new(perms),
        app: None,
    })
}

#[derive(Debug)]
struct TemplatePerms {
    perms: Arc<UserPermissions>,
    /// Set on `perms.APP`: its keys are then the codenames of that app.
    app: Option<String>,
}

impl TemplatePerms {
    fn has_any_of_app(&self, app: &str) -> bool {
        self.perms.everything
            || self
                .perms
                .codes()
                .any(|c| c.split_once('.').is_some_and(|(a, _)| a == app))
    }
}

impl minijinja::value::Object for TemplatePerms {
    fn repr(self: &Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Map
    }

    /// `{% if perms %}` / `{% if perms.catalog %}`: any permission at all / of the app.
    fn is_true(self: &Arc<Self>) -> bool {
        match &self.app {
            Some(app) => self.has_any_of_app(app),
            None => self.perms.everything || self.perms.codes().next().is_some(),
        }
    }

    fn get_value(self: &Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        let key = key.as_str()?;
        let code = match &self.app {
            Some(app) => format!("{app}.{key}"),
            None if key.contains('.') => key.to_string(),
            None => {
                return Some(minijinja::Value::from_object(TemplatePerms {
                    perms: self.perms.clone(),
                    app: Some(key.to_string()),
                }));
            }
        };
        Some(minijinja::Value::from(self.perms.has(&code)))
    }
}
