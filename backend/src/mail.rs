//! Outgoing e-mail through lettre: SMTP when `smtp_url` is configured, otherwise `.eml` files
//! under `<data_dir>/mail` (handy in development, and proof of what was sent).
//!
//! A message that fails to send never undoes the change that caused it: callers report the
//! failure next to their result.

use std::path::PathBuf;

use anyhow::Context as _;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret as _;

use crate::Config;

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    /// A real SMTP server.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in a directory.
    Files(PathBuf),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp"),
            Mailer::Files(dir) => write!(f, "Mailer::Files({})", dir.display()),
        }
    }
}

/// A message to send: plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Mailer {
    /// SMTP from `smtp_url`, or files under the data dir.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        match &config.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .context("TESSERA_SMTP_URL is not a valid smtp:// or smtps:// URL")?
                    .build();
                Ok(Mailer::Smtp(transport))
            }
            None => Ok(Mailer::Files(config.data_dir.join("mail"))),
        }
    }

    /// Sends one message from `from`.
    pub async fn send(&self, from: &str, mail: &Mail) -> anyhow::Result<()> {
        let from: Mailbox = from
            .parse()
            .with_context(|| format!("mail_from {from:?} is not an address"))?;
        let to: Mailbox = mail
            .to
            .parse()
            .with_context(|| format!("{:?} is not an address", mail.to))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(&mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .context("building the message")?;
        match self {
            Mailer::Smtp(transport) => {
                transport
                    .send(message)
                    .await
                    .context("SMTP delivery failed")?;
            }
            Mailer::Files(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .with_context(|| format!("creating {}", dir.display()))?;
                AsyncFileTransport::<Tokio1Executor>::new(dir)
                    .send(message)
                    .await
                    .context("writing the .eml file")?;
            }
        }
        Ok(())
    }
}
