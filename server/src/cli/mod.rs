//! The command line: `tessera serve | migrate | admin | keys | license | catalog | ...`.
//!
//! Configuration comes from defaults, then `--config FILE` (YAML), then `TESSERA_*`
//! variables. Results go to stdout, diagnostics and errors to stderr; a failure exits 1.

mod admin;
mod api_token;
mod audit;
mod catalog;
mod keys;
mod license;
mod listing;
mod serve;
mod stripe;
mod webhooks;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use tessera_backend::{Backend, Config};

/// Tessera: license & billing studio.
#[derive(Debug, Parser)]
#[command(name = "tessera", version, about, long_about = None)]
pub struct Cli {
    /// YAML configuration file (overridden by TESSERA_* variables).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run migrations, create a key and an admin on first start, and serve HTTP.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage users of the Studio.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Issue, verify, revoke, list and show licenses.
    #[command(subcommand)]
    License(license::LicenseCommand),
    /// Bearer tokens for the internal API.
    #[command(subcommand)]
    ApiToken(api_token::ApiTokenCommand),
    /// Housekeeping.
    #[command(subcommand)]
    Maintenance(MaintenanceCommand),
    /// Verify the audit log's hash chain.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// The vendor's own endpoints for license events (Standard Webhooks).
    #[command(subcommand)]
    Webhooks(webhooks::WebhooksCommand),
    /// The catalog as code: products, plans and coupons.
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
    /// The vendor's Stripe account.
    #[command(subcommand)]
    Stripe(stripe::StripeCommand),
    /// Tools for development.
    #[command(subcommand)]
    Dev(stripe::DevCommand),
}

#[derive(Debug, Subcommand)]
enum MaintenanceCommand {
    /// Roll heartbeats older than 90 days into per-day rows (also runs nightly in `serve`).
    Retention,
}

/// Parses the command line, runs the command, and turns its outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::load(cli.config.as_deref())?;
    init_tracing(&config.log);
    match cli.command {
        Command::Serve => serve::run(config).await.map(|()| ExitCode::SUCCESS),
        Command::Migrate => {
            let backend = connect(config).await?;
            println!("migrations applied ({})", backend.store().backend_name());
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin(cmd) => admin::run(cmd, connect(config).await?)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Keys(cmd) => keys::run(cmd, connect(config).await?)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::License(cmd) => license::run(cmd, config).await,
        Command::ApiToken(cmd) => api_token::run(cmd, connect(config).await?)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Audit(cmd) => audit::run(cmd, connect(config).await?).await,
        Command::Webhooks(cmd) => webhooks::run(cmd, connect(config).await?)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Catalog(cmd) => catalog::run(cmd, connect(config).await?)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Stripe(cmd) => stripe::run(cmd, connect(config).await?)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Dev(cmd) => stripe::run_dev(cmd).await.map(|()| ExitCode::SUCCESS),
        Command::Maintenance(MaintenanceCommand::Retention) => {
            let report = connect(config).await?.run_retention().await?;
            println!(
                "rolled {} heartbeat row(s) into per-day rows; forgot {} install(s) unseen for 90 days",
                report.rolled_up, report.installs_pruned
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Opens (and migrates) the configured database.
async fn connect(config: Config) -> anyhow::Result<Backend> {
    Backend::connect(config)
        .await
        .context("cannot open the Studio's database")
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: a journal, a file or a log collector gets plain text.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    // A panic is logged once, through tracing, where it happened; the server's catch-panic
    // layer then answers a plain 500 without logging it again.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let location = info.location().map(ToString::to_string).unwrap_or_default();
        tracing::error!(panic.message = %message, panic.location = %location, "panic");
    }));
}

/// The actor recorded in the audit log for CLI actions.
fn cli_actor() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

/// A unix time as RFC 3339 (UTC).
fn format_time(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0).map_or_else(|| unix.to_string(), |t| t.to_rfc3339())
}
