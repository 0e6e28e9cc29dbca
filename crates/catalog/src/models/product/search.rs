//! Searches by name or sku, per database: SQLite's FTS5 trigram table and PostgreSQL's
//! `pg_trgm` indexes answer [`indexed_matches`] (PostgreSQL through the term's rarest
//! windows, [`rare_window_hits`]); MySQL/MariaDB go through the side table of
//! [`search_index`]. A search with few hits is read whole and paged here; a dense one
//! walks the newest-first index ([`super::listing`]).

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Alias, CommonTableExpression, Condition, Expr, Query};
use sea_orm::{DbBackend, FromQueryResult, QuerySelect, QueryTrait};
use web::cursor::Keyset;
use web::db::like_contains;
use web::{PageOf, Pagination};

use super::super::search_index::{self, Plan};
use super::listing::{ListFilter, Listing};
use super::{Column, Entity, Product};

/// Name or sku contains `term`, ignoring case (simple Unicode folding, see
/// [`like_contains`]), wildcards taken literally.
pub(super) fn matches(backend: DbBackend, term: &str) -> Condition {
    Condition::any()
        .add(like_contains(backend, Column::Name, term))
        .add(like_contains(backend, Column::Sku, term))
}

/// [`matches`], worded so the database answers it from its trigram index: on SQLite the
/// FTS5 table (whose trigram tokenizer folds case like the match) finds the candidates
/// and the match checks them; PostgreSQL's `pg_trgm` indexes serve the LIKE itself.
pub(super) fn indexed_matches(backend: DbBackend, term: &str) -> Condition {
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
pub(super) const FEW_HITS: u64 = PageOf::<Product>::TOTAL_CAP;

#[derive(Debug, FromQueryResult)]
struct Hit {
    id: i64,
    created_at: TimeDateTimeWithTimeZone,
    is_active: bool,
}

/// The page of a search answered from a trigram index: on MySQL/MariaDB whenever the
/// side table narrows it down (see [`search_index`]), elsewhere when it has at most
/// [`FEW_HITS`] hits. `None`: the hits are dense; the caller walks the newest-first index.
pub(super) async fn search_few<C: ConnectionTrait>(
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
