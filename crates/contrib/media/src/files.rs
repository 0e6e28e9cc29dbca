//! The `media_files` table: one row per stored file (content-addressed, so rows of any
//! app may share it), and the model fields that reference files.

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{DatabaseTransaction, QuerySelect, Set, TransactionTrait};

use crate::documents::StoredKind;
use crate::images::ImageKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media_files")]
pub struct Model {
    /// `ab/ab12…ef.jpg`: the SHA-256 of the bytes, and the format's extension.
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(100))"
    )]
    pub name: String,
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub content_type: String,
    pub size_bytes: i64,
    pub width: i32,
    pub height: i32,
    /// The thumbnails' widths, comma-separated (`320,960`), once made (never for a
    /// document, whose width and height are 0).
    #[sea_orm(column_type = "String(StringLen::N(100))", default_value = "")]
    pub thumbnails: String,
    /// Whether the thumbnail job ran (a small image gets none).
    #[sea_orm(default_value = false)]
    pub thumbnails_ready: bool,
    /// `project cleanup` looks at files a day old.
    #[sea_orm(indexed)]
    pub created_at: TimeDateTimeWithTimeZone,
}

pub type MediaFile = Model;

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The widths of the thumbnails that exist.
    pub fn thumbnail_widths(&self) -> Vec<u32> {
        widths(&self.thumbnails)
    }
}

pub(crate) fn widths(list: &str) -> Vec<u32> {
    list.split(',').filter_map(|w| w.parse().ok()).collect()
}

/// The name of a file with these bytes: `ab/<sha-256>.<ext>`.
pub fn name_for(chunks: &[bytes::Bytes], kind: StoredKind) -> String {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    for chunk in chunks {
        hasher.update(chunk);
    }
    let digest = hex::encode(hasher.finalize());
    format!("{}/{digest}.{}", &digest[..2], kind.extension())
}

/// Where the thumbnail of `name` at `width` is kept: `thumbs/ab/<sha-256>/320.jpg`.
pub fn thumbnail_name(name: &str, width: u32) -> String {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    format!("thumbs/{stem}/{width}.jpg")
}

/// Whether `name` is one this app stores (`ab/<sha-256>.<ext>`, `thumbs/ab/<sha-256>/<w>.jpg`):
/// the kind of file it holds. Serving reads only such names by hand.
pub(crate) fn stored_kind(name: &str) -> Option<StoredKind> {
    let hex = |s: &str, n: usize| {
        s.len() == n
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let parts: Vec<&str> = name.split('/').collect();
    match parts.as_slice() {
        [dir, file] => {
            let (digest, ext) = file.split_once('.')?;
            (hex(dir, 2) && hex(digest, 64) && digest.starts_with(dir))
                .then(|| StoredKind::from_extension(ext))
                .flatten()
        }
        ["thumbs", dir, digest, file] => {
            let width = file.strip_suffix(".jpg")?;
            (hex(dir, 2)
                && hex(digest, 64)
                && !width.is_empty()
                && width.bytes().all(|b| b.is_ascii_digit()))
            .then_some(StoredKind::Image(ImageKind::Jpeg))
        }
        _ => None,
    }
}

/// The original a stored object belongs to, as `(folder/digest, extension-less)`:
/// `ab/ab12….jpg` and `thumbs/ab/ab12…/320.jpg` both give `ab/ab12…`.
pub(crate) fn stem_of_object(object: &str) -> Option<&str> {
    if let Some(thumb) = object.strip_prefix("thumbs/") {
        return thumb.rsplit_once('/').map(|(stem, _)| stem);
    }
    object.rsplit_once('.').map(|(stem, _)| stem)
}

/// A model field that stores a file's name (Django's `FileField`/`ImageField`): the
/// media app looks in every declared one before it removes a file.
#[derive(Debug, Clone, Copy)]
pub struct MediaField {
    pub table: &'static str,
    pub column: &'static str,
}

impl web::install::Contribution for MediaField {
    const READER: Option<&'static str> = Some("media");
    const WHAT: &'static str = "file fields";
}

/// What the `media_files` row of a new file says of it.
pub(crate) struct Recorded {
    pub kind: StoredKind,
    pub size: usize,
    /// In pixels; 0 × 0 for a document.
    pub width: u32,
    pub height: u32,
}

/// Records a file (a row shared by every reference to the same bytes), locking the row
/// until the transaction ends, so a removal of the same file waits for it. Whether the
/// row is new.
pub(crate) async fn record(
    db: &DatabaseTransaction,
    name: &str,
    file: &Recorded,
) -> Result<bool, DbErr> {
    if Entity::find_by_id(name)
        .lock_exclusive()
        .one(db)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    let row = ActiveModel {
        name: Set(name.to_owned()),
        content_type: Set(file.kind.content_type().to_owned()),
        size_bytes: Set(i64::try_from(file.size).unwrap_or(i64::MAX)),
        width: Set(i32::try_from(file.width).unwrap_or(i32::MAX)),
        height: Set(i32::try_from(file.height).unwrap_or(i32::MAX)),
        thumbnails: Set(String::new()),
        // A document gets no thumbnails.
        thumbnails_ready: Set(matches!(file.kind, StoredKind::Document(_))),
        created_at: Set(web::db::now()),
    };
    // A savepoint: a concurrent upload of the same bytes may insert first, and a refused
    // insert must not abort the transaction (PostgreSQL).
    let attempt = db.begin().await?;
    match Entity::insert(row).exec_without_returning(&attempt).await {
        Ok(_) => {
            attempt.commit().await?;
            Ok(true)
        }
        Err(e) if web::db::is_unique_violation(&e) => {
            attempt.rollback().await?;
            Entity::find_by_id(name).lock_exclusive().one(db).await?;
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

pub async fn find<C: ConnectionTrait>(db: &C, name: &str) -> Result<Option<MediaFile>, DbErr> {
    Entity::find_by_id(name).one(db).await
}

/// Whether any declared field still names `name`.
pub(crate) async fn referenced<C: ConnectionTrait>(
    db: &C,
    fields: &[MediaField],
    name: &str,
) -> Result<bool, DbErr> {
    for field in fields {
        let query = Query::select()
            .expr(Expr::val(1))
            .from(Alias::new(field.table))
            .and_where(Expr::col(Alias::new(field.column)).eq(name))
            .limit(1)
            .to_owned();
        let statement = db.get_database_backend().build(&query);
        if db.query_one_raw(statement).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The rows among `names` that exist.
pub(crate) async fn existing<C: ConnectionTrait>(
    db: &C,
    names: Vec<String>,
) -> Result<Vec<String>, DbErr> {
    Entity::find()
        .select_only()
        .column(Column::Name)
        .filter(Column::Name.is_in(names))
        .into_tuple()
        .all(db)
        .await
}

/// Rows created before `before` (cleanup candidates).
pub(crate) async fn created_before<C: ConnectionTrait>(
    db: &C,
    before: time::OffsetDateTime,
) -> Result<Vec<MediaFile>, DbErr> {
    Entity::find()
        .filter(Column::CreatedAt.lt(before))
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbnails_and_originals_lead_back_to_one_stem() {
        let name = name_for(
            &[bytes::Bytes::from_static(b"bytes")],
            StoredKind::Image(ImageKind::Png),
        );
        assert!(
            name.ends_with(".png") && name.len() == 2 + 1 + 64 + 4,
            "{name}"
        );
        let stem = stem_of_object(&name).unwrap();
        assert_eq!(stem_of_object(&thumbnail_name(&name, 320)), Some(stem));
    }

    #[test]
    fn only_stored_names_are_read_by_hand() {
        let digest = "ab".to_owned() + &"0".repeat(62);
        assert_eq!(
            stored_kind(&format!("ab/{digest}.png")),
            Some(StoredKind::Image(ImageKind::Png))
        );
        assert_eq!(
            stored_kind(&format!("ab/{digest}.pdf")),
            Some(StoredKind::Document(crate::documents::DocumentKind::Pdf))
        );
        assert_eq!(
            stored_kind(&format!("thumbs/ab/{digest}/320.jpg")),
            Some(StoredKind::Image(ImageKind::Jpeg))
        );
        for bad in [
            format!("cd/{digest}.png"),
            format!("ab/{digest}.svg"),
            format!("ab/{digest}.html"),
            format!("../ab/{digest}.png"),
            format!("thumbs/ab/{digest}/../320.jpg"),
            "ab/short.png".to_owned(),
            String::new(),
        ] {
            assert_eq!(stored_kind(&bad), None, "{bad}");
        }
    }
}
