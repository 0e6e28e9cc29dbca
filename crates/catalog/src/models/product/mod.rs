//! The `products` table: the entity, reading one product, slugs and SKUs, and writing.
//! Lists live in `listing`, searches in `search`.

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ActiveValue::NotSet, DatabaseTransaction, QuerySelect, Set, TransactionTrait};
use serde::Serialize;
use web::db::{is_foreign_key_violation, is_unique_violation, now, write_transaction_as};

pub use crate::errors::ProductError;

use super::counts;
use super::search_index;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[sea_orm(table_name = "products")]
#[schema(as = ProductFields)]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub sku: String,
    /// What makes two SKUs one: a digest of the SKU's Unicode simple case folding
    /// ([`sku_key`]), unique, so one rule holds on every database (`Σ`, `σ` and `ς` fold
    /// together; `ß` and `ss` stay apart, whatever the column's collation).
    #[sea_orm(unique, column_type = "String(StringLen::N(64))", default_value = "")]
    #[serde(skip)]
    #[schema(ignore)]
    pub sku_key: String,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub name: String,
    #[sea_orm(unique, column_type = "String(StringLen::N(220))")]
    pub slug: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub price_cents: i64,
    #[sea_orm(column_type = "Char(Some(3))", default_value = "USD")]
    pub currency: String,
    #[sea_orm(default_value = 0)]
    pub stock: i32,
    #[sea_orm(default_value = true)]
    pub is_active: bool,
    /// Packed, for shipping rates by weight.
    #[sea_orm(default_value = 0)]
    pub weight_grams: i32,
    /// `false` for digital goods: no address or shipping method needed.
    #[sea_orm(default_value = true)]
    pub requires_shipping: bool,
    /// The stored name of its spec sheet (a PDF or text file, `ab/ab12….pdf`), uploaded
    /// on the admin site and linked from the product page; not part of the JSON.
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    #[serde(skip)]
    #[schema(ignore)]
    pub datasheet: Option<String>,
    #[serde(with = "web::db::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: TimeDateTimeWithTimeZone,
    #[serde(with = "web::db::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: TimeDateTimeWithTimeZone,
}

/// A product; serializes as the contract's product JSON.
pub type Product = Model;

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

mod listing;
mod search;

pub use listing::{ListFilter, Listing, list};

pub async fn find<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Product>, DbErr> {
    Entity::find_by_id(id).one(db).await
}

/// An active product by its slug (the public page).
/// The current slug of the active product that once had `slug` (renamed since).
pub async fn renamed_slug<C: ConnectionTrait>(db: &C, slug: &str) -> Result<Option<String>, DbErr> {
    let Some(id) = super::old_slug::product_id(db, slug).await? else {
        return Ok(None);
    };
    Ok(Entity::find_by_id(id)
        .filter(Column::IsActive.eq(true))
        .one(db)
        .await?
        .map(|p| p.slug))
}

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

/// What makes two SKUs one (the `sku_key` column): the SHA-256, in hex, of the SKU's
/// Unicode simple case folding. Case does not make another SKU (`race-5` is `RACE-5`,
/// `Σ1241` is `σ1241` and `ς1241`), but folding never changes length, so `ß` and `ss`
/// stay two SKUs. Computed here rather than by the database, whose `lower()` and
/// collations differ (SQLite folds ASCII only, MariaDB's collations make `ß` `ss`).
pub fn sku_key(sku: &str) -> String {
    use sha2::Digest;
    use unicode_casefold::{Locale, UnicodeCaseFold, Variant};
    let folded: String = sku
        .chars()
        .case_fold_with(Variant::Simple, Locale::NonTurkic)
        .collect();
    hex::encode(sha2::Sha256::digest(folded.as_bytes()))
}

pub async fn sku_taken<C: ConnectionTrait>(
    db: &C,
    sku: &str,
    except: Option<i64>,
) -> Result<bool, DbErr> {
    let mut query = Entity::find().filter(Column::SkuKey.eq(sku_key(sku)));
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
    pub weight_grams: i32,
    pub requires_shipping: bool,
    /// A stored media file's name (the admin site's upload).
    pub datasheet: Option<String>,
}

/// Inserts a product with a unique slug, and counts it, in one transaction. A taken sku
/// is `409 sku_taken`; a slug taken by a concurrent insert is retried with the next suffix.
pub async fn create(db: &DatabaseConnection, new: NewProduct) -> Result<Product, ProductError> {
    write_transaction_as(db, |txn| {
        let new = new.clone();
        Box::pin(async move {
            let product = insert(txn, &new).await?;
            search_index::reindex(txn, product.id).await?;
            let active = i64::from(product.is_active);
            counts::adjust(txn, 1, active).await?;
            Ok(product)
        })
    })
    .await
}

async fn insert(txn: &DatabaseTransaction, new: &NewProduct) -> Result<Product, ProductError> {
    if sku_taken(txn, &new.sku, None).await? {
        return Err(ProductError::SkuTaken);
    }
    let base = slugify(&new.name);
    for _ in 0..5 {
        let slug = unique_slug(txn, &base, None).await?;
        let at = now();
        let row = ActiveModel {
            id: NotSet,
            sku: Set(new.sku.clone()),
            sku_key: Set(sku_key(&new.sku)),
            name: Set(new.name.clone()),
            slug: Set(slug),
            description: Set(new.description.clone()),
            price_cents: Set(new.price_cents),
            currency: Set(new.currency.clone()),
            stock: Set(new.stock),
            is_active: Set(new.is_active),
            weight_grams: Set(new.weight_grams),
            requires_shipping: Set(new.requires_shipping),
            datasheet: Set(new.datasheet.clone()),
            created_at: Set(at),
            updated_at: Set(at),
        };
        // A savepoint, so a unique violation (which aborts a PostgreSQL transaction)
        // leaves the transaction usable for the next attempt.
        let attempt = txn.begin().await?;
        match row.insert(&attempt).await {
            Ok(product) => {
                attempt.commit().await?;
                return Ok(product);
            }
            Err(e) if is_unique_violation(&e) => {
                attempt.rollback().await?;
                if sku_taken(txn, &new.sku, None).await? {
                    return Err(ProductError::SkuTaken);
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ProductError::NoFreeSlug)
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
    pub weight_grams: Option<i32>,
    pub requires_shipping: Option<bool>,
    /// `Some(None)` removes the spec sheet; the replaced file goes after the commit
    /// unless another row names it.
    pub datasheet: Option<Option<String>>,
}

/// Applies `changes` (a new name gets a new slug) and keeps the active count, in one
/// transaction that re-reads the product, so concurrent edits cannot miscount.
pub async fn update(
    db: &DatabaseConnection,
    product: Product,
    changes: ProductChanges,
) -> Result<Product, ProductError> {
    let id = product.id;
    write_transaction_as(db, |txn| {
        let changes = changes.clone();
        Box::pin(async move { update_in(txn, id, changes).await })
    })
    .await
}

/// [`update`] inside the caller's transaction (the admin saves the images with it).
pub async fn update_in(
    txn: &DatabaseTransaction,
    id: i64,
    changes: ProductChanges,
) -> Result<Product, ProductError> {
    let current = Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(ProductError::NotFound)?;
    let was_active = current.is_active;
    let searched_text = (current.name.clone(), current.sku.clone());
    let updated = apply_changes(txn, current, changes).await?;
    if (updated.name.clone(), updated.sku.clone()) != searched_text {
        search_index::reindex(txn, id).await?;
    }
    let delta = i64::from(updated.is_active) - i64::from(was_active);
    counts::adjust(txn, 0, delta).await?;
    Ok(updated)
}

async fn apply_changes(
    txn: &DatabaseTransaction,
    product: Product,
    changes: ProductChanges,
) -> Result<Product, ProductError> {
    if let Some(sku) = &changes.sku
        && *sku != product.sku
        && sku_taken(txn, sku, Some(product.id)).await?
    {
        return Err(ProductError::SkuTaken);
    }
    let id = product.id;
    let new_name = changes.name.clone().filter(|n| *n != product.name);
    let product_datasheet = product.datasheet.clone();
    let mut row: ActiveModel = product.into();
    if let Some(v) = changes.sku {
        row.sku_key = Set(sku_key(&v));
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
    if let Some(v) = changes.weight_grams {
        row.weight_grams = Set(v);
    }
    if let Some(v) = changes.requires_shipping {
        row.requires_shipping = Set(v);
    }
    if let Some(v) = changes.datasheet
        && v != product_datasheet
    {
        if let Some(old) = &product_datasheet {
            web_media::release(txn, old).await?;
        }
        row.datasheet = Set(v);
    }
    if let Some(name) = &new_name {
        row.name = Set(name.clone());
        let slug = unique_slug(txn, &slugify(name), Some(id)).await?;
        if let sea_orm::ActiveValue::Unchanged(old) | sea_orm::ActiveValue::Set(old) = &row.slug
            && *old != slug
        {
            super::old_slug::remember(txn, old, id).await?;
        }
        row.slug = Set(slug);
    }
    row.updated_at = Set(now());
    row.update(txn).await.map_err(|e| {
        if is_unique_violation(&e) {
            ProductError::SkuTaken
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
/// the foreign key refuses the delete and the refusal becomes a deactivation. The counts
/// change in the same transaction. `None` when there is no such product.
pub async fn delete(db: &DatabaseConnection, id: i64) -> Result<Option<Deleted>, ProductError> {
    write_transaction_as(db, |txn| {
        Box::pin(async move {
            let Some(current) = Entity::find_by_id(id).lock_exclusive().one(txn).await? else {
                return Ok(None);
            };
            let active = i64::from(current.is_active);
            // Queued now, run after the commit: a deactivated product keeps its images,
            // so the removal finds them referenced and keeps the files.
            super::image::release_all(txn, id).await?;
            if let Some(datasheet) = &current.datasheet {
                web_media::release(txn, datasheet).await?;
            }
            // A savepoint: the refused delete must not abort the whole transaction.
            let attempt = txn.begin().await?;
            match Entity::delete_by_id(id).exec(&attempt).await {
                Ok(_) => {
                    attempt.commit().await?;
                    search_index::forget(txn, id).await?;
                    counts::adjust(txn, -1, -active).await?;
                    Ok(Some(Deleted::Removed))
                }
                Err(e) if is_foreign_key_violation(&e) => {
                    attempt.rollback().await?;
                    Entity::update_many()
                        .col_expr(Column::IsActive, Expr::value(false))
                        .col_expr(Column::UpdatedAt, Expr::value(now()))
                        .filter(Column::Id.eq(id))
                        .exec(txn)
                        .await?;
                    counts::adjust(txn, 0, -active).await?;
                    Ok(Some(Deleted::Deactivated))
                }
                Err(e) => Err(e.into()),
            }
        })
    })
    .await
}
