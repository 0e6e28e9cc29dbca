//! Extractors whose rejections follow the contract: a body that is not JSON is 400
//! `invalid_json`, another content type 415, a body over the limit 413, valid JSON of the
//! wrong shape 422 `validation_error` naming the field, a path id that does not parse 404.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::request::Parts;
use http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::error::{FieldErrors, payload_too_large, unsupported_media_type};

/// The content type of every JSON response.
pub use crate::error::JSON_CONTENT_TYPE;

/// A JSON request body, or a JSON response (`application/json; charset=utf-8`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, Error> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if let Some(timeout) = crate::request_time::body_timeout(&rejection) {
            timeout.into()
        } else if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            payload_too_large()
        } else {
            Error::bad_request("The request body could not be read.")
        }
    })
}

/// Parses a JSON object into `T`: invalid JSON is 400, anything but an object or a value
/// of the wrong type is 422 naming the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let UniqueKeys(value) = serde_json::from_slice(bytes)
        .map_err(|e| Error::invalid_json(format!("The request body is not valid JSON ({e}).")))?;
    if !value.is_object() {
        return Err(Error::field("non_field_errors", "Expected a JSON object."));
    }
    if let Some(field) = null_character(&value, "") {
        return Err(Error::field(field, NULL_CHARACTER));
    }
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let message = err.inner().to_string();
        Error::validation(field_error(&path, &message))
    })
}

/// A JSON value whose objects have no key twice: `{"quantity": 1, "quantity": 999}` is
/// refused as invalid JSON rather than read as whichever came last (a proxy or a
/// validator in front may have read the first).
struct UniqueKeys(serde_json::Value);

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(UniqueKeysVisitor)
            .map(UniqueKeys)
    }
}

struct UniqueKeysVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueKeysVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(UniqueKeys(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(serde_json::Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "the key {key:?} appears twice"
                )));
            }
            let UniqueKeys(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(serde_json::Value::Object(object))
    }
}

/// Django's message for text holding U+0000, which PostgreSQL can't store; refused with
/// the other validation errors rather than failing in the database.
pub const NULL_CHARACTER: &str = "Null characters are not allowed.";

/// The path (`items[0].name`) of the first string or key in `value` holding U+0000.
fn null_character(value: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    let field = |name: &str| {
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    match value {
        Value::String(s) if s.contains('\0') => Some(if path.is_empty() {
            "non_field_errors".into()
        } else {
            path.to_string()
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| null_character(item, &format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                Some(field(&key.replace('\0', "")))
            } else {
                null_character(item, &field(key))
            }
        }),
        _ => None,
    }
}

/// Turns a serde error at `path` into `{field: [message]}`.
fn field_error(path: &str, message: &str) -> FieldErrors {
    let (field, text) = if let Some(name) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next())
    {
        let field = if path == "." || path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        (field, "This field is required.".to_string())
    } else {
        let field = if path == "." || path.is_empty() {
            "non_field_errors".to_string()
        } else {
            path.to_string()
        };
        (field, capitalise(message))
    };
    BTreeMap::from([(field, vec![text])])
}

fn capitalise(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        if !is_json_content_type(req.headers()) {
            return Err(unsupported_media_type());
        }
        let bytes = body_bytes(req, state).await?;
        parse_json(&bytes).map(Json)
    }
}

/// A JSON body that may be left out: `None` for a request with no body and no
/// `Content-Type` (a body that is optional, like a checkout's choices when nothing
/// ships); anything sent is checked as [`Json`] checks it.
#[derive(Debug, Clone)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let typed = req.headers().contains_key(header::CONTENT_TYPE);
        let json = is_json_content_type(req.headers());
        let bytes = body_bytes(req, state).await?;
        if !typed && bytes.is_empty() {
            return Ok(OptionalJson(None));
        }
        if !json {
            return Err(unsupported_media_type());
        }
        parse_json(&bytes).map(|value| OptionalJson(Some(value)))
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => ([(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], body).into_response(),
            Err(err) => Error::internal(format!("serializing a response: {err}")).into_response(),
        }
    }
}

/// A URL-encoded form body (HTML forms).
#[derive(Debug, Clone)]
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(Error::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Expected a form (application/x-www-form-urlencoded).",
            ));
        }
        let bytes = body_bytes(req, state).await?;
        if let Some((key, _)) =
            form_urlencoded::parse(&bytes).find(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(Error::field(key.replace('\0', ""), NULL_CHARACTER));
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(&bytes));
        serde_path_to_error::deserialize(de)
            .map(Form)
            .map_err(|err| {
                Error::validation(field_error(
                    &err.path().to_string(),
                    &err.inner().to_string(),
                ))
            })
    }
}

/// Path parameters; a value that does not parse (`/orders/abc`) is 404, not 400 or 500.
#[derive(Debug, Clone)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|_| Error::not_found("Not found."))
    }
}

/// A positive integer id from the path: `/api/orders/{id}`. Zero, negatives and
/// non-numbers are 404.
#[derive(Debug, Clone, Copy)]
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state).await?;
        match raw.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Id(id)),
            _ => Err(Error::not_found("Not found.")),
        }
    }
}

/// Query parameters; a value of the wrong type is 422 naming the parameter.
#[derive(Debug, Clone)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(Query)
            .map_err(|err| {
                Error::validation(field_error(
                    &err.path().to_string(),
                    &err.inner().to_string(),
                ))
            })
    }
}

/// `?page=1&per_page=20`: page ≥ 1, per_page 1..=100 (default 20); or `?cursor=` (the
/// `next_cursor` of a page, [`crate::cursor`]) instead of `page`. Anything else is 422.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pagination {
    pub page: u64,
    pub per_page: u64,
    /// The cursor given, read back (then `page` is 1 and unused).
    pub cursor: Option<crate::cursor::Cursor>,
}

impl Pagination {
    pub const DEFAULT_PER_PAGE: u64 = 20;
    pub const MAX_PER_PAGE: u64 = 100;
    /// Bounded so that the offset always fits a signed 64-bit SQL OFFSET.
    pub const MAX_PAGE: u64 = 1_000_000_000_000;

    /// Rows to skip.
    pub fn offset(&self) -> u64 {
        (self.page - 1) * self.per_page
    }

    /// Page `page` of `per_page` items.
    pub fn page(page: u64, per_page: u64) -> Pagination {
        Pagination {
            page,
            per_page,
            cursor: None,
        }
    }

    /// Which page this is, as text for cache keys: `page:per_page[:cursor position]`.
    pub fn cache_key(&self) -> String {
        match &self.cursor {
            Some(c) => format!(
                "{}:{}:{}.{}",
                self.page,
                self.per_page,
                c.key.created_at.unix_timestamp_nanos(),
                c.key.id
            ),
            None => format!("{}:{}", self.page, self.per_page),
        }
    }

    /// The position to continue after, for the list whose [`crate::cursor::scope`]
    /// `scope()` makes (only called when a cursor was given): `None` without a cursor; 422
    /// naming `cursor` when it belongs to another list or other filters.
    pub fn after(
        &self,
        scope: impl FnOnce() -> String,
    ) -> Result<Option<crate::cursor::Keyset>, Error> {
        match &self.cursor {
            None => Ok(None),
            Some(cursor) if cursor.scope == scope() => Ok(Some(cursor.key)),
            Some(_) => Err(Error::field(
                "cursor",
                "This cursor belongs to another list or to other filters; start again without it.",
            )),
        }
    }

    /// Parses the two parameters strictly (the JSON API).
    pub fn from_query(query: Option<&str>) -> Result<Pagination, Error> {
        let mut fields = FieldErrors::new();
        let mut page = 1;
        let mut per_page = Self::DEFAULT_PER_PAGE;
        let mut page_given = false;
        let mut cursor = None;
        for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            match key.as_ref() {
                "cursor" => match crate::cursor::decode(&value) {
                    Some(c) => cursor = Some(c),
                    None => {
                        fields.insert(
                            "cursor".into(),
                            vec!["Not a cursor: use the next_cursor of a page, unchanged.".into()],
                        );
                    }
                },
                "page" => match value.trim().parse::<u64>() {
                    Ok(n) if (1..=Self::MAX_PAGE).contains(&n) => {
                        page = n;
                        page_given = true;
                    }
                    Ok(n) if n > Self::MAX_PAGE => {
                        fields.insert(
                            "page".into(),
                            vec![format!(
                                "Must be at most {} (no list has that many pages).",
                                Self::MAX_PAGE
                            )],
                        );
                    }
                    _ => {
                        fields.insert(
                            "page".into(),
                            vec!["Must be an integer greater than or equal to 1.".into()],
                        );
                    }
                },
                "per_page" => match value.trim().parse::<u64>() {
                    Ok(n) if (1..=Self::MAX_PER_PAGE).contains(&n) => per_page = n,
                    _ => {
                        fields.insert(
                            "per_page".into(),
                            vec![format!(
                                "Must be an integer from 1 to {}.",
                                Self::MAX_PER_PAGE
                            )],
                        );
                    }
                },
                _ => {}
            }
        }
        if page_given && cursor.is_some() {
            fields.insert(
                "cursor".into(),
                vec!["Give either page or cursor, not both.".into()],
            );
        }
        if fields.is_empty() {
            Ok(Pagination {
                page,
                per_page,
                cursor,
            })
        } else {
            Err(Error::validation(fields))
        }
    }

    /// Parses `page` leniently (HTML pages, like Django's `Paginator.get_page`): anything
    /// invalid is page 1.
    pub fn lenient(query: Option<&str>, per_page: u64) -> Pagination {
        let page = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.trim().parse::<u64>().ok())
            .filter(|n| (1..=Self::MAX_PAGE).contains(n))
            .unwrap_or(1);
        Pagination::page(page, per_page)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Pagination {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        Pagination::from_query(parts.uri.query())
    }
}

/// A page of a list, as the contract returns it:
/// `{"items": [...], "page": 1, "per_page": 20, "total": 57, "next_cursor": "…"}`
/// (`page` is `null` for a page read by cursor; `next_cursor` is `null` on the last page).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PageOf<T> {
    pub items: Vec<T>,
    pub page: Option<u64>,
    pub per_page: u64,
    pub total: u64,
    /// Pass as `?cursor=` for the following page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// A search's `total` stopped counting at [`PageOf::TOTAL_CAP`] (absent otherwise).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub total_capped: bool,
}

impl<T> PageOf<T> {
    /// A page read by number (HTML pages; no cursor).
    pub fn new(items: Vec<T>, pagination: &Pagination, total: u64) -> Self {
        PageOf {
            items,
            page: Some(pagination.page),
            per_page: pagination.per_page,
            total,
            next_cursor: None,
            total_capped: false,
        }
    }

    /// Searches may stop counting here (contract v2): `total` is then this, with
    /// `total_capped: true`.
    pub const TOTAL_CAP: u64 = 10_000;

    /// Marks `total` as capped at [`PageOf::TOTAL_CAP`].
    pub fn with_total_capped(mut self, capped: bool) -> Self {
        self.total_capped = capped;
        self
    }

    /// A page of the newest-first list `scope` ([`crate::cursor`]): `more` says whether
    /// items follow the last one, whose position (`key`) the next cursor holds.
    pub fn keyed(
        items: Vec<T>,
        pagination: &Pagination,
        total: u64,
        more: bool,
        scope: &str,
        key: impl Fn(&T) -> crate::cursor::Keyset,
    ) -> Self {
        let next_cursor = items
            .last()
            .filter(|_| more)
            .map(|last| crate::cursor::encode(scope, key(last)));
        PageOf {
            page: pagination.cursor.is_none().then_some(pagination.page),
            per_page: pagination.per_page,
            total,
            next_cursor,
            total_capped: false,
            items,
        }
    }

    /// The number of the last page (at least 1).
    pub fn last_page(&self) -> u64 {
        self.total.div_ceil(self.per_page).max(1)
    }

    /// The page links of an HTML list (`number`, `last`, `previous`, `next`).
    pub fn nav(&self) -> PageNav {
        PageNav::new(self.page.unwrap_or(1), self.per_page, self.total)
    }
}

/// Where an HTML list's page links lead: spread into a template's context
/// (`context! { items, ..Value::from_serialize(listing.nav()) }`), it gives `number`,
/// `last`, and `previous`/`next` (absent at either end). A page past the end links back
/// to the last one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PageNav {
    pub number: u64,
    pub last: u64,
    pub previous: Option<u64>,
    pub next: Option<u64>,
}

impl PageNav {
    pub fn new(number: u64, per_page: u64, total: u64) -> PageNav {
        let last = total.div_ceil(per_page.max(1)).max(1);
        PageNav {
            number,
            last,
            previous: (number > 1).then(|| (number - 1).min(last)),
            next: (number < last).then_some(number + 1),
        }
    }
}

pub use crate::reads::Db;

// How the API's own extractors appear in the OpenAPI document (the OpenAPI extra reads
// them from the handlers' `params(…)`).
use utoipa::IntoParams;
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};

fn integer(minimum: i64, maximum: Option<i64>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(minimum))
        .maximum(maximum)
}

/// `?page=` and `?per_page=`, as [`Pagination::from_query`] checks them.
impl IntoParams for Pagination {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("page")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some("The page, from 1 (a page past the end is empty)."))
                .schema(Some(
                    integer(1, Some(Pagination::MAX_PAGE as i64)).default(Some(1.into())),
                ))
                .build(),
            ParameterBuilder::new()
                .name("per_page")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some("Items per page."))
                .schema(Some(
                    integer(1, Some(Pagination::MAX_PER_PAGE as i64))
                        .default(Some(Pagination::DEFAULT_PER_PAGE.into())),
                ))
                .build(),
            ParameterBuilder::new()
                .name("cursor")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(
                    "The `next_cursor` of the previous page (instead of `page`): the following page, at any depth. Bound to this list and its filters.",
                ))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build(),
        ]
    }
}

/// `{id}`, as [`Id`] parses it: a positive integer (anything else is 404).
impl IntoParams for Id {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("id")
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some("The object's id."))
                .schema(Some(integer(1, None)))
                .build(),
        ]
    }
}
