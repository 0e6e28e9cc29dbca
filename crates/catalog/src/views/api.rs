//! The catalog JSON API: a public list and detail, staff create/update/delete.

use accounts::{CurrentUser, RequireStaff};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use web::{Cache, Db, Error, Id, Json, PageOf, Pagination, Query};

use crate::forms::ProductInput;
use crate::models::product::{self, ListFilter, Product};

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub q: Option<String>,
    pub include_inactive: Option<String>,
}

fn truthy(value: Option<&str>) -> bool {
    matches!(
        value.map(|v| v.trim().to_ascii_lowercase()).as_deref(),
        Some("true" | "1" | "yes" | "on")
    )
}

fn not_found() -> Error {
    Error::not_found("No product with that id.")
}

/// `GET /api/catalog/products`: active products, newest first; `?q=` searches name and
/// sku; staff may add `?include_inactive=true`. Served from the cache while no data changed.
pub async fn list(
    cache: Cache,
    Db(db): Db,
    CurrentUser(user): CurrentUser,
    pagination: Pagination,
    Query(query): Query<ListQuery>,
) -> Result<Response, Error> {
    let is_staff = user.is_some_and(|u| u.is_staff);
    let filter = ListFilter {
        search: query.q,
        include_inactive: is_staff && truthy(query.include_inactive.as_deref()),
    };
    let key = format!(
        "catalog:list:{}:{}:{}:{}",
        pagination.page,
        pagination.per_page,
        filter.include_inactive,
        filter.search.as_deref().map(str::trim).unwrap_or_default()
    );
    cache
        .json(key, || async {
            let (items, total) = product::list(&db, &filter, pagination).await?;
            Ok(PageOf::new(items, pagination, total))
        })
        .await
}

/// `GET /api/catalog/products/{id}`: inactive products exist only for staff.
pub async fn detail(
    cache: Cache,
    Db(db): Db,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
) -> Result<Response, Error> {
    let is_staff = user.is_some_and(|u| u.is_staff);
    cache
        .json(format!("catalog:detail:{id}:{is_staff}"), || async {
            match product::find(&db, id).await? {
                Some(p) if p.is_active || is_staff => Ok(p),
                _ => Err(not_found()),
            }
        })
        .await
}

/// `POST /api/catalog/products` (staff) → 201.
pub async fn create(
    Db(db): Db,
    RequireStaff(_): RequireStaff,
    Json(input): Json<ProductInput>,
) -> Result<(StatusCode, Json<Product>), Error> {
    let new = input.into_new().map_err(Error::validation)?;
    let created = product::create(&db, new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `PATCH /api/catalog/products/{id}` (staff): a partial update.
pub async fn update(
    Db(db): Db,
    RequireStaff(_): RequireStaff,
    Id(id): Id,
    Json(input): Json<ProductInput>,
) -> Result<Json<Product>, Error> {
    let existing = product::find(&db, id).await?.ok_or_else(not_found)?;
    let changes = input.into_changes().map_err(Error::validation)?;
    Ok(Json(product::update(&db, existing, changes).await?))
}

/// `DELETE /api/catalog/products/{id}` (staff) → 204; a product in an order is
/// deactivated instead of removed.
pub async fn delete(
    Db(db): Db,
    RequireStaff(_): RequireStaff,
    Id(id): Id,
) -> Result<StatusCode, Error> {
    match product::delete(&db, id).await? {
        Some(_) => Ok(StatusCode::NO_CONTENT),
        None => Err(not_found()),
    }
}
