//! Whose orders a call may see or act on, and the errors every action shares.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Select};
use web::Error;

use crate::models::{Order, OrderStatus, order};

pub(super) fn not_found() -> Error {
    Error::not_found("No order with that id.")
}

pub(super) fn invalid_state(status: OrderStatus, action: &str) -> Error {
    Error::conflict(
        "invalid_state",
        format!("The order is {}; it cannot be {action}.", status.as_str()),
    )
}

/// Whose orders a call may read or act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The user's own: everyone may see and cancel their orders.
    Own(i64),
    /// Everyone's: for a user with `payments.view_order` (reading) or
    /// `payments.change_order` (cancelling), and for the admin.
    Everyone,
}

impl Scope {
    pub(super) fn filter(self, query: Select<order::Entity>) -> Select<order::Entity> {
        match self {
            Scope::Own(user_id) => query.filter(order::Column::UserId.eq(user_id)),
            Scope::Everyone => query,
        }
    }

    /// How cached answers tell scopes apart.
    pub fn key(self) -> String {
        match self {
            Scope::Own(user_id) => user_id.to_string(),
            Scope::Everyone => "all".to_string(),
        }
    }
}

/// The order if `scope` holds it. Others' orders are "not found", never "forbidden", so
/// their existence does not leak.
pub async fn find_visible<C: ConnectionTrait>(
    db: &C,
    id: i64,
    scope: Scope,
) -> Result<Option<Order>, DbErr> {
    scope.filter(order::Entity::find_by_id(id)).one(db).await
}

/// [`find_visible`], locking the row until the transaction ends.
pub(super) async fn lock_visible<C: ConnectionTrait>(
    db: &C,
    id: i64,
    scope: Scope,
) -> Result<Option<Order>, DbErr> {
    scope
        .filter(order::Entity::find_by_id(id))
        .lock_exclusive()
        .one(db)
        .await
}
