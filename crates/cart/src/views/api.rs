//! `/api/cart…`: a signed-in user's cart (bearer).

use accounts::RequireUser;
use http::StatusCode;
use payments::forms::ShippingInput;
use payments::orders::{OrderJson, Pricing, Reservations, ShippingRequest};
use web::error::ErrorBody;
use web::extract::OptionalJson;
use web::{Db, Dep, Error, Id, Json};

use crate::cart::{Cart, CartJson};
use crate::checkout::checkout as check_out;
use crate::forms::QuantityInput;

/// The cart API's OpenAPI paths, relative to its mount (`/api/cart`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(detail, set_item, remove_item, checkout),
    tags((name = "cart", description = "The signed-in user's cart, checked out into one order."))
)]
pub struct ApiDoc;

/// The caller's cart at current prices.
#[utoipa::path(
    get,
    path = "",
    tag = "cart",
    summary = "Your cart",
    security(("bearer" = [])),
    responses((status = 200, description = "The cart, at the products' current prices (an empty one is in USD).", body = CartJson))
)]
pub async fn detail(db: Db, RequireUser(user): RequireUser) -> Result<Json<CartJson>, Error> {
    Ok(Json(Cart::User(user.id).contents(&db).await?.json()))
}

/// Sets a line's quantity (0 removes it).
#[utoipa::path(
    put,
    path = "/items/{product_id}",
    tag = "cart",
    summary = "Set a product's quantity in your cart",
    description = "0 removes the line; 1 to 1000 sets it. Stock is not checked until checkout. A cart holds one currency.",
    params(("product_id" = i64, Path, description = "The product.", minimum = 1)),
    request_body = QuantityInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The cart.", body = CartJson),
        (status = 404, description = "The path's product id is not a positive integer.", body = ErrorBody),
    )
)]
pub async fn set_item(
    db: Db,
    RequireUser(user): RequireUser,
    Id(product_id): Id,
    Json(input): Json<QuantityInput>,
) -> Result<Json<CartJson>, Error> {
    let quantity = input.validate()?;
    let cart = Cart::User(user.id);
    cart.set_quantity(&db, product_id, quantity).await?;
    Ok(Json(cart.contents(&db).await?.json()))
}

/// Removes a line (also when it is not there).
#[utoipa::path(
    delete,
    path = "/items/{product_id}",
    tag = "cart",
    summary = "Remove a product from your cart",
    params(("product_id" = i64, Path, description = "The product.", minimum = 1)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Not in the cart (any more)."),
        (status = 404, description = "The path's product id is not a positive integer.", body = ErrorBody),
    )
)]
pub async fn remove_item(
    db: Db,
    RequireUser(user): RequireUser,
    Id(product_id): Id,
) -> Result<StatusCode, Error> {
    Cart::User(user.id).remove(&db, product_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Turns the cart into one pending order and empties it.
#[utoipa::path(
    post,
    path = "/checkout",
    tag = "cart",
    summary = "Check out your cart into one order",
    description = "As `POST /api/orders` with the cart's lines: stock reserved atomically, nothing reserved on a refusal, and the cart emptied in the same transaction. When a line requires shipping and the shop has an active shipping method, `shipping_address_id` and `shipping_method_id` are required (422 naming the missing one); a method that does not serve the address's country is 422 `shipping_method_id`. The body may be empty when nothing ships.",
    request_body(content = Option<ShippingInput>, description = "Where the order ships."),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The pending order; the cart is empty.", body = OrderJson),
        (status = 422, description = "The cart is empty (`items`), or holds a product no longer for sale or more lines than an order takes; the cart is unchanged.", body = ErrorBody),
        (status = 409, description = "A line can't be met (`out_of_stock`, naming the product), or the caller already holds `payments.max_pending_orders` unpaid orders or too many unpaid units (`payments.max_pending_units`; `too_many_pending_orders`); the cart is unchanged.", body = ErrorBody),
    )
)]
pub async fn checkout(
    db: Db,
    Dep(rules): Dep<Reservations>,
    Dep(pricing): Dep<Pricing>,
    RequireUser(user): RequireUser,
    OptionalJson(input): OptionalJson<ShippingInput>,
) -> Result<(StatusCode, Json<OrderJson>), Error> {
    let shipping = match input {
        Some(input) => input.validate().map_err(Error::validation)?,
        None => ShippingRequest::default(),
    };
    Ok((
        StatusCode::CREATED,
        Json(check_out(&db, rules, &pricing, user.id, shipping).await?),
    ))
}
