//! The catalog JSON API: a public list and detail, staff create/update/delete.

use accounts::{CurrentUser, RequireStaff};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use web::cursor::{self, Keyset};
use web::openapi::StaffOnly;
use web::{Cache, Db, Error, Id, Json, PageOf, Pagination, Query};

use crate::forms::{ProductCreate, ProductInput};
use crate::models::product::{self, ListFilter, Product};

/// The catalog API's OpenAPI paths, relative to its mount (`/api/catalog`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, detail, create, update, delete),
    tags((name = "catalog", description = "Products: public reads, staff writes."))
)]
pub struct ApiDoc;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Matches name or sku, case-insensitively (`%` and `_` literally).
    pub q: Option<String>,
    /// Staff only (ignored for everyone else): include inactive products.
    pub include_inactive: Option<bool>,
}

fn not_found() -> Error {
    Error::not_found("No product with that id.")
}

/// Active products, newest first; `?q=` searches name and
/// sku; staff may add `?include_inactive=true`. Served from the cache while no data changed.
#[utoipa::path(
    get,
    path = "/products",
    tag = "catalog",
    summary = "List products",
    params(Pagination, ListQuery),
    security((), ("bearer" = [])),
    responses((status = 200, description = "A page of products, newest first.", body = PageOf<Product>))
)]
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
        include_inactive: is_staff && query.include_inactive == Some(true),
    };
    let term = filter.search.as_deref().map(str::trim).unwrap_or_default();
    // The list's fingerprint, made only for a cursor given or one to hand out (a miss).
    let scope = || {
        cursor::scope(
            "catalog:products",
            &[
                ("q", term),
                ("include_inactive", &filter.include_inactive.to_string()),
            ],
        )
    };
    let after = pagination.after(scope)?;
    let key = format!(
        "catalog:list:{}:{}:{term}",
        pagination.cache_key(),
        filter.include_inactive,
    );
    cache
        .json(key, || async {
            let found = product::list(&db, &filter, &pagination, after).await?;
            Ok(PageOf::keyed(
                found.items,
                &pagination,
                found.total,
                found.more,
                &scope(),
                |p| Keyset::of(p.created_at, p.id),
            )
            .with_total_capped(found.total_capped))
        })
        .await
}

/// One product; inactive products exist only for staff.
#[utoipa::path(
    get,
    path = "/products/{id}",
    tag = "catalog",
    summary = "Get a product",
    params(Id),
    security((), ("bearer" = [])),
    responses((status = 200, description = "The product (inactive ones for staff only).", body = Product))
)]
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

/// Creates a product (staff) → 201.
#[utoipa::path(
    post,
    path = "/products",
    tag = "catalog",
    summary = "Create a product (staff)",
    request_body = ProductCreate,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; the slug comes from the name.", body = Product),
        StaffOnly,
        (status = 409, description = "The sku is in use (`sku_taken`).", body = web::error::ErrorBody),
    )
)]
pub async fn create(
    Db(db): Db,
    RequireStaff(_): RequireStaff,
    Json(input): Json<ProductInput>,
) -> Result<(StatusCode, Json<Product>), Error> {
    let new = input.into_new().map_err(Error::validation)?;
    let created = product::create(&db, new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Changes a product (staff): a partial update.
#[utoipa::path(
    patch,
    path = "/products/{id}",
    tag = "catalog",
    summary = "Change a product (staff)",
    params(Id),
    request_body = ProductInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed product.", body = Product),
        StaffOnly,
        (status = 409, description = "The new sku is in use (`sku_taken`).", body = web::error::ErrorBody),
    )
)]
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

/// Deletes a product (staff) → 204; a product in an order is
/// deactivated instead of removed.
#[utoipa::path(
    delete,
    path = "/products/{id}",
    tag = "catalog",
    summary = "Delete a product (staff)",
    description = "A product that appears in an order is deactivated instead, so order history stays intact.",
    params(Id),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted (or deactivated)."),
        StaffOnly,
    )
)]
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
