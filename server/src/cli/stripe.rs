//! `tessera stripe ...`: the vendor's Stripe account. `tessera dev stripe`: a Stripe stand-in
//! on loopback, for trying things locally.

use std::io::{IsTerminal as _, Write as _};

use anyhow::Context as _;
use clap::Subcommand;
use tessera_backend::commerce::sync::Progress;
use tessera_backend::commerce::EnsuredWebhook;
use tessera_backend::Backend;

#[derive(Debug, Subcommand)]
pub(super) enum StripeCommand {
    /// Push the catalog to Stripe: a product per product, a price per plan under its lookup
    /// key (a changed price becomes a new price that takes the key over). A second run
    /// changes nothing and says so.
    SyncProducts,
    /// Make Stripe's webhook endpoint for this Tessera: at <public URL>/api/v1/stripe/webhook,
    /// with exactly the events Tessera handles. Prints the signing secret once, when created.
    EnsureWebhook {
        /// This Tessera's public URL (default: TESSERA_PUBLIC_URL).
        #[arg(long)]
        public_url: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum DevCommand {
    /// Serve a Stripe stand-in (in memory) on loopback; point TESSERA_STRIPE_API_BASE at it.
    Stripe {
        /// The port (0: any free one).
        #[arg(long, default_value_t = 12111)]
        port: u16,
        /// Where to deliver signed webhooks (Tessera's `/api/v1/stripe/webhook`).
        #[arg(long, requires = "webhook_secret")]
        webhook_url: Option<String>,
        /// The signing secret for those webhooks (give Tessera the same one as
        /// TESSERA_STRIPE_WEBHOOK_SECRET).
        #[arg(long, requires = "webhook_url")]
        webhook_secret: Option<String>,
    },
}

/// A progress bar on a terminal, a line per product otherwise (logs, CI).
fn show(progress: &Progress<'_>) {
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let width = 24;
        let filled = (progress.done * width)
            .checked_div(progress.total)
            .unwrap_or(width);
        let bar = format!("{}{}", "#".repeat(filled), "-".repeat(width - filled));
        let _ = write!(
            err,
            "\r[{bar}] {}/{} {:<40}",
            progress.done, progress.total, progress.slug
        );
        if progress.done == progress.total {
            let _ = writeln!(err);
        }
    } else if progress.done < progress.total {
        let _ = writeln!(
            err,
            "syncing {}/{}: {}",
            progress.done + 1,
            progress.total,
            progress.slug
        );
    }
}

pub(super) async fn run(cmd: StripeCommand, backend: Backend) -> anyhow::Result<()> {
    match cmd {
        StripeCommand::EnsureWebhook { public_url } => {
            let public_url = public_url.unwrap_or_else(|| backend.config().public_url.clone());
            match backend.ensure_webhook(&public_url).await? {
                EnsuredWebhook::Created { id, url, secret } => {
                    println!("created webhook endpoint {id} for {url}");
                    println!("its signing secret, shown this once: set TESSERA_STRIPE_WEBHOOK_SECRET={secret}");
                }
                EnsuredWebhook::Updated {
                    id,
                    changes,
                    version_note,
                } => {
                    println!("updated webhook endpoint {id}: {}", changes.join("; "));
                    if let Some(note) = version_note {
                        eprintln!("warning: {note}");
                    }
                }
                EnsuredWebhook::Unchanged { id, version_note } => {
                    println!("webhook endpoint {id} already delivers what Tessera handles; nothing changed");
                    if let Some(note) = version_note {
                        eprintln!("warning: {note}");
                    }
                }
            }
        }
        StripeCommand::SyncProducts => {
            let changes = backend.sync_products(|p| show(&p)).await?;
            for change in &changes {
                println!("{change}");
            }
            if changes.is_empty() {
                println!("Stripe already matches the catalog; nothing changed");
            } else {
                println!("{} change(s) made in Stripe", changes.len());
            }
        }
    }
    Ok(())
}

pub(super) async fn run_dev(cmd: DevCommand) -> anyhow::Result<()> {
    match cmd {
        DevCommand::Stripe {
            port,
            webhook_url,
            webhook_secret,
        } => {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                .await
                .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
            let url = format!("http://{}/", listener.local_addr()?);
            println!("Stripe stand-in listening on {url}");
            println!("serve Tessera with TESSERA_STRIPE_API_BASE={url} TESSERA_STRIPE_SECRET_KEY=sk_test_dev");
            let mut standin = tessera_stripe_standin::StandIn::default();
            if let (Some(url), Some(secret)) = (webhook_url, webhook_secret) {
                println!("delivering signed webhooks to {url}");
                standin = standin.webhook(&url, &secret);
            }
            standin.serve(listener).await
        }
    }
}
