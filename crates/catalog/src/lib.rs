//! The `catalog` app.

use web::{App, Urls};

pub mod urls;

pub use urls::urls;

pub struct Catalog;

#[async_trait::async_trait]
impl App for Catalog {
    fn label(&self) -> &'static str {
        "catalog"
    }
    fn urls(&self) -> Urls {
        urls()
    }
    fn template_dir(&self) -> Option<&'static str> {
        None
    }
}
