//! `/api/addresses…`: the signed-in user's address book (bearer). Another user's address
//! is `404`, as if it did not exist.

use accounts::RequireUser;
use http::StatusCode;
use web::cursor::{self, Keyset};
use web::{Db, Error, Id, Json, PageOf, Pagination};

use crate::forms::{AddressCreate, AddressInput};
use crate::models::address::{self, Address, AddressFields};

/// The API's OpenAPI paths, relative to its mount (`/api/addresses`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, detail, create, update, delete),
    tags((name = "addresses", description = "The signed-in user's postal addresses, for shipping."))
)]
pub struct ApiDoc;

pub(crate) fn not_found() -> Error {
    Error::not_found("No address with that id.")
}

/// Your addresses, newest first.
#[utoipa::path(get, path = "", tag = "addresses", summary = "Your addresses", params(Pagination), security(("bearer" = [])),
    responses((status = 200, description = "A page of your addresses, newest first.", body = PageOf<Address>)))]
pub async fn list(
    db: Db,
    RequireUser(user): RequireUser,
    page: Pagination,
) -> Result<Json<PageOf<Address>>, Error> {
    let scope = || cursor::scope("addresses", &[("user", &user.id.to_string())]);
    let after = page.after(scope)?;
    let (items, total, more) = address::list(&db, user.id, &page, after).await?;
    Ok(Json(PageOf::keyed(
        items,
        &page,
        total,
        more,
        &scope(),
        |a| Keyset::of(a.created_at, a.id),
    )))
}

/// One of your addresses.
#[utoipa::path(get, path = "/{id}", tag = "addresses", summary = "One of your addresses", params(Id), security(("bearer" = [])),
    responses(
        (status = 200, description = "The address.", body = Address),
        (status = 404, description = "None of yours has that id.", body = web::error::ErrorBody),
    ))]
pub async fn detail(
    db: Db,
    RequireUser(user): RequireUser,
    Id(id): Id,
) -> Result<Json<Address>, Error> {
    address::find(&db, user.id, id)
        .await?
        .map(Json)
        .ok_or_else(not_found)
}

/// Adds an address → 201.
#[utoipa::path(post, path = "", tag = "addresses", summary = "Add an address", request_body = AddressCreate, security(("bearer" = [])),
    responses(
        (status = 201, description = "The new address.", body = Address),
        (status = 422, description = "A field is missing or invalid (an unknown `country`, a `postal_code` not in the country's format).", body = web::error::ErrorBody),
    ))]
pub async fn create(
    db: Db,
    RequireUser(user): RequireUser,
    Json(input): Json<AddressInput>,
) -> Result<(StatusCode, Json<Address>), Error> {
    let fields = input.validate(None).map_err(Error::validation)?;
    let created = address::create(&db, user.id, fields).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Changes an address (any of its fields; the rest stay).
#[utoipa::path(patch, path = "/{id}", tag = "addresses", summary = "Change one of your addresses", params(Id), request_body = AddressInput, security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed address.", body = Address),
        (status = 404, description = "None of yours has that id.", body = web::error::ErrorBody),
        (status = 422, description = "A field is invalid.", body = web::error::ErrorBody),
    ))]
pub async fn update(
    db: Db,
    RequireUser(user): RequireUser,
    Id(id): Id,
    Json(input): Json<AddressInput>,
) -> Result<Json<Address>, Error> {
    let existing = address::find(&db, user.id, id)
        .await?
        .ok_or_else(not_found)?;
    let fields = input
        .validate(Some(&AddressFields::from(&existing)))
        .map_err(Error::validation)?;
    Ok(Json(address::update(&db, existing, fields).await?))
}

/// Deletes an address → 204 (orders keep their copy).
#[utoipa::path(delete, path = "/{id}", tag = "addresses", summary = "Delete one of your addresses", params(Id), security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "None of yours has that id.", body = web::error::ErrorBody),
    ))]
pub async fn delete(
    db: Db,
    RequireUser(user): RequireUser,
    Id(id): Id,
) -> Result<StatusCode, Error> {
    if address::delete(&db, user.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found())
    }
}
