//! The `addresses` table: a user's postal addresses. An order keeps a copy of the one it
//! ships to, so editing or deleting an address never changes an order.

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::NotSet, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use web::Pagination;
use web::cursor::Keyset;
use web::db::now;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[sea_orm(table_name = "addresses")]
#[schema(as = Address)]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(indexed)]
    #[serde(skip)]
    pub user_id: i64,
    /// Who receives the parcel.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub name: String,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub line1: String,
    /// `""` when none.
    #[sea_orm(column_type = "String(StringLen::N(200))", default_value = "")]
    pub line2: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub city: String,
    /// State, province or county; `""` when none.
    #[sea_orm(column_type = "String(StringLen::N(100))", default_value = "")]
    pub region: String,
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, upper case (`DE`).
    #[sea_orm(column_type = "String(StringLen::N(2))")]
    pub country: String,
    /// `""` when none.
    #[sea_orm(column_type = "String(StringLen::N(40))", default_value = "")]
    pub phone: String,
    #[serde(skip)]
    pub created_at: TimeDateTimeWithTimeZone,
    #[serde(skip)]
    pub updated_at: TimeDateTimeWithTimeZone,
}

/// An address as the API shows it.
pub type Address = Model;

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "accounts::models::user::Entity",
        from = "Column::UserId",
        to = "accounts::models::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl ActiveModelBehavior for ActiveModel {}

/// Every field of an address, checked (see `forms`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressFields {
    pub name: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
    pub phone: String,
}

impl From<&Model> for AddressFields {
    fn from(a: &Model) -> Self {
        AddressFields {
            name: a.name.clone(),
            line1: a.line1.clone(),
            line2: a.line2.clone(),
            city: a.city.clone(),
            region: a.region.clone(),
            postal_code: a.postal_code.clone(),
            country: a.country.clone(),
            phone: a.phone.clone(),
        }
    }
}

/// A page of `user_id`'s addresses, newest first (after a cursor's position `after`),
/// the total and whether more follow.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    page: &Pagination,
    after: Option<Keyset>,
) -> Result<(Vec<Address>, u64, bool), DbErr> {
    let mine = Entity::find().filter(Column::UserId.eq(user_id));
    let total = mine.clone().count(db).await?;
    let mut query = mine;
    if let Some(key) = after {
        query = query.filter(key.older(db.get_database_backend(), Column::CreatedAt, Column::Id));
    }
    let skip = if after.is_some() { 0 } else { page.offset() };
    let mut items = query
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .offset(skip)
        .limit(page.per_page + 1)
        .all(db)
        .await?;
    let more = items.len() as u64 > page.per_page;
    items.truncate(usize::try_from(page.per_page).unwrap_or(usize::MAX));
    Ok((items, total, more))
}

/// At most this many of a user's addresses are offered to choose from at checkout.
pub const MAX_CHOICES: u64 = 100;

/// `user_id`'s newest [`MAX_CHOICES`] addresses, newest first (the checkout's choices).
pub async fn all_of<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<Vec<Address>, DbErr> {
    Entity::find()
        .filter(Column::UserId.eq(user_id))
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .limit(MAX_CHOICES)
        .all(db)
        .await
}

/// `user_id`'s address `id` (another user's is none).
pub async fn find<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    id: i64,
) -> Result<Option<Address>, DbErr> {
    Entity::find_by_id(id)
        .filter(Column::UserId.eq(user_id))
        .one(db)
        .await
}

pub async fn create<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    fields: AddressFields,
) -> Result<Address, DbErr> {
    let at = now();
    ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        name: Set(fields.name),
        line1: Set(fields.line1),
        line2: Set(fields.line2),
        city: Set(fields.city),
        region: Set(fields.region),
        postal_code: Set(fields.postal_code),
        country: Set(fields.country),
        phone: Set(fields.phone),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(db)
    .await
}

/// Replaces every field of `existing` with `fields`.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    existing: Address,
    fields: AddressFields,
) -> Result<Address, DbErr> {
    let mut row: ActiveModel = existing.into();
    row.name = Set(fields.name);
    row.line1 = Set(fields.line1);
    row.line2 = Set(fields.line2);
    row.city = Set(fields.city);
    row.region = Set(fields.region);
    row.postal_code = Set(fields.postal_code);
    row.country = Set(fields.country);
    row.phone = Set(fields.phone);
    row.updated_at = Set(now());
    row.update(db).await
}

/// Deletes `user_id`'s address `id`; `false` if they have none such.
pub async fn delete<C: ConnectionTrait>(db: &C, user_id: i64, id: i64) -> Result<bool, DbErr> {
    let deleted = Entity::delete_many()
        .filter(Column::Id.eq(id))
        .filter(Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected > 0)
}
