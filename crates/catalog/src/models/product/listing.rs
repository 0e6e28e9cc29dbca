//! Lists of products, newest first: a plain list from the newest-first index and the
//! `catalog_counts` total, a search by the strategy its hits call for ([`super::search`]).

use sea_orm::Select;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::extension::mysql::{IndexHintScope, MySqlSelectStatementExt};
use sea_orm::sea_query::{Alias, Condition};
use sea_orm::{DbBackend, FromQueryResult, QueryOrder, QuerySelect, QueryTrait};
use web::cursor::Keyset;
use web::{PageOf, Pagination};

use super::super::counts;
use super::super::search_index::{self, Plan};
use super::search::{matches, search_few};
use super::{Column, Entity, Product};

/// Which products a list shows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Case-insensitive substring of the name or the sku; `%` and `_` match literally.
    pub search: Option<String>,
    pub include_inactive: bool,
}

impl ListFilter {
    /// The search term, trimmed; `None` when there is nothing to search for.
    pub fn term(&self) -> Option<&str> {
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

/// One page of products, newest first (after `after`, a cursor's position, when given),
/// the total count, and whether more follow. Neither a plain list nor a search reads the
/// whole table where the database has the index ("Large catalogs" in the guide's
/// docs/src/topics/performance.md): a
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
