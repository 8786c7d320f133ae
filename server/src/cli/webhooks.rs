//! `tessera webhooks ...`: the vendor's own endpoints for license events (Standard Webhooks).

use clap::Subcommand;
use secrecy::ExposeSecret as _;
use tessera_backend::Backend;

use super::format_time;

#[derive(Debug, Subcommand)]
pub(super) enum WebhooksCommand {
    /// Add an endpoint; its signing secret (`whsec_...`) is the last line, shown once.
    Add {
        /// https URL (http only to localhost, for development).
        #[arg(long)]
        url: String,
        /// An event type it wants (repeatable; default every type), e.g. license.revoked.
        #[arg(long = "event")]
        events: Vec<String>,
    },
    /// List endpoints (never their secrets).
    List,
    /// Send an endpoint new deliveries again.
    Enable {
        /// The endpoint id (`whe_...`).
        id: String,
    },
    /// Stop creating deliveries for an endpoint.
    Disable {
        /// The endpoint id (`whe_...`).
        id: String,
    },
    /// An endpoint's latest deliveries, newest first.
    Deliveries {
        /// The endpoint id (`whe_...`).
        id: String,
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// Send a delivery again now.
    Redeliver {
        /// The delivery id (`whd_...`).
        id: String,
    },
}

pub(super) async fn run(cmd: WebhooksCommand, backend: Backend) -> anyhow::Result<()> {
    let actor = super::cli_actor();
    match cmd {
        WebhooksCommand::Add { url, events } => {
            let added = backend.add_webhook(&url, &events, &actor).await?;
            let e = &added.endpoint;
            let wants = if e.events.is_empty() {
                "every event".to_string()
            } else {
                e.events.join(", ")
            };
            println!(
                "added {} for {} ({wants}); its signing secret, shown once:",
                e.id, e.url
            );
            println!("{}", added.secret.expose_secret());
        }
        WebhooksCommand::List => {
            for e in backend.webhooks().await? {
                let wants = if e.events.is_empty() {
                    "every event".to_string()
                } else {
                    e.events.join(",")
                };
                let state = if e.enabled { "enabled" } else { "disabled" };
                println!("{}  {state:<8}  {}  {wants}", e.id, e.url);
            }
        }
        WebhooksCommand::Enable { id } => {
            backend.set_webhook_enabled(&id, true, &actor).await?;
            println!("enabled {id}");
        }
        WebhooksCommand::Disable { id } => {
            backend.set_webhook_enabled(&id, false, &actor).await?;
            println!("disabled {id}");
        }
        WebhooksCommand::Deliveries { id, limit } => {
            for d in backend.webhook_deliveries(&id, limit).await? {
                let answer = d.last_status.map_or_else(
                    || d.last_error.clone().unwrap_or_default(),
                    |s| s.to_string(),
                );
                println!(
                    "{}  {}  {:<9}  attempts {}  last answer {}  created {}",
                    d.id,
                    d.event_id,
                    d.status,
                    d.attempts,
                    answer,
                    format_time(d.created_at)
                );
            }
        }
        WebhooksCommand::Redeliver { id } => {
            backend.redeliver_webhook(&id, &actor).await?;
            println!("{id} will be sent again now");
        }
    }
    Ok(())
}
