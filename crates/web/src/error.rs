//! One error type for every handler.
//!
//! A handler returns `Result<T, web::Error>`. The error does not render itself: it rides in
//! the response's extensions, and `render_errors` (a middleware near the top of the stack)
//! turns it into the contract's JSON body under `/api/` and into an HTML error page
//! elsewhere. The same middleware gives bare error responses produced by the stack itself
//! (unknown route, wrong method, body too large, timeout, panic) the same shape.
//!
//! ```
//! use web::Error;
//! fn find(id: i64) -> Result<&'static str, Error> {
//!     if id == 1 { Ok("one") } else { Err(Error::not_found("No product with that id.")) }
//! }
//! assert_eq!(find(2).unwrap_err().status(), http::StatusCode::NOT_FOUND);
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use sea_orm::sqlx;
use sea_orm::{DbErr, RuntimeErr};
use serde::Serialize;

/// The `Content-Type` of every JSON answer.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// Validation messages per field, as in the contract's `error.fields`.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// An error a handler returns; rendered as JSON or HTML by `render_errors`.
#[derive(Clone)]
pub struct Error {
    inner: Arc<ErrorInner>,
}

struct ErrorInner {
    status: StatusCode,
    code: Cow<'static, str>,
    message: Cow<'static, str>,
    fields: Option<FieldErrors>,
    headers: Vec<(HeaderName, HeaderValue)>,
    /// The underlying cause of a 5xx, logged and never shown to the client.
    source: Option<String>,
    /// A transient database conflict (deadlock, busy): the transaction may be retried.
    retryable: bool,
}

impl Error {
    /// An error with any status and code.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Error {
            inner: Arc::new(ErrorInner {
                status,
                code: code.into(),
                message: message.into(),
                fields: None,
                headers: Vec::new(),
                source: None,
                retryable: false,
            }),
        }
    }

    fn edit(mut self, f: impl FnOnce(&mut ErrorInner)) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => f(inner),
            None => {
                let old = &self.inner;
                let mut inner = ErrorInner {
                    status: old.status,
                    code: old.code.clone(),
                    message: old.message.clone(),
                    fields: old.fields.clone(),
                    headers: old.headers.clone(),
                    source: old.source.clone(),
                    retryable: old.retryable,
                };
                f(&mut inner);
                self.inner = Arc::new(inner);
            }
        }
        self
    }

    /// Adds a response header (e.g. `Retry-After`).
    pub fn with_header(self, name: HeaderName, value: HeaderValue) -> Self {
        self.edit(|e| e.headers.push((name, value)))
    }

    /// The same error told in other words (the code stays): a translation.
    pub fn with_message(self, message: impl Into<Cow<'static, str>>) -> Self {
        let message = message.into();
        self.edit(|e| e.message = message)
    }

    /// Attaches per-field messages.
    pub fn with_fields(self, fields: FieldErrors) -> Self {
        self.edit(|e| e.fields = Some(fields))
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    /// 400 `invalid_json`.
    pub fn invalid_json(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_json", message)
    }
    /// 401 `unauthenticated`.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Authentication credentials were not provided or are invalid.",
        )
    }
    /// 403 `forbidden`.
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "You do not have permission to perform this action.",
        )
    }
    /// 404 `not_found`.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    /// 409 with a conflict code such as `sku_taken`.
    pub fn conflict(
        code: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }
    /// 422 `validation_error` with per-field messages.
    pub fn validation(fields: FieldErrors) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            "The request is invalid.",
        )
        .with_fields(fields)
    }
    /// 422 `validation_error` for a single field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(BTreeMap::from([(field.into(), vec![message.into()])]))
    }
    /// 429 `throttled` with `Retry-After` in seconds.
    pub fn throttled(retry_after_seconds: u64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "throttled",
            "Too many failed attempts; try again later.",
        )
        .with_header(
            header::RETRY_AFTER,
            HeaderValue::from(retry_after_seconds.max(1)),
        )
    }
    /// 503 `service_unavailable`.
    pub fn service_unavailable(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            message,
        )
    }
    /// 503 `service_unavailable` because the database can't be reached.
    pub fn database_unavailable() -> Self {
        Self::service_unavailable("The database is unavailable; try again shortly.")
    }
    /// 500 `internal_error`; the cause is logged, never sent to the client.
    pub fn internal(cause: impl fmt::Display) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal server error.",
        )
        .edit(|e| e.source = Some(cause.to_string()))
    }

    pub fn status(&self) -> StatusCode {
        self.inner.status
    }
    pub fn code(&self) -> &str {
        &self.inner.code
    }
    pub fn message(&self) -> &str {
        &self.inner.message
    }
    pub fn fields(&self) -> Option<&FieldErrors> {
        self.inner.fields.as_ref()
    }
    /// What to tell a person in one line (a page's flash message): the first field's
    /// message when the error names fields, else the message.
    pub fn first_message(&self) -> &str {
        self.fields()
            .and_then(|f| f.values().flatten().next())
            .map_or(self.message(), String::as_str)
    }
    /// Whether this is a transient database conflict worth retrying the transaction for.
    pub fn is_retryable(&self) -> bool {
        self.inner.retryable
    }

    /// The contract's JSON body: `{"error": {"code", "message", "fields"?}}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.body()).unwrap_or_default()
    }

    /// The body as a value, borrowing from the error.
    pub fn body(&self) -> ErrorBody<'_> {
        ErrorBody {
            error: ErrorDetail {
                code: &self.inner.code,
                message: &self.inner.message,
                fields: self.inner.fields.as_ref(),
            },
        }
    }

    /// Renders the error as the contract's JSON response.
    pub fn json_response(&self) -> Response {
        let body = serde_json::to_vec(&self.to_json()).unwrap_or_default();
        let mut response = (
            self.status(),
            [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)],
            body,
        )
            .into_response();
        self.apply_headers(response.headers_mut());
        response
    }

    fn apply_headers(&self, headers: &mut HeaderMap) {
        for (name, value) in &self.inner.headers {
            headers.insert(name.clone(), value.clone());
        }
    }
}

/// Every error's body: `{"error": {"code", "message", "fields"?}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    pub error: ErrorDetail<'a>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail<'a> {
    /// What went wrong, in snake_case (see the contract's table of codes).
    #[schema(example = "validation_error")]
    pub code: &'a str,
    /// For people, not programs.
    pub message: &'a str,
    /// Validation errors only: messages per field (`items[0].quantity`) or parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = field_errors_schema)]
    pub fields: Option<&'a FieldErrors>,
}

fn field_errors_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{AdditionalProperties, ArrayBuilder, ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(AdditionalProperties::RefOr(
            ArrayBuilder::new()
                .items(ObjectBuilder::new().schema_type(Type::String))
                .into(),
        )))
        .build()
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("status", &self.inner.status)
            .field("code", &self.inner.code)
            .field("message", &self.inner.message)
            .field("fields", &self.inner.fields)
            .field("source", &self.inner.source)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.inner.status.as_u16(),
            self.inner.code,
            self.inner.message
        )?;
        if let Some(source) = &self.inner.source {
            write!(f, " ({source})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<sea_orm::DbErr> for Error {
    fn from(err: sea_orm::DbErr) -> Self {
        if is_unavailable(&err) {
            let request_id = crate::request_id::current_request_id();
            tracing::warn!(%request_id, error = %err, "database unavailable");
            Error::database_unavailable()
        } else if is_statement_timeout(&err) {
            let request_id = crate::request_id::current_request_id();
            tracing::warn!(%request_id, error = %err, "statement cancelled (database.statement_timeout_ms)");
            Error::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "The request took too long in the database and was cancelled; nothing was changed.",
            )
        } else {
            let retryable = is_retryable(&err);
            Error::internal(err).edit(|e| e.retryable = retryable)
        }
    }
}

// What kind of database error: the SQLSTATE or SQLite code behind a `DbErr`.

pub(crate) fn sqlx_error(err: &DbErr) -> Option<&sqlx::Error> {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => Some(e),
        _ => None,
    }
}

/// The database-specific error code: SQLSTATE on MySQL/PostgreSQL, the extended result
/// code on SQLite.
pub fn error_code(err: &DbErr) -> Option<String> {
    match sqlx_error(err)? {
        sqlx::Error::Database(d) => d.code().map(|c| c.to_string()),
        _ => None,
    }
}

/// A transient conflict worth retrying the whole transaction for: deadlock or
/// serialization failure (MySQL/PostgreSQL), "database is locked/busy" (SQLite).
pub fn is_retryable(err: &DbErr) -> bool {
    matches!(
        error_code(err).as_deref(),
        Some("40001" | "40P01" | "5" | "6" | "261" | "517")
    )
}

/// A statement cancelled by `database.statement_timeout_ms`: PostgreSQL's
/// `query_canceled`, MariaDB's `max_statement_time` (1969) or MySQL's
/// `max_execution_time` (3024), SQLite's interrupt.
pub fn is_statement_timeout(err: &DbErr) -> bool {
    let Some(sqlx::Error::Database(d)) = sqlx_error(err) else {
        return false;
    };
    match d.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        Some(mysql) => matches!(mysql.number(), 1969 | 3024),
        None => matches!(d.code().as_deref(), Some("57014" | "9")),
    }
}

/// The database could not be reached (connection refused or lost, pool exhausted or closed).
pub fn is_unavailable(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Conn(_) => true,
        _ => matches!(
            sqlx_error(err),
            Some(
                sqlx::Error::Io(_)
                    | sqlx::Error::PoolTimedOut
                    | sqlx::Error::PoolClosed
                    | sqlx::Error::Tls(_)
                    | sqlx::Error::WorkerCrashed
            )
        ),
    }
}

impl From<anyhow::Error> for Error {
    fn from(err: anyhow::Error) -> Self {
        match err.downcast::<Error>() {
            Ok(e) => e,
            Err(err) => match err.downcast::<sea_orm::DbErr>() {
                Ok(db) => db.into(),
                Err(err) => Error::internal(format!("{err:#}")),
            },
        }
    }
}

impl From<minijinja::Error> for Error {
    fn from(err: minijinja::Error) -> Self {
        Error::internal(format!("template: {err:#}"))
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = self.status();
        self.apply_headers(response.headers_mut());
        response.extensions_mut().insert(self);
        response
    }
}

/// Whether a path is served as JSON: the API and the probes.
pub fn is_json_path(path: &str) -> bool {
    path.starts_with("/api/") || path == "/api" || path == "/healthz" || path == "/readyz"
}

/// The first cause of type `T` in `error`'s chain (`error` itself, then its `source()`s):
/// what a body-reading error hides under the extractor's own error.
pub fn find_cause<'e, T: std::error::Error + 'static>(
    error: &'e (dyn std::error::Error + 'static),
) -> Option<&'e T> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// 413 `payload_too_large`.
pub fn payload_too_large() -> Error {
    Error::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "The request body is too large.",
    )
}

/// 415 `unsupported_media_type`.
pub fn unsupported_media_type() -> Error {
    Error::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "Expected a body with Content-Type: application/json.",
    )
}

/// Turns a panic in a handler into a 500 (logged) instead of a dropped connection.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    Error::internal(format!("handler panicked: {detail}")).into_response()
}
