//! The `users` table.

use std::fmt;

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::NotSet, Set};
use serde::Serialize;
use time::OffsetDateTime;
use web::db::{is_unique_violation, now};

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Always lower-cased (see [`normalize_email`]).
    #[sea_orm(unique, column_type = "String(StringLen::N(254))")]
    pub email: String,
    #[sea_orm(column_type = "String(StringLen::N(150))", default_value = "")]
    pub name: String,
    /// The Argon2id PHC string. Never serialized, never logged.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub password: String,
    #[sea_orm(default_value = false)]
    pub is_staff: bool,
    #[sea_orm(default_value = false)]
    pub is_superuser: bool,
    #[sea_orm(default_value = true)]
    pub is_active: bool,
    pub date_joined: TimeDateTimeWithTimeZone,
    pub last_login: Option<TimeDateTimeWithTimeZone>,
    /// The language mails to the user are written in (`de`); empty: the site's default.
    #[sea_orm(column_type = "String(StringLen::N(16))", default_value = "")]
    pub language: String,
}

/// A user of the store.
pub type User = Model;

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("is_staff", &self.is_staff)
            .field("is_active", &self.is_active)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::token::Entity")]
    Tokens,
}

impl Related<super::token::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tokens.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

/// The user as the API shows it: never a password or hash.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = User)]
pub struct UserJson {
    pub id: i64,
    #[schema(format = Email)]
    pub email: String,
    pub name: String,
    pub is_staff: bool,
    #[serde(with = "web::db::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub date_joined: OffsetDateTime,
    /// The language of the user's mails, one of `i18n.languages` (empty: the site's
    /// default).
    #[schema(example = "de", max_length = 16)]
    pub language: String,
}

impl From<&User> for UserJson {
    fn from(u: &User) -> Self {
        UserJson {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            is_staff: u.is_staff,
            date_joined: u.date_joined,
            language: u.language.clone(),
        }
    }
}

/// Sets the language of `user`'s mails (a code the site speaks, checked by the caller).
pub async fn set_language<C: ConnectionTrait>(
    db: &C,
    user: &User,
    language: &str,
) -> Result<User, DbErr> {
    let mut row: ActiveModel = user.clone().into();
    row.language = Set(language.to_string());
    row.update(db).await
}

/// Emails are compared and stored trimmed and lower-cased (in Rust: SQLite's LOWER only
/// folds ASCII), so a plain unique index gives case-insensitive uniqueness everywhere.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn find_by_email<C: ConnectionTrait>(db: &C, email: &str) -> Result<Option<User>, DbErr> {
    Entity::find()
        .filter(Column::Email.eq(normalize_email(email)))
        .one(db)
        .await
}

pub async fn find_by_id<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<User>, DbErr> {
    Entity::find_by_id(id).one(db).await
}

/// A user to insert; the password is already hashed ([`crate::users::create_user`] hashes).
pub(crate) struct NewUser {
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub language: String,
}

/// Why a user could not be created (or their email changed).
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("A user with that email already exists.")]
    EmailTaken,
    #[error("Enter a valid email address.")]
    InvalidEmail,
    #[error("the password could not be hashed: {0}")]
    Hashing(anyhow::Error),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<CreateUserError> for web::Error {
    fn from(e: CreateUserError) -> Self {
        let message = e.to_string();
        match e {
            CreateUserError::EmailTaken => web::Error::conflict("email_taken", message),
            CreateUserError::InvalidEmail => web::Error::validation(web::FieldErrors::from([(
                "email".to_string(),
                vec![message],
            )])),
            CreateUserError::Hashing(e) => e.into(),
            CreateUserError::Db(e) => e.into(),
        }
    }
}

/// Inserts a user whose password is already hashed; a taken email (also when two
/// requests race) is `EmailTaken`. Everything else goes through
/// [`crate::users::create_user`], which hashes.
pub(crate) async fn create<C: ConnectionTrait>(
    db: &C,
    new: NewUser,
) -> Result<User, CreateUserError> {
    let row = ActiveModel {
        id: NotSet,
        email: Set(normalize_email(&new.email)),
        name: Set(new.name.trim().to_string()),
        password: Set(new.password_hash),
        is_staff: Set(new.is_staff),
        is_superuser: Set(new.is_superuser),
        is_active: Set(true),
        date_joined: Set(now()),
        last_login: Set(None),
        language: Set(new.language),
    };
    row.insert(db).await.map_err(|e| {
        if is_unique_violation(&e) {
            CreateUserError::EmailTaken
        } else {
            CreateUserError::Db(e)
        }
    })
}

/// A staff member's edit of a user (the admin's change form; validated by
/// `UserEdit::validate` in the forms module).
#[derive(Debug, Clone)]
pub struct UserEdit {
    pub email: String,
    pub name: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
}

/// Applies a staff member's edit; a taken email (also under a race) is `EmailTaken`.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    id: i64,
    edit: UserEdit,
) -> Result<(), CreateUserError> {
    Entity::update_many()
        .col_expr(Column::Email, Expr::value(normalize_email(&edit.email)))
        .col_expr(Column::Name, Expr::value(edit.name))
        .col_expr(Column::IsActive, Expr::value(edit.is_active))
        .col_expr(Column::IsStaff, Expr::value(edit.is_staff))
        .col_expr(Column::IsSuperuser, Expr::value(edit.is_superuser))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                CreateUserError::EmailTaken
            } else {
                CreateUserError::Db(e)
            }
        })?;
    Ok(())
}

/// Records a successful login.
pub async fn touch_last_login<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::LastLogin, Expr::value(now()))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Stores a new password hash.
pub async fn set_password_hash<C: ConnectionTrait>(
    db: &C,
    id: i64,
    hash: &str,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::Password, Expr::value(hash))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Users for templates: `{{ user.email }}`, `{% if user.is_authenticated %}`.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateUser {
    pub is_authenticated: bool,
    pub id: Option<i64>,
    pub email: String,
    pub name: String,
    pub is_staff: bool,
}

impl TemplateUser {
    pub fn from_user(user: Option<&User>) -> Self {
        match user {
            Some(u) => TemplateUser {
                is_authenticated: true,
                id: Some(u.id),
                email: u.email.clone(),
                name: u.name.clone(),
                is_staff: u.is_staff,
            },
            None => TemplateUser {
                is_authenticated: false,
                id: None,
                email: String::new(),
                name: String::new(),
                is_staff: false,
            },
        }
    }
}
