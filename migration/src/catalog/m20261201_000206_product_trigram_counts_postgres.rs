//! How many products have each trigram, on PostgreSQL too (MySQL/MariaDB got
//! `product_search_trigram_counts` with its side table in migration 000205). `pg_trgm`'s
//! GIN index answers a `LIKE` by intersecting the posting lists of every trigram of the
//! pattern, the common ones included: `pro` of "Product 1234" is in every product, and
//! walking it cost 15 ms per search at a million products. With the counts the catalog
//! hands the index only the term's rarest windows and checks the exact match on what they
//! find (`catalog::models::search_index`).
//!
//! Counted here: each distinct window of three ASCII letters or digits of the lowercased
//! name and sku (the windows `pg_trgm` always indexes for a string that contains them).
//! Statement-level triggers with transition tables keep the counts in the product's own
//! transaction, one aggregated upsert per statement (so `seed`'s batches stay cheap), in
//! trigram order (concurrent writers lock rows in one order); an update writes only the
//! trigrams whose count changed, so stock reservations lock none. A bulk load in one
//! transaction (`seed`) sets `catalog.search_counts_deferred` for that transaction and
//! counts its rows once at the end: a hot row such as `pro`, updated batch after batch
//! in one transaction, grows a chain of row versions that every later update walks.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
CREATE TABLE product_search_trigram_counts (
  trigram TEXT NOT NULL PRIMARY KEY,
  products BIGINT NOT NULL
);

-- The distinct windows of some products' lowercased names and skus.
CREATE FUNCTION product_search_windows(names TEXT[], skus TEXT[], ids BIGINT[])
RETURNS TABLE (id BIGINT, trigram TEXT) LANGUAGE sql IMMUTABLE AS $$
  SELECT DISTINCT p.id, substr(p.s, i, 3)
    FROM (SELECT u.id, lower(u.s) AS s FROM unnest(ids, names) AS u(id, s)
          UNION ALL
          SELECT u.id, lower(u.s) FROM unnest(ids, skus) AS u(id, s)) AS p,
         generate_series(1, length(p.s) - 2) AS i
   WHERE substr(p.s, i, 3) ~ '^[0-9a-z]{3}$'
$$;

-- Adds the windows of `added` and removes those of `removed`, changed counts only.
CREATE FUNCTION product_search_count(added_names TEXT[], added_skus TEXT[], added_ids BIGINT[],
                                     removed_names TEXT[], removed_skus TEXT[], removed_ids BIGINT[])
RETURNS VOID LANGUAGE sql AS $$
  INSERT INTO product_search_trigram_counts AS c (trigram, products)
  SELECT d.trigram, SUM(d.delta)
    FROM (SELECT w.trigram, 1 AS delta FROM product_search_windows(added_names, added_skus, added_ids) AS w
          UNION ALL
          SELECT w.trigram, -1 FROM product_search_windows(removed_names, removed_skus, removed_ids) AS w) AS d
   GROUP BY d.trigram
  HAVING SUM(d.delta) <> 0
   ORDER BY d.trigram
  ON CONFLICT (trigram) DO UPDATE SET products = c.products + EXCLUDED.products
$$;

CREATE FUNCTION products_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('catalog.search_counts_deferred', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM product_search_count(
    (SELECT array_agg(name ORDER BY id) FROM new_rows), (SELECT array_agg(sku ORDER BY id) FROM new_rows),
    (SELECT array_agg(id ORDER BY id) FROM new_rows), '{}', '{}', '{}');
  RETURN NULL;
END $$;

CREATE FUNCTION products_count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('catalog.search_counts_deferred', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM product_search_count(
    (SELECT array_agg(name ORDER BY id) FROM new_rows), (SELECT array_agg(sku ORDER BY id) FROM new_rows),
    (SELECT array_agg(id ORDER BY id) FROM new_rows),
    (SELECT array_agg(name ORDER BY id) FROM old_rows), (SELECT array_agg(sku ORDER BY id) FROM old_rows),
    (SELECT array_agg(id ORDER BY id) FROM old_rows));
  RETURN NULL;
END $$;

CREATE FUNCTION products_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('catalog.search_counts_deferred', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM product_search_count('{}', '{}', '{}',
    (SELECT array_agg(name ORDER BY id) FROM old_rows), (SELECT array_agg(sku ORDER BY id) FROM old_rows),
    (SELECT array_agg(id ORDER BY id) FROM old_rows));
  RETURN NULL;
END $$;

CREATE TRIGGER products_count_inserted AFTER INSERT ON products
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION products_count_inserted();
CREATE TRIGGER products_count_updated AFTER UPDATE ON products
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION products_count_updated();
CREATE TRIGGER products_count_deleted AFTER DELETE ON products
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION products_count_deleted();

-- The products already there.
INSERT INTO product_search_trigram_counts (trigram, products)
SELECT w.trigram, COUNT(*)
  FROM product_search_windows(
         (SELECT array_agg(name ORDER BY id) FROM products),
         (SELECT array_agg(sku ORDER BY id) FROM products),
         (SELECT array_agg(id ORDER BY id) FROM products)) AS w
 GROUP BY w.trigram;
"#;

const DOWN: &str = "
DROP TRIGGER IF EXISTS products_count_inserted ON products;
DROP TRIGGER IF EXISTS products_count_updated ON products;
DROP TRIGGER IF EXISTS products_count_deleted ON products;
DROP FUNCTION IF EXISTS products_count_inserted();
DROP FUNCTION IF EXISTS products_count_updated();
DROP FUNCTION IF EXISTS products_count_deleted();
DROP FUNCTION IF EXISTS product_search_count(TEXT[], TEXT[], BIGINT[], TEXT[], TEXT[], BIGINT[]);
DROP FUNCTION IF EXISTS product_search_windows(TEXT[], TEXT[], BIGINT[]);
DROP TABLE IF EXISTS product_search_trigram_counts;
";

/// Runs `sql` on PostgreSQL; the other databases have nothing to do here.
async fn on_postgres(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    manager
        .get_connection()
        .execute_unprepared(sql)
        .await
        .map(|_| ())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(manager, DOWN).await
    }
}
