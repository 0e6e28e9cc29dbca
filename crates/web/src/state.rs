//! The state every handler can reach through typed extractors ([`crate::Db`],
//! [`crate::Reverser`], [`Dep`], [`crate::Page`], settings) rather than one context object.

use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;
use sea_orm::DatabaseConnection;

use crate::Error;
use crate::install::Contributions;
use crate::settings::Settings;
use crate::templates::Templates;
use crate::urls::Reverser;

/// Shared, read-only state of a running project. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    settings: Arc<Settings>,
    db: DatabaseConnection,
    templates: Templates,
    reverser: Reverser,
    services: Services,
}

impl AppState {
    pub fn new(
        settings: Arc<Settings>,
        db: DatabaseConnection,
        templates: Templates,
        reverser: Reverser,
        services: Services,
    ) -> Self {
        AppState(Arc::new(Inner {
            settings,
            db,
            templates,
            reverser,
            services,
        }))
    }
    pub fn settings(&self) -> &Arc<Settings> {
        &self.0.settings
    }
    pub fn db(&self) -> &DatabaseConnection {
        &self.0.db
    }
    pub fn templates(&self) -> &Templates {
        &self.0.templates
    }
    pub fn reverser(&self) -> &Reverser {
        &self.0.reverser
    }
    pub fn services(&self) -> &Services {
        &self.0.services
    }
    /// A service an app registered in [`crate::App::configure`].
    pub fn service<T: Clone + Send + Sync + 'static>(&self) -> Result<T, Error> {
        self.0.services.get::<T>().cloned().ok_or_else(|| {
            Error::internal(format!(
                "no service of type {} is registered; is the app that provides it installed?",
                type_name::<T>()
            ))
        })
    }
}

impl FromRef<AppState> for Arc<Settings> {
    fn from_ref(state: &AppState) -> Self {
        state.0.settings.clone()
    }
}

impl FromRef<AppState> for DatabaseConnection {
    fn from_ref(state: &AppState) -> Self {
        state.0.db.clone()
    }
}

/// Values apps register at startup (their typed settings, a payment gateway, an email
/// backend), looked up by type.
#[derive(Default, Clone)]
pub struct Services(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl Services {
    pub fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.0.insert(TypeId::of::<T>(), Arc::new(value));
    }
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.0
            .get(&TypeId::of::<T>())
            .and_then(|v| v.downcast_ref::<T>())
    }

    /// What the installed apps contributed ([`crate::install`]): an extra's `configure`
    /// reads its kinds here.
    pub fn contributions(&self) -> &Contributions {
        static NONE: Contributions = Contributions::none();
        self.get::<Arc<Contributions>>()
            .map_or(&NONE, |c| c.as_ref())
    }

    /// The service of type `T`, inserted as `T::default()` if absent, to change while
    /// the project is configured: how an app adds itself to a list another app reads
    /// (`accounts::signals::LoginReceivers`).
    pub fn get_or_insert_default<T: Default + Clone + Send + Sync + 'static>(&mut self) -> &mut T {
        let slot = self
            .0
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(T::default()));
        if Arc::get_mut(slot).is_none() {
            // Shared with a clone of these services: change a copy (clone on write).
            let copy = slot.downcast_ref::<T>().cloned().unwrap_or_default();
            *slot = Arc::new(copy);
        }
        Arc::get_mut(slot)
            .and_then(|v| v.downcast_mut::<T>())
            .expect("a service slot holds its own type")
    }
}

/// Extracts a registered service: `Dep(gateway): Dep<Arc<dyn PaymentGateway>>`.
/// Register cheap-to-clone values (an `Arc`, a small settings struct behind an `Arc`).
pub struct Dep<T>(pub T);

impl<T: Clone + Send + Sync + 'static> FromRequestParts<AppState> for Dep<T> {
    type Rejection = Error;
    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, Error> {
        state.service::<T>().map(Dep)
    }
}

/// The route table, as an extractor (for redirects).
impl FromRequestParts<AppState> for Reverser {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(state.reverser().clone())
    }
}

/// The settings, as an extractor.
pub struct SettingsRef(pub Arc<Settings>);

impl FromRequestParts<AppState> for SettingsRef {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(SettingsRef(state.settings().clone()))
    }
}
