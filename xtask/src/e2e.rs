//! `cargo xtask e2e`: a real browser through the store's HTML pages.
//!
//! The release binary is copied alone into an empty folder (so templates and static files
//! can only come from inside it) and configured only by environment variables, with the
//! production profile on a fresh SQLite file. Headless Chromium, driven over WebDriver by
//! chromedriver, then registers, logs out and in, browses and searches the catalog, buys a
//! product, pays with the test card, sees the order paid and logs out; then a staff member
//! changes a product's price on the admin site and uploads a photo of it from disk, moves
//! the photo first, and a visitor sees the new price and the photo in the catalog and on
//! the product page; the superuser
//! creates a group with the permission picker and puts the catalog editor in it, who then
//! finds the orders on the admin site; last, Swagger UI shows the API's operations. A
//! screenshot is saved of every step.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use fantoccini::{Client, ClientBuilder, Locator};

use crate::processes::{Processes, free_port, http_get, run, tempfile_dir, wait_healthy};

/// Drive the HTML pages in headless Chromium (needs Debian's chromium and chromium-driver)
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The `project` binary to test [default: build the release binary]
    #[arg(long, value_name = "PATH")]
    binary: Option<PathBuf>,
    /// Where to save the screenshots [default: target/e2e-screenshots]
    #[arg(long, value_name = "DIR")]
    screenshots: Option<PathBuf>,
    /// The Chromium executable
    #[arg(long, value_name = "PATH", default_value = "/usr/bin/chromium")]
    chromium: PathBuf,
    /// The chromedriver executable
    #[arg(long, value_name = "PATH", default_value = "chromedriver")]
    chromedriver: PathBuf,
}

/// The flags the browser runs with: headless, and nothing that reaches the network.
const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
];

pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

pub fn run_e2e(args: Args) -> Result<()> {
    let root = crate::workspace_root()?;
    ensure!(
        args.chromium.is_file(),
        "{} not found: install Chromium (apt-get install chromium chromium-driver) or pass --chromium",
        args.chromium.display()
    );
    let binary = release_binary(&root, args.binary.as_deref())?;
    let screenshots = args
        .screenshots
        .clone()
        .unwrap_or_else(|| target_dir(&root).join("e2e-screenshots"));
    if screenshots.exists() {
        std::fs::remove_dir_all(&screenshots)
            .with_context(|| format!("clearing {}", screenshots.display()))?;
    }
    std::fs::create_dir_all(&screenshots)?;

    // The binary alone in an empty folder: nothing to find beside it.
    let work = tempfile_dir::TempDir::new("store-e2e")?;
    let project = work.path().join("project");
    std::fs::copy(&binary, &project)
        .with_context(|| format!("copying {} (build it first?)", binary.display()))?;
    let port = free_port()?;
    let env = server_env(work.path(), port);
    let mut procs = Processes::default();
    let log_path = start_seeded_server(&project, work.path(), &env, port, &mut procs)?;
    let (status, _) = http_get(port, "/static/css/site.css", None)?;
    ensure!(status == 200, "the embedded stylesheet answered {status}");

    let driver_port = free_port()?;
    procs.spawn(
        "chromedriver",
        Command::new(&args.chromedriver)
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )?;
    wait_for_driver(driver_port)?;

    println!(
        "server on http://127.0.0.1:{port} (release binary alone in {}); screenshots in {}",
        work.path().display(),
        screenshots.display()
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(async {
        let browser = connect(driver_port, &args.chromium).await?;
        let mut session = Session {
            browser,
            base: format!("http://127.0.0.1:{port}"),
            screenshots: screenshots.clone(),
            step: 0,
        };
        let mut result = session.shop().await;
        if result.is_ok() {
            result = session.edit_price_in_admin().await;
        }
        if result.is_ok() {
            result = session.group_in_admin().await;
        }
        if result.is_ok() {
            result = session.api_docs().await;
        }
        if result.is_err() {
            let _ = session.screenshot("failure").await;
        }
        let _ = session.browser.close().await;
        result
    });
    drop(procs);
    if let Err(e) = outcome {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        bail!(
            "{e:#}\nscreenshots: {}\nserver log:\n{log}",
            screenshots.display()
        );
    }
    println!("e2e passed; screenshots in {}", screenshots.display());
    Ok(())
}

/// The `--binary` given (made absolute: servers run in scratch folders), or the release
/// binary of the workspace at `root`, built now.
pub(crate) fn release_binary(root: &Path, given: Option<&Path>) -> Result<PathBuf> {
    let binary = match given {
        Some(binary) => binary.to_path_buf(),
        None => build_release(root)?,
    };
    ensure!(
        binary.is_file(),
        "{} not found (build it with `cargo build --release -p project`)",
        binary.display()
    );
    Ok(binary.canonicalize()?)
}

/// `target/<venv>` with `package` from PyPI installed on first use (re-installed when
/// the pinned version changes); returns the venv's folder.
pub(crate) fn pypi_venv(target: &Path, venv: &str, package: &str) -> Result<PathBuf> {
    let venv = target.join(venv);
    let pinned = venv.join(".installed");
    if venv.join("bin/python").is_file()
        && std::fs::read_to_string(&pinned).is_ok_and(|v| v == package)
    {
        return Ok(venv);
    }
    println!("installing {package} from PyPI into {}", venv.display());
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        "python3 -m venv (Debian: apt-get install python3-venv)",
    )?;
    run(
        Command::new(venv.join("bin/pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            package,
        ]),
        &format!("pip install {package}"),
    )?;
    std::fs::write(&pinned, package)?;
    Ok(venv)
}

/// Builds the release binary of the workspace at `root`; returns its path.
pub(crate) fn build_release(root: &Path) -> Result<PathBuf> {
    println!("building the release binary (cargo build --release -p project)");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "-p", "project"])
        .current_dir(root)
        .status()
        .context("running cargo build")?;
    ensure!(status.success(), "cargo build --release failed");
    Ok(target_dir(root).join("release/project"))
}

/// Migrates a fresh store in `dir` configured by `env` alone, seeds the demo catalog and
/// the local users, and starts `project serve` there; returns its log's path.
pub(crate) fn start_seeded_server(
    binary: &Path,
    dir: &Path,
    env: &[(String, String)],
    port: u16,
    procs: &mut Processes,
) -> Result<PathBuf> {
    let command = |args: &[&str]| {
        let mut command = Command::new(binary);
        command
            .args(args)
            .current_dir(dir)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)));
        command
    };
    for args in [&["migrate"][..], &["seed", "--users"]] {
        run(&mut command(args), &format!("project {}", args.join(" ")))?;
    }
    let log_path = dir.join("server.log");
    procs.spawn(
        "project serve",
        command(&["serve"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log_path)?),
    )?;
    wait_healthy(port, "project serve", Duration::from_secs(30))?;
    Ok(log_path)
}

/// Production settings, from the environment only: a fresh SQLite file in `dir`, plain HTTP.
pub(crate) fn server_env(dir: &Path, port: u16) -> Vec<(String, String)> {
    let database = format!("sqlite://{}?mode=rwc", dir.join("db.sqlite3").display());
    [
        ("PATH", std::env::var("PATH").unwrap_or_default()),
        ("APP_ENV", "production".into()),
        (
            "APP__SECRET_KEY",
            "e2e-secret-key-0123456789abcdef0123456789abcdef".into(),
        ),
        ("APP__PAYMENTS__WEBHOOK_SECRET", "whsec_e2e_secret".into()),
        ("APP__DATABASE__URL", database),
        ("APP__DATABASE__AUTO_MIGRATE", "false".into()),
        ("APP__SERVER__PORT", port.to_string()),
        ("APP__SERVER__ALLOWED_HOSTS", "127.0.0.1,localhost".into()),
        // The browser talks plain HTTP to 127.0.0.1: no TLS in front here.
        ("APP__SESSIONS__COOKIE_SECURE", "false".into()),
        ("APP__SERVER__HSTS_SECONDS", "0".into()),
        ("APP__EMAIL__BACKEND", "console".into()),
        ("APP__LOG__LEVEL", "warn".into()),
        // A load from one address: the project's own tools run without rate limits.
        ("APP__RATELIMIT__ENABLED", "false".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Waits until chromedriver accepts connections (its HTTP answers come from WebDriver).
fn wait_for_driver(port: u16) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("chromedriver did not start on port {port}")
}

async fn connect(driver_port: u16, chromium: &Path) -> Result<Client> {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({"binary": chromium, "args": CHROMIUM_FLAGS}),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .context("starting Chromium through chromedriver")
}

/// One browser session through the store, numbering its screenshots.
struct Session {
    browser: Client,
    base: String,
    screenshots: PathBuf,
    step: u32,
}

const WAIT: Duration = Duration::from_secs(10);

/// The alt text of the photo staff upload in the admin.
const PHOTO_ALT: &str = "Milk frother, uploaded in the admin";

/// A 640×480 PNG (a gradient with a disc), as a photo a staff member would upload.
fn write_photo(path: &Path) -> Result<()> {
    let photo = image::RgbImage::from_fn(640, 480, |x, y| {
        let (dx, dy) = (x as i64 - 320, y as i64 - 240);
        if dx * dx + dy * dy < 150 * 150 {
            image::Rgb([230, 120, 40])
        } else {
            image::Rgb([(x / 3) as u8, (y / 2) as u8, 160])
        }
    });
    photo
        .save_with_format(path, image::ImageFormat::Png)
        .with_context(|| format!("writing {}", path.display()))
}

impl Session {
    async fn shop(&mut self) -> Result<()> {
        let email = format!("shopper{}@example.com", std::process::id());
        let password = "e2e-correct-horse";

        // Browse as a visitor: the demo catalog, and its second page.
        self.open("/catalog/").await?;
        let rows = self
            .browser
            .find_all(Locator::Css("table.products tbody tr"))
            .await?;
        ensure!(!rows.is_empty(), "the catalog page lists no products");
        // The demo pictures load: served under /media/, allowed by the page's CSP.
        self.wait_images("td.thumb img", "the catalog's thumbnails")
            .await?;
        let first = self
            .browser
            .find(Locator::Css("table.products tbody tr td a"))
            .await?
            .text()
            .await?;
        self.screenshot("catalog").await?;
        self.browser
            .find(Locator::Css("a[rel=next]"))
            .await?
            .click()
            .await?;
        self.wait_text(".pagination", "Page 2 of").await?;
        self.screenshot("catalog-page-2").await?;

        // Search for a product seen on that page, open it, add it to the cart.
        let name = self
            .browser
            .find(Locator::Css("table.products tbody tr td a"))
            .await?
            .text()
            .await?;
        let search = self.browser.find(Locator::Css("input[name=q]")).await?;
        search.send_keys(&name).await?;
        self.submit("form.search").await?;
        self.wait_text("main", "for “").await?;
        self.screenshot("search-results").await?;
        self.browser
            .find(Locator::LinkText(&name))
            .await?
            .click()
            .await?;
        self.wait_text("h1", &name).await?;
        self.wait_images(".gallery img", "the product page's gallery")
            .await?;
        self.screenshot("product").await?;
        self.submit("#add-to-cart").await?;
        self.wait_text("main", "to your cart").await?;
        self.wait_text("#cart-link", "Cart (1)").await?;
        self.screenshot("added-to-cart").await?;

        // A second product, from the first page.
        self.open("/catalog/").await?;
        self.browser
            .find(Locator::LinkText(&first))
            .await?
            .click()
            .await?;
        self.wait_text("h1", &first).await?;
        self.submit("#add-to-cart").await?;
        self.wait_text("#cart-link", "Cart (2)").await?;
        self.screenshot("added-second").await?;

        // Register: the new account is signed in at once, and the cart came along.
        self.open("/accounts/register/").await?;
        self.fill(&[
            ("email", &email),
            ("name", "E2E Shopper"),
            ("password", password),
        ])
        .await?;
        self.screenshot("register-form").await?;
        self.submit("form.stacked").await?;
        self.wait_text("nav", &email).await?;
        self.wait_text("#cart-link", "Cart (2)").await?;
        self.screenshot("registered").await?;

        // The cart: both lines; one's quantity becomes 2.
        self.browser
            .find(Locator::Css("#cart-link"))
            .await?
            .click()
            .await?;
        self.wait_text("main", &name).await?;
        self.wait_text("main", &first).await?;
        let quantity = self
            .browser
            .find(Locator::Css("form.quantity input[name=quantity]"))
            .await?;
        quantity.clear().await?;
        quantity.send_keys("2").await?;
        self.submit("form.quantity").await?;
        self.wait_text("main", "Quantity updated to 2.").await?;
        self.wait_text("#cart-link", "Cart (3)").await?;
        self.screenshot("cart").await?;

        // The cart ships and the shop ships: checkout asks where to. An address in
        // Germany, added from the cart, which the form brings back to.
        self.submit("#checkout-form").await?;
        self.wait_text("main", "Choose the address to ship to.")
            .await?;
        self.browser
            .find(Locator::LinkText("Add the address to ship to"))
            .await?
            .click()
            .await?;
        self.wait_text("h1", "Add an address").await?;
        self.fill(&[
            ("name", "E2E Shopper"),
            ("line1", "Unter den Linden 1"),
            ("city", "Berlin"),
            ("postal_code", "10117"),
        ])
        .await?;
        self.choose("country", "DE").await?;
        self.screenshot("address-form").await?;
        self.submit("form.stacked").await?;
        self.wait_text("main", "The address was added.").await?;

        // Choose it and a method of the EU zone: shipping and German VAT (19 %) show.
        self.wait_text("#shipping-form", "Unter den Linden 1")
            .await?;
        self.choose_by_text("shipping_address_id", "Unter den Linden 1")
            .await?;
        self.choose_by_text("shipping_method_id", "International express")
            .await?;
        self.submit("#shipping-form").await?;
        self.wait_text("#cart-shipping", "$29.90").await?;
        let tax = self
            .browser
            .find(Locator::Css("#cart-tax"))
            .await?
            .text()
            .await?;
        ensure!(
            tax.starts_with('$') && tax != "$0.00",
            "German VAT on the cart page: {tax}"
        );
        self.screenshot("cart-shipping-and-tax").await?;

        // Place the order: the order page, pending, with the address, shipping, the same
        // tax and the time left to pay.
        self.submit("#checkout-form").await?;
        self.wait_text("#order-status", "pending").await?;
        self.wait_text("#order-shipping-address", "Berlin").await?;
        self.wait_text("#order-shipping", "$29.90").await?;
        self.wait_text("#order-tax", &tax).await?;
        self.wait_text("#time-left", "Pay within").await?;
        let order_url = self.browser.current_url().await?;
        ensure!(
            order_url.path().starts_with("/orders/"),
            "checking out led to {order_url}"
        );
        self.wait_text("#cart-link", "Cart (0)").await?;
        self.screenshot("order-pending").await?;

        // Pay with the test card: paid, with both lines.
        self.fill(&[("card_number", "4242424242424242")]).await?;
        self.submit("#pay-form").await?;
        self.wait_text("#order-status", "paid").await?;
        self.wait_text("table.items", &name).await?;
        self.wait_text("table.items", &first).await?;
        self.screenshot("order-paid").await?;

        // Log out, log in again: the order list shows it paid.
        self.log_out().await?;
        self.open("/accounts/login/").await?;
        self.fill(&[("email", &email), ("password", password)])
            .await?;
        self.submit("form.stacked").await?;
        self.wait_text("nav", &email).await?;
        self.screenshot("logged-in").await?;
        self.open("/orders/").await?;
        self.wait_text("main", "paid").await?;
        self.screenshot("orders").await?;

        // Log out: the orders are private again.
        self.log_out().await?;
        self.open("/orders/").await?;
        let url = self.browser.current_url().await?;
        ensure!(
            url.path() == "/accounts/login/",
            "signed out, /orders/ led to {url}"
        );
        self.screenshot("logged-out").await?;
        Ok(())
    }

    /// The admin site: a staff member changes a product's price; the shop shows it.
    async fn edit_price_in_admin(&mut self) -> Result<()> {
        self.open("/accounts/login/?next=/admin/").await?;
        self.fill(&[("email", "staff@example.com"), ("password", "staffpass123")])
            .await?;
        self.submit("form.stacked").await?;
        self.wait_text("h1", "Site administration").await?;
        self.screenshot("admin-index").await?;

        self.browser
            .find(Locator::LinkText("Products"))
            .await?
            .click()
            .await?;
        self.wait_text("#result-count", "products").await?;
        let search = self.browser.find(Locator::Css("input[name=q]")).await?;
        search.send_keys("Milk Frother").await?;
        self.submit("form.search").await?;
        self.wait_text("#result-count", "1 product").await?;
        self.screenshot("admin-product-search").await?;

        self.browser
            .find(Locator::Css("table.results tbody th a"))
            .await?
            .click()
            .await?;
        self.wait_text("h1", "Change product").await?;
        let change_page = self.browser.current_url().await?;
        self.fill(&[("price_cents", "2345")]).await?;
        // A photo from the staff member's disk, with its alt text.
        let photo = std::env::temp_dir().join(format!("e2e-photo-{}.png", std::process::id()));
        write_photo(&photo)?;
        self.browser
            .find(Locator::Css("input[type=file][name=new_image]"))
            .await?
            .send_keys(&photo.display().to_string())
            .await?;
        self.fill(&[("new_image_alt", PHOTO_ALT)]).await?;
        self.screenshot("admin-product-change").await?;
        self.submit("form.admin-form").await?;
        self.wait_text("main", "was changed").await?;
        let _ = std::fs::remove_file(&photo);
        self.screenshot("admin-product-saved").await?;

        // Back on its page: the photo is listed last; moved first, the catalog shows it.
        self.browser.goto(change_page.as_str()).await?;
        self.wait_loaded(
            "table.editable tbody tr:last-child img",
            "the uploaded photo in the admin",
        )
        .await?;
        let position = self
            .browser
            .find(Locator::Css(
                "table.editable tbody tr:last-child input[name$=\"-position\"]",
            ))
            .await?;
        position.clear().await?;
        position.send_keys("0").await?;
        self.browser
            .execute(
                "document.querySelector('table.editable').scrollIntoView()",
                vec![],
            )
            .await?;
        self.screenshot("admin-product-images").await?;
        self.submit("form.admin-form").await?;
        self.wait_text("main", "was changed").await?;
        self.log_out().await?;

        // A visitor sees the new price and the photo, in the catalog and on the page.
        self.open("/catalog/?q=Milk+Frother").await?;
        self.wait_image_alt("td.thumb img", PHOTO_ALT).await?;
        self.screenshot("catalog-uploaded-photo").await?;
        self.open("/catalog/milk-frother/").await?;
        self.wait_text("main", "$23.45").await?;
        self.wait_image_alt(".gallery img", PHOTO_ALT).await?;
        self.screenshot("public-price-and-photo").await
    }

    /// Permissions on the admin site: the seeded catalog editor sees products only; the
    /// superuser creates a group with the permission picker and adds the editor to it on
    /// the user's change form; the editor then sees the orders too.
    async fn group_in_admin(&mut self) -> Result<()> {
        const EDITOR: [(&str, &str); 2] = [
            ("email", "editor@example.com"),
            ("password", "editorpass123"),
        ];
        self.admin_login(&EDITOR).await?;
        self.wait_text("main", "Products").await?;
        ensure!(
            !self.main_text().await?.contains("Orders"),
            "the editor has no order permission yet"
        );
        self.screenshot("admin-editor-before").await?;
        self.open("/admin/payments/order/").await?;
        self.wait_text("main", "permission").await?;
        self.open("/admin/").await?;
        self.log_out().await?;

        self.admin_login(&[("email", "staff@example.com"), ("password", "staffpass123")])
            .await?;
        self.browser
            .find(Locator::LinkText("Groups"))
            .await?
            .click()
            .await?;
        self.wait_text("h1", "Groups").await?;
        self.browser
            .find(Locator::LinkText("Add group"))
            .await?
            .click()
            .await?;
        self.wait_text("h1", "Add group").await?;
        self.fill(&[("name", "Order desk")]).await?;
        for code in ["payments.view_order", "payments.refund_order"] {
            self.browser
                .find(Locator::Css(&format!(
                    "input[name=\"permissions\"][value=\"{code}\"]"
                )))
                .await
                .with_context(|| format!("the picker offers {code}"))?
                .click()
                .await?;
        }
        self.screenshot("admin-group-picker").await?;
        self.submit("form.admin-form").await?;
        self.wait_text("main", "was added").await?;

        self.open("/admin/accounts/user/?q=editor%40example.com")
            .await?;
        self.wait_text("#result-count", "1 user").await?;
        self.browser
            .find(Locator::Css("table.results tbody th a"))
            .await?
            .click()
            .await?;
        self.wait_text("h1", "Change user").await?;
        self.browser
            .find(Locator::Css("input[name=\"groups\"][value=\"Order desk\"]"))
            .await
            .context("the user form offers the new group")?
            .click()
            .await?;
        self.screenshot("admin-user-groups").await?;
        self.submit("form.admin-form").await?;
        self.wait_text("main", "was changed").await?;
        self.log_out().await?;

        self.admin_login(&EDITOR).await?;
        self.browser
            .find(Locator::Css("main a[href=\"/admin/payments/order/\"]"))
            .await
            .context("the editor now sees the orders")?
            .click()
            .await?;
        self.wait_text("#result-count", "order").await?;
        self.screenshot("admin-editor-orders").await?;
        self.log_out().await
    }

    /// Signs in through the login page and lands on the admin index.
    async fn admin_login(&self, credentials: &[(&str, &str)]) -> Result<()> {
        self.open("/accounts/login/?next=/admin/").await?;
        self.fill(credentials).await?;
        self.submit("form.stacked").await?;
        self.wait_text("h1", "Site administration").await
    }

    async fn main_text(&self) -> Result<String> {
        Ok(self
            .browser
            .find(Locator::Css("main"))
            .await?
            .text()
            .await?)
    }

    /// Swagger UI, compiled into the binary, renders the API's operations from the
    /// served document.
    async fn api_docs(&mut self) -> Result<()> {
        self.open("/api/docs").await?;
        self.wait_text("#swagger-ui", "/api/accounts/register")
            .await?;
        self.wait_text("#swagger-ui", "/api/orders/{id}/pay")
            .await?;
        self.screenshot("api-docs").await
    }

    async fn open(&self, path: &str) -> Result<()> {
        self.browser
            .goto(&format!("{}{path}", self.base))
            .await
            .with_context(|| format!("opening {path}"))
    }

    /// Types into the named inputs of the page.
    async fn fill(&self, fields: &[(&str, &str)]) -> Result<()> {
        for (name, value) in fields {
            let input = self
                .browser
                .find(Locator::Css(&format!("input[name=\"{name}\"]")))
                .await
                .with_context(|| format!("no input named {name}"))?;
            input.clear().await?;
            input.send_keys(value).await?;
        }
        Ok(())
    }

    /// Selects the option with `value` in the select named `name`.
    async fn choose(&self, name: &str, value: &str) -> Result<()> {
        self.browser
            .find(Locator::Css(&format!(
                "select[name=\"{name}\"] option[value=\"{value}\"]"
            )))
            .await
            .with_context(|| format!("no option {value} in the select {name}"))?
            .click()
            .await?;
        Ok(())
    }

    /// Selects the first option whose text contains `text` in the select named `name`.
    async fn choose_by_text(&self, name: &str, text: &str) -> Result<()> {
        for option in self
            .browser
            .find_all(Locator::Css(&format!("select[name=\"{name}\"] option")))
            .await?
        {
            if option.text().await?.contains(text) {
                option.click().await?;
                return Ok(());
            }
        }
        bail!("no option with {text:?} in the select {name}")
    }

    /// Clicks the submit button of the form matching `form`.
    async fn submit(&self, form: &str) -> Result<()> {
        self.browser
            .find(Locator::Css(&format!("{form} button[type=submit]")))
            .await
            .with_context(|| format!("no submit button in {form}"))?
            .click()
            .await?;
        Ok(())
    }

    async fn log_out(&self) -> Result<()> {
        self.submit("nav form").await?;
        self.wait_text("nav", "Log in").await
    }

    /// Waits until the element matching `css` contains `text`.
    async fn wait_text(&self, css: &str, text: &str) -> Result<()> {
        let deadline = Instant::now() + WAIT;
        let mut seen = String::new();
        while Instant::now() < deadline {
            if let Ok(element) = self.browser.find(Locator::Css(css)).await {
                seen = element.text().await.unwrap_or_default();
                if seen.contains(text) {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let url = self.browser.current_url().await?;
        bail!("{url}: `{css}` never showed {text:?}; it shows {seen:?}")
    }

    /// Waits (5 s at most) until the first image `css` finds has loaded.
    async fn wait_loaded(&self, css: &str, what: &str) -> Result<()> {
        self.wait_image(css, "true", &format!("{what}: no loaded image"))
            .await
    }

    /// Waits (5 s at most) until the first image `css` finds has loaded with alt `alt`.
    async fn wait_image_alt(&self, css: &str, alt: &str) -> Result<()> {
        let alt_is = format!("i.alt === {}", serde_json::Value::from(alt));
        self.wait_image(css, &alt_is, &format!("never loaded as {alt:?}"))
            .await
    }

    /// Waits (5 s at most) until the first image `css` finds has loaded and has alt text.
    async fn wait_images(&self, css: &str, what: &str) -> Result<()> {
        self.wait_image(
            css,
            "i.alt.length > 0",
            &format!("{what}: no loaded image with alt text"),
        )
        .await
    }

    /// Waits (5 s at most) until the first image `css` finds (`i`) has loaded and `also`
    /// (JavaScript) holds; else fails with `failure`.
    async fn wait_image(&self, css: &str, also: &str, failure: &str) -> Result<()> {
        let script = format!(
            "const i = document.querySelector('{css}'); return !!i && i.complete && i.naturalWidth > 0 && ({also});"
        );
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while self.browser.execute(&script, vec![]).await? != serde_json::Value::Bool(true) {
            if std::time::Instant::now() >= deadline {
                let url = self.browser.current_url().await?;
                bail!("{url}: {failure} ({css})");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    async fn screenshot(&mut self, name: &str) -> Result<()> {
        self.step += 1;
        let file = self
            .screenshots
            .join(format!("{:02}-{name}.png", self.step));
        let png = self.browser.screenshot().await?;
        std::fs::write(&file, png)?;
        println!("  {:02} {name}", self.step);
        Ok(())
    }
}
