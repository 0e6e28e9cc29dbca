//! Zones and methods on the admin site (Django's `admin.py`): the shop's shipping is
//! managed here, checked by [`crate::forms`].

use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use web::templates::money;
use web::{AppState, Error, FieldErrors};
use web_modeladmin::{
    Column, Field, FieldKind, Filter, FilterValue, FormData, ListPage, ListQuery, ListSpec,
    ModelAdmin, ModelIdentity, Object, Row, Saved, datetime, list_page, yes_no,
};

use crate::forms::{method_fields, zone_fields};
use crate::models::method::{self, MethodFields};
use crate::models::zone;

fn values(pairs: Vec<(&str, String)>) -> std::collections::BTreeMap<String, String> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

pub struct ZoneAdmin;

#[async_trait]
impl ModelAdmin for ZoneAdmin {
    fn identity(&self) -> &'static ModelIdentity {
        web_modeladmin::model_identity!(zone::Entity)
    }
    fn columns(&self) -> Vec<Column> {
        vec![
            Column::new("name", "Name"),
            Column::new("countries", "Countries").unsortable(),
            Column::new("created_at", "Created"),
        ]
    }
    fn search_help(&self) -> Option<&'static str> {
        Some("name or country code")
    }
    fn default_ordering(&self) -> (&'static str, bool) {
        ("name", false)
    }
    fn fields(&self) -> Vec<Field> {
        vec![
            Field::new("name", "Name", FieldKind::Text),
            Field::new("countries", "Countries", FieldKind::Text)
                .help("ISO 3166-1 alpha-2 codes, separated by commas: DE, AT, FR."),
        ]
    }

    async fn list(&self, state: &AppState, query: &ListQuery) -> Result<ListPage, Error> {
        use zone::Column as C;
        let spec = ListSpec {
            search: vec![C::Name, C::Countries],
            filters: Vec::new(),
            sort: vec![("name", C::Name), ("created_at", C::CreatedAt)],
            id: C::Id,
        };
        let (zones, total) = list_page(
            state.db(),
            zone::Entity::find(),
            &spec,
            query,
            self.default_ordering(),
        )
        .await?;
        let rows = zones
            .into_iter()
            .map(|z| Row {
                id: z.id,
                cells: vec![
                    z.name,
                    z.countries.replace(',', ", "),
                    datetime(&z.created_at),
                ],
            })
            .collect();
        Ok(ListPage { rows, total })
    }

    async fn object(&self, state: &AppState, id: i64) -> Result<Option<Object>, Error> {
        Ok(zone::Entity::find_by_id(id)
            .one(state.db())
            .await?
            .map(|z| Object {
                id: z.id,
                repr: z.name.clone(),
                values: values(vec![
                    ("name", z.name),
                    ("countries", z.countries.replace(',', ", ")),
                ]),
                inlines: Vec::new(),
            }))
    }

    async fn create(&self, state: &AppState, form: &FormData) -> Result<Saved, Error> {
        Ok(match zone_fields(form) {
            Ok(fields) => Ok(zone::create(state.db(), &fields.name, &fields.countries)
                .await?
                .id),
            Err(errors) => Err(errors),
        })
    }

    async fn update(&self, state: &AppState, id: i64, form: &FormData) -> Result<Saved, Error> {
        let found = zone::Entity::find_by_id(id)
            .one(state.db())
            .await?
            .ok_or_else(|| Error::not_found("No such zone."))?;
        let fields = match zone_fields(form) {
            Ok(fields) => fields,
            Err(errors) => return Ok(Err(errors)),
        };
        let mut row = found.into_active_model();
        row.name = Set(fields.name);
        row.countries = Set(fields.countries.join(","));
        row.update(state.db()).await?;
        Ok(Ok(id))
    }

    async fn delete_effects(&self, state: &AppState, id: i64) -> Result<Vec<String>, Error> {
        let methods = method::Entity::find()
            .filter(method::Column::ZoneId.eq(id))
            .all(state.db())
            .await?;
        Ok(methods
            .into_iter()
            .map(|m| format!("Its method “{}” is deleted too.", m.name))
            .collect())
    }

    async fn delete(&self, state: &AppState, id: i64) -> Result<String, Error> {
        // Its methods go with it (the foreign key cascades).
        let deleted = zone::Entity::delete_by_id(id).exec(state.db()).await?;
        if deleted.rows_affected == 0 {
            return Err(Error::not_found("No such zone."));
        }
        Ok("deleted, with its methods.".into())
    }
}

pub struct MethodAdmin;

/// A method's form values.
fn method_values(m: &method::Method) -> std::collections::BTreeMap<String, String> {
    values(vec![
        ("zone_id", m.zone_id.to_string()),
        ("name", m.name.clone()),
        ("currency", m.currency.clone()),
        ("price_cents", m.price_cents.to_string()),
        ("weight_bands", m.weight_bands.clone()),
        ("min_days", m.min_days.to_string()),
        ("max_days", m.max_days.to_string()),
        ("is_active", m.is_active.to_string()),
    ])
}

/// The form's method, if its zone exists.
async fn checked(
    state: &AppState,
    form: &FormData,
) -> Result<Result<MethodFields, FieldErrors>, Error> {
    let fields = match method_fields(form) {
        Ok(fields) => fields,
        Err(errors) => return Ok(Err(errors)),
    };
    if zone::Entity::find_by_id(fields.zone_id)
        .one(state.db())
        .await?
        .is_none()
    {
        return Ok(Err(FieldErrors::from([(
            "zone_id".to_string(),
            vec!["No zone has this id.".to_string()],
        )])));
    }
    Ok(Ok(fields))
}

#[async_trait]
impl ModelAdmin for MethodAdmin {
    fn identity(&self) -> &'static ModelIdentity {
        web_modeladmin::model_identity!(method::Entity)
    }
    fn columns(&self) -> Vec<Column> {
        vec![
            Column::new("name", "Name"),
            Column::new("zone", "Zone").unsortable(),
            Column::new("price_cents", "Price"),
            Column::new("weight_bands", "Weight bands").unsortable(),
            Column::new("days", "Days").unsortable(),
            Column::new("is_active", "Active"),
        ]
    }
    fn search_help(&self) -> Option<&'static str> {
        Some("name")
    }
    fn filters(&self) -> Vec<Filter> {
        vec![Filter::boolean("is_active", "Active")]
    }
    fn default_ordering(&self) -> (&'static str, bool) {
        ("name", false)
    }
    fn fields(&self) -> Vec<Field> {
        vec![
            Field::new("zone_id", "Zone (id)", FieldKind::Integer)
                .help("The zone it serves (see Shipping zones)."),
            Field::new("name", "Name", FieldKind::Text),
            Field::new("currency", "Currency", FieldKind::Text)
                .help("3 upper-case letters; offered for carts in this currency."),
            Field::new("price_cents", "Price (cents)", FieldKind::Integer)
                .help("The price when there are no weight bands."),
            Field::new("weight_bands", "Weight bands", FieldKind::Text).help(
                "max_grams:price_cents by rising weight, e.g. 1000:990, 5000:1990 (heavier parcels are not served). Empty: the flat price.",
            ),
            Field::new("min_days", "Delivery from (days)", FieldKind::Integer),
            Field::new("max_days", "Delivery to (days)", FieldKind::Integer),
            Field::new("is_active", "Active", FieldKind::Checkbox),
        ]
    }

    async fn list(&self, state: &AppState, query: &ListQuery) -> Result<ListPage, Error> {
        use method::Column as C;
        let spec = ListSpec {
            search: vec![C::Name],
            filters: vec![("is_active", C::IsActive, FilterValue::Bool)],
            sort: vec![
                ("name", C::Name),
                ("price_cents", C::PriceCents),
                ("is_active", C::IsActive),
            ],
            id: C::Id,
        };
        let (methods, total) = list_page(
            state.db(),
            method::Entity::find(),
            &spec,
            query,
            self.default_ordering(),
        )
        .await?;
        let zones: HashMap<i64, String> = zone::all(state.db())
            .await?
            .into_iter()
            .map(|z| (z.id, z.name))
            .collect();
        let rows = methods
            .into_iter()
            .map(|m| Row {
                id: m.id,
                cells: vec![
                    m.name.clone(),
                    zones.get(&m.zone_id).cloned().unwrap_or_default(),
                    money(m.price_cents, Some(&m.currency)),
                    m.weight_bands.replace(',', ", "),
                    format!("{}–{}", m.min_days, m.max_days),
                    yes_no(m.is_active),
                ],
            })
            .collect();
        Ok(ListPage { rows, total })
    }

    async fn object(&self, state: &AppState, id: i64) -> Result<Option<Object>, Error> {
        Ok(method::Entity::find_by_id(id)
            .one(state.db())
            .await?
            .map(|m| Object {
                id: m.id,
                repr: m.name.clone(),
                values: method_values(&m),
                inlines: Vec::new(),
            }))
    }

    async fn create(&self, state: &AppState, form: &FormData) -> Result<Saved, Error> {
        let fields = match checked(state, form).await? {
            Ok(fields) => fields,
            Err(errors) => return Ok(Err(errors)),
        };
        Ok(Ok(method::create(state.db(), fields).await?.id))
    }

    async fn update(&self, state: &AppState, id: i64, form: &FormData) -> Result<Saved, Error> {
        let found = method::Entity::find_by_id(id)
            .one(state.db())
            .await?
            .ok_or_else(|| Error::not_found("No such method."))?;
        let fields = match checked(state, form).await? {
            Ok(fields) => fields,
            Err(errors) => return Ok(Err(errors)),
        };
        method::update(state.db(), found, fields).await?;
        Ok(Ok(id))
    }

    async fn delete(&self, state: &AppState, id: i64) -> Result<String, Error> {
        let deleted = method::Entity::delete_by_id(id).exec(state.db()).await?;
        if deleted.rows_affected == 0 {
            return Err(Error::not_found("No such method."));
        }
        Ok("deleted.".into())
    }
}
