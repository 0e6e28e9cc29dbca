//! `/cart/`: the cart page and its forms (sessions + CSRF). A visitor's cart lives in
//! their session until they sign in; checking out needs an account.

use accounts::CurrentUser;
use axum::response::{Redirect, Response};
use payments::orders::delivery::preview;
use payments::orders::totals::Totals;
use payments::orders::{Pricing, Reservations};
use payments::shipping::{Parcel, ShippingChoice};
use serde::Serialize;
use web::{Db, Dep, Error, Form, Id, Page, Query, Reverser, context};
use web_i18n::{Language, args};
use web_sessions::Messages;

use crate::cart::{Contents, line_total};
use crate::checkout::checkout;
use crate::errors::CartError;
use crate::extract::CurrentCart;
use crate::forms::{AddForm, QuantityForm, clean_quantity};
use payments::forms::ShippingForm;

/// A line as the page shows it.
#[derive(Serialize)]
struct PageLine {
    product_id: i64,
    name: String,
    slug: String,
    unit_price_cents: i64,
    quantity: i32,
    line_total_cents: i64,
    available: bool,
}

fn page_lines(contents: &Contents) -> Vec<PageLine> {
    contents
        .lines
        .iter()
        .map(|(line, p)| PageLine {
            product_id: p.id,
            name: p.name.clone(),
            slug: p.slug.clone(),
            unit_price_cents: p.price_cents,
            quantity: line.quantity,
            line_total_cents: line_total(p.price_cents, line.quantity),
            available: p.is_active,
        })
        .collect()
}

/// `/cart/`: the lines; for a signed-in buyer whose cart ships (in a shop that ships),
/// the addresses and methods to choose from, and with a choice (`?shipping_address_id=
/// &shipping_method_id=`) the shipping, tax and total it comes to.
pub async fn cart_detail(
    page: Page,
    db: Db,
    Dep(pricing): Dep<Pricing>,
    CurrentCart(cart): CurrentCart,
    CurrentUser(user): CurrentUser,
    reverser: Reverser,
    Query(choice): Query<ShippingForm>,
) -> Result<Response, Error> {
    let contents = cart.contents(&db).await?;
    let mut preview_of_choice = None;
    let shipping = match (&user, &pricing.shipper.0) {
        (Some(user), Some(provider)) if contents.ships() => {
            let parcel = parcel_of(&contents, user.id);
            let options = provider.options(&db, &parcel).await?;
            let chosen = choice.shipping();
            if let (Some(address_id), Some(method_id)) = (chosen.address_id, chosen.method_id) {
                let line_totals: Vec<i64> = page_lines(&contents)
                    .iter()
                    .map(|l| l.line_total_cents)
                    .collect();
                let choice = ShippingChoice {
                    address_id,
                    method_id,
                };
                preview_of_choice = Some(
                    match preview(&db, &pricing, &parcel, &line_totals, choice).await {
                        Ok((shipment, totals)) => ShippingPreview {
                            method: Some(shipment.method_name),
                            totals: Some(totals),
                            problem: None,
                        },
                        Err(e) if e.status().is_client_error() => ShippingPreview {
                            method: None,
                            totals: None,
                            problem: Some(refusal(CartError::Other(e))?),
                        },
                        Err(e) => return Err(e),
                    },
                );
            }
            Some(context! {
                addresses => options.addresses,
                methods => options.methods,
                address_id => chosen.address_id,
                method_id => chosen.method_id,
                // The address book's page, when that app is installed.
                new_address_url => reverser.reverse("addresses:address_new", &[]).ok(),
            })
        }
        _ => None,
    };
    page.render(
        "cart/cart_detail.html",
        context! {
            lines => page_lines(&contents),
            total_cents => contents.total_cents(),
            currency => contents.currency(),
            shipping,
            preview => preview_of_choice,
        },
    )
    .await
}

/// What a shipping choice comes to, as the cart page shows it: the method and the
/// totals, or why it cannot ship.
#[derive(Serialize)]
struct ShippingPreview {
    method: Option<String>,
    totals: Option<Totals>,
    problem: Option<String>,
}

/// The cart's parcel for `user_id`.
fn parcel_of(contents: &Contents, user_id: i64) -> Parcel {
    Parcel {
        user_id,
        currency: contents.currency().to_owned(),
        weight_grams: contents.shipped_weight_grams(),
    }
}

/// The message a refused change shows (its reason, in words).
fn refusal(e: CartError) -> Result<String, Error> {
    match e {
        CartError::Other(e) if !e.status().is_client_error() => Err(e),
        CartError::Other(e) => Ok(e.first_message().to_owned()),
        CartError::BadQuantity => Ok(format!(
            "Choose a quantity from 1 to {}.",
            payments::orders::MAX_QUANTITY
        )),
        other => Ok(other.to_string()),
    }
}

/// The product page's "Add to cart": back to the product with a message.
pub async fn cart_add(
    db: Db,
    CurrentCart(cart): CurrentCart,
    messages: Messages,
    language: Language,
    reverser: Reverser,
    Form(form): Form<AddForm>,
) -> Result<Redirect, Error> {
    let product = match web::forms::clean_id(&form.product_id) {
        Some(id) => catalog::models::product::find(&db, id)
            .await?
            .filter(|p| p.is_active),
        None => None,
    };
    let Some(product) = product else {
        messages.error(language.t("cart-not-for-sale")).await?;
        return Ok(Redirect::to(
            &reverser.reverse("catalog:product_list", &[])?,
        ));
    };
    let back = reverser.reverse("catalog:product_detail", &[("slug", &product.slug)])?;
    let added = match clean_quantity(form.quantity.as_deref(), 1) {
        Ok(quantity) => cart
            .add(&db, product.id, quantity)
            .await
            .map(|n| (quantity, n)),
        Err(e) => Err(e),
    };
    match added {
        Ok((quantity, held)) => {
            let added = language.t_with(
                "cart-added",
                &args([
                    ("quantity", quantity.into()),
                    ("name", product.name.as_str().into()),
                    ("held", held.into()),
                ]),
            );
            messages.success(added).await?
        }
        Err(e) => messages.error(refusal(e)?).await?,
    }
    Ok(Redirect::to(&back))
}

/// A line's quantity box on the cart page (0 removes the line).
pub async fn cart_update(
    db: Db,
    CurrentCart(cart): CurrentCart,
    messages: Messages,
    language: Language,
    reverser: Reverser,
    Id(product_id): Id,
    Form(form): Form<QuantityForm>,
) -> Result<Redirect, Error> {
    let changed = match clean_quantity(form.quantity.as_deref(), 0) {
        Ok(quantity) => cart
            .set_quantity(&db, product_id, quantity)
            .await
            .map(|()| quantity),
        Err(e) => Err(e),
    };
    match changed {
        Ok(0) => messages.success(language.t("cart-removed")).await?,
        Ok(quantity) => {
            let updated = language.t_with(
                "cart-quantity-updated",
                &args([("quantity", quantity.into())]),
            );
            messages.success(updated).await?
        }
        Err(e) => messages.error(refusal(e)?).await?,
    }
    Ok(Redirect::to(&reverser.reverse("cart:cart_detail", &[])?))
}

/// A line's remove button.
pub async fn cart_remove(
    db: Db,
    CurrentCart(cart): CurrentCart,
    messages: Messages,
    language: Language,
    reverser: Reverser,
    Id(product_id): Id,
) -> Result<Redirect, Error> {
    cart.remove(&db, product_id).await?;
    messages.success(language.t("cart-removed")).await?;
    Ok(Redirect::to(&reverser.reverse("cart:cart_detail", &[])?))
}

/// The cart's "Checkout": one pending order, then its pay page.
pub async fn cart_checkout(
    db: Db,
    Dep(rules): Dep<Reservations>,
    Dep(pricing): Dep<Pricing>,
    CurrentUser(user): CurrentUser,
    messages: Messages,
    reverser: Reverser,
    Form(form): Form<ShippingForm>,
) -> Result<Redirect, Error> {
    let cart_page = reverser.reverse("cart:cart_detail", &[])?;
    let Some(user) = user else {
        messages
            .info("Log in or register to check out; your cart comes with you.")
            .await?;
        let login = reverser.reverse("accounts:login", &[])?;
        return Ok(Redirect::to(&format!("{login}?next={cart_page}")));
    };
    match checkout(&db, rules, &pricing, user.id, form.shipping()).await {
        Ok(order) => {
            messages
                .success("Your order is placed. Pay for it below to complete it.")
                .await?;
            let path = reverser.reverse("payments:order_detail", &[("id", &order.id)])?;
            Ok(Redirect::to(&path))
        }
        Err(e) => {
            messages.error(refusal(e)?).await?;
            Ok(Redirect::to(&cart_page))
        }
    }
}
