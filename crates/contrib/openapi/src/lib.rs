//! The JSON API's OpenAPI document, generated from the handlers, and the `api_docs` app
//! that serves it with Swagger UI.
//!
//! An app annotates each API handler with `#[utoipa::path]`, its path written relative to
//! where the app's API is mounted (as in its `urls.rs`), gathers them in a
//! `#[derive(utoipa::OpenApi)]` and adds it in its `install` ([`InstallOpenApi::openapi`]). The project nests
//! every app's paths under the app's API mount, so an app never knows its prefix, and adds
//! what the framework itself answers, in the contract's error shape ([`ErrorBody`]):
//!
//! - any URL: 400 `bad_request` when malformed (a null character);
//! - a JSON request body: 400 `invalid_json`, 413, 415, 422 `validation_error`;
//! - query parameters or a required header: 422 `validation_error`;
//! - a path parameter: 404 `not_found`;
//! - bearer security: 401 `unauthenticated`;
//! - every operation: 503 `service_unavailable`.
//!
//! An extra the project installs like an app: install [`ApiDocs`] and
//! `include("", web_openapi::urls())`: the document is served at
//! `GET /api/openapi.json` and browsed at `/api/docs/`; `project openapi` prints it.
//!
//! ```ignore
//! // An app's views/api.rs and lib.rs
//! #[utoipa::path(get, path = "/students", responses((status = 200, body = StudentList)))]
//! pub async fn student_list(/* … */) -> Result<Json<StudentList>, Error> { /* … */ }
//!
//! #[derive(utoipa::OpenApi)]
//! #[openapi(paths(student_list))]
//! pub struct ApiDoc;
//!
//! fn install(&self, app: &mut Installer) {
//!     app.openapi(<views::api::ApiDoc as web::utoipa::OpenApi>::openapi());
//! }
//! ```

mod drift;

pub use drift::Drift;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::Path as AxumPath;
use axum::response::{IntoResponse, Redirect, Response};
use http::header;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, LicenseBuilder, OpenApi, OpenApiBuilder, Ref, RefOr, Required,
    ResponseBuilder,
};
use utoipa::{IntoResponses, PartialSchema, ToSchema};

use web::app::App;
use web::error::ErrorBody;
use web::extract::JSON_CONTENT_TYPE;
use web::install::{Contributions, Installer};
use web::settings::{Settings, SettingsError};
use web::state::{Dep, Services};
use web::urls::{ApiMounts, Reverser, Urls, get};

/// The name of the bearer-token security scheme: `security(("bearer" = []))` in `#[utoipa::path]`.
pub const BEARER: &str = "bearer";

/// The docs app: install it with the API's title and version. It builds the document
/// when the project is configured, from what the apps contributed and where their APIs
/// are mounted.
#[derive(Clone, Copy, Debug)]
pub struct ApiDocs {
    pub title: &'static str,
    pub version: &'static str,
    pub description: &'static str,
}

/// The document, built once at startup and served without copying.
#[derive(Clone)]
pub struct ApiDocument {
    pub json: bytes::Bytes,
    swagger: Arc<utoipa_swagger_ui::Config<'static>>,
}

#[async_trait]
impl App for ApiDocs {
    fn label(&self) -> &'static str {
        "api_docs"
    }
    fn urls(&self) -> Urls {
        urls()
    }
    fn migration_group(&self) -> Option<&'static str> {
        None
    }
    fn template_dir(&self) -> Option<&'static str> {
        None
    }
    fn install(&self, app: &mut Installer) {
        #[derive(utoipa::OpenApi)]
        #[openapi(paths(openapi_json))]
        struct Doc;
        app.openapi(<Doc as utoipa::OpenApi>::openapi())
            .project_command(PrintDocument);
    }

    /// Builds the document (a project whose URLs do not resolve fails on that elsewhere).
    fn configure(&self, _: &Settings, services: &mut Services) -> Result<(), SettingsError> {
        let (Some(mounts), Some(reverser)) =
            (services.get::<ApiMounts>(), services.get::<Reverser>())
        else {
            return Ok(());
        };
        let doc = document(self, services.contributions(), mounts)
            .map_err(|e| SettingsError::new("", e))?;
        let json_url = reverser
            .reverse("api_docs:openapi", &[])
            .map_err(|e| SettingsError::new("", e.to_string()))?;
        let document = ApiDocument::new(&doc, &json_url)
            .map_err(|e| SettingsError::new("", format!("{e:#}")))?;
        services.insert(document);
        services.insert(DocumentSource(Arc::new(doc)));
        Ok(())
    }
}

/// The document as built, for `project openapi`.
#[derive(Clone)]
struct DocumentSource(Arc<OpenApi>);

/// `project openapi`: prints the document (needs no database).
struct PrintDocument;

#[async_trait]
impl web::ProjectCommand for PrintDocument {
    fn definition(&self) -> clap::Command {
        clap::Command::new("openapi").about(
            "Print the JSON API's OpenAPI document, as served at /api/openapi.json (needs no database)",
        )
    }

    async fn run(
        &self,
        project: &web::Project,
        settings: &Settings,
        _: &clap::ArgMatches,
    ) -> anyhow::Result<()> {
        use std::io::Write;
        let services = project.configure(settings)?;
        let Some(DocumentSource(doc)) = services.get::<DocumentSource>() else {
            anyhow::bail!(
                "no OpenAPI document: the project's URLs do not resolve (see `project check`)"
            );
        };
        let mut out = std::io::stdout().lock();
        match writeln!(out, "{}", doc.to_pretty_json()?) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => Ok(other?),
        }
    }
}

/// `api_docs:openapi` (`/api/openapi.json`) and `api_docs:docs` (`/api/docs/`).
pub fn urls() -> Urls {
    Urls::new("api_docs")
        .api("/openapi.json", "openapi", get(openapi_json))
        .api("/docs", "docs_redirect", get(docs_redirect))
        .api("/docs/", "docs", get(docs_index))
        .api("/docs/{*file}", "docs_file", get(docs_file))
}

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "api_docs",
    operation_id = "openapi",
    responses((status = 200, description = "The API's OpenAPI 3.1 document.", body = Object))
)]
async fn openapi_json(Dep(doc): Dep<ApiDocument>) -> Response {
    ([(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], doc.json).into_response()
}

// Swagger UI loads its files relative to the page, so the page ends with a slash.
async fn docs_redirect(reverser: Reverser) -> Result<Redirect, web::Error> {
    Ok(Redirect::permanent(
        &reverser.reverse("api_docs:docs", &[])?,
    ))
}

async fn docs_index(Dep(doc): Dep<ApiDocument>) -> Response {
    swagger_file(&doc, "index.html")
}

async fn docs_file(Dep(doc): Dep<ApiDocument>, AxumPath(file): AxumPath<String>) -> Response {
    swagger_file(&doc, &file)
}

fn swagger_file(doc: &ApiDocument, file: &str) -> Response {
    match utoipa_swagger_ui::serve(file, doc.swagger.clone()) {
        Ok(Some(file)) => (
            [(header::CONTENT_TYPE, file.content_type)],
            file.bytes.into_owned(),
        )
            .into_response(),
        Ok(None) => web::Error::not_found("Not found.").into_response(),
        Err(err) => web::Error::internal(format!("swagger ui: {err}")).into_response(),
    }
}

impl ApiDocument {
    /// Serializes `doc` and points Swagger UI at `json_url`.
    pub fn new(doc: &OpenApi, json_url: &str) -> anyhow::Result<Self> {
        Ok(ApiDocument {
            json: doc.to_pretty_json()?.into(),
            swagger: Arc::new(utoipa_swagger_ui::Config::from(json_url.to_owned())),
        })
    }
}

/// An app's JSON API as an OpenAPI document, paths relative to its API mount; the
/// project nests it under the mount.
#[derive(Clone)]
pub struct ApiPaths(pub OpenApi);

impl web::install::Contribution for ApiPaths {
    const READER: Option<&'static str> = None;
    const WHAT: &'static str = "OpenAPI paths";
}

/// How an app adds its API to the OpenAPI document.
pub trait InstallOpenApi {
    /// `app.openapi(<views::api::ApiDoc as utoipa::OpenApi>::openapi())`.
    fn openapi(&mut self, api: OpenApi) -> &mut Self;
}

impl InstallOpenApi for web::install::Installer<'_> {
    fn openapi(&mut self, api: OpenApi) -> &mut Self {
        self.add(ApiPaths(api))
    }
}

/// The OpenAPI paths `app` contributes, merged (for tests of an app's API description).
pub fn of_app(app: impl App) -> Option<OpenApi> {
    let contributions = Contributions::of_apps(&[Arc::new(app)]);
    contributions
        .all::<ApiPaths>()
        .into_iter()
        .map(|p| p.0)
        .reduce(|mut all, more| {
            all.merge(more);
            all
        })
}

/// The project's document: every installed app's paths nested under its API mount, the
/// framework's error responses, the bearer scheme and the error schema. Schema names are
/// global to the document: two apps defining different schemas under one name is an
/// error naming both (rename one with `#[schema(as = …)]`).
pub fn document(
    info: &ApiDocs,
    contributions: &Contributions,
    mounts: &ApiMounts,
) -> Result<OpenApi, String> {
    let mut doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title(info.title)
                .version(info.version)
                .description(Some(info.description))
                .license(Some(LicenseBuilder::new().name("MIT").build())),
        )
        .build();
    let mut owners: BTreeMap<String, &'static str> = BTreeMap::new();
    for (label, ApiPaths(api)) in contributions.of::<ApiPaths>() {
        let api = api.clone();
        {
            if let Some(components) = &api.components {
                for (name, schema) in &components.schemas {
                    let existing = doc.components.as_ref().and_then(|c| c.schemas.get(name));
                    match (existing, owners.get(name)) {
                        (Some(first), Some(owner)) if first != schema => {
                            return Err(format!(
                                "the OpenAPI schema `{name}` is defined differently by the apps `{owner}` and `{label}`; rename one with #[schema(as = …)]"
                            ));
                        }
                        (Some(_), _) => {}
                        (None, _) => {
                            owners.insert(name.clone(), label);
                        }
                    }
                }
            }
            let mount = mounts.of(label).unwrap_or("/api");
            doc = doc.nest(mount, api);
        }
    }
    let components = doc.components.get_or_insert_with(Default::default);
    let mut error_schemas = vec![(
        <ErrorBody as ToSchema>::name().into_owned(),
        ErrorBody::schema(),
    )];
    <ErrorBody as ToSchema>::schemas(&mut error_schemas);
    components.schemas.extend(error_schemas);
    components.security_schemes.insert(
        BEARER.to_owned(),
        RefOr::T(SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "A token from `POST /api/accounts/token`, sent as `Authorization: Bearer <token>`.",
                ))
                .build(),
        )),
    );
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            add_framework_responses(operation);
        }
    }
    Ok(doc)
}

/// The errors the framework's extractors and stack answer for an operation of this shape.
fn add_framework_responses(operation: &mut Operation) {
    let params: Vec<&Parameter> = operation
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) => Some(p),
            RefOr::Ref(_) => None,
        })
        .collect();
    let has = |place: ParameterIn| params.iter().any(|p| p.parameter_in == place);
    let required_header = params
        .iter()
        .any(|p| p.parameter_in == ParameterIn::Header && p.required == Required::True);
    let mut errors: Vec<(u16, &str)> = Vec::new();
    // Any URL can be malformed (a null character, refused before routing).
    if operation.request_body.is_some() {
        errors.extend([
            (
                400,
                "The body is not valid JSON (`invalid_json`), or the URL is malformed (`bad_request`).",
            ),
            (413, "The body is over the size limit (`payload_too_large`)."),
            (415, "The body is not `application/json` (`unsupported_media_type`)."),
        ]);
    } else {
        errors.push((400, "The URL is malformed (`bad_request`)."));
    }
    if operation.request_body.is_some() || has(ParameterIn::Query) || required_header {
        errors.push((
            422,
            "A field or parameter failed validation (`validation_error`, with `fields`).",
        ));
    }
    if has(ParameterIn::Path) {
        errors.push((404, "No such object, or not yours (`not_found`)."));
    }
    let authenticated = operation
        .security
        .iter()
        .flatten()
        .any(|r| r != &Default::default());
    if authenticated {
        errors.push((
            401,
            "The bearer token is missing, invalid or expired (`unauthenticated`).",
        ));
    }
    errors.push((
        503,
        "The database is unreachable (`service_unavailable`); try again.",
    ));
    for (status, description) in errors {
        operation
            .responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| error_response(description));
    }
}

/// A response with the contract's error body.
pub fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

/// `schema` (an object) with `fields` required: the create variant of a partial-update body.
pub fn with_required(
    mut schema: RefOr<utoipa::openapi::Schema>,
    fields: &[&str],
) -> RefOr<utoipa::openapi::Schema> {
    if let RefOr::T(utoipa::openapi::Schema::Object(object)) = &mut schema {
        object.required = fields.iter().map(|f| (*f).to_owned()).collect();
    }
    schema
}

/// The answers operations share, for their `responses(…)` list: written once, so their
/// wording stays the same across apps.
///
/// ```ignore
/// #[utoipa::path(post, path = "", security(("bearer" = ["catalog.add_product"])),
///     responses((status = 201, body = Product), Forbidden))]
/// ```
///
/// An operation that needs a permission names it as the role of its bearer security
/// requirement (OpenAPI 3.1's roles for non-OAuth schemes) and answers [`Forbidden`]
/// without it.
#[derive(IntoResponses)]
#[response(
    status = 403,
    description = "The user lacks the permission this operation's security requirement names (`forbidden`)."
)]
pub struct Forbidden(#[allow(dead_code)] ErrorBody<'static>);

/// `409 invalid_state` for an operation on an order that must still be pending.
#[derive(IntoResponses)]
#[response(
    status = 409,
    description = "The order is not pending, or has expired (`invalid_state`)."
)]
pub struct NotPending(#[allow(dead_code)] ErrorBody<'static>);

#[cfg(test)]
mod tests {
    use super::*;
    use web::urls::UrlRegistry;

    /// An app whose API answers `/item` with a schema named `Item`.
    struct Shop<S: ToSchema + 'static>(&'static str, std::marker::PhantomData<S>);

    impl<S: ToSchema + Send + Sync + 'static> App for Shop<S> {
        fn label(&self) -> &'static str {
            self.0
        }
        fn urls(&self) -> Urls {
            Urls::new(self.0).api("/item", "item", get(|| async { "item" }))
        }
        fn install(&self, app: &mut Installer) {
            use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem, PathsBuilder};
            let item = PathItem::new(HttpMethod::Get, OperationBuilder::new().build());
            let mut doc = OpenApiBuilder::new()
                .paths(PathsBuilder::new().path("/item", item))
                .build();
            doc.components
                .get_or_insert_with(Default::default)
                .schemas
                .insert("Item".into(), S::schema());
            app.openapi(doc);
        }
    }

    #[derive(utoipa::ToSchema)]
    #[allow(dead_code)]
    struct Book {
        title: String,
    }

    #[derive(utoipa::ToSchema)]
    #[allow(dead_code)]
    struct Shoe {
        size: i64,
    }

    fn document_of(apps: Vec<Arc<dyn App>>) -> Result<OpenApi, String> {
        let mut registry = UrlRegistry::new();
        for app in &apps {
            registry = registry.include(&format!("/{}", app.label()), app.urls());
        }
        let urls = registry.build().unwrap();
        let mounts = urls.api_mounts.clone();
        let info = ApiDocs {
            title: "Test",
            version: "1",
            description: "",
        };
        document(&info, &Contributions::of_apps(&apps), &mounts)
    }

    #[test]
    fn apps_are_nested_under_their_mounts_and_may_share_a_schema() {
        let doc = document_of(vec![
            Arc::new(Shop::<Book>("books", Default::default())),
            Arc::new(Shop::<Book>("library", Default::default())),
        ])
        .expect("the same schema twice is no clash");
        let paths: Vec<&String> = doc.paths.paths.keys().collect();
        assert_eq!(paths, ["/api/books/item", "/api/library/item"]);
        assert!(doc.components.unwrap().schemas.contains_key("Item"));
    }

    #[test]
    fn two_apps_with_different_schemas_under_one_name_are_refused() {
        let err = document_of(vec![
            Arc::new(Shop::<Book>("books", Default::default())),
            Arc::new(Shop::<Shoe>("shoes", Default::default())),
        ])
        .err()
        .expect("a clash");
        assert!(
            err.contains("`Item`") && err.contains("`books`") && err.contains("`shoes`"),
            "{err}"
        );
    }
}
