//! Users on the admin site. The password hash is never shown; a new user's password and
//! the "set password" action go through the same validators as registration, and setting
//! a password ends the user's tokens and sessions like `project changepassword`.
//!
//! Users are not deleted here (their orders keep referring to them): untick "Active"
//! instead, as Django recommends.

use async_trait::async_trait;
use sea_orm::EntityTrait;
use web::admin::{
    Action, Actor, Column, Field, FieldKind, Filter, FilterValue, FormData, ListPage, ListQuery,
    ListSpec, ModelAdmin, Object, Row, Saved, checkbox, datetime, list_page, text, yes_no,
};
use web::{AppState, Error, FieldErrors};

use crate::auth::Auth;
use crate::forms::{RegisterForm, UserEdit, clean_new_password};
use crate::models::user::{self, CreateUserError, User};
use crate::users::{Account, create_user};

pub struct UserAdmin;

fn spec() -> ListSpec<user::Entity> {
    use user::Column as C;
    ListSpec {
        search: vec![C::Email, C::Name],
        filters: vec![
            ("is_staff", C::IsStaff, FilterValue::Bool),
            ("is_superuser", C::IsSuperuser, FilterValue::Bool),
            ("is_active", C::IsActive, FilterValue::Bool),
        ],
        sort: vec![
            ("email", C::Email),
            ("name", C::Name),
            ("is_staff", C::IsStaff),
            ("is_active", C::IsActive),
            ("date_joined", C::DateJoined),
            ("last_login", C::LastLogin),
        ],
        id: C::Id,
    }
}

fn object(u: User) -> Object {
    let values = [
        ("email", u.email.clone()),
        ("name", u.name.clone()),
        ("is_active", u.is_active.to_string()),
        ("is_staff", u.is_staff.to_string()),
        ("is_superuser", u.is_superuser.to_string()),
        ("date_joined", datetime(&u.date_joined)),
        (
            "last_login",
            u.last_login.as_ref().map(datetime).unwrap_or_default(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    Object {
        id: u.id,
        repr: u.email,
        values,
        inlines: Vec::new(),
    }
}

fn email_taken() -> FieldErrors {
    FieldErrors::from([(
        "email".to_string(),
        vec!["A user with that email already exists.".to_string()],
    )])
}

fn flags(form: &FormData) -> (bool, bool, bool) {
    (
        checkbox(form, "is_active"),
        checkbox(form, "is_staff"),
        checkbox(form, "is_superuser"),
    )
}

#[async_trait]
impl ModelAdmin for UserAdmin {
    fn app_label(&self) -> &'static str {
        "accounts"
    }
    fn model_name(&self) -> &'static str {
        "user"
    }
    fn verbose_name(&self) -> &'static str {
        "User"
    }
    fn verbose_name_plural(&self) -> &'static str {
        "Users"
    }
    fn columns(&self) -> Vec<Column> {
        vec![
            Column::new("email", "Email"),
            Column::new("name", "Name"),
            Column::new("is_staff", "Staff"),
            Column::new("is_active", "Active"),
            Column::new("date_joined", "Joined"),
            Column::new("last_login", "Last login"),
        ]
    }
    fn search_help(&self) -> Option<&'static str> {
        Some("email or name")
    }
    fn filters(&self) -> Vec<Filter> {
        vec![
            Filter::boolean("is_staff", "Staff"),
            Filter::boolean("is_superuser", "Superuser"),
            Filter::boolean("is_active", "Active"),
        ]
    }
    fn default_ordering(&self) -> (&'static str, bool) {
        ("date_joined", true)
    }
    fn fields(&self) -> Vec<Field> {
        vec![
            Field::new("email", "Email", FieldKind::Email),
            Field::new("name", "Name", FieldKind::Text),
            Field::new("password", "Password", FieldKind::Password)
                .add_only()
                .help("At least 8 characters, not all digits, not like the email, not a common password."),
            Field::new("is_active", "Active", FieldKind::Checkbox)
                .help("Untick instead of deleting: an inactive user cannot sign in."),
            Field::new("is_staff", "Staff", FieldKind::Checkbox)
                .help("May use the admin site and the staff API."),
            Field::new("is_superuser", "Superuser", FieldKind::Checkbox),
            Field::new("date_joined", "Joined", FieldKind::Text).read_only(),
            Field::new("last_login", "Last login", FieldKind::Text).read_only(),
        ]
    }
    fn actions(&self) -> Vec<Action> {
        vec![
            Action::new("set_password", "Set password")
                .with_field(Field::new(
                    "new_password1",
                    "New password",
                    FieldKind::Password,
                ))
                .with_field(Field::new(
                    "new_password2",
                    "New password (again)",
                    FieldKind::Password,
                )),
        ]
    }
    fn can_delete(&self) -> bool {
        false
    }

    /// Only superusers grant or remove staff/superuser status, or touch a superuser at all
    /// (edit, set password): stricter than Django on purpose, so a staff account can't
    /// raise itself.
    async fn authorize(
        &self,
        state: &AppState,
        actor: Actor,
        id: Option<i64>,
        form: Option<&FormData>,
    ) -> Result<FieldErrors, Error> {
        if actor.is_superuser {
            return Ok(FieldErrors::new());
        }
        let target = match id {
            Some(id) => user::find_by_id(state.db(), id).await?,
            None => None,
        };
        if target.as_ref().is_some_and(|u| u.is_superuser) {
            return Err(Error::forbidden());
        }
        let mut refused = FieldErrors::new();
        if let Some(form) = form {
            let (_, is_staff, is_superuser) = flags(form);
            let (was_staff, was_superuser) = target
                .as_ref()
                .map_or((false, false), |u| (u.is_staff, u.is_superuser));
            for (field, now, before) in [
                ("is_staff", is_staff, was_staff),
                ("is_superuser", is_superuser, was_superuser),
            ] {
                if now != before {
                    refused.insert(
                        field.to_string(),
                        vec!["Only a superuser may grant or remove this status.".to_string()],
                    );
                }
            }
        }
        Ok(refused)
    }

    async fn list(&self, state: &AppState, query: &ListQuery) -> Result<ListPage, Error> {
        let (users, total) = list_page(
            state.db(),
            user::Entity::find(),
            &spec(),
            query,
            self.default_ordering(),
        )
        .await?;
        let rows = users
            .into_iter()
            .map(|u| Row {
                id: u.id,
                cells: vec![
                    u.email,
                    u.name,
                    yes_no(u.is_staff),
                    yes_no(u.is_active),
                    datetime(&u.date_joined),
                    u.last_login.as_ref().map(datetime).unwrap_or_default(),
                ],
            })
            .collect();
        Ok(ListPage { rows, total })
    }

    async fn object(&self, state: &AppState, id: i64) -> Result<Option<Object>, Error> {
        Ok(user::find_by_id(state.db(), id).await?.map(object))
    }

    async fn create(&self, state: &AppState, form: &FormData) -> Result<Saved, Error> {
        let registration = RegisterForm {
            email: form.get("email").cloned(),
            password: form.get("password").cloned(),
            name: Some(text(form, "name")),
            next: None,
        }
        .validate(false);
        let registration = match registration {
            Ok(r) => r,
            Err(errors) => return Ok(Err(errors)),
        };
        let auth: Auth = state.service()?;
        let (_, is_staff, is_superuser) = flags(form);
        let account = Account {
            is_staff,
            is_superuser,
            ..Account::user(&registration.email, &registration.password).named(&registration.name)
        };
        match create_user(state.db(), &auth.hasher, account).await {
            Ok(created) => Ok(Ok(created.id)),
            Err(CreateUserError::EmailTaken) => Ok(Err(email_taken())),
            Err(e) => Err(e.into()),
        }
    }

    async fn update(&self, state: &AppState, id: i64, form: &FormData) -> Result<Saved, Error> {
        let edit =
            match UserEdit::validate(form.get("email").cloned(), text(form, "name"), flags(form)) {
                Ok(edit) => edit,
                Err(errors) => return Ok(Err(errors)),
            };
        match user::update(state.db(), id, edit).await {
            Ok(()) => Ok(Ok(id)),
            Err(CreateUserError::EmailTaken) => Ok(Err(email_taken())),
            Err(e) => Err(e.into()),
        }
    }

    async fn run_action(
        &self,
        state: &AppState,
        _actor_id: i64,
        id: i64,
        action: &str,
        form: &FormData,
    ) -> Result<Result<String, FieldErrors>, Error> {
        if action != "set_password" {
            return Err(Error::not_found("No such action."));
        }
        let Some(user) = user::find_by_id(state.db(), id).await? else {
            return Err(Error::not_found("No such user."));
        };
        let mut errors = FieldErrors::new();
        let password = clean_new_password(
            &mut errors,
            "new_password1",
            form.get("new_password1").cloned(),
            Some(form.get("new_password2").cloned()),
            &user.email,
        );
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let auth: Auth = state.service()?;
        auth.set_password(state.db(), &user, &password).await?;
        Ok(Ok(
            "Password changed; the user's API tokens and other sessions were ended.".into(),
        ))
    }
}
