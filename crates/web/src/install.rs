//! What installed apps contribute to each other (Django's app registry, `ready()` hooks and
//! signals): every app's [`crate::App::install`] adds values to one [`Contributions`]
//! list, and the app that owns each kind reads them once every app is installed. Each
//! kind lives with its reader, which also gives [`Installer`] a method for it: the core's
//! modules theirs (commands in [`crate::command`], permissions in [`crate::permissions`],
//! middleware in [`crate::middleware`], template hooks in [`crate::templates`] and
//! [`crate::page`], …); an extra its own (the jobs extra its tasks, the admin contract its
//! model admins) without the core naming it.
//!
//! ```
//! use web::install::{Contribution, Installer};
//! use web::{App, Services, Settings, settings::SettingsError};
//!
//! // An extra's kind of contribution, read by the app labelled `feeds`.
//! #[derive(Clone)]
//! struct Feed(&'static str);
//! impl Contribution for Feed {
//!     const READER: Option<&'static str> = Some("feeds");
//!     const WHAT: &'static str = "feeds";
//! }
//!
//! struct Blog;
//! impl App for Blog {
//!     fn label(&self) -> &'static str { "blog" }
//!     fn install(&self, app: &mut Installer) {
//!         app.add(Feed("/blog/feed.xml"));
//!     }
//! }
//!
//! let contributions = web::install::Contributions::of_apps(&[std::sync::Arc::new(Blog)]);
//! assert_eq!(contributions.all::<Feed>().len(), 1);
//! // Without the `feeds` app the project refuses to start, naming both apps.
//! assert!(contributions.unread(&["blog"]).unwrap().contains("`feeds`"));
//! ```

use std::any::{Any, TypeId};

/// A kind of value apps contribute.
pub trait Contribution: Any + Send + Sync {
    /// The label of the app that reads this kind; `None` when the core does.
    const READER: Option<&'static str>;
    /// What they are, in words, for errors ("background tasks").
    const WHAT: &'static str;
}

struct Entry {
    app: &'static str,
    kind: TypeId,
    reader: Option<&'static str>,
    what: &'static str,
    value: Box<dyn Any + Send + Sync>,
}

/// Everything the installed apps contributed, in installation order.
#[derive(Default)]
pub struct Contributions {
    entries: Vec<Entry>,
}

impl Contributions {
    /// No contributions.
    pub const fn none() -> Contributions {
        Contributions {
            entries: Vec::new(),
        }
    }

    /// The contributions of kind `C`, with the label of the app that made each.
    pub fn of<C: Contribution>(&self) -> impl Iterator<Item = (&'static str, &C)> {
        self.entries
            .iter()
            .filter(|e| e.kind == TypeId::of::<C>())
            .filter_map(|e| e.value.downcast_ref::<C>().map(|c| (e.app, c)))
    }

    /// Copies of the contributions of kind `C`.
    pub fn all<C: Contribution + Clone>(&self) -> Vec<C> {
        self.of::<C>().map(|(_, c)| c.clone()).collect()
    }

    /// The first contribution whose reader is not among `installed`, as the start-up error
    /// that names both apps.
    pub fn unread(&self, installed: &[&str]) -> Option<String> {
        self.entries.iter().find_map(|e| {
            let reader = e.reader?;
            (!installed.contains(&reader)).then(|| {
                format!(
                    "app `{}` contributes {}, which the `{reader}` app reads, but `{reader}` is \
                     not installed; add it to the installed apps (before `{}`)",
                    e.app, e.what, e.app
                )
            })
        })
    }
}

/// What an app's [`crate::App::install`] adds its contributions through.
pub struct Installer<'a> {
    app: &'static str,
    into: &'a mut Contributions,
}

impl<'a> Installer<'a> {
    /// The installer of the app labelled `app` (the project makes one per app).
    pub fn new(app: &'static str, into: &'a mut Contributions) -> Installer<'a> {
        Installer { app, into }
    }
}

impl Installer<'_> {
    /// The label of the app being installed.
    pub fn label(&self) -> &'static str {
        self.app
    }

    /// Adds a contribution of any kind.
    pub fn add<C: Contribution>(&mut self, value: C) -> &mut Self {
        self.into.entries.push(Entry {
            app: self.app,
            kind: TypeId::of::<C>(),
            reader: C::READER,
            what: C::WHAT,
            value: Box::new(value),
        });
        self
    }
}

/// Implements [`Contribution`] for a kind the core reads.
macro_rules! core_kind {
    ($name:ty, $what:literal) => {
        impl $crate::install::Contribution for $name {
            const READER: Option<&'static str> = None;
            const WHAT: &'static str = $what;
        }
    };
}
pub(crate) use core_kind;
