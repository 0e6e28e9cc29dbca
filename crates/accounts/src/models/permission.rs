//! The `auth_permissions` table: every permission the installed apps declare, kept in
//! step by `migrate` (see `crate::permissions::sync`), never edited by hand.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_permissions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `APP.ACTION_MODEL`, e.g. `catalog.change_product`.
    #[sea_orm(unique, column_type = "String(StringLen::N(150))")]
    pub code: String,
    /// What it allows, e.g. "Can change product".
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub name: String,
}

pub type Permission = Model;

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
