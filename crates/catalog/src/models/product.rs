//! The `products` table.

use sea_orm::Select;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::extension::mysql::{IndexHintScope, MySqlSelectStatementExt};
use sea_orm::sea_query::{Alias, CommonTableExpression, Condition, Expr, Query};
use sea_orm::{
    ActiveValue::NotSet, DatabaseTransaction, DbBackend, FromQueryResult, QueryOrder, QuerySelect,
    QueryTrait, Set, TransactionTrait,
};
use serde::Serialize;
use web::db::{
    is_foreign_key_violation, is_unique_violation, like_contains, now, write_transaction_as,
};

pub use crate::errors::ProductError;

use super::counts;
use super::search_index::{self, Plan};
use web::cursor::Keyset;
use web::{PageOf, Pagination};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[sea_orm(table_name = "products")]
#[schema(as = Product)]
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

/// Which products a list shows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Case-insensitive substring of the name or the sku; `%` and `_` match literally.
    pub search: Option<String>,
    pub include_inactive: bool,
}

impl ListFilter {
    /// The search term, trimmed; `None` when there is nothing to search for.
    fn term(&self) -> Option<&str> {
        self.search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }

    fn condition(&self, backend: DbBackend) -> Condition {
        let mut condition = Condition::all();
        if !self.include_inactive {
            condition = condition.add(Column::IsActive.eq(true));
        }
        if let Some(term) = self.term() {
            condition = condition.add(matches(backend, term));
        }
        condition
    }
}

/// Name or sku contains `term`, ignoring case (simple Unicode folding, see
/// [`like_contains`]), wildcards taken literally.
fn matches(backend: DbBackend, term: &str) -> Condition {
    Condition::any()
        .add(like_contains(backend, Column::Name, term))
        .add(like_contains(backend, Column::Sku, term))
}

/// [`matches`], worded so the database answers it from its trigram index: on SQLite the
/// FTS5 table (whose trigram tokenizer folds case like the match) finds the candidates
/// and the match checks them; PostgreSQL's `pg_trgm` indexes serve the LIKE itself.
fn indexed_matches(backend: DbBackend, term: &str) -> Condition {
    let mut condition = Condition::all();
    if backend == DbBackend::Sqlite && term.chars().count() >= 3 {
        condition = condition.add(Expr::cust_with_values(
            "\"products\".\"id\" IN (SELECT rowid FROM products_search WHERE products_search MATCH ?)",
            [fts_phrase(term)],
        ));
    }
    condition.add(matches(backend, term))
}

/// `term` as one FTS5 phrase: quoted, inner quotes doubled, so no character is syntax.
fn fts_phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// A search with at most this many hits is answered from the trigram index: the hits
/// are read (id, date, active), sorted here, and the page fetched by id. With more, the
/// hits are dense, so walking the newest-first index finds a page quickly, and the count
/// stops at the contract's cap anyway. (At 1,000 a term with a few thousand hits in a
/// million products walked, and counted, most of the table.)
const FEW_HITS: u64 = PageOf::<Product>::TOTAL_CAP;

/// One page of products, newest first (after `after`, a cursor's position, when given),
/// the total count, and whether more follow. Neither a plain list nor a search reads the
/// whole table where the database has the index (see the README's "Large catalogs"): a
/// plain list's total comes from `catalog_counts`, and a cursor page seeks in the
/// newest-first index instead of skipping rows.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &ListFilter,
    page: &Pagination,
    after: Option<Keyset>,
) -> Result<Listing, DbErr> {
    let backend = db.get_database_backend();
    let mut total_capped = false;
    // The common trigrams of a dense search on MySQL/MariaDB (see `search_index`).
    let mut dense_trigrams: Vec<String> = Vec::new();
    let total = match filter.term() {
        None if after.is_some() || page.offset() < DEEP_OFFSET => {
            return near_the_top(db, filter, page, after).await;
        }
        None => counts::get(db, filter.include_inactive).await?,
        Some(term) => {
            let plan = search_index::plan(db, term).await?;
            if let Plan::Dense(trigrams, rarest) = &plan
                && *rarest <= search_index::WALK_BEYOND
            {
                dense_trigrams = trigrams.clone();
            }
            if let Some(found) = search_few(db, filter, term, &plan, page, after).await? {
                return Ok(found);
            }
            // A search counts its hits up to the cap only (contract v2); on MySQL/MariaDB
            // through the side table's common trigrams rather than in table order.
            let counted = search_index::joined_with_trigrams(
                Entity::find().filter(filter.condition(backend)),
                (Entity, Column::Id),
                &dense_trigrams,
            )
            .limit(PageOf::<Product>::TOTAL_CAP + 1)
            .count(db)
            .await?;
            total_capped = counted > PageOf::<Product>::TOTAL_CAP;
            counted.min(PageOf::<Product>::TOTAL_CAP)
        }
    };
    let empty = |total| Listing {
        items: Vec::new(),
        total,
        total_capped,
        more: false,
    };
    let newest_first = |query: Select<Entity>| {
        // With a dense search's trigrams joined, the database chooses: walk the
        // newest-first index checking them, or read their postings and sort.
        let query =
            search_index::joined_with_trigrams(query, (Entity, Column::Id), &dense_trigrams);
        let mut query = query.filter(filter.condition(backend));
        if let Some(key) = after {
            query = query.filter(key.older(backend, Column::CreatedAt, Column::Id));
        }
        query
            .order_by_desc(Column::CreatedAt)
            .order_by_desc(Column::Id)
    };
    // One more than a page says whether another follows.
    let wanted = page.per_page + 1;
    let mut items = if after.is_some() || page.offset() < DEEP_OFFSET {
        if after.is_none() && page.offset() >= total && !total_capped {
            return Ok(empty(total));
        }
        let skip = if after.is_some() { 0 } else { page.offset() };
        newest_first(Entity::find())
            .offset(skip)
            .limit(wanted)
            .all(db)
            .await?
    } else {
        if page.offset() >= total && !total_capped {
            return Ok(empty(total));
        }
        // A deep page: skip rows in the index alone (MySQL and PostgreSQL would otherwise
        // read every skipped row), then read the page's rows by id.
        let ids: Vec<i64> = newest_first(Entity::find().select_only().column(Column::Id))
            .offset(page.offset())
            .limit(wanted)
            .into_tuple()
            .all(db)
            .await?;
        let mut items = Entity::find().filter(Column::Id.is_in(ids)).all(db).await?;
        items.sort_unstable_by_key(|p| std::cmp::Reverse((p.created_at, p.id)));
        items
    };
    let more = items.len() as u64 > page.per_page;
    items.truncate(page.per_page as usize);
    Ok(Listing {
        items,
        total,
        total_capped,
        more,
    })
}

/// A product and the total of its list, read together.
struct Counted(Product, i64);

impl FromQueryResult for Counted {
    fn from_query_result(row: &sea_orm::QueryResult, prefix: &str) -> Result<Self, DbErr> {
        Ok(Counted(
            Product::from_query_result(row, prefix)?,
            row.try_get(prefix, "list_total")?,
        ))
    }
}

/// The `(is_active, created_at DESC, id DESC)` index of migration 000201.
const ACTIVE_NEWEST_INDEX: &str = "products_active_newest";

/// A plain list's page near its top (or after a cursor) and its total, in one statement:
/// the total is a subquery on `catalog_counts`.
async fn near_the_top<C: ConnectionTrait>(
    db: &C,
    filter: &ListFilter,
    page: &Pagination,
    after: Option<Keyset>,
) -> Result<Listing, DbErr> {
    let backend = db.get_database_backend();
    let mut query = Entity::find()
        .filter(filter.condition(backend))
        .column_as(counts::total_expr(filter.include_inactive), "list_total");
    let skip = match after {
        Some(key) => {
            query = query.filter(key.older(backend, Column::CreatedAt, Column::Id));
            if backend == DbBackend::MySql && !filter.include_inactive {
                // MariaDB prefers reading the `is_active` prefix in order and filtering
                // (50,000 rows for a page that deep) to seeking to the key in the same
                // index: it estimates both as the whole index.
                QueryTrait::query(&mut query)
                    .force_index(Alias::new(ACTIVE_NEWEST_INDEX), IndexHintScope::All);
            }
            0
        }
        None => page.offset(),
    };
    let rows: Vec<Counted> = query
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .offset(skip)
        .limit(page.per_page + 1)
        .into_model::<Counted>()
        .all(db)
        .await?;
    let total = match rows.first() {
        Some(Counted(_, total)) => u64::try_from(*total).unwrap_or(0),
        // Past the end: no row carries the total.
        None => counts::get(db, filter.include_inactive).await?,
    };
    let mut items: Vec<Product> = rows.into_iter().map(|Counted(p, _)| p).collect();
    let more = items.len() as u64 > page.per_page;
    items.truncate(page.per_page as usize);
    Ok(Listing {
        items,
        total,
        total_capped: false,
        more,
    })
}

/// A page of products as [`list`] finds it.
#[derive(Debug, Clone)]
pub struct Listing {
    pub items: Vec<Product>,
    /// All matching products, or [`PageOf::TOTAL_CAP`] when `total_capped`.
    pub total: u64,
    pub total_capped: bool,
    /// Whether products follow the page.
    pub more: bool,
}

/// From this many rows skipped on, a page is read in two steps (ids, then rows).
const DEEP_OFFSET: u64 = 200;

#[derive(Debug, FromQueryResult)]
struct Hit {
    id: i64,
    created_at: TimeDateTimeWithTimeZone,
    is_active: bool,
}

/// The page of a search answered from a trigram index: on MySQL/MariaDB whenever the
/// side table narrows it down (see [`search_index`]), elsewhere when it has at most
/// [`FEW_HITS`] hits. `None`: the hits are dense; the caller walks the newest-first index.
async fn search_few<C: ConnectionTrait>(
    db: &C,
    filter: &ListFilter,
    term: &str,
    plan: &Plan,
    page: &Pagination,
    after: Option<Keyset>,
) -> Result<Option<Listing>, DbErr> {
    let backend = db.get_database_backend();
    let hits = match plan {
        // MySQL/MariaDB: the side table (see `search_index`), checked with the exact match.
        Plan::NoHit => Vec::new(),
        Plan::Few(windows) if backend == DbBackend::Postgres => {
            rare_window_hits(db, term, windows).await?
        }
        Plan::Few(trigrams) => {
            let query = Entity::find().select_only().columns([
                Column::Id,
                Column::CreatedAt,
                Column::IsActive,
            ]);
            search_index::having_trigrams(query, (Entity, Column::Id), trigrams)
                .filter(matches(backend, term))
                .into_model::<Hit>()
                .all(db)
                .await?
        }
        Plan::Dense(..) => return Ok(None),
        Plan::Unindexed => match indexed_hits(db, term).await? {
            Some(hits) => hits,
            None => return Ok(None),
        },
    };
    Ok(Some(page_of_hits(db, filter, hits, page, after).await?))
}

/// Up to [`FEW_HITS`] hits through the database's own trigram index (a scan where there
/// is none); `None` if there are more.
async fn indexed_hits<C: ConnectionTrait>(db: &C, term: &str) -> Result<Option<Vec<Hit>>, DbErr> {
    let backend = db.get_database_backend();
    // No is_active filter and no ORDER BY here: either would tempt the planner into
    // walking the newest-first index instead of the trigram one.
    let mut statement = Entity::find()
        .select_only()
        .columns([Column::Id, Column::CreatedAt, Column::IsActive])
        .filter(indexed_matches(backend, term))
        .build(backend);
    let limit = FEW_HITS + 1;
    statement.sql = if backend == DbBackend::Postgres {
        // PostgreSQL plans a LIMIT near its (rough) guess of the hit count as a sequential
        // scan; a materialized CTE is planned on its own, with the index, and still
        // stops early.
        format!(
            "WITH hits AS MATERIALIZED ({}) SELECT * FROM hits LIMIT {limit}",
            statement.sql
        )
    } else {
        format!("{} LIMIT {limit}", statement.sql)
    };
    let hits = Hit::find_by_statement(statement).all(db).await?;
    Ok((hits.len() as u64 <= FEW_HITS).then_some(hits))
}

/// PostgreSQL: the hits among the products whose name or sku has every one of `windows`
/// (the term's rarest, see [`search_index::plan`]), which `pg_trgm`'s indexes find from
/// short posting lists; the exact match is checked on those candidates alone. Handed the
/// whole term, the index would also walk the posting lists of its common trigrams (`pro`
/// of "Product 1234" is in every product): 15 ms a search at a million products, not 1.
async fn rare_window_hits<C: ConnectionTrait>(
    db: &C,
    term: &str,
    windows: &[String],
) -> Result<Vec<Hit>, DbErr> {
    let backend = db.get_database_backend();
    let has_windows = |column: Column| {
        windows.iter().fold(Condition::all(), |all, window| {
            all.add(like_contains(backend, column, window))
        })
    };
    let candidates = Entity::find()
        .select_only()
        .columns([
            Column::Id,
            Column::CreatedAt,
            Column::IsActive,
            Column::Name,
            Column::Sku,
        ])
        .filter(
            Condition::any()
                .add(has_windows(Column::Name))
                .add(has_windows(Column::Sku)),
        )
        .into_query();
    // Materialized, so the planner can't hand the exact match to the index as well.
    let table = Alias::new("candidates");
    // `matches` names its columns unqualified, so it reads the CTE's.
    let exact = Query::select()
        .columns([Column::Id, Column::CreatedAt, Column::IsActive])
        .from(table.clone())
        .cond_where(matches(backend, term))
        .to_owned();
    let query = Query::with()
        .cte(
            CommonTableExpression::new()
                .query(candidates)
                .table_name(table)
                .materialized(true)
                .to_owned(),
        )
        .to_owned()
        .query(exact);
    Hit::find_by_statement(backend.build(&query)).all(db).await
}

/// The page of `hits` (all of a search's hits, any order) that `page` or `after` asks for.
async fn page_of_hits<C: ConnectionTrait>(
    db: &C,
    filter: &ListFilter,
    mut hits: Vec<Hit>,
    page: &Pagination,
    after: Option<Keyset>,
) -> Result<Listing, DbErr> {
    hits.retain(|hit| filter.include_inactive || hit.is_active);
    hits.sort_unstable_by_key(|hit| std::cmp::Reverse((hit.created_at, hit.id)));
    let total = hits.len() as u64;
    let start = match after {
        Some(key) => hits
            .iter()
            .position(|hit| key.is_before(hit.created_at, hit.id))
            .unwrap_or(hits.len()),
        None => usize::try_from(page.offset())
            .unwrap_or(usize::MAX)
            .min(hits.len()),
    };
    let rest = &hits[start..];
    let per_page = usize::try_from(page.per_page).unwrap_or(usize::MAX);
    let ids: Vec<i64> = rest.iter().take(per_page).map(|hit| hit.id).collect();
    let more = rest.len() > per_page;
    let mut items = if ids.is_empty() {
        Vec::new()
    } else {
        Entity::find().filter(Column::Id.is_in(ids)).all(db).await?
    };
    items.sort_unstable_by_key(|p| std::cmp::Reverse((p.created_at, p.id)));
    Ok(Listing {
        items,
        total,
        total_capped: false,
        more,
    })
}

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
        Box::pin(async move {
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
        })
    })
    .await
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
