use sea_orm_migration::prelude::*;

use web_schema::editor::{id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AdminLog {
    Table,
    Id,
    UserId,
    ActionTime,
    AppLabel,
    ModelName,
    ObjectId,
    ObjectRepr,
    Action,
    Message,
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
                    .table(AdminLog::Table)
                    .col(id(manager, AdminLog::Id))
                    .col(ColumnDef::new(AdminLog::UserId).big_integer().not_null())
                    .col(timestamp(manager, AdminLog::ActionTime))
                    .col(
                        ColumnDef::new(AdminLog::AppLabel)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AdminLog::ModelName)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AdminLog::ObjectId).big_integer().not_null())
                    .col(
                        ColumnDef::new(AdminLog::ObjectRepr)
                            .string_len(200)
                            .not_null(),
                    )
                    // added, changed, deleted, or an action's name
                    .col(ColumnDef::new(AdminLog::Action).string_len(32).not_null())
                    .col(ColumnDef::new(AdminLog::Message).text().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(AdminLog::Table, AdminLog::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // An object's history page.
        manager
            .create_index(
                Index::create()
                    .name("admin_log_object")
                    .table(AdminLog::Table)
                    .col(AdminLog::AppLabel)
                    .col(AdminLog::ModelName)
                    .col(AdminLog::ObjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AdminLog::Table).to_owned())
            .await
    }
}
