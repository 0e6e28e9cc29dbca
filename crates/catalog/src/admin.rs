//! Products on the admin site. Saving goes through [`ProductInput`]'s validation and
//! [`product::create`]/[`product::update`]/[`product::delete`], exactly as the staff API
//! does, so slugs, counts and the deactivate-instead-of-delete rule hold here too. The
//! change form edits the product's images in place (text, order, removal) and adds one,
//! in the same transaction as the product's own fields.

use async_trait::async_trait;
use sea_orm::{DbErr, EntityTrait};
use web::db::{TransactionError, write_transaction_as};
use web::{AppState, Error, FieldErrors};
use web_modeladmin::{
    Column, Field, FieldKind, Filter, FilterValue, FormData, Inline, InlineEdit, ListPage,
    ListQuery, ListSpec, ModelAdmin, ModelIdentity, Object, Row, Saved, checkbox, datetime,
    inline_rows, integer, list_page, text, yes_no,
};

use crate::errors::ImageError;
use crate::forms::{ImageInput, ProductInput, upload_alt};
use crate::models::image::{self, ImageEdits};
use crate::models::product::{self, Deleted, Product, ProductChanges, ProductError};

/// The form names of the images' table (`images-12-alt`).
const IMAGES: &str = "images";

pub struct ProductAdmin;

fn spec() -> ListSpec<product::Entity> {
    use product::Column as C;
    ListSpec {
        search: vec![C::Name, C::Sku],
        filters: vec![("is_active", C::IsActive, FilterValue::Bool)],
        sort: vec![
            ("name", C::Name),
            ("sku", C::Sku),
            ("price_cents", C::PriceCents),
            ("stock", C::Stock),
            ("is_active", C::IsActive),
            ("created_at", C::CreatedAt),
        ],
        id: C::Id,
    }
}

fn object(p: Product) -> Object {
    let values = [
        ("sku", p.sku.clone()),
        ("name", p.name.clone()),
        ("slug", p.slug.clone()),
        ("description", p.description.clone()),
        ("price_cents", p.price_cents.to_string()),
        ("currency", p.currency.clone()),
        ("stock", p.stock.to_string()),
        ("is_active", p.is_active.to_string()),
        ("weight_grams", p.weight_grams.to_string()),
        ("requires_shipping", p.requires_shipping.to_string()),
        ("datasheet", p.datasheet.clone().unwrap_or_default()),
        ("created_at", datetime(&p.created_at)),
        ("updated_at", datetime(&p.updated_at)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    Object {
        id: p.id,
        repr: format!("{} ({})", p.name, p.sku),
        values,
        inlines: Vec::new(),
    }
}

/// The submitted form as the API's input, plus the errors of numbers that don't parse.
fn input(form: &FormData, creating: bool) -> (ProductInput, FieldErrors) {
    let mut errors = FieldErrors::new();
    let price_cents = integer(form, "price_cents", &mut errors);
    let stock = integer(form, "stock", &mut errors);
    // Left empty: unchanged (0 on a new product).
    let weight_grams = if text(form, "weight_grams").is_empty() {
        None
    } else {
        integer(form, "weight_grams", &mut errors)
    };
    let currency = text(form, "currency");
    let input = ProductInput {
        sku: Some(Some(text(form, "sku"))),
        name: Some(Some(text(form, "name"))),
        description: Some(Some(text(form, "description"))),
        price_cents: price_cents.map(Some),
        // Left empty on the add form: the default currency.
        currency: (!(creating && currency.is_empty())).then_some(Some(currency)),
        stock: stock.map(Some),
        is_active: Some(Some(checkbox(form, "is_active"))),
        weight_grams: weight_grams.map(Some),
        requires_shipping: Some(Some(checkbox(form, "requires_shipping"))),
    };
    (input, errors)
}

/// The spec sheet as the admin site hands it over: a stored file's name, `""` to clear
/// (`Some(None)`), absent to keep the current one.
fn datasheet(form: &FormData) -> Option<Option<String>> {
    form.get("datasheet")
        .map(|name| (!name.is_empty()).then(|| name.clone()))
}

/// Joins the parse errors with the validation's (a number that didn't parse keeps its
/// own message rather than "required").
fn merge(mut parsed: FieldErrors, validation: FieldErrors) -> FieldErrors {
    for (field, messages) in validation {
        parsed.entry(field).or_insert(messages);
    }
    parsed
}

/// A taken sku is a field error on the form, as the API's `409 sku_taken` is.
fn saved_product(result: Result<Product, ProductError>) -> Result<Saved, Error> {
    match result {
        Ok(p) => Ok(Ok(p.id)),
        Err(e @ ProductError::SkuTaken) => Ok(Err(FieldErrors::from([(
            "sku".to_string(),
            vec![e.to_string()],
        )]))),
        Err(e) => Err(e.into()),
    }
}

/// The images' table and the added image, as edits, with the errors of each input
/// (`images-12-alt`, `new_image_alt`).
fn image_edits(form: &FormData) -> (ImageEdits, FieldErrors) {
    let mut edits = ImageEdits::default();
    let mut errors = FieldErrors::new();
    for row in inline_rows(form, IMAGES) {
        if row.delete {
            edits.removed.push(row.id);
            continue;
        }
        let name = |field: &str| InlineEdit::input_name(IMAGES, row.id, field);
        let position = match row.values.get("position").map(|p| p.trim()) {
            None | Some("") => None,
            Some(raw) => match raw.parse::<i64>() {
                Ok(p) => Some(Some(p)),
                Err(_) => {
                    errors.insert(name("position"), vec!["Enter a whole number.".into()]);
                    continue;
                }
            },
        };
        let input = ImageInput {
            alt: row.values.get("alt").map(|a| Some(a.clone())),
            position,
        };
        match input.into_changes() {
            Ok(changes) => edits.changes.push((row.id, changes)),
            Err(refused) => {
                for (field, messages) in refused {
                    errors.insert(name(&field), messages);
                }
            }
        }
    }
    if let Some(file) = form.get("new_image").filter(|f| !f.is_empty()) {
        match upload_alt(form.get("new_image_alt").map(String::as_str)) {
            Ok(alt) => edits.added = Some((file.clone(), alt)),
            Err(refused) => {
                errors.insert(
                    "new_image_alt".into(),
                    refused.into_values().flatten().collect(),
                );
            }
        }
    }
    (edits, errors)
}

/// A product saved with its images fails as either.
#[derive(Debug, thiserror::Error)]
enum SaveError {
    #[error(transparent)]
    Product(#[from] ProductError),
    #[error(transparent)]
    Image(#[from] ImageError),
}

impl From<DbErr> for SaveError {
    fn from(e: DbErr) -> Self {
        SaveError::Product(e.into())
    }
}

impl TransactionError for SaveError {
    fn is_retryable(&self) -> bool {
        match self {
            SaveError::Product(e) => e.is_retryable(),
            SaveError::Image(e) => e.is_retryable(),
        }
    }
}

#[async_trait]
impl ModelAdmin for ProductAdmin {
    fn identity(&self) -> &'static ModelIdentity {
        web_modeladmin::model_identity!(product::Entity)
    }
    fn columns(&self) -> Vec<Column> {
        vec![
            Column::new("name", "Name"),
            Column::new("sku", "SKU"),
            Column::new("price_cents", "Price"),
            Column::new("stock", "Stock"),
            Column::new("is_active", "Active"),
            Column::new("created_at", "Created"),
        ]
    }
    fn search_help(&self) -> Option<&'static str> {
        Some("name or SKU")
    }
    fn filters(&self) -> Vec<Filter> {
        vec![Filter::boolean("is_active", "Active")]
    }
    fn default_ordering(&self) -> (&'static str, bool) {
        ("created_at", true)
    }
    fn fields(&self) -> Vec<Field> {
        vec![
            Field::new("sku", "SKU", FieldKind::Text),
            Field::new("name", "Name", FieldKind::Text),
            Field::new("slug", "Slug", FieldKind::Text)
                .read_only()
                .help("Derived from the name."),
            Field::new("description", "Description", FieldKind::TextArea),
            Field::new("price_cents", "Price (cents)", FieldKind::Integer)
                .help("In minor units: 1999 is 19.99."),
            Field::new("currency", "Currency", FieldKind::Text)
                .help("3 upper-case letters; USD when left empty on a new product."),
            Field::new("stock", "Stock", FieldKind::Integer),
            Field::new("is_active", "Active", FieldKind::Checkbox),
            Field::new("weight_grams", "Weight (grams)", FieldKind::Integer)
                .help("Packed, for shipping rates by weight; 0 when left empty on a new product."),
            Field::new("requires_shipping", "Requires shipping", FieldKind::Checkbox)
                .help("Untick for digital goods: no address or shipping method at checkout."),
            Field::new("datasheet", "Spec sheet", FieldKind::File)
                .help("A PDF or a text file, linked from the product page."),
            Field::new("created_at", "Created", FieldKind::Text).read_only(),
            Field::new("updated_at", "Updated", FieldKind::Text).read_only(),
            Field::new("new_image", "Add an image", FieldKind::Image)
                .change_only()
                .help("JPEG, PNG, WebP or GIF; shown after the others. Metadata (location, camera) is removed."),
            Field::new("new_image_alt", "Its alt text", FieldKind::Text)
                .change_only()
                .help("What the picture shows, for visitors who can't see it."),
        ]
    }

    async fn list(&self, state: &AppState, query: &ListQuery) -> Result<ListPage, Error> {
        let (products, total) = list_page(
            state.db(),
            product::Entity::find(),
            &spec(),
            query,
            self.default_ordering(),
        )
        .await?;
        let rows = products
            .into_iter()
            .map(|p| Row {
                id: p.id,
                cells: vec![
                    p.name,
                    p.sku,
                    web::templates::money(p.price_cents, Some(&p.currency)),
                    p.stock.to_string(),
                    yes_no(p.is_active),
                    datetime(&p.created_at),
                ],
            })
            .collect();
        Ok(ListPage { rows, total })
    }

    async fn object(&self, state: &AppState, id: i64) -> Result<Option<Object>, Error> {
        let Some(found) = product::find(state.db(), id).await? else {
            return Ok(None);
        };
        let media: web_media::MediaStore = state.service()?;
        let images = crate::models::image::of_products(state.db(), &media, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let mut shown = object(found);
        shown.inlines.push(Inline {
            title: "Images".into(),
            columns: ["Picture", "Size"].map(String::from).to_vec(),
            picture_column: Some(0),
            rows: images
                .iter()
                .map(|i| vec![i.thumbnail_url.clone(), format!("{}×{}", i.width, i.height)])
                .collect(),
            edit: Some(InlineEdit {
                prefix: IMAGES,
                fields: vec![
                    Field::new("alt", "Alt text", FieldKind::Text),
                    Field::new("position", "Position", FieldKind::Integer),
                ],
                rows: images
                    .iter()
                    .map(|i| {
                        let values = [
                            ("alt".to_string(), i.alt.clone()),
                            ("position".to_string(), i.position.to_string()),
                        ];
                        (i.id, values.into())
                    })
                    .collect(),
                can_delete: true,
            }),
        });
        Ok(Some(shown))
    }

    async fn create(&self, state: &AppState, form: &FormData) -> Result<Saved, Error> {
        let (input, parsed) = input(form, true);
        match input.into_new() {
            Ok(new) if parsed.is_empty() => {
                let new = product::NewProduct {
                    datasheet: datasheet(form).flatten(),
                    ..new
                };
                saved_product(product::create(state.db(), new).await)
            }
            Ok(_) => Ok(Err(parsed)),
            Err(errors) => Ok(Err(merge(parsed, errors))),
        }
    }

    async fn update(&self, state: &AppState, id: i64, form: &FormData) -> Result<Saved, Error> {
        if product::find(state.db(), id).await?.is_none() {
            return Err(Error::not_found("No such product."));
        }
        let (input, parsed) = input(form, false);
        let (edits, image_errors) = image_edits(form);
        let changes = match input.into_changes() {
            Ok(changes) if parsed.is_empty() && image_errors.is_empty() => ProductChanges {
                datasheet: datasheet(form),
                ..changes
            },
            Ok(_) => return Ok(Err(merge(parsed, image_errors))),
            Err(errors) => return Ok(Err(merge(merge(parsed, errors), image_errors))),
        };
        let saved = write_transaction_as::<_, SaveError, _>(state.db(), |txn| {
            let (changes, edits) = (changes.clone(), edits.clone());
            Box::pin(async move {
                let product = product::update_in(txn, id, changes).await?;
                image::edit_in(txn, id, &edits).await?;
                Ok(product)
            })
        })
        .await;
        match saved {
            Ok(p) => Ok(Ok(p.id)),
            Err(SaveError::Product(e)) => saved_product(Err(e)),
            Err(SaveError::Image(e @ ImageError::FileGone)) => Ok(Err(FieldErrors::from([(
                "new_image".to_string(),
                vec![e.to_string()],
            )]))),
            Err(SaveError::Image(e)) => Err(e.into()),
        }
    }

    async fn delete_effects(&self, state: &AppState, id: i64) -> Result<Vec<String>, Error> {
        let Some(p) = product::find(state.db(), id).await? else {
            return Ok(Vec::new());
        };
        Ok(vec![
            format!("Its stock of {} leaves the catalog.", p.stock),
            "If any order includes it, it is deactivated instead of deleted, so the order \
             history stays intact."
                .into(),
        ])
    }

    async fn delete(&self, state: &AppState, id: i64) -> Result<String, Error> {
        match product::delete(state.db(), id).await? {
            Some(Deleted::Removed) => Ok("deleted.".into()),
            Some(Deleted::Deactivated) => {
                Ok("deactivated instead of deleted: orders include it.".into())
            }
            None => Err(Error::not_found("No such product.")),
        }
    }
}
