//! `product_old_slugs`: the slugs a product had before it was renamed, so old links answer
//! `301` to the product's page instead of 404.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProductOldSlugs {
    Table,
    Slug,
    ProductId,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProductOldSlugs::Table)
                    .col(
                        ColumnDef::new(ProductOldSlugs::Slug)
                            .string_len(220)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ProductOldSlugs::ProductId)
                            .big_integer()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_product_old_slugs_product")
                            .from(ProductOldSlugs::Table, ProductOldSlugs::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("product_old_slugs_product")
                    .table(ProductOldSlugs::Table)
                    .col(ProductOldSlugs::ProductId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProductOldSlugs::Table).to_owned())
            .await
    }
}
