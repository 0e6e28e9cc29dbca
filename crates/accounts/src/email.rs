//! Outgoing email behind one trait, chosen by `accounts.email_backend` (Django's
//! `EMAIL_BACKEND`): console in development, memory or file in tests, SMTP in production.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::settings::{AccountsSettings, EmailBackendKind};

/// A plain-text email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

#[async_trait]
pub trait EmailBackend: Send + Sync {
    async fn send(&self, email: &Email) -> anyhow::Result<()>;
}

/// The configured backend, as handlers extract it: `Dep(mailer): Dep<Mailer>`.
pub type Mailer = Arc<dyn EmailBackend>;

/// Logs every email (development).
pub struct ConsoleBackend;

#[async_trait]
impl EmailBackend for ConsoleBackend {
    async fn send(&self, email: &Email) -> anyhow::Result<()> {
        tracing::info!(to = %email.to, subject = %email.subject, "email (console backend):\n{}", email.body);
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
            uuid_like()
        );
        tokio::fs::write(self.dir.join(name), message.formatted()).await?;
        Ok(())
    }
}

fn uuid_like() -> String {
    use rand::RngCore;
    let mut b = [0u8; 8];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Sends through an SMTP server.
pub struct SmtpBackend {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

#[async_trait]
impl EmailBackend for SmtpBackend {
    async fn send(&self, email: &Email) -> anyhow::Result<()> {
        self.transport.send(build(&self.from, email)?).await?;
        Ok(())
    }
}

fn build(from: &Mailbox, email: &Email) -> anyhow::Result<Message> {
    Ok(Message::builder()
        .from(from.clone())
        .to(email.to.parse()?)
        .subject(&email.subject)
        .body(email.body.clone())?)
}

/// The backend for the settings, plus the outbox when it is the memory backend.
pub fn backend(settings: &AccountsSettings) -> anyhow::Result<(Mailer, Option<Outbox>)> {
    let from: Mailbox = settings.email_from.parse()?;
    Ok(match settings.email_backend {
        EmailBackendKind::Console => (Arc::new(ConsoleBackend), None),
        EmailBackendKind::Memory => {
            let outbox = Outbox::default();
            (Arc::new(outbox.clone()), Some(outbox))
        }
        EmailBackendKind::File => (
            Arc::new(FileBackend {
                dir: PathBuf::from(&settings.email_file_dir),
                from,
            }),
            None,
        ),
        EmailBackendKind::Smtp => {
            let transport =
                AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.smtp_url.expose())?.build();
            (Arc::new(SmtpBackend { transport, from }), None)
        }
    })
}
