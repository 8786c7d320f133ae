//! Outgoing e-mail through lettre: SMTP when `smtp_url` is configured, otherwise `.eml` files
//! under `<data_dir>/mail` (handy in development, and proof of what was sent). License
//! e-mails carry tokens, so the directory is created 0700 and each file 0600.
//!
//! A message that fails to send never undoes the change that caused it: callers report the
//! failure next to their result.

use std::path::PathBuf;

use anyhow::Context as _;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
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

    /// Where `.eml` files go, when mail is written to files rather than sent.
    pub fn file_dir(&self) -> Option<&std::path::Path> {
        match self {
            Mailer::Smtp(_) => None,
            Mailer::Files(dir) => Some(dir),
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
                let (dir, bytes) = (dir.clone(), message.formatted());
                tokio::task::spawn_blocking(move || write_eml(&dir, &bytes))
                    .await
                    .context("writing the .eml file")??;
            }
        }
        Ok(())
    }
}

/// Writes one message as `<random>.eml`, readable by this user only, in a 0700 directory.
fn write_eml(dir: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting {}", dir.display()))?;
    }
    let name = format!("{}.eml", hex::encode(rand::random::<[u8; 16]>()));
    crate::crypto::write_private_file(&dir.join(name), bytes)
}
