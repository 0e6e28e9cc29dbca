//! `/addresses/`: the signed-in user's address book on the site (sessions + CSRF).

use std::collections::{BTreeMap, HashMap};

use accounts::RequireUser;
use axum::response::{IntoResponse, Redirect, Response};
use web::{Db, Error, FieldErrors, Form, Id, Page, Pagination, Query, context};
use web_i18n::Language;
use web_sessions::Messages;

use super::api::not_found;
use crate::countries;
use crate::forms::AddressInput;
use crate::models::address::{self, Address, AddressFields};

/// Addresses a page lists (a book rarely holds more).
const PAGE_SIZE: u64 = 100;

fn list_url(page: &Page) -> Result<String, Error> {
    Ok(page.reverser().reverse("addresses:address_list", &[])?)
}

/// The values a form starts with: the address's, or none (a new one).
fn values_of(address: Option<&Address>) -> BTreeMap<&'static str, String> {
    let fields = address.map(AddressFields::from).unwrap_or_default();
    BTreeMap::from([
        ("name", fields.name),
        ("line1", fields.line1),
        ("line2", fields.line2),
        ("city", fields.city),
        ("region", fields.region),
        ("postal_code", fields.postal_code),
        ("country", fields.country),
        ("phone", fields.phone),
    ])
}

/// Where to go after adding an address: a same-site `next` (the cart's checkout sends
/// its buyers here and back), else the address book.
fn after_saving(page: &Page, next: Option<&String>) -> Result<String, Error> {
    match accounts::auth::safe_next(next.map(String::as_str)) {
        Some(next) => Ok(next),
        None => list_url(page),
    }
}

async fn render_form(
    page: Page,
    address: Option<&Address>,
    values: impl serde::Serialize,
    errors: &FieldErrors,
    next: Option<String>,
) -> Result<Response, Error> {
    let status = if errors.is_empty() {
        http::StatusCode::OK
    } else {
        http::StatusCode::UNPROCESSABLE_ENTITY
    };
    page.render_with_status(
        status,
        "addresses/address_form.html",
        context! { address, values, errors, next, countries => countries::all() },
    )
    .await
}

/// `/addresses/`: the book, with each address's country named.
pub async fn list(page: Page, RequireUser(user): RequireUser, db: Db) -> Result<Response, Error> {
    let first = Pagination::lenient(None, PAGE_SIZE);
    let (items, total, _) = address::list(&db, user.id, &first, None).await?;
    let items: Vec<_> = items
        .into_iter()
        .map(|a| {
            let country_name = countries::name(&a.country).unwrap_or_else(|| a.country.clone());
            context! { address => a, country_name }
        })
        .collect();
    page.render("addresses/address_list.html", context! { items, total })
        .await
}

/// `/addresses/new/` (`?next=` a page of this site to go back to once it is added)
pub async fn new_form(
    page: Page,
    RequireUser(_): RequireUser,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Error> {
    let next = accounts::auth::safe_next(query.get("next").map(String::as_str));
    render_form(page, None, values_of(None), &FieldErrors::new(), next).await
}

pub async fn create(
    page: Page,
    RequireUser(user): RequireUser,
    db: Db,
    messages: Messages,
    language: Language,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, Error> {
    match AddressInput::from_form(&form).validate(None) {
        Ok(fields) => {
            address::create(&db, user.id, fields).await?;
            messages.success(language.t("addresses-added")).await?;
            Ok(Redirect::to(&after_saving(&page, form.get("next"))?).into_response())
        }
        Err(errors) => {
            let next = accounts::auth::safe_next(form.get("next").map(String::as_str));
            render_form(page, None, form, &errors, next).await
        }
    }
}

/// `/addresses/{id}/edit/`
pub async fn edit_form(
    page: Page,
    RequireUser(user): RequireUser,
    db: Db,
    Id(id): Id,
) -> Result<Response, Error> {
    let found = address::find(&db, user.id, id)
        .await?
        .ok_or_else(not_found)?;
    render_form(
        page,
        Some(&found),
        values_of(Some(&found)),
        &FieldErrors::new(),
        None,
    )
    .await
}

pub async fn update(
    page: Page,
    RequireUser(user): RequireUser,
    db: Db,
    messages: Messages,
    language: Language,
    Id(id): Id,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, Error> {
    let found = address::find(&db, user.id, id)
        .await?
        .ok_or_else(not_found)?;
    match AddressInput::from_form(&form).validate(None) {
        Ok(fields) => {
            address::update(&db, found, fields).await?;
            messages.success(language.t("addresses-changed")).await?;
            Ok(Redirect::to(&list_url(&page)?).into_response())
        }
        Err(errors) => render_form(page, Some(&found), form, &errors, None).await,
    }
}

/// `POST /addresses/{id}/delete/`
pub async fn delete(
    page: Page,
    RequireUser(user): RequireUser,
    db: Db,
    messages: Messages,
    language: Language,
    Id(id): Id,
) -> Result<Response, Error> {
    if !address::delete(&db, user.id, id).await? {
        return Err(not_found());
    }
    messages.info(language.t("addresses-deleted")).await?;
    Ok(Redirect::to(&list_url(&page)?).into_response())
}
