//! The admin contract (Django's `ModelAdmin`): what an app exposes to the admin site, an
//! extra of the framework.
//!
//! An app registers its model admins in its `install` ([`InstallAdmin::admin`], in its
//! `admin.rs`, like Django's `admin.py`); the admin site (the `admin` app crate) renders
//! every page from them, so it depends on no other app. A model admin declares
//! its list (columns, search, filters, ordering), its form fields (some read-only) and
//! actions, and implements reading and saving by calling its own app's functions, so the
//! app's validation and rules (stock, order states) hold in the admin too.
//!
//! [`list_page`] does the common list query (search, filters, sorting, paging) for a
//! sea-orm entity.
//!
//! ```ignore
//! // An app's lib.rs: its model admins, registered when the project installs it.
//! use web_modeladmin::InstallAdmin;
//! fn install(&self, app: &mut Installer) {
//!     app.admin(admin::StudentAdmin); // impl ModelAdmin for StudentAdmin
//! }
//! ```
//!
//! `cargo xtask startapp NAME --model …` writes a complete `admin.rs` to start from.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use sea_orm::sea_query::{Condition, IntoColumnRef};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use web::permissions::Permission;
use web::state::AppState;
use web::{Error, FieldErrors};

/// A column of the change list.
#[derive(Debug, Clone)]
pub struct Column {
    pub key: &'static str,
    pub label: &'static str,
    /// Clicking its header sorts by it.
    pub sortable: bool,
}

impl Column {
    pub fn new(key: &'static str, label: &'static str) -> Self {
        Column {
            key,
            label,
            sortable: true,
        }
    }
    pub fn unsortable(mut self) -> Self {
        self.sortable = false;
        self
    }
}

/// A filter in the change list's sidebar: `?key=value`.
#[derive(Debug, Clone)]
pub struct Filter {
    pub key: &'static str,
    pub label: &'static str,
    /// (value, label) pairs.
    pub choices: Vec<(String, String)>,
}

impl Filter {
    /// Yes/No on a boolean column (`?key=1` / `?key=0`).
    pub fn boolean(key: &'static str, label: &'static str) -> Self {
        Filter {
            key,
            label,
            choices: vec![("1".into(), "Yes".into()), ("0".into(), "No".into())],
        }
    }
    pub fn choices(key: &'static str, label: &'static str, values: &[&str]) -> Self {
        Filter {
            key,
            label,
            choices: values
                .iter()
                .map(|v| (v.to_string(), v.to_string()))
                .collect(),
        }
    }
}

/// How a form field is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    TextArea,
    Email,
    Password,
    Integer,
    Checkbox,
    /// Several values from [`ModelAdmin::choices`], as grouped checkboxes; the form's
    /// value is the chosen values, one per line (read them with [`chosen`]).
    MultipleChoice,
    /// An image file (Django's `ImageField`): the object's value is the stored file's
    /// name, shown as its thumbnail. The admin site receives the upload, checks it and
    /// stores it (without its metadata), then hands the model admin the stored name as
    /// the field's value; a field left empty is absent from the form (keep the current
    /// file), and its "clear" box gives `""` (remove it). A name typed into the form by
    /// hand never reaches the model admin.
    Image,
    /// A file (Django's `FileField`): like [`FieldKind::Image`], shown as a link; it takes
    /// a PDF, plain text (CSV too) or an image, recognised by its bytes.
    File,
}

impl FieldKind {
    /// Whether the field's value is a stored media file's name (an upload on the form).
    pub fn is_media(&self) -> bool {
        matches!(self, FieldKind::Image | FieldKind::File)
    }
}

/// One value a [`FieldKind::MultipleChoice`] field offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
    /// The heading it is listed under (a permission's app); empty: none.
    pub group: String,
}

/// A field of the add/change form.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    /// Shown, never edited.
    pub read_only: bool,
    /// Only on the add form (e.g. a user's first password).
    pub add_only: bool,
    /// Only on the change form (e.g. a user's groups).
    pub change_only: bool,
    pub help: &'static str,
}

impl Field {
    pub fn new(name: &'static str, label: &'static str, kind: FieldKind) -> Self {
        Field {
            name,
            label,
            kind,
            read_only: false,
            add_only: false,
            change_only: false,
            help: "",
        }
    }
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }
    pub fn add_only(mut self) -> Self {
        self.add_only = true;
        self
    }
    pub fn change_only(mut self) -> Self {
        self.change_only = true;
        self
    }
    pub fn help(mut self, help: &'static str) -> Self {
        self.help = help;
        self
    }
}

/// Who runs an admin action, and on which site (for the links of what it sends, as a
/// request's [`web::SiteUrl`] is).
#[derive(Debug, Clone)]
pub struct ActionRequest {
    pub actor_id: i64,
    pub site: web::SiteUrl,
}

/// An operation on one object, run from its change page (e.g. refund an order). With
/// `fields`, it asks for input first (e.g. a new password). It needs the model's `change`
/// permission unless it names another one.
#[derive(Debug, Clone)]
pub struct Action {
    pub name: &'static str,
    pub label: &'static str,
    pub fields: Vec<Field>,
    /// The permission it needs (`payments.refund_order`); `None`: the model's `change`.
    pub permission: Option<&'static str>,
}

impl Action {
    pub fn new(name: &'static str, label: &'static str) -> Self {
        Action {
            name,
            label,
            fields: Vec::new(),
            permission: None,
        }
    }
    /// Needs `code` instead of the model's `change` permission.
    pub fn permission(mut self, code: &'static str) -> Self {
        self.permission = Some(code);
        self
    }
    pub fn with_field(mut self, field: Field) -> Self {
        self.fields.push(field);
        self
    }
}

/// What the change list asks for: `?q=…&o=-price_cents&is_active=1&page=2`.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub search: Option<String>,
    /// Filter key → chosen value (only keys the model admin declared).
    pub filters: BTreeMap<String, String>,
    /// A sortable column key, descending when `descending`.
    pub order: Option<(String, bool)>,
    pub page: u64,
    pub per_page: u64,
}

impl ListQuery {
    pub fn offset(&self) -> u64 {
        self.page.saturating_sub(1).saturating_mul(self.per_page)
    }
}

/// One row of the change list: the object's id and its cells, in column order.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: i64,
    pub cells: Vec<String>,
}

/// A page of rows and how many match in all.
#[derive(Debug, Clone, Default)]
pub struct ListPage {
    pub rows: Vec<Row>,
    pub total: u64,
}

/// A table on a change page (an order's lines, its payments), read-only, or with
/// fields staff edit in place ([`InlineEdit`], Django's `TabularInline`).
#[derive(Debug, Clone, Default)]
pub struct Inline {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The column whose cells are image URLs, shown as pictures.
    pub picture_column: Option<usize>,
    pub edit: Option<InlineEdit>,
}

/// The editable part of an [`Inline`]: its fields follow the read-only columns, submitted
/// with the change form as `PREFIX-ID-FIELD` (`images-12-alt`) and, with `can_delete`, a
/// box `PREFIX-ID-delete`. The model admin's `update` reads them with [`inline_rows`].
#[derive(Debug, Clone)]
pub struct InlineEdit {
    pub prefix: &'static str,
    pub fields: Vec<Field>,
    /// Each row's id and current values, in the order of the inline's rows.
    pub rows: Vec<(i64, BTreeMap<String, String>)>,
    pub can_delete: bool,
}

impl InlineEdit {
    /// The form name of row `id`'s field `field`.
    pub fn input_name(prefix: &str, id: i64, field: &str) -> String {
        format!("{prefix}-{id}-{field}")
    }
}

/// One submitted row of an editable inline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InlineRow {
    pub id: i64,
    /// Field name → submitted value (an unticked checkbox is absent).
    pub values: FormData,
    /// Its delete box was ticked.
    pub delete: bool,
}

/// The rows of the editable inline `prefix` in a submitted form, by id.
pub fn inline_rows(form: &FormData, prefix: &str) -> Vec<InlineRow> {
    let mut rows: BTreeMap<i64, InlineRow> = BTreeMap::new();
    let start = format!("{prefix}-");
    for (name, value) in form {
        let Some((id, field)) = name
            .strip_prefix(&start)
            .and_then(|rest| rest.split_once('-'))
        else {
            continue;
        };
        let Ok(id) = id.parse::<i64>() else {
            continue;
        };
        let row = rows.entry(id).or_insert_with(|| InlineRow {
            id,
            ..InlineRow::default()
        });
        if field == "delete" {
            row.delete = !matches!(value.as_str(), "" | "0" | "false");
        } else {
            row.values.insert(field.to_owned(), value.clone());
        }
    }
    rows.into_values().collect()
}

/// One object as the change page shows it.
#[derive(Debug, Clone)]
pub struct Object {
    pub id: i64,
    /// How it is named in titles, messages and the audit log (Django's `__str__`).
    pub repr: String,
    /// Field name → current value as the form shows it (`"true"`/`"false"` for
    /// checkboxes).
    pub values: BTreeMap<String, String>,
    pub inlines: Vec<Inline>,
}

/// Submitted form fields (a checkbox left unticked is absent).
pub type FormData = BTreeMap<String, String>;

/// A form's outcome: saved (the object's id) or refused with errors per field.
pub type Saved = Result<i64, FieldErrors>;

/// The staff member acting on the admin site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: i64,
    pub is_superuser: bool,
}

/// Which model a [`ModelAdmin`] shows: its app, its name in URLs and permission codes,
/// and its names as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelIdentity {
    pub app_label: &'static str,
    pub model_name: &'static str,
    pub verbose_name: &'static str,
    pub verbose_name_plural: &'static str,
}

impl ModelIdentity {
    /// The identity of the sea-orm entity `E`, from its path `APP::models::MODEL::Entity`
    /// (the crate is the app, the entity's module the model): `product` is shown
    /// "Product", "Products". Made once per entity.
    pub fn of<E: 'static>() -> &'static ModelIdentity {
        let path = std::any::type_name::<E>();
        let mut parts = path.split("::");
        let app = parts.next().unwrap_or(path);
        let model = path.rsplit("::").nth(1).unwrap_or(path);
        Self::named(app, model)
    }

    /// The identity of model `model` of app `app`, shown as its capitalised name and its
    /// English plural (`category`: "Category", "Categories").
    pub fn named(app: &str, model: &str) -> &'static ModelIdentity {
        static MADE: std::sync::Mutex<Vec<&'static ModelIdentity>> =
            std::sync::Mutex::new(Vec::new());
        let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = made
            .iter()
            .find(|i| i.app_label == app && i.model_name == model)
        {
            return found;
        }
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let mut shown = model.replace('_', " ");
        if let Some(first) = shown.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        // Bounded: one per registered model, made at start-up.
        let identity: &'static ModelIdentity = Box::leak(Box::new(ModelIdentity {
            app_label: leak(app.to_string()),
            model_name: leak(model.to_string()),
            verbose_name_plural: leak(plural(&shown)),
            verbose_name: leak(shown),
        }));
        made.push(identity);
        identity
    }
}

/// The identity of a sea-orm entity, worked out on the first call and then read from a
/// `static` (one atomic load), for [`ModelAdmin::identity`], which every admin page calls
/// several times: `fn identity(&self) -> &'static ModelIdentity { model_identity!(product::Entity) }`.
#[macro_export]
macro_rules! model_identity {
    ($entity:ty) => {{
        static IDENTITY: ::std::sync::OnceLock<&'static $crate::ModelIdentity> =
            ::std::sync::OnceLock::new();
        *IDENTITY.get_or_init($crate::ModelIdentity::of::<$entity>)
    }};
    // A model whose entity lives outside `APP::models` (`model_identity!("jobs", "job")`).
    ($app:literal, $model:literal) => {{
        static IDENTITY: ::std::sync::OnceLock<&'static $crate::ModelIdentity> =
            ::std::sync::OnceLock::new();
        *IDENTITY.get_or_init(|| $crate::ModelIdentity::named($app, $model))
    }};
}

/// English plural: `product` → `products`, `class` → `classes`, `category` → `categories`.
fn plural(word: &str) -> String {
    let vowel_before_y = word.len() >= 2 && "aeiou".contains(&word[word.len() - 2..word.len() - 1]);
    if word.ends_with('y') && !vowel_before_y {
        format!("{}ies", &word[..word.len() - 1])
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|e| word.ends_with(e))
    {
        format!("{word}es")
    } else {
        format!("{word}s")
    }
}

/// A model registered with the admin site. Its pages need the model's permissions
/// (`APP.view_MODEL` to list and open, `add_`, `change_`, `delete_`; actions their own).
#[async_trait]
pub trait ModelAdmin: Send + Sync + 'static {
    /// Which model this is, the one declaration an admin needs:
    /// `model_identity!(product::Entity)` (app `catalog`, model `product`, "Product",
    /// "Products", from the entity's module path, as Django takes them from the class).
    fn identity(&self) -> &'static ModelIdentity;

    /// The label of the app that owns the model (`catalog`).
    fn app_label(&self) -> &'static str {
        self.identity().app_label
    }
    /// The model's name in URLs (`product`).
    fn model_name(&self) -> &'static str {
        self.identity().model_name
    }
    /// Singular and plural, as shown (`Product`, `Products`).
    fn verbose_name(&self) -> &'static str {
        self.identity().verbose_name
    }
    fn verbose_name_plural(&self) -> &'static str {
        self.identity().verbose_name_plural
    }

    fn columns(&self) -> Vec<Column>;
    /// What the search box searches, shown as its hint; `None`: no search box.
    fn search_help(&self) -> Option<&'static str> {
        None
    }
    fn filters(&self) -> Vec<Filter> {
        Vec::new()
    }
    /// The default sort: a column key and whether it is descending.
    fn default_ordering(&self) -> (&'static str, bool) {
        ("id", true)
    }
    /// The add/change form. Read-only fields are shown as text.
    fn fields(&self) -> Vec<Field>;
    fn actions(&self) -> Vec<Action> {
        Vec::new()
    }
    fn can_add(&self) -> bool {
        true
    }
    fn can_change(&self) -> bool {
        true
    }
    fn can_delete(&self) -> bool {
        true
    }

    /// The values a [`FieldKind::MultipleChoice`] field offers.
    async fn choices(&self, _state: &AppState, _field: &str) -> Result<Vec<Choice>, Error> {
        Ok(Vec::new())
    }

    async fn list(&self, state: &AppState, query: &ListQuery) -> Result<ListPage, Error>;
    async fn object(&self, state: &AppState, id: i64) -> Result<Option<Object>, Error>;
    async fn create(&self, _state: &AppState, _form: &FormData) -> Result<Saved, Error> {
        Err(Error::forbidden())
    }
    async fn update(&self, _state: &AppState, _id: i64, _form: &FormData) -> Result<Saved, Error> {
        Err(Error::forbidden())
    }
    /// What deleting the object would also affect, one sentence each, for the
    /// confirmation page.
    async fn delete_effects(&self, _state: &AppState, _id: i64) -> Result<Vec<String>, Error> {
        Ok(Vec::new())
    }
    /// Deletes the object; returns what happened, for the message (e.g. "deactivated:
    /// orders refer to it").
    async fn delete(&self, _state: &AppState, _id: i64) -> Result<String, Error> {
        Err(Error::forbidden())
    }
    /// Refuses what `actor` may not do to object `id` (`None`: a new one) with `form` (`None`:
    /// opening its change form, an action or a delete): field errors re-render the form,
    /// `Err` (403) refuses outright. By default staff may do anything the model admin
    /// offers; `accounts` keeps staff/superuser status and superusers to superusers.
    async fn authorize(
        &self,
        _state: &AppState,
        _actor: Actor,
        _id: Option<i64>,
        _form: Option<&FormData>,
    ) -> Result<FieldErrors, Error> {
        Ok(FieldErrors::new())
    }
    /// Refuses (`Err`, 403) deleting object `id` by `actor`, beyond the `delete` permission
    /// (e.g. only superusers delete groups, as that changes users' permissions).
    async fn authorize_delete(
        &self,
        _state: &AppState,
        _actor: Actor,
        _id: i64,
    ) -> Result<(), Error> {
        Ok(())
    }
    /// Runs `action` on the object for `request`'s staff member; returns the message to
    /// show. Field errors come back as `Ok(Err(..))`.
    async fn run_action(
        &self,
        _state: &AppState,
        _request: &ActionRequest,
        _id: i64,
        _action: &str,
        _form: &FormData,
    ) -> Result<Result<String, FieldErrors>, Error> {
        Err(Error::not_found("No such action."))
    }
}

/// A model admin an app registered (`app.admin(ProductAdmin)`, see [`InstallAdmin`]).
#[derive(Clone)]
pub struct Registered(pub Arc<dyn ModelAdmin>);

impl web::install::Contribution for Registered {
    const READER: Option<&'static str> = None;
    const WHAT: &'static str = "admin models";
}

/// How an app registers its models with the admin (Django's `admin.site.register`).
pub trait InstallAdmin {
    /// Registers `admin`, and declares the model's four permissions (view, add, change,
    /// delete; see [`permissions_of`]).
    fn admin(&mut self, admin: impl ModelAdmin) -> &mut Self;
}

impl InstallAdmin for web::install::Installer<'_> {
    fn admin(&mut self, admin: impl ModelAdmin) -> &mut Self {
        for permission in permissions_of(&admin) {
            self.add(permission);
        }
        self.add(Registered(Arc::new(admin)))
    }
}

/// Every model admin of the installed apps, in installation order (a service the admin
/// site registers: [`AdminRegistry::of`]).
#[derive(Clone, Default)]
pub struct AdminRegistry(pub Arc<Vec<Arc<dyn ModelAdmin>>>);

impl AdminRegistry {
    /// The model admins the apps registered.
    pub fn of(contributions: &web::install::Contributions) -> AdminRegistry {
        let admins = contributions.all::<Registered>().into_iter();
        AdminRegistry(Arc::new(admins.map(|r| r.0).collect()))
    }

    pub fn find(&self, app: &str, model: &str) -> Option<Arc<dyn ModelAdmin>> {
        self.0
            .iter()
            .find(|m| m.app_label() == app && m.model_name() == model)
            .cloned()
    }
}

/// How [`list_page`] reads an entity: which columns the search box matches, which
/// filter keys and sort keys map to which columns.
pub struct ListSpec<E: EntityTrait> {
    pub search: Vec<E::Column>,
    /// Filter key → column; values `1`/`0` mean true/false on boolean columns, any other
    /// value is compared as text.
    pub filters: Vec<(&'static str, E::Column, FilterValue)>,
    pub sort: Vec<(&'static str, E::Column)>,
    /// The tie-breaker that makes the order total (the primary key).
    pub id: E::Column,
}

/// How a filter's value is compared.
#[derive(Debug, Clone, Copy)]
pub enum FilterValue {
    Bool,
    Text,
}

/// Runs the change list's query on `select`: search, filters, ordering (unknown keys
/// fall back to `default`), one page, and the total.
pub async fn list_page<E, C>(
    db: &C,
    select: Select<E>,
    spec: &ListSpec<E>,
    query: &ListQuery,
    default: (&str, bool),
) -> Result<(Vec<E::Model>, u64), Error>
where
    E: EntityTrait,
    E::Model: Send + Sync,
    E::Column: IntoColumnRef + Copy,
    C: ConnectionTrait,
{
    let mut select = select;
    let term = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if let Some(term) = term.filter(|_| !spec.search.is_empty()) {
        let mut any = Condition::any();
        for column in &spec.search {
            any = any.add(web::db::like_contains(
                db.get_database_backend(),
                *column,
                term,
            ));
        }
        select = select.filter(any);
    }
    for (key, column, kind) in &spec.filters {
        let Some(value) = query.filters.get(*key) else {
            continue;
        };
        select = match kind {
            FilterValue::Bool => match value.as_str() {
                "1" | "true" => select.filter(column.eq(true)),
                "0" | "false" => select.filter(column.eq(false)),
                _ => select,
            },
            FilterValue::Text => select.filter(column.eq(value.clone())),
        };
    }
    let total = select.clone().count(db).await?;
    let (key, descending) = query
        .order
        .as_ref()
        .filter(|(k, _)| spec.sort.iter().any(|(s, _)| s == k))
        .map(|(k, d)| (k.as_str(), *d))
        .unwrap_or(default);
    let direction = if descending { Order::Desc } else { Order::Asc };
    if let Some((_, column)) = spec.sort.iter().find(|(s, _)| *s == key) {
        select = select.order_by(*column, direction.clone());
    }
    let rows = select
        .order_by(spec.id, direction)
        .offset(query.offset())
        .limit(query.per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// A form's text value, trimmed (`""` when absent).
pub fn text(form: &FormData, name: &str) -> String {
    form.get(name)
        .map(|v| v.trim().to_string())
        .unwrap_or_default()
}

/// The values chosen in a [`FieldKind::MultipleChoice`] field (none when absent).
pub fn chosen(form: &FormData, name: &str) -> Vec<String> {
    form.get(name)
        .map(|v| {
            v.lines()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Values as a [`FieldKind::MultipleChoice`] field holds them: sorted, one per line.
pub fn choice_list<I: IntoIterator<Item = String>>(values: I) -> String {
    let mut values: Vec<String> = values.into_iter().collect();
    values.sort();
    values.dedup();
    values.join("\n")
}

/// A checkbox: ticked when present with any value but `"false"`/`"0"`.
pub fn checkbox(form: &FormData, name: &str) -> bool {
    form.get(name)
        .is_some_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// A whole number from a form field, or a field error.
pub fn integer(form: &FormData, name: &str, errors: &mut FieldErrors) -> Option<i64> {
    let raw = text(form, name);
    if raw.is_empty() {
        errors
            .entry(name.to_string())
            .or_default()
            .push("This field is required.".into());
        return None;
    }
    match raw.parse::<i64>() {
        Ok(v) => Some(v),
        Err(_) => {
            errors
                .entry(name.to_string())
                .or_default()
                .push("Enter a whole number.".into());
            None
        }
    }
}

/// A timestamp as the admin shows it: `2026-11-25 17:12:03` (UTC).
pub fn datetime(t: &time::OffsetDateTime) -> String {
    web::db::timestamp::format(t)
        .get(..19)
        .unwrap_or_default()
        .replace('T', " ")
}

/// `Yes`/`No` for a boolean cell.
pub fn yes_no(value: bool) -> String {
    if value { "Yes" } else { "No" }.to_string()
}

/// The four permissions of an admin-registered model (`APP.ACTION_MODEL`): view, add,
/// change and delete.
pub fn permissions_of(admin: &dyn ModelAdmin) -> Vec<Permission> {
    ["view", "add", "change", "delete"]
        .iter()
        .map(|action| {
            Permission::new(
                admin.app_label(),
                &format!("{action}_{}", admin.model_name()),
                &format!("Can {action} {}", admin.verbose_name().to_lowercase()),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{FormData, InlineRow, ModelIdentity, inline_rows};

    #[test]
    fn inline_rows_are_read_by_id() {
        let form: FormData = [
            ("name", "Mug"),
            ("images-12-alt", "A mug"),
            ("images-12-position", "1"),
            ("images-3-alt", ""),
            ("images-3-delete", "true"),
            ("images-x-alt", "ignored"),
            ("other-1-alt", "ignored"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let rows = inline_rows(&form, "images");
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0],
            InlineRow {
                id: 3,
                values: [("alt".to_string(), String::new())].into(),
                delete: true
            }
        );
        assert_eq!(rows[1].id, 12);
        assert_eq!(rows[1].values["position"], "1");
        assert!(!rows[1].delete);
    }

    mod shop {
        pub mod models {
            pub mod category {
                pub struct Entity;
            }
        }
    }

    #[test]
    fn an_identity_comes_from_the_entity_path_once() {
        let identity = ModelIdentity::of::<shop::models::category::Entity>();
        assert_eq!(identity.app_label, "web_modeladmin");
        assert_eq!(identity.model_name, "category");
        assert_eq!(identity.verbose_name, "Category");
        assert_eq!(identity.verbose_name_plural, "Categories");
        let again = ModelIdentity::of::<shop::models::category::Entity>();
        assert!(std::ptr::eq(identity, again), "made once");
        let class = ModelIdentity::named("school", "class_room");
        assert_eq!(
            (class.verbose_name, class.verbose_name_plural),
            ("Class room", "Class rooms")
        );
    }
}
