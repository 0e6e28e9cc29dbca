//! The orders pages: the list, an order with its pay form, and the form actions (buy from
//! a product page, pay, cancel). Actions answer with a redirect and a flash message.

use accounts::RequireUser;
use accounts::extract::Perms;
use axum::extract::RawQuery;
use axum::response::{Redirect, Response};
use rand::RngCore;
use web::minijinja::Value;
use web::{Db, Dep, Error, Form, Id, Page, PageOf, Pagination, Reverser, SiteUrl, context};
use web_sessions::Messages;

use crate::forms::{BuyForm, PayForm, ShippingForm, clean_card, clean_idempotency_key};
use crate::gateway::Gateway;
use crate::models::OrderStatus;
use crate::orders::{self, Line, PayAttempt, Scope};
use crate::orders::{NewOrder, Pricing, Reservations, ShippingNeed, ShippingRequest};
use crate::permissions::{CHANGE_ORDER, VIEW_ORDER, own_or_permitted};

const PAGE_SIZE: u64 = 20;

fn order_url(reverser: &Reverser, id: i64) -> Result<String, Error> {
    Ok(reverser.reverse("payments:order_detail", &[("id", &id)])?)
}

/// `/orders/`: the signed-in user's orders.
pub async fn order_list(
    page: Page,
    RequireUser(user): RequireUser,
    db: Db,
    Dep(rules): Dep<Reservations>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Error> {
    let pagination = Pagination::lenient(raw.as_deref(), PAGE_SIZE);
    let (orders, total, _) =
        orders::list(&db, rules, Scope::Own(user.id), &pagination, None).await?;
    let listing = PageOf::new(orders, &pagination, total);
    let nav = Value::from_serialize(listing.nav());
    page.render(
        "payments/order_list.html",
        context! { orders => listing.items, total, ..nav },
    )
    .await
}

/// `/orders/{id}/`: the order, with a pay form while it is pending (and, while it has no
/// address in a shop that ships, the choice of one).
pub async fn order_detail(
    page: Page,
    RequireUser(user): RequireUser,
    perms: Perms,
    db: Db,
    Dep(rules): Dep<Reservations>,
    Dep(pricing): Dep<Pricing>,
    Id(id): Id,
) -> Result<Response, Error> {
    let order = own_or_permitted(&perms, user.id, VIEW_ORDER, |whose| {
        orders::get(&db, rules, id, whose)
    })
    .await?;
    let shipping_choice = match &pricing.shipper.0 {
        Some(provider)
            if order.status == OrderStatus::Pending && order.shipping_address.is_none() =>
        {
            let row = orders::find_visible(&db, id, Scope::Everyone)
                .await?
                .ok_or_else(|| Error::not_found("No order with that id."))?;
            let what = orders::fulfillment::parcel_of(&db, &row).await?;
            match what.needs_shipping {
                true => Some(provider.options(&db, &what.parcel).await?),
                false => None,
            }
        }
        _ => None,
    };
    // The address book's page, when that app is installed.
    let new_address_url = page.reverser().reverse("addresses:address_new", &[]).ok();
    let mut key = [0u8; 16];
    rand::rng().fill_bytes(&mut key);
    let pending = order.status == OrderStatus::Pending;
    // The time left to pay, shown while pending (the order expires after it).
    let expires_at = order.created_at + rules.pending_ttl;
    let minutes_left = (expires_at - web::db::now()).whole_minutes().max(0) + 1;
    page.render(
        "payments/order_detail.html",
        context! {
            order,
            pending,
            shipping_choice,
            new_address_url,
            pay_key => hex::encode(key),
            pay_by => web::db::timestamp::format(&expires_at),
            minutes_left,
        },
    )
    .await
}

/// The Buy form of a product page: creates a pending order and shows it.
pub async fn order_create(
    RequireUser(user): RequireUser,
    db: Db,
    Dep(rules): Dep<Reservations>,
    Dep(pricing): Dep<Pricing>,
    messages: Messages,
    reverser: Reverser,
    Form(form): Form<BuyForm>,
) -> Result<Redirect, Error> {
    let product_id = form
        .product_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0);
    let quantity = form
        .quantity
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .unwrap_or("1")
        .parse::<i32>()
        .ok();
    let back = |product_id: Option<i64>| {
        let db = db.clone();
        let reverser = reverser.clone();
        async move {
            let product = match product_id {
                Some(id) => catalog::models::product::find(&db, id).await?,
                None => None,
            };
            match product.filter(|p| p.is_active) {
                Some(p) => Ok::<_, Error>(
                    reverser.reverse("catalog:product_detail", &[("slug", &p.slug)])?,
                ),
                None => Ok(reverser.reverse("catalog:product_list", &[])?),
            }
        }
    };
    let (Some(product_id), Some(quantity)) = (
        product_id,
        quantity.filter(|q| (1..=orders::MAX_QUANTITY).contains(q)),
    ) else {
        messages
            .error(format!(
                "Choose a quantity from 1 to {}.",
                orders::MAX_QUANTITY
            ))
            .await?;
        return Ok(Redirect::to(&back(product_id).await?));
    };
    // "Buy now" keeps v1's behaviour: no address needed (one can be chosen on the order
    // page while it is pending).
    let new = NewOrder {
        user_id: user.id,
        lines: vec![Line {
            product_id,
            quantity,
        }],
        shipping: ShippingRequest::default(),
        need: ShippingNeed::Optional,
    };
    match orders::create(&db, rules, &pricing, new).await {
        Ok(order) => {
            messages
                .success("Your order is placed. Pay for it below to complete it.")
                .await?;
            Ok(Redirect::to(&order_url(&reverser, order.id)?))
        }
        Err(e) if e.status().is_client_error() => {
            messages.error(e.first_message()).await?;
            Ok(Redirect::to(&back(Some(product_id)).await?))
        }
        Err(e) => Err(e),
    }
}

/// The "Ship to" form of a pending order page (one bought with "Buy now"): its address
/// and method, the totals recomputed.
pub async fn order_ship_to(
    RequireUser(user): RequireUser,
    perms: Perms,
    db: Db,
    Dep(rules): Dep<Reservations>,
    Dep(pricing): Dep<Pricing>,
    messages: Messages,
    reverser: Reverser,
    Id(id): Id,
    Form(form): Form<ShippingForm>,
) -> Result<Redirect, Error> {
    let request = form.shipping();
    let changed = own_or_permitted(&perms, user.id, CHANGE_ORDER, |whose| {
        orders::ship_to(&db, rules, &pricing, id, whose, request)
    })
    .await;
    match changed {
        Ok(_) => {
            messages
                .success("The order ships there; shipping and tax are in its total.")
                .await?
        }
        Err(e) if e.status().is_client_error() && e.status() != http::StatusCode::NOT_FOUND => {
            messages.error(e.first_message()).await?
        }
        Err(e) => return Err(e),
    }
    Ok(Redirect::to(&order_url(&reverser, id)?))
}

/// The pay form of an order page.
pub async fn order_pay(
    RequireUser(user): RequireUser,
    db: Db,
    Dep(rules): Dep<Reservations>,
    Dep(gateway): Dep<Gateway>,
    messages: Messages,
    reverser: Reverser,
    site: SiteUrl,
    Id(id): Id,
    Form(form): Form<PayForm>,
) -> Result<Redirect, Error> {
    let target = order_url(&reverser, id)?;
    let card = match clean_card(form.card_number.as_deref()) {
        Ok(card) => card,
        Err(errors) => {
            let message = errors
                .values()
                .flatten()
                .next()
                .cloned()
                .unwrap_or_default();
            messages.error(format!("Card number: {message}")).await?;
            return Ok(Redirect::to(&target));
        }
    };
    let key = clean_idempotency_key(form.idempotency_key.as_deref()).map_err(Error::validation)?;
    let attempt = PayAttempt {
        order_id: id,
        key: &key,
        card: &card,
    };
    match orders::pay(&db, &gateway, rules, &user, &site, attempt).await {
        Ok(answer) if answer.status.is_success() => {
            messages.success("Payment received. Thank you!").await?
        }
        Ok(_) => {
            messages
                .error("The card was declined. Try another card.")
                .await?
        }
        Err(e) if e.status() == http::StatusCode::CONFLICT => {
            messages.warning(e.message().to_string()).await?
        }
        Err(e) => return Err(e),
    }
    Ok(Redirect::to(&target))
}

/// The cancel button of a pending order.
pub async fn order_cancel(
    RequireUser(user): RequireUser,
    perms: Perms,
    db: Db,
    Dep(rules): Dep<Reservations>,
    messages: Messages,
    reverser: Reverser,
    Id(id): Id,
) -> Result<Redirect, Error> {
    let cancelled = own_or_permitted(&perms, user.id, CHANGE_ORDER, |whose| {
        orders::cancel(&db, rules, id, whose)
    })
    .await;
    match cancelled {
        Ok(_) => messages.info("The order was cancelled.").await?,
        Err(e) if e.status() == http::StatusCode::CONFLICT => {
            messages.warning(e.message().to_string()).await?
        }
        Err(e) => return Err(e),
    }
    Ok(Redirect::to(&order_url(&reverser, id)?))
}
