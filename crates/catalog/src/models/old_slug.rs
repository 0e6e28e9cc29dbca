//! The `product_old_slugs` table: slugs a product had before a rename, so links to them
//! answer `301` to its current page.

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{QuerySelect, Set};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_old_slugs")]
pub struct Model {
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(220))"
    )]
    pub slug: String,
    #[sea_orm(indexed)]
    pub product_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::product::Entity",
        from = "Column::ProductId",
        to = "super::product::Column::Id",
        on_delete = "Cascade"
    )]
    Product,
}

impl ActiveModelBehavior for ActiveModel {}

/// Remembers that `slug` was `product_id`'s (the latest product to leave a slug keeps it).
pub async fn remember<C: ConnectionTrait>(
    db: &C,
    slug: &str,
    product_id: i64,
) -> Result<(), DbErr> {
    Entity::insert(ActiveModel {
        slug: Set(slug.to_string()),
        product_id: Set(product_id),
    })
    .on_conflict(
        OnConflict::column(Column::Slug)
            .update_column(Column::ProductId)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The product that once had `slug`, if any.
pub async fn product_id<C: ConnectionTrait>(db: &C, slug: &str) -> Result<Option<i64>, DbErr> {
    Entity::find_by_id(slug.to_string())
        .select_only()
        .column(Column::ProductId)
        .into_tuple()
        .one(db)
        .await
}
