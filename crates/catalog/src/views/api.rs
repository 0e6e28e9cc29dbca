//! The catalog JSON API: a public list and detail; creating, changing and deleting need
//! the product permissions (`catalog.add_product`, …).

use accounts::extract::{Perms, RequirePerm};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use web::cursor::{self, Keyset};
use web::{Db, Dep, Error, Id, Json, PageOf, Pagination, Query};
use web_cache::Cache;
use web_media::MediaStore;
use web_openapi::Forbidden;

use crate::forms::{ProductCreate, ProductInput};
use crate::models::image::{self, WithImages as Product};
use crate::models::product::{self, ListFilter};
use crate::permissions::{AddProduct, ChangeProduct, DeleteProduct, VIEW_PRODUCT};
use crate::search_slots::SearchSlots;

/// The catalog API's OpenAPI paths, relative to its mount (`/api/catalog`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, detail, create, update, delete, super::images::upload, super::images::update, super::images::delete),
    tags((name = "catalog", description = "Products: public reads; writes need the product permissions."))
)]
pub struct ApiDoc;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Matches name or sku, case-insensitively (`%` and `_` literally).
    pub q: Option<String>,
    /// With the permission `catalog.view_product` (ignored for everyone else): include
    /// inactive products.
    pub include_inactive: Option<bool>,
}

fn not_found() -> Error {
    Error::not_found("No product with that id.")
}

/// Active products, newest first; `?q=` searches name and
/// sku; with `catalog.view_product`, `?include_inactive=true` adds inactive ones. Served
/// from the cache while no data changed.
#[utoipa::path(
    get,
    path = "/products",
    tag = "catalog",
    summary = "List products",
    params(Pagination, ListQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of products, newest first.", body = PageOf<Product>),
        (status = 503, description = "Too many searches are running at once (`service_unavailable`, with `Retry-After`; see `catalog.search_concurrency`).", body = web::error::ErrorBody),
    )
)]
pub async fn list(
    cache: Cache,
    db: Db,
    Dep(searches): Dep<SearchSlots>,
    Dep(media): Dep<MediaStore>,
    perms: Perms,
    pagination: Pagination,
    Query(query): Query<ListQuery>,
) -> Result<Response, Error> {
    // The permission is read only when inactive products are asked for: a plain read
    // costs no permission query.
    let include_inactive = query.include_inactive == Some(true) && perms.has(VIEW_PRODUCT).await?;
    let filter = ListFilter {
        search: query.q,
        include_inactive,
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
            let found = searches.list(&db, &filter, &pagination, after).await?;
            let items = image::attach(&db, &media, found.items).await?;
            Ok(
                PageOf::keyed(items, &pagination, found.total, found.more, &scope(), |p| {
                    Keyset::of(p.product.created_at, p.product.id)
                })
                .with_total_capped(found.total_capped),
            )
        })
        .await
}

/// One product; an inactive one only with `catalog.view_product`.
#[utoipa::path(
    get,
    path = "/products/{id}",
    tag = "catalog",
    summary = "Get a product",
    params(Id),
    security((), ("bearer" = [])),
    responses((status = 200, description = "The product (an inactive one only with `catalog.view_product`; else 404).", body = Product))
)]
pub async fn detail(
    cache: Cache,
    db: Db,
    Dep(media): Dep<MediaStore>,
    perms: Perms,
    Id(id): Id,
) -> Result<Response, Error> {
    let answer = |with_inactive: bool| {
        let (db, media) = (db.clone(), media.clone());
        cache.json(
            format!("catalog:detail:{id}:{with_inactive}"),
            move || async move {
                match product::find(&db, id).await? {
                    Some(p) if p.is_active || with_inactive => {
                        image::attach_one(&db, &media, p).await
                    }
                    _ => Err(not_found()),
                }
            },
        )
    };
    match answer(false).await {
        // Only an inactive (or missing) product asks for the permission.
        Err(e) if e.status() == StatusCode::NOT_FOUND && perms.has(VIEW_PRODUCT).await? => {
            answer(true).await
        }
        other => other,
    }
}

/// Creates a product (`catalog.add_product`) → 201.
#[utoipa::path(
    post,
    path = "/products",
    tag = "catalog",
    summary = "Create a product (needs catalog.add_product)",
    request_body = ProductCreate,
    security(("bearer" = ["catalog.add_product"])),
    responses(
        (status = 201, description = "Created; the slug comes from the name.", body = Product),
        Forbidden,
        (status = 409, description = "The sku is in use (`sku_taken`).", body = web::error::ErrorBody),
    )
)]
pub async fn create(
    db: Db,
    _: RequirePerm<AddProduct>,
    Json(input): Json<ProductInput>,
) -> Result<(StatusCode, Json<Product>), Error> {
    let new = input.into_new().map_err(Error::validation)?;
    let product = product::create(&db, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(Product {
            product,
            images: Vec::new(),
        }),
    ))
}

/// Changes a product (`catalog.change_product`): a partial update.
#[utoipa::path(
    patch,
    path = "/products/{id}",
    tag = "catalog",
    summary = "Change a product (needs catalog.change_product)",
    params(Id),
    request_body = ProductInput,
    security(("bearer" = ["catalog.change_product"])),
    responses(
        (status = 200, description = "The changed product.", body = Product),
        Forbidden,
        (status = 409, description = "The new sku is in use (`sku_taken`).", body = web::error::ErrorBody),
    )
)]
pub async fn update(
    db: Db,
    Dep(media): Dep<MediaStore>,
    _: RequirePerm<ChangeProduct>,
    Id(id): Id,
    Json(input): Json<ProductInput>,
) -> Result<Json<Product>, Error> {
    let existing = product::find(&db, id).await?.ok_or_else(not_found)?;
    let changes = input.into_changes().map_err(Error::validation)?;
    let changed = product::update(&db, existing, changes).await?;
    Ok(Json(image::attach_one(&db, &media, changed).await?))
}

/// Deletes a product (`catalog.delete_product`) → 204; a product in an order is
/// deactivated instead of removed.
#[utoipa::path(
    delete,
    path = "/products/{id}",
    tag = "catalog",
    summary = "Delete a product (needs catalog.delete_product)",
    description = "A product that appears in an order is deactivated instead, so order history stays intact.",
    params(Id),
    security(("bearer" = ["catalog.delete_product"])),
    responses(
        (status = 204, description = "Deleted (or deactivated)."),
        Forbidden,
    )
)]
pub async fn delete(
    db: Db,
    _: RequirePerm<DeleteProduct>,
    Id(id): Id,
) -> Result<StatusCode, Error> {
    match product::delete(&db, id).await? {
        Some(_) => Ok(StatusCode::NO_CONTENT),
        None => Err(not_found()),
    }
}
