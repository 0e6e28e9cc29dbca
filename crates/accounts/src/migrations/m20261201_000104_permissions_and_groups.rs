//! Written by `project makemigrations` for the `accounts` app on 2026-12-01; review it, then `project migrate`.
//!
//! - Create table auth_groups
//! - Create table auth_permissions
//! - Create table auth_group_permissions
//! - Create table auth_user_groups
//! - Create table auth_user_permissions

use sea_orm_migration::prelude::*;
use web_schema::editor;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuthGroupPermissions {
    Table,
    Id,
    GroupId,
    PermissionId,
}

#[derive(DeriveIden)]
enum AuthGroups {
    Table,
    Id,
    Name,
}

#[derive(DeriveIden)]
enum AuthPermissions {
    Table,
    Id,
    Code,
    Name,
}

#[derive(DeriveIden)]
enum AuthUserGroups {
    Table,
    Id,
    UserId,
    GroupId,
}

#[derive(DeriveIden)]
enum AuthUserPermissions {
    Table,
    Id,
    UserId,
    PermissionId,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuthGroups::Table)
                    .col(editor::id(manager, AuthGroups::Id))
                    .col(
                        ColumnDef::new(AuthGroups::Name)
                            .string_len(150)
                            .not_null()
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("auth_groups_name_key")
                    .table(AuthGroups::Table)
                    .col(AuthGroups::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuthPermissions::Table)
                    .col(editor::id(manager, AuthPermissions::Id))
                    .col(
                        ColumnDef::new(AuthPermissions::Code)
                            .string_len(150)
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(AuthPermissions::Name)
                            .string_len(255)
                            .not_null()
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("auth_permissions_code_key")
                    .table(AuthPermissions::Table)
                    .col(AuthPermissions::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuthGroupPermissions::Table)
                    .col(editor::id(manager, AuthGroupPermissions::Id))
                    .col(
                        ColumnDef::new(AuthGroupPermissions::GroupId)
                            .big_integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(AuthGroupPermissions::PermissionId)
                            .big_integer()
                            .not_null()
                            .to_owned(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("auth_group_permissions_group_id_fkey")
                            .from(AuthGroupPermissions::Table, AuthGroupPermissions::GroupId)
                            .to(AuthGroups::Table, AuthGroups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("auth_group_permissions_permission_id_fkey")
                            .from(
                                AuthGroupPermissions::Table,
                                AuthGroupPermissions::PermissionId,
                            )
                            .to(AuthPermissions::Table, AuthPermissions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("auth_group_permissions_group_id_permission_id_key")
                    .table(AuthGroupPermissions::Table)
                    .col(AuthGroupPermissions::GroupId)
                    .col(AuthGroupPermissions::PermissionId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("auth_group_permissions_permission_id")
                    .table(AuthGroupPermissions::Table)
                    .col(AuthGroupPermissions::PermissionId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuthUserGroups::Table)
                    .col(editor::id(manager, AuthUserGroups::Id))
                    .col(
                        ColumnDef::new(AuthUserGroups::UserId)
                            .big_integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(AuthUserGroups::GroupId)
                            .big_integer()
                            .not_null()
                            .to_owned(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("auth_user_groups_group_id_fkey")
                            .from(AuthUserGroups::Table, AuthUserGroups::GroupId)
                            .to(AuthGroups::Table, AuthGroups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("auth_user_groups_user_id_fkey")
                            .from(AuthUserGroups::Table, AuthUserGroups::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("auth_user_groups_user_id_group_id_key")
                    .table(AuthUserGroups::Table)
                    .col(AuthUserGroups::UserId)
                    .col(AuthUserGroups::GroupId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("auth_user_groups_group_id")
                    .table(AuthUserGroups::Table)
                    .col(AuthUserGroups::GroupId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuthUserPermissions::Table)
                    .col(editor::id(manager, AuthUserPermissions::Id))
                    .col(
                        ColumnDef::new(AuthUserPermissions::UserId)
                            .big_integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(AuthUserPermissions::PermissionId)
                            .big_integer()
                            .not_null()
                            .to_owned(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("auth_user_permissions_permission_id_fkey")
                            .from(
                                AuthUserPermissions::Table,
                                AuthUserPermissions::PermissionId,
                            )
                            .to(AuthPermissions::Table, AuthPermissions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("auth_user_permissions_user_id_fkey")
                            .from(AuthUserPermissions::Table, AuthUserPermissions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("auth_user_permissions_user_id_permission_id_key")
                    .table(AuthUserPermissions::Table)
                    .col(AuthUserPermissions::UserId)
                    .col(AuthUserPermissions::PermissionId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("auth_user_permissions_permission_id")
                    .table(AuthUserPermissions::Table)
                    .col(AuthUserPermissions::PermissionId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuthUserPermissions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AuthUserGroups::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AuthGroupPermissions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AuthPermissions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AuthGroups::Table).to_owned())
            .await?;
        Ok(())
    }
}
