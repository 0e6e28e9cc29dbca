//! What one user may do: their own permissions and their groups', all for a superuser,
//! none when inactive; and the `perms` value templates get.

use std::collections::BTreeSet;
use std::sync::Arc;

use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Query, UnionType};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::models::user::User;
use crate::models::{group_permission, permission, user_group, user_permission};

/// The alias of the granted ids in [`UserPermissions::of`]'s query.
const GRANTED: &str = "granted";

/// What one user may do, read once per request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPermissions {
    everything: bool,
    codes: BTreeSet<String>,
}

impl UserPermissions {
    /// The user's permissions: one indexed query (none for a superuser or an inactive user).
    pub async fn of<C: ConnectionTrait>(db: &C, user: &User) -> Result<UserPermissions, DbErr> {
        if !user.is_active {
            return Ok(UserPermissions::default());
        }
        if user.is_superuser {
            return Ok(UserPermissions {
                everything: true,
                codes: BTreeSet::new(),
            });
        }
        // The ids granted directly UNION those granted through groups, joined to the
        // codes: every step an index lookup (the pairs' unique keys lead with the user
        // and the group; `OR id IN (…)` instead made MariaDB scan the permissions).
        let mut granted = granted_directly(user.id);
        granted.union(
            UnionType::Distinct,
            Query::select()
                .column((
                    group_permission::Entity,
                    group_permission::Column::PermissionId,
                ))
                .from(group_permission::Entity)
                .inner_join(
                    user_group::Entity,
                    Expr::col((user_group::Entity, user_group::Column::GroupId))
                        .equals((group_permission::Entity, group_permission::Column::GroupId)),
                )
                .and_where(Expr::col((user_group::Entity, user_group::Column::UserId)).eq(user.id))
                .to_owned(),
        );
        let query = Query::select()
            .column((permission::Entity, permission::Column::Code))
            .from(permission::Entity)
            .join_subquery(
                JoinType::InnerJoin,
                granted,
                GRANTED,
                Expr::col((GRANTED, user_permission::Column::PermissionId))
                    .equals((permission::Entity, permission::Column::Id)),
            )
            .to_owned();
        let codes = db
            .query_all(&query)
            .await?
            .iter()
            .map(|row| row.try_get::<String>("", "code"))
            .collect::<Result<_, _>>()?;
        Ok(UserPermissions {
            everything: false,
            codes,
        })
    }

    /// Whether the user has `code` (`catalog.change_product`).
    pub fn has(&self, code: &str) -> bool {
        self.everything || self.codes.contains(code)
    }

    /// The codes held (empty for a superuser, who holds every one).
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.codes.iter().map(String::as_str)
    }
}

/// The codes granted to user `id` directly (not through groups), sorted.
pub async fn direct_codes<C: ConnectionTrait>(db: &C, id: i64) -> Result<Vec<String>, DbErr> {
    codes_where(db, granted_directly(id)).await
}

/// The ids of the permissions granted to user `user_id` directly.
fn granted_directly(user_id: i64) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(user_permission::Column::PermissionId)
        .from(user_permission::Entity)
        .and_where(Expr::col(user_permission::Column::UserId).eq(user_id))
        .to_owned()
}

pub(super) async fn codes_where<C: ConnectionTrait>(
    db: &C,
    ids: sea_orm::sea_query::SelectStatement,
) -> Result<Vec<String>, DbErr> {
    Ok(permission::Entity::find()
        .filter(permission::Column::Id.in_subquery(ids))
        .order_by_asc(permission::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.code)
        .collect())
}

/// `perms` in templates, as Django's: `perms.catalog.change_product` is true when the user
/// has it, `perms.catalog` when they have any permission of the app;
/// `perms["catalog.change_product"]` works too. Every lookup is defined (true or false),
/// so templates rendered with strict undefined checks can ask anything.
pub fn template_value(perms: UserPermissions) -> minijinja::Value {
    minijinja::Value::from_object(TemplatePerms {
        perms: Arc::new(perms),
        app: None,
    })
}

#[derive(Debug)]
struct TemplatePerms {
    perms: Arc<UserPermissions>,
    /// Set on `perms.APP`: its keys are then the codenames of that app.
    app: Option<String>,
}

impl TemplatePerms {
    fn has_any_of_app(&self, app: &str) -> bool {
        self.perms.everything
            || self
                .perms
                .codes()
                .any(|c| c.split_once('.').is_some_and(|(a, _)| a == app))
    }
}

impl minijinja::value::Object for TemplatePerms {
    fn repr(self: &Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Map
    }

    /// `{% if perms %}` / `{% if perms.catalog %}`: any permission at all / of the app.
    fn is_true(self: &Arc<Self>) -> bool {
        match &self.app {
            Some(app) => self.has_any_of_app(app),
            None => self.perms.everything || self.perms.codes().next().is_some(),
        }
    }

    fn get_value(self: &Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        let key = key.as_str()?;
        let code = match &self.app {
            Some(app) => format!("{app}.{key}"),
            None if key.contains('.') => key.to_string(),
            None => {
                return Some(minijinja::Value::from_object(TemplatePerms {
                    perms: self.perms.clone(),
                    app: Some(key.to_string()),
                }));
            }
        };
        Some(minijinja::Value::from(self.perms.has(&code)))
    }
}
