//! Stock reservation, for the apps that sell products (payments).
//!
//! Every change is one conditional `UPDATE`, so concurrent orders can never oversell:
//! `stock = stock - q WHERE id = ? AND is_active AND stock >= q` either takes the units or
//! changes nothing. Callers reserve inside their own transaction, in product-id order, so
//! two orders never lock the same rows in opposite orders.

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Expr, ExprTrait};

use super::product::{Column, Entity};

/// Takes `quantity` units of an active product; `false` (nothing changed) if there are
/// not enough.
pub async fn reserve<C: ConnectionTrait>(
    db: &C,
    product_id: i64,
    quantity: i32,
) -> Result<bool, DbErr> {
    let result = Entity::update_many()
        .col_expr(Column::Stock, Expr::col(Column::Stock).sub(quantity))
        .col_expr(Column::UpdatedAt, Expr::value(web::db::now()))
        .filter(Column::Id.eq(product_id))
        .filter(Column::IsActive.eq(true))
        .filter(Column::Stock.gte(quantity))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Gives `quantity` units back (an order cancelled or refunded).
pub async fn release<C: ConnectionTrait>(
    db: &C,
    product_id: i64,
    quantity: i32,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::Stock, Expr::col(Column::Stock).add(quantity))
        .col_expr(Column::UpdatedAt, Expr::value(web::db::now()))
        .filter(Column::Id.eq(product_id))
        .exec(db)
        .await?;
    Ok(())
}
