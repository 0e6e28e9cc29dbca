//! Orders on the admin site: read-only, with their lines and payments, and the actions
//! cancel and refund, which go through [`orders::cancel`] and [`orders::refund`] so stock
//! and state rules hold (refunding an unpaid order is refused, stock comes back once).

use std::collections::HashMap;

use accounts::models::user;
use async_trait::async_trait;
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Set,
};
use web::templates::money;
use web::{AppState, Error, FieldErrors};
use web_modeladmin::{
    Action, ActionRequest, Column, Field, FieldKind, Filter, FilterValue, FormData, Inline,
    ListPage, ListQuery, ListSpec, ModelAdmin, ModelIdentity, Object, Row, Saved, datetime,
    list_page, text,
};

use crate::forms::{ShipInput, tax_rate_fields};
use crate::gateway::Gateway;
use crate::models::{OrderStatus, order, order_item, payment, tax_rate};
use crate::orders;
use crate::orders::Reservations;
use crate::permissions::{FULFILL_ORDER, RefundOrder};
use accounts::extract::PermissionCode;

pub struct OrderAdmin;

const STATUSES: [&str; 5] = ["pending", "paid", "cancelled", "refunded", "expired"];

fn spec() -> ListSpec<order::Entity> {
    use order::Column as C;
    ListSpec {
        search: Vec::new(),
        filters: vec![("status", C::Status, FilterValue::Text)],
        sort: vec![
            ("id", C::Id),
            ("status", C::Status),
            ("total_cents", C::TotalCents),
            ("created_at", C::CreatedAt),
        ],
        id: C::Id,
    }
}

/// `42` finds order 42; anything else, orders of users whose email contains it.
fn search(backend: sea_orm::DbBackend, term: &str) -> Condition {
    match term.trim_start_matches('#').parse::<i64>() {
        Ok(id) => Condition::all().add(order::Column::Id.eq(id)),
        Err(_) => Condition::all().add(
            order::Column::UserId.in_subquery(
                user::Entity::find()
                    .select_only()
                    .column(user::Column::Id)
                    .filter(web::db::like_contains(backend, user::Column::Email, term))
                    .into_query(),
            ),
        ),
    }
}

async fn emails(state: &AppState, ids: Vec<i64>) -> Result<HashMap<i64, String>, Error> {
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(state.db())
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect())
}

#[async_trait]
impl ModelAdmin for OrderAdmin {
    fn identity(&self) -> &'static ModelIdentity {
        web_modeladmin::model_identity!(order::Entity)
    }
    fn columns(&self) -> Vec<Column> {
        vec![
            Column::new("id", "Order"),
            Column::new("user", "Customer").unsortable(),
            Column::new("status", "Status"),
            Column::new("total_cents", "Total"),
            Column::new("created_at", "Placed"),
        ]
    }
    fn search_help(&self) -> Option<&'static str> {
        Some("order number or customer email")
    }
    fn filters(&self) -> Vec<Filter> {
        vec![Filter::choices("status", "Status", &STATUSES)]
    }
    fn default_ordering(&self) -> (&'static str, bool) {
        ("created_at", true)
    }
    fn fields(&self) -> Vec<Field> {
        [
            ("user", "Customer"),
            ("status", "Status"),
            ("total", "Total"),
            ("created_at", "Placed"),
            ("updated_at", "Updated"),
        ]
        .into_iter()
        .map(|(name, label)| Field::new(name, label, FieldKind::Text).read_only())
        .collect()
    }
    fn actions(&self) -> Vec<Action> {
        vec![
            Action::new("cancel", "Cancel order"),
            Action::new("refund", "Refund order").permission(RefundOrder::CODE),
            Action::new("ship", "Mark shipped")
                .permission(FULFILL_ORDER)
                .with_field(Field::new("carrier", "Carrier", FieldKind::Text))
                .with_field(Field::new(
                    "tracking_number",
                    "Tracking number",
                    FieldKind::Text,
                )),
            Action::new("deliver", "Mark delivered").permission(FULFILL_ORDER),
        ]
    }
    fn can_add(&self) -> bool {
        false
    }
    fn can_change(&self) -> bool {
        false
    }
    fn can_delete(&self) -> bool {
        false
    }

    async fn list(&self, state: &AppState, query: &ListQuery) -> Result<ListPage, Error> {
        let rules: Reservations = state.service()?;
        let mut select = order::Entity::find();
        // A pending order past its time counts as expired at once (as the API shows it),
        // before the sweep writes it: the two filters follow that.
        let mut query = query.clone();
        let at = web::db::now();
        match query.filters.get("status").map(String::as_str) {
            Some("expired") => {
                query.filters.remove("status");
                select = select.filter(
                    Condition::any()
                        .add(order::Column::Status.eq(OrderStatus::Expired))
                        .add(rules.overdue(at)),
                );
            }
            Some("pending") => {
                query.filters.remove("status");
                select = select.filter(rules.live_pending(at));
            }
            _ => {}
        }
        let query = &query;
        if let Some(term) = query
            .search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            select = select.filter(search(state.db().get_database_backend(), term));
        }
        let (orders, total) =
            list_page(state.db(), select, &spec(), query, self.default_ordering()).await?;
        let emails = emails(state, orders.iter().map(|o| o.user_id).collect()).await?;
        let rows = orders
            .into_iter()
            .map(|o| Row {
                id: o.id,
                cells: vec![
                    format!("#{}", o.id),
                    emails.get(&o.user_id).cloned().unwrap_or_default(),
                    rules.status_now(&o).as_str().to_string(),
                    money(o.total_cents, Some(&o.currency)),
                    datetime(&o.created_at),
                ],
            })
            .collect();
        Ok(ListPage { rows, total })
    }

    async fn object(&self, state: &AppState, id: i64) -> Result<Option<Object>, Error> {
        let Some(o) = order::Entity::find_by_id(id).one(state.db()).await? else {
            return Ok(None);
        };
        let email = emails(state, vec![o.user_id])
            .await?
            .remove(&o.user_id)
            .unwrap_or_default();
        let lines = order_item::Entity::find()
            .filter(order_item::Column::OrderId.eq(id))
            .order_by_asc(order_item::Column::Id)
            .all(state.db())
            .await?;
        let payments = payment::Entity::find()
            .filter(payment::Column::OrderId.eq(id))
            .order_by_asc(payment::Column::Id)
            .all(state.db())
            .await?;
        let currency = o.currency.clone();
        let rules: Reservations = state.service()?;
        let values = [
            ("user", email),
            ("status", rules.status_now(&o).as_str().to_string()),
            ("total", money(o.total_cents, Some(&o.currency))),
            ("created_at", datetime(&o.created_at)),
            ("updated_at", datetime(&o.updated_at)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Ok(Some(Object {
            id: o.id,
            repr: format!("Order #{}", o.id),
            values,
            inlines: vec![
                Inline {
                    title: "Lines".into(),
                    columns: ["Product", "Unit price", "Quantity", "Total"]
                        .map(String::from)
                        .to_vec(),
                    rows: lines
                        .into_iter()
                        .map(|l| {
                            vec![
                                l.name,
                                money(l.unit_price_cents, Some(&currency)),
                                l.quantity.to_string(),
                                money(l.line_total_cents, Some(&currency)),
                            ]
                        })
                        .collect(),
                    ..Inline::default()
                },
                Inline {
                    title: "Payments".into(),
                    columns: ["When", "Amount", "Status", "Reference"]
                        .map(String::from)
                        .to_vec(),
                    rows: payments
                        .into_iter()
                        .map(|p| {
                            vec![
                                datetime(&p.created_at),
                                money(p.amount_cents, Some(&currency)),
                                p.status.as_str().to_string(),
                                p.gateway_reference,
                            ]
                        })
                        .collect(),
                    ..Inline::default()
                },
            ],
        }))
    }

    async fn run_action(
        &self,
        state: &AppState,
        request: &ActionRequest,
        id: i64,
        action: &str,
        form: &FormData,
    ) -> Result<Result<String, FieldErrors>, Error> {
        match action {
            "ship" => {
                let input = ShipInput {
                    carrier: Some(text(form, "carrier")),
                    tracking_number: Some(text(form, "tracking_number")),
                };
                let tracking = match input.validate() {
                    Ok(tracking) => tracking,
                    Err(errors) => return Ok(Err(errors)),
                };
                orders::ship(state.db(), id, tracking, &request.site).await?;
                Ok(Ok(
                    "The order was marked shipped; the buyer gets an email.".into()
                ))
            }
            "deliver" => {
                orders::deliver(state.db(), id).await?;
                Ok(Ok("The order was marked delivered.".into()))
            }
            "cancel" => {
                orders::cancel(state.db(), state.service()?, id, orders::Scope::Everyone).await?;
                Ok(Ok("The order was cancelled and its stock released.".into()))
            }
            "refund" => {
                let gateway: Gateway = state.service()?;
                orders::refund(state.db(), &gateway, id).await?;
                Ok(Ok("The order was refunded and its stock restored.".into()))
            }
            _ => Err(Error::not_found("No such action.")),
        }
    }
}

/// Tax rates per destination country (basis points), used by every order priced after a
/// change.
pub struct TaxRateAdmin;

fn rate_values(r: &tax_rate::TaxRate) -> std::collections::BTreeMap<String, String> {
    [
        ("country".to_string(), r.country.clone()),
        ("rate_bp".to_string(), r.rate_bp.to_string()),
    ]
    .into()
}

/// 1900 bp → "19.00 %".
fn percent(rate_bp: i32) -> String {
    format!("{}.{:02} %", rate_bp / 100, rate_bp % 100)
}

#[async_trait]
impl ModelAdmin for TaxRateAdmin {
    fn identity(&self) -> &'static ModelIdentity {
        web_modeladmin::model_identity!(tax_rate::Entity)
    }
    fn columns(&self) -> Vec<Column> {
        vec![
            Column::new("country", "Country"),
            Column::new("rate_bp", "Rate"),
            Column::new("created_at", "Created"),
        ]
    }
    fn search_help(&self) -> Option<&'static str> {
        Some("country code")
    }
    fn default_ordering(&self) -> (&'static str, bool) {
        ("country", false)
    }
    fn fields(&self) -> Vec<Field> {
        vec![
            Field::new("country", "Country", FieldKind::Text)
                .help("ISO 3166-1 alpha-2 code of the destination: DE, FR, US."),
            Field::new("rate_bp", "Rate (basis points)", FieldKind::Integer)
                .help("1900 is 19 %; 0 to 10000."),
        ]
    }

    async fn list(&self, state: &AppState, query: &ListQuery) -> Result<ListPage, Error> {
        use tax_rate::Column as C;
        let spec = ListSpec {
            search: vec![C::Country],
            filters: Vec::new(),
            sort: vec![
                ("country", C::Country),
                ("rate_bp", C::RateBp),
                ("created_at", C::CreatedAt),
            ],
            id: C::Id,
        };
        let (rates, total) = list_page(
            state.db(),
            tax_rate::Entity::find(),
            &spec,
            query,
            self.default_ordering(),
        )
        .await?;
        let rows = rates
            .into_iter()
            .map(|r| Row {
                id: r.id,
                cells: vec![r.country, percent(r.rate_bp), datetime(&r.created_at)],
            })
            .collect();
        Ok(ListPage { rows, total })
    }

    async fn object(&self, state: &AppState, id: i64) -> Result<Option<Object>, Error> {
        Ok(tax_rate::Entity::find_by_id(id)
            .one(state.db())
            .await?
            .map(|r| Object {
                id: r.id,
                repr: format!("{} {}", r.country, percent(r.rate_bp)),
                values: rate_values(&r),
                inlines: Vec::new(),
            }))
    }

    async fn create(&self, state: &AppState, form: &FormData) -> Result<Saved, Error> {
        self.save(state, None, form).await
    }

    async fn update(&self, state: &AppState, id: i64, form: &FormData) -> Result<Saved, Error> {
        self.save(state, Some(id), form).await
    }

    async fn delete(&self, state: &AppState, id: i64) -> Result<String, Error> {
        let deleted = tax_rate::Entity::delete_by_id(id).exec(state.db()).await?;
        if deleted.rows_affected == 0 {
            return Err(Error::not_found("No such tax rate."));
        }
        Ok("deleted; orders priced from now on carry no tax for that country.".into())
    }
}

impl TaxRateAdmin {
    /// Creates (`id` none) or changes a rate; one rate per country.
    async fn save(
        &self,
        state: &AppState,
        id: Option<i64>,
        form: &FormData,
    ) -> Result<Saved, Error> {
        let (country, rate_bp) =
            match tax_rate_fields(&text(form, "country"), &text(form, "rate_bp")) {
                Ok(fields) => fields,
                Err(errors) => return Ok(Err(errors)),
            };
        let country_taken = || {
            Ok(Err(FieldErrors::from([(
                "country".to_string(),
                vec![format!("{country} already has a rate; change that one.")],
            )])))
        };
        let taken = tax_rate::of_country(state.db(), &country).await?;
        if taken.as_ref().is_some_and(|t| Some(t.id) != id) {
            return country_taken();
        }
        let saved = match id {
            Some(id) => {
                let found = tax_rate::Entity::find_by_id(id)
                    .one(state.db())
                    .await?
                    .ok_or_else(|| Error::not_found("No such tax rate."))?;
                let mut row: tax_rate::ActiveModel = found.into();
                row.country = Set(country.clone());
                row.rate_bp = Set(rate_bp);
                row.update(state.db()).await
            }
            None => tax_rate::set(state.db(), &country, rate_bp).await,
        };
        match saved {
            Ok(saved) => Ok(Ok(saved.id)),
            // Another staff member saved the same country since the check above.
            Err(e) if web::db::is_unique_violation(&e) => country_taken(),
            Err(e) => Err(e.into()),
        }
    }
}
