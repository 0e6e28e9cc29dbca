//! The `product_images` table: a product's photos, in order, each naming a media file.

use std::collections::HashMap;

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::NotSet, JoinType, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use web::db::{now, write_transaction_as};
use web_media::{CleanImage, MediaStore};

use crate::errors::ImageError;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_images")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(indexed)]
    pub product_id: i64,
    /// The media file (`ab/ab12….jpg`): an image field.
    #[sea_orm(column_type = "String(StringLen::N(100))", indexed)]
    pub file: String,
    pub width: i32,
    pub height: i32,
    #[sea_orm(column_type = "String(StringLen::N(200))", default_value = "")]
    pub alt: String,
    /// 0 first; the catalog shows the first image's thumbnail.
    #[sea_orm(default_value = 0)]
    pub position: i32,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::product::Entity",
        from = "Column::ProductId",
        to = "super::product::Column::Id",
        on_delete = "Cascade"
    )]
    Product,
    #[sea_orm(
        belongs_to = "web_media::files::Entity",
        from = "Column::File",
        to = "web_media::files::Column::Name",
        on_delete = "Restrict"
    )]
    File,
}

impl ActiveModelBehavior for ActiveModel {}

/// The longest `alt` text.
pub const MAX_ALT_CHARS: usize = 200;

/// A product image as the contract's JSON shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProductImage {
    pub id: i64,
    pub url: String,
    /// The smallest thumbnail; the original's URL until the thumbnails are made.
    pub thumbnail_url: String,
    pub width: i32,
    pub height: i32,
    pub alt: String,
    pub position: i32,
}

/// A row and its file's thumbnails (`320,960`).
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
struct Listed {
    id: i64,
    product_id: i64,
    file: String,
    width: i32,
    height: i32,
    alt: String,
    position: i32,
    thumbnails: Option<String>,
}

async fn to_json(media: &MediaStore, row: Listed) -> Result<ProductImage, web::Error> {
    let urls = media
        .urls(&row.file, row.thumbnails.as_deref().unwrap_or_default())
        .await?;
    Ok(ProductImage {
        id: row.id,
        url: urls.url,
        thumbnail_url: urls.thumbnail_url,
        width: row.width,
        height: row.height,
        alt: row.alt,
        position: row.position,
    })
}

/// The images of `products`, in order, read in one statement.
pub async fn of_products<C: ConnectionTrait>(
    db: &C,
    media: &MediaStore,
    products: &[i64],
) -> Result<HashMap<i64, Vec<ProductImage>>, web::Error> {
    let mut found: HashMap<i64, Vec<ProductImage>> = HashMap::new();
    if products.is_empty() {
        return Ok(found);
    }
    let rows = listed()
        .filter(Column::ProductId.is_in(products.iter().copied()))
        .into_model::<Listed>()
        .all(db)
        .await?;
    for row in rows {
        let product = row.product_id;
        found
            .entry(product)
            .or_default()
            .push(to_json(media, row).await?);
    }
    Ok(found)
}

fn listed() -> Select<Entity> {
    Entity::find()
        .select_only()
        .columns([
            Column::Id,
            Column::ProductId,
            Column::File,
            Column::Width,
            Column::Height,
            Column::Alt,
            Column::Position,
        ])
        .column_as(web_media::files::Column::Thumbnails, "thumbnails")
        .join(JoinType::LeftJoin, Relation::File.def())
        .order_by_asc(Column::ProductId)
        .order_by_asc(Column::Position)
        .order_by_asc(Column::Id)
}

async fn one<C: ConnectionTrait>(
    db: &C,
    media: &MediaStore,
    id: i64,
) -> Result<ProductImage, web::Error> {
    let row = listed()
        .filter(Column::Id.eq(id))
        .into_model::<Listed>()
        .one(db)
        .await?
        .ok_or_else(|| web::Error::not_found("No image with that id."))?;
    to_json(media, row).await
}

/// Adds `image` after the product's other images: the file and the row in one
/// transaction (its thumbnails queued with them).
pub async fn add(
    db: &DatabaseConnection,
    media: &MediaStore,
    product_id: i64,
    image: &CleanImage,
    alt: &str,
) -> Result<ProductImage, web::Error> {
    let id = write_transaction_as::<_, ImageError, _>(db, |txn| {
        let (media, image, alt) = (media.clone(), image.clone(), alt.to_owned());
        Box::pin(async move {
            // The product row is locked: positions are counted under it.
            super::product::Entity::find_by_id(product_id)
                .lock_exclusive()
                .one(txn)
                .await?
                .ok_or(ImageError::ProductNotFound)?;
            let file = media.save_image(txn, &image).await?;
            let position = Entity::find()
                .filter(Column::ProductId.eq(product_id))
                .count(txn)
                .await?;
            let row = ActiveModel {
                id: NotSet,
                product_id: Set(product_id),
                file: Set(file.name),
                width: Set(file.width),
                height: Set(file.height),
                alt: Set(alt),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                created_at: Set(now()),
            }
            .insert(txn)
            .await?;
            touch_product(txn, product_id).await?;
            Ok(row.id)
        })
    })
    .await?;
    one(db, media, id).await
}

/// A change to an image: its text, or its place (the others move to make room).
#[derive(Debug, Clone, Default)]
pub struct ImageChanges {
    pub alt: Option<String>,
    pub position: Option<i32>,
}

/// Changes image `id` of `product_id`.
pub async fn update(
    db: &DatabaseConnection,
    media: &MediaStore,
    product_id: i64,
    id: i64,
    changes: ImageChanges,
) -> Result<ProductImage, web::Error> {
    write_transaction_as::<_, ImageError, _>(db, |txn| {
        let changes = changes.clone();
        Box::pin(async move {
            let mut images = locked_images(txn, product_id).await?;
            let Some(at) = images.iter().position(|i| i.id == id) else {
                return Err(ImageError::NotFound);
            };
            if let Some(alt) = changes.alt {
                let mut row: ActiveModel = images[at].clone().into();
                row.alt = Set(alt.clone());
                row.update(txn).await?;
                images[at].alt = alt;
            }
            if let Some(position) = changes.position {
                let moved = images.remove(at);
                let to = usize::try_from(position).unwrap_or(0).min(images.len());
                images.insert(to, moved);
                renumber(txn, &images).await?;
            }
            touch_product(txn, product_id).await?;
            Ok(())
        })
    })
    .await?;
    one(db, media, id).await
}

/// Changes to a product's images made together (the admin's image table): each row's
/// text and place, removals, and a stored file added after the others.
#[derive(Debug, Clone, Default)]
pub struct ImageEdits {
    pub changes: Vec<(i64, ImageChanges)>,
    pub removed: Vec<i64>,
    /// A recorded media file's name and its alt text.
    pub added: Option<(String, String)>,
}

/// Applies `edits` to `product_id`'s images in `txn`. The kept images are numbered 0, 1,
/// 2… by the positions asked for; at equal numbers a moved image goes before one left
/// in place (moving C to 0 puts it first), then the current order holds.
pub async fn edit_in(
    txn: &sea_orm::DatabaseTransaction,
    product_id: i64,
    edits: &ImageEdits,
) -> Result<(), ImageError> {
    let mut kept = Vec::new();
    for (index, image) in locked_images(txn, product_id)
        .await?
        .into_iter()
        .enumerate()
    {
        if edits.removed.contains(&image.id) {
            Entity::delete_by_id(image.id).exec(txn).await?;
            web_media::release(txn, &image.file).await?;
            continue;
        }
        let change = edits
            .changes
            .iter()
            .find(|(id, _)| *id == image.id)
            .map(|(_, c)| c);
        let mut image = image;
        if let Some(alt) = change.and_then(|c| c.alt.clone())
            && alt != image.alt
        {
            let mut row: ActiveModel = image.clone().into();
            row.alt = Set(alt.clone());
            row.update(txn).await?;
            image.alt = alt;
        }
        let asked = change.and_then(|c| c.position).map(i64::from);
        let moved = asked.is_some_and(|p| p != i64::from(image.position));
        let place = asked.unwrap_or(index as i64);
        kept.push((place, !moved, index, image));
    }
    kept.sort_by_key(|(place, stayed, index, _)| (*place, *stayed, *index));
    let images: Vec<Model> = kept.into_iter().map(|(.., image)| image).collect();
    renumber(txn, &images).await?;
    if let Some((name, alt)) = &edits.added {
        let file = web_media::files::find(txn, name)
            .await?
            .ok_or(ImageError::FileGone)?;
        ActiveModel {
            id: NotSet,
            product_id: Set(product_id),
            file: Set(file.name),
            width: Set(file.width),
            height: Set(file.height),
            alt: Set(alt.clone()),
            position: Set(i32::try_from(images.len()).unwrap_or(i32::MAX)),
            created_at: Set(now()),
        }
        .insert(txn)
        .await?;
    }
    touch_product(txn, product_id).await?;
    Ok(())
}

/// Removes image `id` of `product_id`; its file goes after the commit unless another row
/// uses the same bytes.
pub async fn delete(db: &DatabaseConnection, product_id: i64, id: i64) -> Result<(), ImageError> {
    write_transaction_as(db, |txn| {
        Box::pin(async move {
            let mut images = locked_images(txn, product_id).await?;
            let Some(at) = images.iter().position(|i| i.id == id) else {
                return Err(ImageError::NotFound);
            };
            let gone = images.remove(at);
            Entity::delete_by_id(gone.id).exec(txn).await?;
            web_media::release(txn, &gone.file).await?;
            renumber(txn, &images).await?;
            touch_product(txn, product_id).await?;
            Ok(())
        })
    })
    .await
}

/// Queues the removal of the files of `product_id`'s images (before the product goes,
/// taking its rows with it).
pub async fn release_all<C: ConnectionTrait>(txn: &C, product_id: i64) -> Result<(), DbErr> {
    let files: Vec<String> = Entity::find()
        .select_only()
        .column(Column::File)
        .filter(Column::ProductId.eq(product_id))
        .into_tuple()
        .all(txn)
        .await?;
    for file in files {
        web_media::release(txn, &file).await?;
    }
    Ok(())
}

/// The product's images in order, with the product locked (`404` without it).
async fn locked_images<C: ConnectionTrait>(
    txn: &C,
    product_id: i64,
) -> Result<Vec<Model>, ImageError> {
    super::product::Entity::find_by_id(product_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(ImageError::ProductNotFound)?;
    Ok(Entity::find()
        .filter(Column::ProductId.eq(product_id))
        .order_by_asc(Column::Position)
        .order_by_asc(Column::Id)
        .all(txn)
        .await?)
}

/// Positions 0, 1, 2… in `images`' order, writing only those that moved.
async fn renumber<C: ConnectionTrait>(txn: &C, images: &[Model]) -> Result<(), DbErr> {
    for (position, image) in images.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        if image.position != position {
            Entity::update_many()
                .col_expr(Column::Position, Expr::value(position))
                .filter(Column::Id.eq(image.id))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

/// The product changed (its `updated_at`), so its pages and lists are read anew.
async fn touch_product<C: ConnectionTrait>(txn: &C, product_id: i64) -> Result<(), DbErr> {
    super::product::Entity::update_many()
        .col_expr(super::product::Column::UpdatedAt, Expr::value(now()))
        .filter(super::product::Column::Id.eq(product_id))
        .exec(txn)
        .await
        .map(drop)
}

/// A product with its images: the contract's product JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = Product)]
pub struct WithImages {
    #[serde(flatten)]
    pub product: super::product::Product,
    /// By `position`; `[]` when none.
    pub images: Vec<ProductImage>,
}

/// `products` with their images (one statement for all of them).
pub async fn attach<C: ConnectionTrait>(
    db: &C,
    media: &MediaStore,
    products: Vec<super::product::Product>,
) -> Result<Vec<WithImages>, web::Error> {
    let ids: Vec<i64> = products.iter().map(|p| p.id).collect();
    let mut images = of_products(db, media, &ids).await?;
    Ok(products
        .into_iter()
        .map(|product| WithImages {
            images: images.remove(&product.id).unwrap_or_default(),
            product,
        })
        .collect())
}

/// One product with its images.
pub async fn attach_one<C: ConnectionTrait>(
    db: &C,
    media: &MediaStore,
    product: super::product::Product,
) -> Result<WithImages, web::Error> {
    let images = of_products(db, media, &[product.id])
        .await?
        .remove(&product.id)
        .unwrap_or_default();
    Ok(WithImages { product, images })
}
