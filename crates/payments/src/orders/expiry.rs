//! The sweep of orders past their time, and the one way an order becomes `expired`
//! (see [`super::reservations`] for the rule).

use sea_orm::{DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use web::Error;
use web::db::{now, write_transaction};

use super::reservations::Reservations;
use super::transitions::expire_locked;
use crate::models::order;

/// The sweep (`project cleanup`): every pending order past its time becomes `expired`
/// and gives its stock back, each in its own short transaction. Returns how many.
pub async fn expire_overdue(db: &DatabaseConnection, rules: Reservations) -> Result<u64, Error> {
    const BATCH: u64 = 500;
    let mut expired = 0;
    loop {
        let due: Vec<i64> = order::Entity::find()
            .select_only()
            .column(order::Column::Id)
            .filter(rules.overdue(now()))
            .order_by_asc(order::Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        if due.is_empty() {
            return Ok(expired);
        }
        for id in due {
            let won = write_transaction(db, |txn| {
                Box::pin(async move {
                    // Lock first, like pay and cancel: of a pay and the sweep, one wins.
                    order::Entity::find_by_id(id)
                        .lock_exclusive()
                        .one(txn)
                        .await?;
                    Ok(expire_locked(txn, id).await?)
                })
            })
            .await?;
            expired += u64::from(won);
        }
    }
}
