//! The `catalog_counts` table: how many products there are (all, and active), changed in
//! the same transaction as the products themselves, so a list's `total` is one row rather
//! than a count over the whole table.

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Expr, ExprTrait};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalog_counts")]
pub struct Model {
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(32))"
    )]
    pub name: String,
    pub value: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

const ALL: &str = "products";
const ACTIVE: &str = "active_products";

/// Adds `all` and `active` to the counts (negative to subtract).
pub async fn adjust<C: ConnectionTrait>(db: &C, all: i64, active: i64) -> Result<(), DbErr> {
    for (name, delta) in [(ALL, all), (ACTIVE, active)] {
        if delta != 0 {
            Entity::update_many()
                .col_expr(Column::Value, Expr::col(Column::Value).add(delta))
                .filter(Column::Name.eq(name))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// Counts the products again (after a bulk load that bypassed [`adjust`]).
pub async fn recount<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    use super::product;
    use sea_orm::sea_query::{Asterisk, Func, Query, QueryStatementBuilder, SimpleExpr};
    for (name, active_only) in [(ALL, false), (ACTIVE, true)] {
        let mut count = Query::select()
            .expr(Func::count(Expr::col(Asterisk)))
            .from(product::Entity)
            .to_owned();
        if active_only {
            count.and_where(product::Column::IsActive.eq(true));
        }
        let count = SimpleExpr::SubQuery(None, Box::new(count.into_sub_query_statement()));
        Entity::update_many()
            .col_expr(Column::Value, count)
            .filter(Column::Name.eq(name))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// [`get`] as a subquery, to read a list's total in the same statement as its page.
pub fn total_expr(include_inactive: bool) -> sea_orm::sea_query::SimpleExpr {
    let name = if include_inactive { ALL } else { ACTIVE };
    let value = sea_orm::sea_query::Query::select()
        .column(Column::Value)
        .from(Entity)
        .and_where(Column::Name.eq(name))
        .to_owned();
    sea_orm::sea_query::SimpleExpr::SubQuery(
        None,
        Box::new(sea_orm::sea_query::QueryStatementBuilder::into_sub_query_statement(value)),
    )
}

/// The number of products (active ones only unless `include_inactive`).
pub async fn get<C: ConnectionTrait>(db: &C, include_inactive: bool) -> Result<u64, DbErr> {
    let name = if include_inactive { ALL } else { ACTIVE };
    let row = Entity::find_by_id(name.to_string()).one(db).await?;
    Ok(row
        .map(|r| u64::try_from(r.value).unwrap_or(0))
        .unwrap_or(0))
}
