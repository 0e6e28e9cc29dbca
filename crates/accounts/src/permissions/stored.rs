//! The stored permissions: what the installed apps declare, written by every `migrate`.

use sea_orm::DatabaseTransaction;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, Set,
};
use web::db::write_transaction_as;

use crate::models::{group_permission, permission, user_permission};

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
