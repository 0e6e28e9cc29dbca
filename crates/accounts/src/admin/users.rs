//! Users on the admin site. The password hash is never shown; a new user's password and
//! the "set password" action go through the same validators as registration, and setting
//! a password ends the user's tokens and sessions like `project changepassword`.
//!
//! Users are not deleted here (their orders keep referring to them): untick "Active"
//! instead, as Django recommends.
//!
//! The change form edits the user's groups and direct permissions with the other fields,
//! in one transaction; only a superuser may change them.

use async_trait::async_trait;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use std::sync::Arc;
use web::db::{TransactionError, write_transaction_as};
use web::{AppState, Error, FieldErrors};
use web_modeladmin::{
    Action, ActionRequest, Actor, Choice, Column, Field, FieldKind, Filter, FilterValue, FormData,
    ListPage, ListQuery, ListSpec, ModelAdmin, ModelIdentity, Object, Row, Saved, checkbox,
    choice_list, chosen, datetime, list_page, text, yes_no,
};

use super::{permission_choices, refuse_change};
use crate::auth::Auth;
use crate::forms::{RegisterForm, UserEdit, clean_new_password};
use crate::models::user::{self, CreateUserError, User};
use crate::permissions::{self, GroupError, UserPermissions};
use crate::users::{Account, create_user};

/// What the superuser-only fields say to everyone else.
const SUPERUSER_ONLY: &str = "Only a superuser may change a user's groups or permissions.";
/// What a staff member is told when the account is stronger than theirs.
const STRONGER_ACCOUNT: &str =
    "Only a superuser may change this for a staff user or a user with permissions you lack.";

/// Whether `target`'s password, email and active flag are the superusers' alone for
/// `actor`: a staff account, or one holding a permission the actor lacks (also while it is
/// inactive, since reactivating it would hand those back). Otherwise someone with
/// `accounts.change_user` could set such a user's password or email and sign in as them.
async fn stronger_than_actor(state: &AppState, actor: Actor, target: &User) -> Result<bool, Error> {
    if actor.is_superuser || actor.id == target.id {
        return Ok(false);
    }
    if target.is_staff || target.is_superuser {
        return Ok(true);
    }
    let Some(actor) = user::find_by_id(state.db(), actor.id).await? else {
        return Ok(true);
    };
    let held = UserPermissions::of(
        state.db(),
        &User {
            is_active: true,
            ..target.clone()
        },
    )
    .await?;
    let own = UserPermissions::of(state.db(), &actor).await?;
    Ok(held.codes().any(|code| !own.has(code)))
}

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

/// The user as the change form shows them, groups and direct permissions included.
async fn object<C: ConnectionTrait>(db: &C, u: User) -> Result<Object, DbErr> {
    let groups = permissions::groups_of(db, u.id).await?;
    let codes = permissions::direct_codes(db, u.id).await?;
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
        ("groups", choice_list(groups.into_iter().map(|g| g.name))),
        ("user_permissions", choice_list(codes)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    Ok(Object {
        id: u.id,
        repr: u.email,
        values,
        inlines: Vec::new(),
    })
}

/// Why a user's change could not be saved.
#[derive(Debug, thiserror::Error)]
enum SaveError {
    #[error("the email is taken")]
    EmailTaken,
    #[error(transparent)]
    Access(GroupError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl TransactionError for SaveError {
    fn is_retryable(&self) -> bool {
        matches!(self, SaveError::Db(e) if web::db::is_retryable(e))
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
    fn identity(&self) -> &'static ModelIdentity {
        web_modeladmin::model_identity!(user::Entity)
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
                .help("May sign in to the admin site; what they may do there comes from their permissions."),
            Field::new("is_superuser", "Superuser", FieldKind::Checkbox)
                .help("Has every permission without being given it."),
            Field::new("groups", "Groups", FieldKind::MultipleChoice)
                .change_only()
                .help("The user has every permission of their groups. Only a superuser may change this."),
            Field::new("user_permissions", "User permissions", FieldKind::MultipleChoice)
                .change_only()
                .help("Permissions of this user alone, besides their groups'. Only a superuser may change this."),
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

    /// Only superusers grant or remove staff/superuser status, change a user's groups or
    /// direct permissions, or touch a superuser at all (edit, set password): stricter than
    /// Django on purpose, so a staff account can't raise itself.
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
            if let Some(target) = &target {
                if stronger_than_actor(state, actor, target).await? {
                    let email = form.get("email").map(|e| user::normalize_email(e));
                    if email.is_some_and(|e| e != target.email) {
                        refused.insert("email".into(), vec![STRONGER_ACCOUNT.into()]);
                    }
                    if checkbox(form, "is_active") != target.is_active {
                        refused.insert("is_active".into(), vec![STRONGER_ACCOUNT.into()]);
                    }
                }
                let groups = permissions::groups_of(state.db(), target.id).await?;
                let names = groups.into_iter().map(|g| g.name).collect();
                refuse_change(&mut refused, form, "groups", names, SUPERUSER_ONLY);
                let codes = permissions::direct_codes(state.db(), target.id).await?;
                refuse_change(
                    &mut refused,
                    form,
                    "user_permissions",
                    codes,
                    SUPERUSER_ONLY,
                );
            }
        }
        Ok(refused)
    }

    async fn choices(&self, state: &AppState, field: &str) -> Result<Vec<Choice>, Error> {
        Ok(match field {
            "groups" => permissions::all_groups(state.db())
                .await?
                .into_iter()
                .map(|g| Choice {
                    value: g.name.clone(),
                    label: g.name,
                    // One list: no heading under the field's own.
                    group: String::new(),
                })
                .collect(),
            "user_permissions" => permission_choices(permissions::all(state.db()).await?),
            _ => Vec::new(),
        })
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
        match user::find_by_id(state.db(), id).await? {
            Some(u) => Ok(Some(object(state.db(), u).await?)),
            None => Ok(None),
        }
    }

    async fn create(&self, state: &AppState, form: &FormData) -> Result<Saved, Error> {
        let site: Arc<web_i18n::Site> = state.service()?;
        let registration = RegisterForm {
            email: form.get("email").cloned(),
            password: form.get("password").cloned(),
            name: Some(text(form, "name")),
            language: form.get("language").cloned(),
            next: None,
        }
        .validate(false, &site.languages);
        let registration = match registration {
            Ok(r) => r,
            Err(errors) => return Ok(Err(errors)),
        };
        let auth: Auth = state.service()?;
        let (_, is_staff, is_superuser) = flags(form);
        let account = Account {
            is_staff,
            is_superuser,
            ..Account::user(&registration.email, &registration.password)
                .named(&registration.name)
                // Not chosen: the site's default.
                .speaking(registration.language.as_deref().unwrap_or(""))
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
        let (groups, codes) = (chosen(form, "groups"), chosen(form, "user_permissions"));
        let saved = write_transaction_as(state.db(), |txn| {
            let (edit, groups, codes) = (edit.clone(), groups.clone(), codes.clone());
            Box::pin(async move {
                user::update(txn, id, edit).await.map_err(|e| match e {
                    CreateUserError::Db(e) => SaveError::Db(e),
                    _ => SaveError::EmailTaken,
                })?;
                permissions::set_user_access(txn, id, &groups, &codes)
                    .await
                    .map_err(|e| match e {
                        GroupError::Db(e) => SaveError::Db(e),
                        other => SaveError::Access(other),
                    })
            })
        })
        .await;
        match saved {
            Ok(()) => Ok(Ok(id)),
            Err(SaveError::EmailTaken) => Ok(Err(email_taken())),
            Err(SaveError::Access(e)) => {
                let field = match e {
                    GroupError::UnknownGroup(_) => "groups",
                    _ => "user_permissions",
                };
                Ok(Err(FieldErrors::from([(
                    field.to_string(),
                    vec![e.to_string()],
                )])))
            }
            Err(SaveError::Db(e)) => Err(e.into()),
        }
    }

    async fn run_action(
        &self,
        state: &AppState,
        request: &ActionRequest,
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
        let actor = user::find_by_id(state.db(), request.actor_id)
            .await?
            .map(|a| Actor {
                id: a.id,
                is_superuser: a.is_superuser && a.is_active,
            })
            .ok_or_else(Error::forbidden)?;
        if stronger_than_actor(state, actor, &user).await? {
            return Ok(Err(FieldErrors::from([(
                "new_password1".to_string(),
                vec![STRONGER_ACCOUNT.to_string()],
            )])));
        }
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
