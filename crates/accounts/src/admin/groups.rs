//! Groups on the admin site: a name and a permission picker (Django's `auth.Group`).
//! Only superusers change a group's permissions or delete a group, since both change
//! what its members may do.

use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use web::{AppState, Error, FieldErrors};
use web_modeladmin::{
    Actor, Choice, Column, Field, FieldKind, FormData, ListPage, ListQuery, ListSpec, ModelAdmin,
    ModelIdentity, Object, Row, Saved, choice_list, chosen, list_page, text,
};

use super::{permission_choices, refuse_change};
use crate::models::{group, group_permission, user_group};
use crate::permissions::{self, GroupError};

pub struct GroupAdmin;

fn spec() -> ListSpec<group::Entity> {
    ListSpec {
        search: vec![group::Column::Name],
        filters: Vec::new(),
        sort: vec![("name", group::Column::Name)],
        id: group::Column::Id,
    }
}

/// How many rows of `table` refer to each of `group_ids` (one grouped query).
async fn counts<E: EntityTrait>(
    state: &AppState,
    group_column: E::Column,
    group_ids: &[i64],
) -> Result<HashMap<i64, i64>, Error> {
    let rows: Vec<(i64, i64)> = E::find()
        .select_only()
        .column(group_column)
        .column_as(Expr::col(group_column).count(), "n")
        .filter(group_column.is_in(group_ids.to_vec()))
        .group_by(group_column)
        .into_tuple()
        .all(state.db())
        .await?;
    Ok(rows.into_iter().collect())
}

/// A group's refusal as the form shows it.
fn field_errors(e: GroupError) -> Result<FieldErrors, Error> {
    let field = match &e {
        GroupError::EmptyName | GroupError::NameTaken(_) | GroupError::NameTooLong => "name",
        GroupError::UnknownPermission(_) => "permissions",
        GroupError::UnknownGroup(_) => return Err(Error::not_found("No such group.")),
        GroupError::UnknownUser(_) | GroupError::Db(_) => return Err(Error::internal(e)),
    };
    Ok(FieldErrors::from([(
        field.to_string(),
        vec![e.to_string()],
    )]))
}

const SUPERUSER_ONLY: &str = "Only a superuser may change a group's permissions.";

#[async_trait]
impl ModelAdmin for GroupAdmin {
    fn identity(&self) -> &'static ModelIdentity {
        web_modeladmin::model_identity!(group::Entity)
    }
    fn columns(&self) -> Vec<Column> {
        vec![
            Column::new("name", "Name"),
            Column::new("permissions", "Permissions").unsortable(),
            Column::new("users", "Users").unsortable(),
        ]
    }
    fn search_help(&self) -> Option<&'static str> {
        Some("name")
    }
    fn default_ordering(&self) -> (&'static str, bool) {
        ("name", false)
    }
    fn fields(&self) -> Vec<Field> {
        vec![
            Field::new("name", "Name", FieldKind::Text),
            Field::new("permissions", "Permissions", FieldKind::MultipleChoice)
                .help("Every member has these. Only a superuser may change them."),
        ]
    }

    async fn authorize(
        &self,
        state: &AppState,
        actor: Actor,
        id: Option<i64>,
        form: Option<&FormData>,
    ) -> Result<FieldErrors, Error> {
        let mut refused = FieldErrors::new();
        if let (false, Some(form)) = (actor.is_superuser, form) {
            let current = match id {
                Some(id) => permissions::group_codes(state.db(), id).await?,
                None => Vec::new(),
            };
            refuse_change(&mut refused, form, "permissions", current, SUPERUSER_ONLY);
        }
        Ok(refused)
    }

    async fn authorize_delete(
        &self,
        _state: &AppState,
        actor: Actor,
        _id: i64,
    ) -> Result<(), Error> {
        if actor.is_superuser {
            Ok(())
        } else {
            Err(Error::forbidden())
        }
    }

    async fn choices(&self, state: &AppState, field: &str) -> Result<Vec<Choice>, Error> {
        Ok(match field {
            "permissions" => permission_choices(permissions::all(state.db()).await?),
            _ => Vec::new(),
        })
    }

    async fn list(&self, state: &AppState, query: &ListQuery) -> Result<ListPage, Error> {
        let (groups, total) = list_page(
            state.db(),
            group::Entity::find(),
            &spec(),
            query,
            self.default_ordering(),
        )
        .await?;
        let ids: Vec<i64> = groups.iter().map(|g| g.id).collect();
        let granted =
            counts::<group_permission::Entity>(state, group_permission::Column::GroupId, &ids)
                .await?;
        let members =
            counts::<user_group::Entity>(state, user_group::Column::GroupId, &ids).await?;
        let rows = groups
            .into_iter()
            .map(|g| Row {
                id: g.id,
                cells: vec![
                    g.name,
                    granted.get(&g.id).copied().unwrap_or(0).to_string(),
                    members.get(&g.id).copied().unwrap_or(0).to_string(),
                ],
            })
            .collect();
        Ok(ListPage { rows, total })
    }

    async fn object(&self, state: &AppState, id: i64) -> Result<Option<Object>, Error> {
        let Some(found) = group::Entity::find_by_id(id).one(state.db()).await? else {
            return Ok(None);
        };
        let codes = permissions::group_codes(state.db(), id).await?;
        Ok(Some(Object {
            id,
            repr: found.name.clone(),
            values: [
                ("name".to_string(), found.name),
                ("permissions".to_string(), choice_list(codes)),
            ]
            .into_iter()
            .collect(),
            inlines: Vec::new(),
        }))
    }

    async fn create(&self, state: &AppState, form: &FormData) -> Result<Saved, Error> {
        let codes = chosen(form, "permissions");
        match permissions::create_group(state.db(), &text(form, "name"), &codes).await {
            Ok(created) => Ok(Ok(created.id)),
            Err(e) => field_errors(e).map(Err),
        }
    }

    async fn update(&self, state: &AppState, id: i64, form: &FormData) -> Result<Saved, Error> {
        let codes = chosen(form, "permissions");
        match permissions::update_group(state.db(), id, &text(form, "name"), &codes).await {
            Ok(()) => Ok(Ok(id)),
            Err(e) => field_errors(e).map(Err),
        }
    }

    async fn delete_effects(&self, state: &AppState, id: i64) -> Result<Vec<String>, Error> {
        let members = counts::<user_group::Entity>(state, user_group::Column::GroupId, &[id])
            .await?
            .get(&id)
            .copied()
            .unwrap_or(0);
        Ok(vec![format!(
            "Its {members} member(s) lose the permissions they have through it."
        )])
    }

    async fn delete(&self, state: &AppState, id: i64) -> Result<String, Error> {
        match permissions::delete_group(state.db(), id).await {
            Ok(true) => Ok("deleted.".to_string()),
            Ok(false) => Err(Error::not_found("No such group.")),
            Err(e) => Err(Error::internal(e)),
        }
    }
}
