//! Substring search through a term's rarest trigrams.
//!
//! On MySQL/MariaDB, which have no n-gram index of their own: the
//! `product_search_trigrams` side table (migration `m20261201_000205`) and its
//! per-trigram counts, written in the same transaction as the product, and the query that
//! finds a search's candidates through its rarest trigrams. On PostgreSQL the counts only
//! (migration `m20261201_000206`, kept by triggers): `pg_trgm`'s index is handed the rarest
//! windows instead of the whole term, whose common trigrams it would otherwise walk. The
//! candidates are then checked with the exact match ([`super::product`]'s `matches`), so
//! the index only has to be a superset. SQLite's FTS5 needs neither; there these functions
//! do nothing.
//!
//! Only windows of three ASCII characters are indexed and looked up: ASCII lowercases the
//! same in Rust and in the database, so a term's windows are exactly windows of what the
//! database compares (`LOWER(name) LIKE LOWER(term)`). A term without one (shorter than
//! three, or no three ASCII characters in a row) is answered by a scan.

use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, IntoColumnRef, JoinType, Query};
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, DeriveIden, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect, Select, Statement, Value,
};

/// A posting list longer than this is not read: when even a term's rarest trigram is
/// this common, its hits are dense and the newest-first walk finds a page sooner. At most
/// the contract's cap, so a total from the index is exact.
const MAX_POSTINGS: u64 = 10_000;
/// Trigrams intersected at most (the rarest ones).
const INTERSECTED: usize = 3;

/// Windows of the given products (`WHERE` on `p.id`), ready for `INSERT IGNORE`.
fn index_statement(products: &str) -> String {
    format!(
        "INSERT IGNORE INTO product_search_trigrams (trigram, product_id) \
         SELECT w.trigram, w.id FROM ( \
           SELECT p.id, SUBSTRING(LOWER(p.name), n.n, 3) AS trigram \
             FROM products p JOIN product_search_positions n ON n.n <= CHAR_LENGTH(p.name) - 2 \
             WHERE {products} \
           UNION \
           SELECT p.id, SUBSTRING(LOWER(p.sku), n.n, 3) \
             FROM products p JOIN product_search_positions n ON n.n <= CHAR_LENGTH(p.sku) - 2 \
             WHERE {products} \
         ) w WHERE LENGTH(w.trigram) = 3"
    )
}

fn mysql(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::MySql
}

/// Adds `sign` (1 or -1) to the counts of the trigrams of the products `WHERE`
/// `product_id` …, in trigram order (concurrent writers lock the rows in one order).
fn count_statement(products: &str, sign: i8) -> String {
    format!(
        "INSERT INTO product_search_trigram_counts (trigram, products) \
         SELECT trigram, {sign} * COUNT(*) FROM product_search_trigrams WHERE {products} \
         GROUP BY trigram ORDER BY trigram \
         ON DUPLICATE KEY UPDATE products = products + VALUES(products)"
    )
}

async fn run<C: ConnectionTrait>(db: &C, sql: &str, values: &[i64]) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::MySql,
        sql,
        values.iter().map(|&v| Value::from(v)),
    ))
    .await
    .map(|_| ())
}

/// (Re)indexes one product, after its insert or a change of its name or sku.
pub async fn reindex<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), DbErr> {
    if !mysql(db) {
        return Ok(());
    }
    forget(db, id).await?;
    run(db, &index_statement("p.id = ?"), &[id, id]).await?;
    run(db, &count_statement("product_id = ?", 1), &[id]).await
}

/// Removes a deleted product's trigrams.
pub async fn forget<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), DbErr> {
    if !mysql(db) {
        return Ok(());
    }
    run(db, &count_statement("product_id = ?", -1), &[id]).await?;
    run(
        db,
        "DELETE FROM product_search_trigrams WHERE product_id = ?",
        &[id],
    )
    .await
}

/// PostgreSQL's counting triggers stand aside for the rest of the transaction, until
/// [`rebuild`] counts every product once (a load that writes many batches).
pub async fn defer_counting<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("SELECT set_config('catalog.search_counts_deferred', 'on', true)")
            .await?;
    }
    Ok(())
}

/// Indexes every product again from scratch (after a bulk load that bypassed the
/// per-product writes: `loaddata`): MariaDB's trigrams and their counts, PostgreSQL's
/// counts (its triggers stood aside, [`defer_counting`]); SQLite's FTS5 kept up row by row.
pub async fn rebuild<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("SELECT set_config('catalog.search_counts_deferred', 'off', true)")
            .await?;
        db.execute_unprepared("DELETE FROM product_search_trigram_counts")
            .await?;
        let all = "FROM products";
        db.execute_unprepared(&format!(
            "SELECT product_search_count( \
               (SELECT array_agg(name ORDER BY id) {all}), \
               (SELECT array_agg(sku ORDER BY id) {all}), \
               (SELECT array_agg(id ORDER BY id) {all}), '{{}}', '{{}}', '{{}}')"
        ))
        .await?;
        return Ok(());
    }
    if !mysql(db) {
        return Ok(());
    }
    db.execute_unprepared("DELETE FROM product_search_trigram_counts")
        .await?;
    db.execute_unprepared("DELETE FROM product_search_trigrams")
        .await?;
    let newest = newest_product(db).await?;
    let mut from: i64 = 1;
    while from <= newest {
        let to = Ord::min(from + 9_999, newest);
        index_range(db, from, to).await?;
        from = to + 1;
    }
    Ok(())
}

/// The highest product id (0 for none).
async fn newest_product<C: ConnectionTrait>(db: &C) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COALESCE(MAX(id), 0) AS newest FROM products",
        ))
        .await?;
    row.map_or(Ok(0), |row| row.try_get("", "newest"))
}

/// Keeps the search index right through a bulk load (`seed`) in one transaction:
/// MySQL/MariaDB index each batch as it lands; PostgreSQL's triggers stand aside and the
/// new products are counted once at the end (see migration 000206 for why). Nothing to
/// do on SQLite, whose FTS5 triggers index row by row.
pub struct BulkLoad {
    /// Products with a higher id are the load's.
    before: i64,
    /// Products up to this id are indexed (MySQL/MariaDB).
    indexed: i64,
}

impl BulkLoad {
    pub async fn start<C: ConnectionTrait>(txn: &C) -> Result<BulkLoad, DbErr> {
        let backend = txn.get_database_backend();
        if backend == DbBackend::Sqlite {
            return Ok(BulkLoad {
                before: 0,
                indexed: 0,
            });
        }
        if backend == DbBackend::Postgres {
            txn.execute_unprepared(
                "SELECT set_config('catalog.search_counts_deferred', 'on', true)",
            )
            .await?;
        }
        let before = newest_product(txn).await?;
        Ok(BulkLoad {
            before,
            indexed: before,
        })
    }

    /// After each batch of inserts.
    pub async fn inserted<C: ConnectionTrait>(&mut self, txn: &C) -> Result<(), DbErr> {
        if !mysql(txn) {
            return Ok(());
        }
        let newest = newest_product(txn).await?;
        index_range(txn, self.indexed + 1, newest).await?;
        self.indexed = newest;
        Ok(())
    }

    /// After the last batch, before the commit.
    pub async fn finish<C: ConnectionTrait>(self, txn: &C) -> Result<(), DbErr> {
        if txn.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        txn.execute_unprepared("SELECT set_config('catalog.search_counts_deferred', 'off', true)")
            .await?;
        let new = "FROM products WHERE id > $1";
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT product_search_count( \
                   (SELECT array_agg(name ORDER BY id) {new}), \
                   (SELECT array_agg(sku ORDER BY id) {new}), \
                   (SELECT array_agg(id ORDER BY id) {new}), '{{}}', '{{}}', '{{}}')"
            ),
            [Value::from(self.before)],
        ))
        .await
        .map(|_| ())
    }
}

/// Indexes the new products with ids in `from..=to` (a bulk load).
async fn index_range<C: ConnectionTrait>(db: &C, from: i64, to: i64) -> Result<(), DbErr> {
    if from > to {
        return Ok(());
    }
    run(
        db,
        &index_statement("p.id BETWEEN ? AND ?"),
        &[from, to, from, to],
    )
    .await?;
    run(
        db,
        &count_statement("product_id BETWEEN ? AND ?", 1),
        &[from, to],
    )
    .await
}

/// The distinct ASCII trigrams of `term`, lowercased, in order of appearance.
pub fn term_trigrams(term: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for run in term.split(|c: char| !c.is_ascii()) {
        let lower = run.to_ascii_lowercase();
        for window in lower.as_bytes().windows(3) {
            let trigram = String::from_utf8_lossy(window).into_owned();
            if !found.contains(&trigram) {
                found.push(trigram);
            }
        }
    }
    found
}

#[derive(Debug, FromQueryResult)]
struct Postings {
    trigram: String,
    size: i64,
}

/// How the side table answers a search term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Neither MySQL nor PostgreSQL, or the term has no counted window: the database's own
    /// index (or a scan) answers.
    Unindexed,
    /// Some trigram of the term is in no product: no hit.
    NoHit,
    /// The products having these trigrams (rarest first) are few: read them all.
    Few(Vec<String>),
    /// Even the rarest trigram is common (this many products have it): the hits are
    /// likely dense.
    Dense(Vec<String>, u64),
}

/// Up to this many postings, a dense search still reads its rarest trigram's products
/// and sorts them; beyond, its hits are everywhere and the newest-first walk finds a page
/// within a few rows.
pub const WALK_BEYOND: u64 = 200_000;

/// The windows of `term` that `product_search_trigram_counts` counts on this backend:
/// every ASCII window on MySQL/MariaDB (the side table's own), windows of ASCII letters and
/// digits on PostgreSQL (the ones `pg_trgm` indexes whatever surrounds them, migration
/// 000206), none elsewhere.
fn counted_windows(backend: DbBackend, term: &str) -> Vec<String> {
    let windows = term_trigrams(term);
    match backend {
        DbBackend::MySql => windows,
        DbBackend::Postgres => windows
            .into_iter()
            .filter(|w| w.bytes().all(|b| b.is_ascii_alphanumeric()))
            .collect(),
        _ => Vec::new(),
    }
}

#[derive(DeriveIden)]
enum ProductSearchTrigramCounts {
    Table,
    Trigram,
    Products,
}

/// Looks up how many products have each of the term's windows and picks the rarest. On
/// PostgreSQL only `Few` and `NoHit` change what is done: a term without a rare window
/// goes to `pg_trgm` whole, as before (`Unindexed`).
pub async fn plan<C: ConnectionTrait>(db: &C, term: &str) -> Result<Plan, DbErr> {
    let backend = db.get_database_backend();
    let trigrams = counted_windows(backend, term);
    if trigrams.is_empty() {
        return Ok(Plan::Unindexed);
    }
    let lookup = Query::select()
        .expr_as(
            Expr::col(ProductSearchTrigramCounts::Trigram),
            Alias::new("trigram"),
        )
        .expr_as(
            Expr::col(ProductSearchTrigramCounts::Products),
            Alias::new("size"),
        )
        .from(ProductSearchTrigramCounts::Table)
        .and_where(Expr::col(ProductSearchTrigramCounts::Trigram).is_in(trigrams.iter().cloned()))
        .and_where(Expr::col(ProductSearchTrigramCounts::Products).gt(0))
        .to_owned();
    let mut postings = Postings::find_by_statement(backend.build(&lookup))
        .all(db)
        .await?;
    if postings.len() < trigrams.len() {
        return Ok(Plan::NoHit);
    }
    postings.sort_by_key(|p| p.size);
    let rarest = u64::try_from(postings[0].size).unwrap_or(0);
    let few = rarest <= MAX_POSTINGS;
    let chosen = postings
        .into_iter()
        .take(INTERSECTED)
        .map(|p| p.trigram)
        .collect();
    Ok(match backend {
        _ if few => Plan::Few(chosen),
        DbBackend::MySql => Plan::Dense(chosen, rarest),
        _ => Plan::Unindexed,
    })
}

#[derive(DeriveIden)]
enum SearchTrigrams {
    #[sea_orm(iden = "product_search_trigrams")]
    Table,
    Trigram,
    ProductId,
}

/// The join condition "`alias` is the posting of `trigram` for `product_id`".
fn posting_of(alias: Alias, product_id: impl IntoColumnRef, trigram: &str) -> Condition {
    Condition::all()
        .add(Expr::col((alias.clone(), SearchTrigrams::ProductId)).equals(product_id))
        .add(Expr::col((alias, SearchTrigrams::Trigram)).eq(trigram))
}

/// [`having_trigrams`] for a dense search: the side table joined, so the database may
/// also walk the newest-first index and check each row's trigrams through the primary
/// key (materializing the postings first is slower there).
pub fn joined_with_trigrams<E: EntityTrait>(
    mut query: Select<E>,
    products_id: impl IntoColumnRef + Clone,
    trigrams: &[String],
) -> Select<E> {
    for (n, trigram) in trigrams.iter().enumerate() {
        let alias = Alias::new(format!("t{n}"));
        QuerySelect::query(&mut query).join_as(
            JoinType::InnerJoin,
            SearchTrigrams::Table,
            alias.clone(),
            posting_of(alias, products_id.clone(), trigram),
        );
    }
    query
}

/// Restricts `query` (on `products`) to the products having every one of `trigrams`,
/// rarest first (the rarest with at most [`WALK_BEYOND`] products): `id IN (…)` a
/// subquery that reads the rarest one's postings and checks the others through their
/// primary key, all in the side table's index, so only the survivors' rows are read. No trigrams: `query` unchanged. The caller adds the exact
/// match.
pub fn having_trigrams<E: EntityTrait>(
    query: Select<E>,
    products_id: impl IntoColumnRef,
    trigrams: &[String],
) -> Select<E> {
    let Some((rarest, others)) = trigrams.split_first() else {
        return query;
    };
    let first = Alias::new("t0");
    let mut postings = Query::select();
    postings
        .column((first.clone(), SearchTrigrams::ProductId))
        .from_as(SearchTrigrams::Table, first.clone())
        .and_where(Expr::col((first.clone(), SearchTrigrams::Trigram)).eq(rarest.as_str()));
    for (n, trigram) in others.iter().enumerate() {
        let alias = Alias::new(format!("t{}", n + 1));
        postings.join_as(
            JoinType::InnerJoin,
            SearchTrigrams::Table,
            alias.clone(),
            posting_of(alias, (first.clone(), SearchTrigrams::ProductId), trigram),
        );
    }
    // Wrapped with a LIMIT (never reached: a caller's rarest trigram has at most
    // `WALK_BEYOND` postings) so MariaDB materializes it first instead of merging it into
    // the outer query and reading every candidate's product row before the other
    // trigrams have ruled it out (measured at 1M products: 15 ms instead of 60–160 ms).
    postings.limit(WALK_BEYOND + 1);
    let candidates = Query::select()
        .column(SearchTrigrams::ProductId)
        .from_subquery(postings, Alias::new("candidates"))
        .to_owned();
    query.filter(Expr::col(products_id).in_subquery(candidates))
}

#[cfg(test)]
mod tests {
    use super::term_trigrams;

    #[test]
    fn trigrams_are_lowercased_ascii_windows() {
        assert_eq!(term_trigrams("SKU-1"), ["sku", "ku-", "u-1"]);
        assert_eq!(term_trigrams("aaaa"), ["aaa"]);
        assert!(term_trigrams("ab").is_empty());
        // Non-ASCII characters split the runs: `ber` from `Über`, nothing across `ß`.
        assert_eq!(term_trigrams("Über"), ["ber"]);
        assert!(term_trigrams("aßb").is_empty());
    }
}
