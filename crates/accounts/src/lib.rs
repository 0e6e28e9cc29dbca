//! The `accounts` app.

use web::{App, Urls};

pub mod urls;

pub use urls::urls;

pub struct Accounts;

#[async_trait::async_trait]
impl App for Accounts {
    fn label(&self) -> &'static str {
        "accounts"
    }
    fn urls(&self) -> Urls {
        urls()
    }
    fn template_dir(&self) -> Option<&'static str> {
        None
    }
}
