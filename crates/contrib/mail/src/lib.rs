//! Outgoing email (Django's `django.core.mail`), an extra the project installs like an
//! app: [`Mail`], labelled `email` like its settings section. `[email]` chooses the
//! backend (`EMAIL_BACKEND`): console in development, memory in tests, files for
//! inspection, SMTP in production; apps take the [`Mailer`] service. Apps send mail from
//! background jobs (the jobs extra), so a slow or down SMTP server never slows a request:
//! the job is retried until the server answers.
//!
//! ```ignore
//! // A job (web_jobs::Task) of an app: the mail rendered from
//! // templates/<app>/email/enrolled.{txt,html}, sent through the configured backend.
//! async fn run(state: &AppState, enrolment: Enrolled) -> anyhow::Result<()> {
//!     let mailer: Mailer = state.service()?;
//!     let email = Email::render(
//!         state.templates(),
//!         &enrolment.email,
//!         "You are enrolled",
//!         "courses/email/enrolled",
//!         context! { course => enrolment.course },
//!     )?;
//!     mailer.send(&email).await
//! }
//! ```

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::AsyncSmtpTransportBuilder;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;

use web::settings::{Secret, Settings, SettingsError};
use web::templates::Templates;
use web::{App, Services};

/// The `email` app: reads `[email]` and registers the [`Mailer`] (and, with the memory
/// backend, the [`Outbox`] tests read).
pub struct Mail;

impl App for Mail {
    fn label(&self) -> &'static str {
        "email"
    }

    fn migration_group(&self) -> Option<&'static str> {
        None
    }

    fn template_dir(&self) -> Option<&'static str> {
        None
    }

    fn configure(&self, settings: &Settings, services: &mut Services) -> Result<(), SettingsError> {
        let email = EmailSettings::from_settings(settings)?;
        let (mailer, outbox) = backend(&email)?;
        services.insert(mailer);
        if let Some(outbox) = outbox {
            services.insert(outbox);
        }
        Ok(())
    }

    fn check(&self, settings: &Settings, _deploy: bool) -> Vec<String> {
        match EmailSettings::from_settings(settings) {
            Ok(email) => email.problems().iter().map(ToString::to_string).collect(),
            Err(e) => vec![e.to_string()],
        }
    }
}

/// Where outgoing email goes (`email.backend`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// Printed to the log (development).
    Console,
    /// Kept in memory, readable by tests through the [`Outbox`] service.
    Memory,
    /// Written as `.eml` files into `email.file_dir`.
    File,
    /// Sent through `email.smtp_url` (production).
    Smtp,
}

/// The `[email]` settings section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    #[serde(default = "default_backend")]
    pub backend: BackendKind,
    /// The sender: `School <noreply@school.example.com>`.
    #[serde(default = "default_from")]
    pub from: String,
    /// `smtps://user:password@host:465` or `smtp://host:587?tls=required` (lettre's URL form).
    #[serde(default = "default_smtp_url")]
    pub smtp_url: Secret,
    #[serde(default = "default_file_dir")]
    pub file_dir: String,
    /// Seconds for connecting, for each SMTP command and for the whole send: a server that
    /// never greets or stalls after `DATA` fails the send (the job is retried) instead of
    /// holding a worker.
    #[serde(default = "default_timeout_seconds")]
    pub timeout_seconds: u64,
}

fn default_timeout_seconds() -> u64 {
    30
}

fn default_backend() -> BackendKind {
    BackendKind::Console
}

fn default_from() -> String {
    "webmaster@localhost".into()
}

fn default_smtp_url() -> Secret {
    Secret::new("")
}

fn default_file_dir() -> String {
    "sent_emails".into()
}

impl EmailSettings {
    /// The `[email]` section (the first invalid value is the error).
    pub fn from_settings(settings: &Settings) -> Result<EmailSettings, SettingsError> {
        let email: EmailSettings = settings.app_section("email")?;
        match email.problems().into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(email),
        }
    }

    /// Every invalid value.
    pub fn problems(&self) -> Vec<SettingsError> {
        let mut problems: Vec<SettingsError> = self.sender().err().into_iter().collect();
        match self.backend {
            BackendKind::Smtp => problems.extend(self.smtp().err()),
            BackendKind::File if self.file_dir.is_empty() => problems.push(SettingsError::new(
                "email.file_dir",
                "is required when email.backend = \"file\"",
            )),
            _ => {}
        }
        problems
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds.max(1))
    }

    /// `email.from` as a mailbox.
    fn sender(&self) -> Result<Mailbox, SettingsError> {
        self.from
            .parse()
            .map_err(|e| SettingsError::new("email.from", format!("not an email address: {e}")))
    }

    /// The SMTP transport `email.smtp_url` describes (built into a pool by [`backend`]).
    fn smtp(&self) -> Result<AsyncSmtpTransportBuilder, SettingsError> {
        if self.smtp_url.expose().is_empty() {
            return Err(SettingsError::new(
                "email.smtp_url",
                "is required when email.backend = \"smtp\"",
            ));
        }
        AsyncSmtpTransport::<Tokio1Executor>::from_url(self.smtp_url.expose())
            .map(|builder| builder.timeout(Some(self.timeout())))
            .map_err(|e| SettingsError::new("email.smtp_url", e.to_string()))
    }
}

/// One email: a text part, and an HTML alternative when `html` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

impl Email {
    /// Renders `<template>.txt`, and `<template>.html` when that template exists
    /// (`payments/email/order_confirmation` → both parts), with one context.
    pub fn render(
        templates: &Templates,
        to: impl Into<String>,
        subject: impl Into<String>,
        template: &str,
        context: minijinja::Value,
    ) -> Result<Email, minijinja::Error> {
        let text = templates.render(&format!("{template}.txt"), context.clone())?;
        let html = match templates.render(&format!("{template}.html"), context) {
            Ok(html) => Some(html),
            Err(e) if e.kind() == minijinja::ErrorKind::TemplateNotFound => None,
            Err(e) => return Err(e),
        };
        Ok(Email {
            to: to.into(),
            subject: subject.into(),
            text,
            html,
        })
    }
}

#[async_trait]
pub trait EmailBackend: Send + Sync {
    async fn send(&self, email: &Email) -> anyhow::Result<()>;
}

/// The configured backend, as handlers and tasks get it: `Dep(mailer): Dep<Mailer>` or
/// `state.service::<Mailer>()`.
pub type Mailer = Arc<dyn EmailBackend>;

/// Logs every email (development).
pub struct ConsoleBackend;

#[async_trait]
impl EmailBackend for ConsoleBackend {
    async fn send(&self, email: &Email) -> anyhow::Result<()> {
        tracing::info!(to = %email.to, subject = %email.subject, "email (console backend):\n{}", email.text);
        Ok(())
    }
}

/// Keeps sent emails in memory; tests read them from the [`Outbox`] service.
#[derive(Clone, Default)]
pub struct Outbox(Arc<Mutex<Vec<Email>>>);

impl Outbox {
    /// Every email sent so far.
    pub fn sent(&self) -> Vec<Email> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[async_trait]
impl EmailBackend for Outbox {
    async fn send(&self, email: &Email) -> anyhow::Result<()> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(email.clone());
        Ok(())
    }
}

/// Writes each email as an `.eml` file into a folder.
pub struct FileBackend {
    dir: PathBuf,
    from: Mailbox,
}

#[async_trait]
impl EmailBackend for FileBackend {
    async fn send(&self, email: &Email) -> anyhow::Result<()> {
        let message = build(&self.from, email)?;
        tokio::fs::create_dir_all(&self.dir).await?;
        let name = format!(
            "{}-{}.eml",
            web::db::now().unix_timestamp_nanos(),
            random_suffix()
        );
        tokio::fs::write(self.dir.join(name), message.formatted()).await?;
        Ok(())
    }
}

fn random_suffix() -> String {
    use rand::RngCore;
    let mut b = [0u8; 8];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Sends through an SMTP server.
pub struct SmtpBackend {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The whole send, greeting to the server's last answer (`email.timeout_seconds`).
    timeout: Duration,
}

#[async_trait]
impl EmailBackend for SmtpBackend {
    async fn send(&self, email: &Email) -> anyhow::Result<()> {
        let message = build(&self.from, email)?;
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Ok(sent) => sent.map(drop).map_err(Into::into),
            Err(_) => anyhow::bail!(
                "the SMTP server did not finish within {} s (email.timeout_seconds)",
                self.timeout.as_secs()
            ),
        }
    }
}

fn build(from: &Mailbox, email: &Email) -> anyhow::Result<Message> {
    let message = Message::builder()
        .from(from.clone())
        .to(email.to.parse()?)
        .subject(&email.subject);
    Ok(match &email.html {
        Some(html) => message.multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            html.clone(),
        ))?,
        None => message.singlepart(SinglePart::plain(email.text.clone()))?,
    })
}

/// The backend for the settings, plus the outbox when it is the memory backend.
pub fn backend(settings: &EmailSettings) -> Result<(Mailer, Option<Outbox>), SettingsError> {
    let from = settings.sender()?;
    Ok(match settings.backend {
        BackendKind::Console => (Arc::new(ConsoleBackend), None),
        BackendKind::Memory => {
            let outbox = Outbox::default();
            (Arc::new(outbox.clone()), Some(outbox))
        }
        BackendKind::File => (
            Arc::new(FileBackend {
                dir: PathBuf::from(&settings.file_dir),
                from,
            }),
            None,
        ),
        BackendKind::Smtp => {
            let transport = settings.smtp()?.build();
            let timeout = settings.timeout();
            (
                Arc::new(SmtpBackend {
                    transport,
                    from,
                    timeout,
                }),
                None,
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(html: Option<&str>) -> Email {
        Email {
            to: "ann@example.com".into(),
            subject: "Your order".into(),
            text: "Total: $5.00".into(),
            html: html.map(str::to_string),
        }
    }

    #[test]
    fn an_html_part_makes_a_multipart_alternative() {
        let from: Mailbox = "Store <noreply@example.com>".parse().unwrap();
        let both = String::from_utf8(
            build(&from, &email(Some("<p>Total</p>")))
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(both.contains("multipart/alternative"), "{both}");
        assert!(
            both.contains("text/plain") && both.contains("text/html"),
            "{both}"
        );
        let text = String::from_utf8(build(&from, &email(None)).unwrap().formatted()).unwrap();
        assert!(!text.contains("multipart"), "{text}");
        assert!(text.contains("Total: $5.00"), "{text}");
    }
}
