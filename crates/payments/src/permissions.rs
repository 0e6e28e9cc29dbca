//! The permissions the payments views check: the order admin's four and `refund_order`,
//! which the app declares itself ([`web::Installer::permission`]).

use std::future::Future;

use accounts::extract::Perms;
use http::StatusCode;
use web::Error;

use crate::orders::Scope;

accounts::permission!(
    /// May refund a paid order (`POST /api/orders/{id}/refund`, the admin's action).
    pub RefundOrder = "payments.refund_order"
);

/// May ship and deliver orders (`POST /api/orders/{id}/ship`, `…/deliver`).
pub const FULFILL_ORDER: &str = "payments.fulfill_order";
/// May see everyone's orders (`GET /api/orders?all=true`, another user's order).
pub const VIEW_ORDER: &str = "payments.view_order";
/// May cancel another user's pending order.
pub const CHANGE_ORDER: &str = "payments.change_order";

/// Every code above, for [`web::Installer::requires_permission`].
pub fn required() -> Vec<&'static str> {
    use accounts::extract::PermissionCode;
    vec![RefundOrder::CODE, VIEW_ORDER, CHANGE_ORDER, FULFILL_ORDER]
}

/// Refuses a user without `code` acting on order `id`: `403` for their own order (it
/// exists; they may not do this), `404` for anyone else's (its existence does not leak).
pub async fn refuse_unless(
    db: &sea_orm::DatabaseConnection,
    perms: &Perms,
    user_id: i64,
    code: &str,
    id: i64,
) -> Result<(), Error> {
    if perms.has(code).await? {
        return Ok(());
    }
    match crate::orders::find_visible(db, id, Scope::Own(user_id)).await? {
        Some(_) => Err(Error::forbidden()),
        None => Err(Error::not_found("No order with that id.")),
    }
}

/// Runs `call` on the user's own orders; when that finds nothing (404) and the user has
/// `code`, again on everyone's. A customer's request (their own order) so never reads
/// permissions, and without `code` another user's order stays a 404.
pub async fn own_or_permitted<T, F, Fut>(
    perms: &Perms,
    user_id: i64,
    code: &str,
    call: F,
) -> Result<T, Error>
where
    F: Fn(Scope) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    match call(Scope::Own(user_id)).await {
        Err(e) if e.status() == StatusCode::NOT_FOUND && perms.has(code).await? => {
            call(Scope::Everyone).await
        }
        other => other,
    }
}
