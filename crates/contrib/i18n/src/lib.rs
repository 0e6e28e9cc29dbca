//! Languages, Django's `django.utils.translation` and `LocaleMiddleware`: an extra the
//! project installs like an app (label `i18n`, settings section `[i18n]`).
//!
//! - Every request gets a language: the `lang` cookie when it names one of
//!   `i18n.languages`, else the best match of `Accept-Language`, else `i18n.default`.
//!   Answers carry `Content-Language`, and `Vary: Accept-Language` unless the cookie
//!   decided. Only `POST /i18n/setlang/` (`language`, `next`; a page form, so
//!   CSRF-checked) sets the cookie, then redirects (`302`) to `next` when it is a path of
//!   this site, else to `/`; an unknown language is ignored.
//! - Apps bring Fluent message files, one per language, beside their templates
//!   ([`InstallMessages::messages`]). Templates translate with `t("id", name=value)`;
//!   handlers with the [`Language`] extractor: `language.t("id")`,
//!   `language.t_with("id", args)`. A message a language lacks falls back to the default
//!   language, then to its id: a missing translation shows, but never fails a page.
//! - Templates also get `LANGUAGE_CODE`, `LANGUAGES` (code and name of each) and
//!   `LANGUAGE_NEXT` (this page's path) for a language switcher. A page a shared cache
//!   keeps for many visitors is kept once per language ([`web::page::PageVariant`]).
//!
//! ```ignore
//! // An app's lib.rs
//! use web_i18n::InstallMessages;
//! fn install(&self, app: &mut Installer) {
//!     app.messages("en", include_str!("../locales/en.ftl"))
//!         .messages("de", include_str!("../locales/de.ftl"));
//! }
//! // locales/de.ftl:   cart-items = { $count -> [one] Ein Artikel *[other] { $count } Artikel }
//! // a template:       {{ t("cart-items", count=cart.lines|length) }}
//! // a handler:        async fn empty(language: Language) -> String { language.t("cart-empty") }
//!
//! // The project's apps.rs and urls.rs
//! Arc::new(web_i18n::I18n),                      // after the sessions extra
//! .include("/i18n", web_i18n::urls())            // POST /i18n/setlang/
//! ```

use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use fluent_bundle::{FluentArgs, FluentValue};
use http::header::{ACCEPT_LANGUAGE, CONTENT_LANGUAGE, LOCATION, SET_COOKIE, VARY};
use http::request::Parts;
use http::{HeaderValue, StatusCode};
use serde::Deserialize;
use unic_langid::LanguageIdentifier;
use web::minijinja::value::{Kwargs, Object, Value};
use web::minijinja::{Environment, State};
use web::page::{ErrorPageContext, PageVariant};
use web::settings::{Settings, SettingsError};
use web::state::{AppState, Services};
use web::urls::post;
use web::{App, ContextProcessor, Dep, Error, Form, Installer, Middleware, Urls};

mod makemessages;
mod messages;
mod negotiate;
pub mod settings;

pub use messages::{InstallMessages, MessageFile, Translations, args};
pub use negotiate::{COOKIE_NAME, Languages, Source};
pub use settings::I18nSettings;

/// The i18n extra.
pub struct I18n;

#[async_trait]
impl App for I18n {
    fn label(&self) -> &'static str {
        "i18n"
    }

    fn migration_group(&self) -> Option<&'static str> {
        None
    }

    fn template_dir(&self) -> Option<&'static str> {
        None
    }

    fn urls(&self) -> Urls {
        urls()
    }

    fn install(&self, app: &mut Installer) {
        app.messages("en", include_str!("../locales/en.ftl"))
            .messages("de", include_str!("../locales/de.ftl"))
            .middleware(|state: &AppState| -> Option<Middleware> {
                let site = state.services().get::<Arc<Site>>()?.clone();
                Some(Arc::new(move |request, next| {
                    Box::pin(choose_language(site.clone(), request, next))
                }))
            })
            .context_processor(LanguageContext)
            .project_command(makemessages::MakeMessages)
            .template_functions(add_template_functions);
    }

    fn configure(&self, settings: &Settings, services: &mut Services) -> Result<(), SettingsError> {
        let (section, languages) = I18nSettings::from_settings(settings)?;
        let files: Vec<(&'static str, MessageFile)> = services
            .contributions()
            .of::<MessageFile>()
            .map(|(app, file)| (app, file.clone()))
            .collect();
        let translations = Translations::build(&languages, &files)?;
        services.insert(Arc::new(Site::new(
            languages,
            translations,
            section.cookie_secure,
        )));
        Ok(())
    }

    fn check(&self, settings: &Settings, _deploy: bool) -> Vec<String> {
        match I18nSettings::from_settings(settings) {
            Ok(_) => Vec::new(),
            Err(e) => vec![e.to_string()],
        }
    }
}

/// The site's languages and messages (a service).
pub struct Site {
    pub languages: Languages,
    pub translations: Translations,
    cookie_secure: bool,
    /// `LANGUAGES` for templates, built once: the list never changes.
    switcher: Value,
}

impl Site {
    pub fn new(languages: Languages, translations: Translations, cookie_secure: bool) -> Site {
        let switcher: Vec<Value> = languages
            .available
            .iter()
            .map(|id| {
                let name = translations.format(id, "language-name", None);
                web::context! { code => id.to_string(), name => name }
            })
            .collect();
        Site {
            languages,
            translations,
            cookie_secure,
            switcher: Value::from(switcher),
        }
    }

    /// How the language `language` calls itself (`Deutsch`), for a switcher.
    pub fn name_of(&self, language: &LanguageIdentifier) -> String {
        self.translations.format(language, "language-name", None)
    }
}

/// `/i18n/setlang/` (`i18n:set_language`).
pub fn urls() -> Urls {
    Urls::new("i18n").route("/setlang/", "set_language", post(set_language))
}

/// The request's language, chosen by the middleware, with the site's messages:
/// `language.t("id")` in a handler.
#[derive(Clone)]
pub struct Language {
    pub id: LanguageIdentifier,
    site: Arc<Site>,
}

impl Language {
    /// The language's code: `de`.
    pub fn code(&self) -> String {
        self.id.to_string()
    }

    /// The languages the site speaks (to check a user's choice against).
    pub fn site_languages(&self) -> &Languages {
        &self.site.languages
    }

    /// Message `id` in this language.
    pub fn t(&self, id: &str) -> String {
        self.site.translations.format(&self.id, id, None)
    }

    /// Message `id` with variables (`web_i18n::args([("count", 3.into())])`).
    pub fn t_with(&self, id: &str, args: &FluentArgs) -> String {
        self.site.translations.format(&self.id, id, Some(args))
    }

    /// The language of a message to someone who chose `code` (a user's `language`): that
    /// language when the site speaks it, else the site's default. For what is written
    /// outside a request, such as a queued mail.
    pub fn for_recipient(state: &AppState, code: &str) -> anyhow::Result<Language> {
        let site = state
            .services()
            .get::<Arc<Site>>()
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("the i18n extra is not installed"))?;
        let id = site
            .languages
            .find(code)
            .unwrap_or(&site.languages.default)
            .clone();
        Ok(Language { id, site })
    }

    /// What a template rendered outside a request needs to translate (`t()`) and to
    /// know its language (`LANGUAGE_CODE`): merge it into the context,
    /// `context! { order, ..language.context() }`.
    pub fn context(&self) -> Value {
        Value::from_iter(self.context_pairs())
    }

    fn context_pairs(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("LANGUAGE_CODE", Value::from(self.code())),
            (TRANSLATOR, Value::from_object(Translator(self.clone()))),
        ]
    }
}

impl FromRequestParts<AppState> for Language {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Error> {
        parts
            .extensions
            .get::<Language>()
            .cloned()
            .ok_or_else(|| Error::internal("the i18n extra's middleware did not run"))
    }
}

/// The middleware: picks the language, hands it to the handlers, labels the answer.
async fn choose_language(
    site: Arc<Site>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let cookie = web::cookies::value(request.headers(), COOKIE_NAME);
    let accept = request
        .headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let (id, source) = site.languages.choose(cookie, accept);
    let code = HeaderValue::from_str(&id.to_string()).ok();
    // A page cached for many visitors is kept per language.
    request
        .extensions_mut()
        .insert(PageVariant(format!("lang={id}")));
    let language = Language { id, site };
    request.extensions_mut().insert(language.clone());
    let mut response = next.run(request).await;
    translate_error(&language, &mut response);
    if response.status().is_client_error() || response.status().is_server_error() {
        // The core may render an error page in the response's place: in this language.
        response
            .extensions_mut()
            .insert(ErrorPageContext(language.context_pairs()));
    }
    let headers = response.headers_mut();
    if let Some(code) = code {
        headers.insert(CONTENT_LANGUAGE, code);
    }
    if source != Source::Cookie {
        headers.append(VARY, HeaderValue::from_static("accept-language"));
    }
    response
}

/// An error's `message` in the request's language, when that language has the message
/// `error-<code>` (the `code` never changes): for the API's JSON body and the error page
/// alike, which the core renders from the error afterwards.
fn translate_error(language: &Language, response: &mut Response) {
    let Some(error) = response.extensions().get::<Error>() else {
        return;
    };
    let id = format!("{ERROR_PREFIX}{}", error.code());
    if language.site.translations.has(&language.id, &id) {
        let translated = error.clone().with_message(language.t(&id));
        response.extensions_mut().insert(translated);
    }
}

/// Messages `error-<code>` translate the errors of that code.
pub const ERROR_PREFIX: &str = "error-";

#[derive(Deserialize)]
struct SetLanguageForm {
    language: String,
    #[serde(default)]
    next: String,
}

/// `POST /i18n/setlang/`: remembers the language in the `lang` cookie (a year) and goes
/// back to `next`.
async fn set_language(Dep(site): Dep<Arc<Site>>, Form(form): Form<SetLanguageForm>) -> Response {
    let target = if is_local_path(&form.next) {
        form.next.as_str()
    } else {
        "/"
    };
    let mut response = (StatusCode::FOUND, [(LOCATION, target.to_string())]).into_response();
    if let Some(language) = site.languages.find(&form.language) {
        let secure = if site.cookie_secure { "; Secure" } else { "" };
        let cookie =
            format!("{COOKIE_NAME}={language}; Path=/; Max-Age=31536000; SameSite=Lax{secure}");
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

/// A path on this site (`/products/?page=2`), never another site (`//evil.example`,
/// `https://…`, `/\evil.example`).
fn is_local_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control())
}

/// Puts `LANGUAGE_CODE`, `LANGUAGES`, `LANGUAGE_NEXT` and the translator `t()` reads
/// into every page.
struct LanguageContext;

#[async_trait]
impl ContextProcessor for LanguageContext {
    async fn context(
        &self,
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Vec<(&'static str, Value)>, Error> {
        let Some(language) = parts.extensions.get::<Language>().cloned() else {
            return Ok(Vec::new());
        };
        let here = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        Ok(vec![
            ("LANGUAGE_CODE", Value::from(language.code())),
            // Where the language switcher comes back to.
            ("LANGUAGE_NEXT", Value::from(here)),
            ("LANGUAGES", language.site.switcher.clone()),
            (TRANSLATOR, Value::from_object(Translator(language))),
        ])
    }
}

/// The context variable holding the page's [`Translator`].
const TRANSLATOR: &str = "__i18n";

/// The page's language, as a template value `t()` finds.
#[derive(Debug)]
struct Translator(Language);

impl std::fmt::Debug for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Language").field("id", &self.id).finish()
    }
}

impl Object for Translator {}

/// `t("id", name=value, …)`.
fn add_template_functions(env: &mut Environment<'static>) {
    env.add_function(
        "t",
        |state: &State, id: &str, kwargs: Kwargs| -> Result<String, web::minijinja::Error> {
            let translator = state.lookup(TRANSLATOR).ok_or_else(|| {
                web::minijinja::Error::new(
                    web::minijinja::ErrorKind::InvalidOperation,
                    "t() needs a page rendered with the i18n extra installed",
                )
            })?;
            let Some(Translator(language)) = translator.downcast_object_ref::<Translator>() else {
                return Err(web::minijinja::Error::new(
                    web::minijinja::ErrorKind::InvalidOperation,
                    "the page's translator is not one",
                ));
            };
            let mut args = FluentArgs::new();
            for name in kwargs.args() {
                let value: Value = kwargs.get(name)?;
                args.set(name.to_string(), fluent_value(&value));
            }
            Ok(language.t_with(id, &args))
        },
    );
}

/// A template value as a Fluent argument: numbers stay numbers (plural rules), the rest
/// is text.
fn fluent_value(value: &Value) -> FluentValue<'static> {
    if let Ok(n) = i64::try_from(value.clone()) {
        return FluentValue::from(n);
    }
    if let Ok(n) = f64::try_from(value.clone()) {
        return FluentValue::from(n);
    }
    FluentValue::from(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_on_this_site() {
        for local in ["/", "/catalog/?page=2", "/cart/"] {
            assert!(is_local_path(local), "{local}");
        }
        for foreign in [
            "",
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "/\nx",
        ] {
            assert!(!is_local_path(foreign), "{foreign}");
        }
    }
}
