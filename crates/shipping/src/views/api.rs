//! `GET /api/shipping/methods`: the methods that can ship a parcel to a country.

use accounts::CurrentUser;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use web::{Db, Error, Json, Query};

use crate::models::method::{self, Offer};

/// The API's OpenAPI paths, relative to its mount (`/api/shipping`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(methods),
    tags((name = "shipping", description = "Shipping methods per destination: zones of countries, flat or by weight."))
)]
pub struct ApiDoc;

/// Where the parcel goes (an address of yours, or a country) and what it weighs.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MethodsQuery {
    /// One of your addresses (bearer).
    #[param(minimum = 1)]
    pub address_id: Option<i64>,
    /// ISO 3166-1 alpha-2, when no `address_id` is given.
    pub country: Option<String>,
    /// The parcel's weight; without it, your cart's (bearer), in your cart's currency.
    #[param(minimum = 0)]
    pub order_weight_grams: Option<i64>,
}

/// The methods offered, cheapest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OfferList {
    pub items: Vec<Offer>,
}

/// Methods for a destination and a parcel.
#[utoipa::path(
    get,
    path = "/methods",
    tag = "shipping",
    summary = "Shipping methods for a destination",
    description = "For `address_id` (yours) or `country`, and your cart (bearer: its weight of the lines that ship, and only methods in its currency) or `order_weight_grams` (any currency). Not paginated.",
    params(MethodsQuery),
    responses(
        (status = 200, description = "The methods that serve the destination at that weight, cheapest first.", body = OfferList),
        (status = 401, description = "`address_id` or the cart without a bearer token.", body = web::error::ErrorBody),
        (status = 404, description = "No address of yours has that id.", body = web::error::ErrorBody),
        (status = 422, description = "No destination, an unknown `country`, or a negative weight.", body = web::error::ErrorBody),
    )
)]
pub async fn methods(
    db: Db,
    CurrentUser(user): CurrentUser,
    Query(query): Query<MethodsQuery>,
) -> Result<Json<OfferList>, Error> {
    let country = match (query.address_id, query.country.as_deref()) {
        (Some(id), _) => {
            let user = user.as_ref().ok_or_else(Error::unauthenticated)?;
            addresses::models::address::find(&db, user.id, id)
                .await?
                .ok_or_else(|| Error::not_found("No address with that id."))?
                .country
        }
        (None, Some(code)) => addresses::countries::country(code).ok_or_else(|| {
            Error::field(
                "country",
                "Enter a country as its two-letter ISO 3166-1 code, like DE or US.",
            )
        })?,
        (None, None) => {
            return Err(Error::field(
                "country",
                "Give `address_id` or `country`: where the parcel goes.",
            ));
        }
    };
    let (grams, currency) = match query.order_weight_grams {
        Some(grams) if grams < 0 => {
            return Err(Error::field(
                "order_weight_grams",
                "Must be an integer greater than or equal to 0.",
            ));
        }
        Some(grams) => (grams, None),
        None => {
            let user = user.as_ref().ok_or_else(Error::unauthenticated)?;
            let contents = cart::Cart::User(user.id).contents(&db).await?;
            (
                contents.shipped_weight_grams(),
                Some(contents.currency().to_owned()),
            )
        }
    };
    let items = method::offers(&db, &country, grams, currency.as_deref()).await?;
    Ok(Json(OfferList { items }))
}
