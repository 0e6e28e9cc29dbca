//! The `products` table.

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ActiveValue::NotSet, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use web::db::{is_foreign_key_violation, is_unique_violation, like_contains, now};
use web::{Error, Pagination};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub sku: String,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub price_cents: i64,
    pub currency: String,
    pub stock: i32,
    pub is_active: bool,
    #[serde(with = "web::db::timestamp")]
    pub created_at: TimeDateTimeWithTimeZone,
    #[serde(with = "web::db::timestamp")]
    pub updated_at: TimeDateTimeWithTimeZone,
}

/// A product; serializes as the contract's product JSON.
pub type Product = Model;

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Which products a list shows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Case-insensitive substring of the name or the sku; `%` and `_` match literally.
    pub search: Option<String>,
    pub include_inactive: bool,
}

impl ListFilter {
    fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if !self.include_inactive {
            condition = condition.add(Column::IsActive.eq(true));
        }
        if let Some(term) = self
            .search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            condition = condition.add(
                Condition::any()
                    .add(like_contains(Column::Name, term))
                    .add(like_contains(Column::Sku, term)),
            );
        }
        condition
    }
}

/// One page of products, newest first, and the total count.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &ListFilter,
    page: Pagination,
) -> Result<(Vec<Product>, u64), DbErr> {
    let condition = filter.condition();
    let total = Entity::find().filter(condition.clone()).count(db).await?;
    if page.offset() >= total {
        return Ok((Vec::new(), total));
    }
    let items = Entity::find()
        .filter(condition)
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok((items, total))
}

pub async fn find<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Product>, DbErr> {
    Entity::find_by_id(id).one(db).await
}

/// An active product by its slug (the public page).
pub async fn find_active_by_slug<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> Result<Option<Product>, DbErr> {
    Entity::find()
        .filter(Column::Slug.eq(slug))
        .filter(Column::IsActive.eq(true))
        .one(db)
        .await
}

pub async fn sku_taken<C: ConnectionTrait>(
    db: &C,
    sku: &str,
    except: Option<i64>,
) -> Result<bool, DbErr> {
    let mut query = Entity::find().filter(Column::Sku.eq(sku));
    if let Some(id) = except {
        query = query.filter(Column::Id.ne(id));
    }
    Ok(query.count(db).await? > 0)
}

/// The slug for `name`: lower-case ASCII words joined by `-` (other scripts are
/// transliterated, so Chinese names get one too), `product` if nothing is left.
pub fn slugify(name: &str) -> String {
    let mut slug = slug::slugify(name);
    if slug.is_empty() {
        slug = "product".into();
    }
    // Leave room for a `-N` suffix within the column's 220 characters.
    if slug.len() > 200 {
        slug.truncate(200);
        slug = slug.trim_end_matches('-').to_string();
    }
    slug
}

/// `base`, or `base-2`, `base-3`, … whichever is free first.
pub async fn unique_slug<C: ConnectionTrait>(
    db: &C,
    base: &str,
    except: Option<i64>,
) -> Result<String, DbErr> {
    let prefix = format!("{base}-");
    let mut query = Entity::find().select_only().column(Column::Slug).filter(
        Condition::any()
            .add(Column::Slug.eq(base))
            .add(Column::Slug.starts_with(&prefix)),
    );
    if let Some(id) = except {
        query = query.filter(Column::Id.ne(id));
    }
    let taken: Vec<String> = query.into_tuple().all(db).await?;
    if !taken.iter().any(|s| s == base) {
        return Ok(base.to_string());
    }
    let used: std::collections::HashSet<u64> = taken
        .iter()
        .filter_map(|s| s.strip_prefix(&prefix))
        .filter_map(|n| n.parse().ok())
        .collect();
    let n = (2..).find(|n| !used.contains(n)).unwrap_or(2);
    Ok(format!("{base}-{n}"))
}

/// A validated new product.
#[derive(Debug, Clone)]
pub struct NewProduct {
    pub sku: String,
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub currency: String,
    pub stock: i32,
    pub is_active: bool,
}

fn sku_taken_error() -> Error {
    Error::conflict("sku_taken", "A product with that SKU already exists.")
}

/// Inserts a product with a unique slug. A taken sku is `409 sku_taken`; a slug taken by
/// a concurrent insert is retried with the next suffix.
pub async fn create(db: &DatabaseConnection, new: NewProduct) -> Result<Product, Error> {
    if sku_taken(db, &new.sku, None).await? {
        return Err(sku_taken_error());
    }
    let base = slugify(&new.name);
    for _ in 0..5 {
        let slug = unique_slug(db, &base, None).await?;
        let at = now();
        let row = ActiveModel {
            id: NotSet,
            sku: Set(new.sku.clone()),
            name: Set(new.name.clone()),
            slug: Set(slug),
            description: Set(new.description.clone()),
            price_cents: Set(new.price_cents),
            currency: Set(new.currency.clone()),
            stock: Set(new.stock),
            is_active: Set(new.is_active),
            created_at: Set(at),
            updated_at: Set(at),
        };
        match row.insert(db).await {
            Ok(product) => return Ok(product),
            Err(e) if is_unique_violation(&e) => {
                if sku_taken(db, &new.sku, None).await? {
                    return Err(sku_taken_error());
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::conflict(
        "slug_taken",
        "Could not find a free slug for that name; try again.",
    ))
}

/// Validated changes to a product; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProductChanges {
    pub sku: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub price_cents: Option<i64>,
    pub currency: Option<String>,
    pub stock: Option<i32>,
    pub is_active: Option<bool>,
}

/// Applies `changes`; a new name gets a new slug.
pub async fn update(
    db: &DatabaseConnection,
    product: Product,
    changes: ProductChanges,
) -> Result<Product, Error> {
    if let Some(sku) = &changes.sku
        && *sku != product.sku
        && sku_taken(db, sku, Some(product.id)).await?
    {
        return Err(sku_taken_error());
    }
    let id = product.id;
    let new_name = changes.name.clone().filter(|n| *n != product.name);
    let mut row: ActiveModel = product.into();
    if let Some(v) = changes.sku {
        row.sku = Set(v);
    }
    if let Some(v) = changes.description {
        row.description = Set(v);
    }
    if let Some(v) = changes.price_cents {
        row.price_cents = Set(v);
    }
    if let Some(v) = changes.currency {
        row.currency = Set(v);
    }
    if let Some(v) = changes.stock {
        row.stock = Set(v);
    }
    if let Some(v) = changes.is_active {
        row.is_active = Set(v);
    }
    if let Some(name) = &new_name {
        row.name = Set(name.clone());
        row.slug = Set(unique_slug(db, &slugify(name), Some(id)).await?);
    }
    row.updated_at = Set(now());
    row.update(db).await.map_err(|e| {
        if is_unique_violation(&e) {
            sku_taken_error()
        } else {
            e.into()
        }
    })
}

/// What [`delete`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Removed,
    /// Referenced by an order: kept, so order history stays intact, but hidden.
    Deactivated,
}

/// Deletes a product, or deactivates it when another table (order lines) refers to it:
/// the foreign key refuses the delete and the refusal becomes a deactivation.
pub async fn delete(db: &DatabaseConnection, id: i64) -> Result<Deleted, DbErr> {
    match Entity::delete_by_id(id).exec(db).await {
        Ok(_) => Ok(Deleted::Removed),
        Err(e) if is_foreign_key_violation(&e) => {
            Entity::update_many()
                .col_expr(Column::IsActive, Expr::value(false))
                .col_expr(Column::UpdatedAt, Expr::value(now()))
                .filter(Column::Id.eq(id))
                .exec(db)
                .await?;
            Ok(Deleted::Deactivated)
        }
        Err(e) => Err(e),
    }
}
