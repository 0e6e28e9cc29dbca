//! The cart of the request, for pages: the signed-in user's, else the visitor's session's.

use accounts::CurrentUser;
use axum::extract::FromRequestParts;
use http::request::Parts;
use tower_sessions::Session;
use web::{AppState, Error};

use crate::cart::Cart;

/// `CurrentCart(cart)`: the page's cart, whoever holds it.
pub struct CurrentCart(pub Cart);

impl FromRequestParts<AppState> for CurrentCart {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        if let Some(user) = user {
            return Ok(CurrentCart(Cart::User(user.id)));
        }
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| Error::internal("the sessions middleware is not installed"))?;
        Ok(CurrentCart(Cart::Visitor(session)))
    }
}

/// `cart_units` on every page: the header's item count.
pub struct CartContext;

#[async_trait::async_trait]
impl web::ContextProcessor for CartContext {
    async fn context(
        &self,
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Vec<(&'static str, web::minijinja::Value)>, Error> {
        let CurrentCart(cart) = CurrentCart::from_request_parts(parts, state).await?;
        let units = match &cart {
            Cart::User(user_id) => crate::models::cart_item::units_of(state.db(), *user_id).await?,
            Cart::Visitor(session) => crate::cart::visitor_units(session).await?,
        };
        if units > 0
            && let Some(personal) = parts.extensions.get::<web::middleware::Personal>()
        {
            // A visitor's cart is theirs alone: no shared cache may keep the page.
            personal.private();
        }
        Ok(vec![("cart_units", units.into())])
    }
}
