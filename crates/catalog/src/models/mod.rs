//! The catalog's table and the queries on it.

pub mod counts;
pub mod image;
pub mod old_slug;
pub mod product;
pub mod search_index;
pub mod stock;

pub use product::Product;

/// The tables derived from the products (the counts; on MariaDB the search trigrams),
/// made right again after `loaddata` wrote products without them.
pub fn rebuild_derived(
    txn: &sea_orm::DatabaseTransaction,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), sea_orm::DbErr>> + Send + '_>> {
    Box::pin(async move {
        counts::recount(txn).await?;
        search_index::rebuild(txn).await
    })
}

/// At the start of a load: PostgreSQL's search counts wait for [`rebuild_derived`]
/// (counted once, not statement after statement on the same hot rows).
pub fn before_load(
    txn: &sea_orm::DatabaseTransaction,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), sea_orm::DbErr>> + Send + '_>> {
    Box::pin(search_index::defer_counting(txn))
}

/// The app's entities, for `makemigrations` (registered in the app's `App::install`).
pub fn entities() -> Vec<web_schema::EntitySchema> {
    use web_schema::EntitySchema;
    vec![
        EntitySchema::of::<product::Entity>(),
        EntitySchema::of::<old_slug::Entity>(),
        EntitySchema::of::<counts::Entity>(),
        EntitySchema::of::<image::Entity>(),
    ]
}
