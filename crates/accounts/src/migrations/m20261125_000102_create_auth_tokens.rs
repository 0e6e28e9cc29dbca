use sea_orm_migration::prelude::*;

use super::m20261125_000101_create_users::Users;
use web_schema::editor::{id, timestamp, timestamp_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuthTokens {
    Table,
    Id,
    UserId,
    KeyHash,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuthTokens::Table)
                    .col(id(manager, AuthTokens::Id))
                    .col(ColumnDef::new(AuthTokens::UserId).big_integer().not_null())
                    // SHA-256 (hex) of the token; the token itself is never stored.
                    .col(
                        ColumnDef::new(AuthTokens::KeyHash)
                            .char_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(timestamp(manager, AuthTokens::CreatedAt))
                    .col(timestamp(manager, AuthTokens::ExpiresAt))
                    .col(timestamp_null(manager, AuthTokens::LastUsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("auth_tokens_user")
                            .from(AuthTokens::Table, AuthTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("auth_tokens_user_id")
                    .table(AuthTokens::Table)
                    .col(AuthTokens::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("auth_tokens_expires_at")
                    .table(AuthTokens::Table)
                    .col(AuthTokens::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuthTokens::Table).to_owned())
            .await
    }
}
