//! Named routes, the central URL registry and `reverse`, as in Django's `urls.py`.
//!
//! An app declares its URL module: a namespace (its label) and routes, each with a path
//! and a name. Ordinary routes are mounted under the prefix the project gives the module;
//! JSON API routes under `/api` followed by that prefix, so one `include` mounts both the
//! pages and the API of an app:
//!
//! ```
//! use web::urls::{Urls, UrlRegistry, get};
//! async fn list() -> &'static str { "products" }
//! async fn detail() -> &'static str { "one product" }
//!
//! let catalog = Urls::new("catalog")
//!     .route("/", "product_list", get(list))             // GET /catalog/
//!     .route("/{slug}/", "product_detail", get(detail))  // GET /catalog/{slug}/
//!     .api("/products", "api_products", get(list));      // GET /api/catalog/products
//! let urls = UrlRegistry::new().include("/catalog", catalog).build().unwrap();
//! assert_eq!(urls.reverser.reverse("catalog:product_detail", &[("slug", &"red-shoe")]).unwrap(), "/catalog/red-shoe/");
//! assert_eq!(urls.reverser.reverse("catalog:api_products", &[]).unwrap(), "/api/catalog/products");
//! ```
//!
//! Every name is checked when the registry is built: a duplicate name or two paths that
//! the router cannot tell apart is an error naming both apps, reported at startup and by
//! `project check`, never at request time.
//!
//! The module's parts: [`routes`] (the DSL an app writes its URL module in), [`registry`]
//! (mounting the modules and checking names and paths), [`reverse`] (names back to
//! paths) and [`fallback`] (unknown paths: 404 or the trailing-slash redirect).

pub mod fallback;
pub mod registry;
pub mod reverse;
pub mod routes;

pub use fallback::NotFound;
pub use registry::{ApiMounts, ResolvedUrls, RouteInfo, UrlError, UrlRegistry};
pub use reverse::{ReverseError, Reverser, encode_path};
pub use routes::{Handlers, Urls, delete, get, patch, post, put};
