//! The `cart_items` table: one line per (user, product) of a signed-in user's cart. The
//! price is not stored: a cart shows the product's current price until checkout.

use payments::orders::Line;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::NotSet, QueryOrder, QuerySelect, Set};
use web::db::{is_unique_violation, now};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cart_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique_key = "user_product")]
    pub user_id: i64,
    #[sea_orm(unique_key = "user_product", indexed)]
    pub product_id: i64,
    pub quantity: i32,
    pub added_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "accounts::models::user::Entity",
        from = "Column::UserId",
        to = "accounts::models::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
    #[sea_orm(
        belongs_to = "catalog::models::product::Entity",
        from = "Column::ProductId",
        to = "catalog::models::product::Column::Id",
        on_delete = "Cascade"
    )]
    Product,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The line as an order takes it.
    pub fn line(&self) -> Line {
        Line {
            product_id: self.product_id,
            quantity: self.quantity,
        }
    }
}

/// The user's lines, oldest first.
pub async fn of_user<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::UserId.eq(user_id))
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

/// Units in the user's cart (the header's count): one indexed query.
pub async fn units_of<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<i64, DbErr> {
    // Summed here: SUM's type differs by database (DECIMAL on MySQL).
    let quantities: Vec<i32> = Entity::find()
        .select_only()
        .column(Column::Quantity)
        .filter(Column::UserId.eq(user_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(quantities.into_iter().map(i64::from).sum())
}

/// Sets the quantity of the user's line for `product_id`, adding the line if absent.
pub async fn set<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    product_id: i64,
    quantity: i32,
) -> Result<(), DbErr> {
    if update(db, user_id, product_id, quantity).await? {
        return Ok(());
    }
    let line = ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        product_id: Set(product_id),
        quantity: Set(quantity),
        added_at: Set(now()),
    };
    match Entity::insert(line).exec_without_returning(db).await {
        Ok(_) => Ok(()),
        // Added meanwhile by another request of the same user: set it.
        Err(e) if is_unique_violation(&e) => {
            update(db, user_id, product_id, quantity).await.map(|_| ())
        }
        Err(e) => Err(e),
    }
}

async fn update<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    product_id: i64,
    quantity: i32,
) -> Result<bool, DbErr> {
    let result = Entity::update_many()
        .col_expr(Column::Quantity, Expr::value(quantity))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::ProductId.eq(product_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Removes the user's line for `product_id` (nothing if absent).
pub async fn remove<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    product_id: i64,
) -> Result<(), DbErr> {
    Entity::delete_many()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::ProductId.eq(product_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Empties the user's cart.
pub async fn clear<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<(), DbErr> {
    Entity::delete_many()
        .filter(Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
