//! `tessera serve`: migrate, bootstrap on first start, serve; on SIGTERM or SIGINT drain the
//! requests in flight, stop the background jobs, flush the heartbeat writer and exit 0.

use std::time::Duration;

use anyhow::Context as _;
use secrecy::ExposeSecret as _;
use tessera_backend::{Backend, Config};

use crate::shutdown::{self, Stopping};

pub(super) async fn run(config: Config) -> anyhow::Result<()> {
    // First of all, so a SIGTERM during start-up stops the server cleanly once it is up.
    let signals = shutdown::Signals::listen();
    let bind = config.bind.clone();
    let drain = Duration::from_secs(config.shutdown_grace_secs);
    let backend = Backend::connect(config)
        .await
        .context("cannot open the Studio's database")?;
    let first = backend.bootstrap().await.context("first-start setup")?;
    if let Some(dir) = backend.mail_file_dir() {
        tracing::warn!(
            mail.dir = %dir.display(),
            "no SMTP server configured (TESSERA_SMTP_URL): license e-mails, tokens included, are written as .eml files there, readable only by this user; keep that directory private"
        );
    }
    if let Some(kid) = &first.created_key {
        println!("created signing key {kid}");
    }
    if let Some(tessera_backend::bootstrap::FirstAdmin { email, password }) = &first.admin {
        // Printed once, to the operator's terminal only: never logged.
        println!("created administrator {email}");
        println!("one-time password: {}", password.expose_secret());
        println!(
            "sign in at {}/login and keep this password safe; it is not shown again",
            backend.config().public_url
        );
    }
    if backend.licensee().is_ok() {
        install_configured_license(&backend).await;
    }
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    println!("Tessera is listening on http://{}", listener.local_addr()?);
    let (stop_jobs, stopping) = shutdown::switch();
    let heartbeats = backend
        .licensee()
        .is_ok()
        .then(|| tokio::spawn(heartbeats(backend.clone(), stopping.clone())));
    let publisher = tokio::spawn(publish_events(backend.clone(), stopping.clone()));
    let webhooks = tokio::spawn(deliver_webhooks(backend.clone(), stopping.clone()));
    let jobs = tokio::spawn(nightly(backend.clone(), stopping));
    let stop = async {
        let signal = signals.requested().await;
        tracing::info!(signal, "stopping: draining requests in flight");
    };
    let served = crate::web::serve(backend.clone(), listener, stop, drain).await;
    stop_jobs.stop();
    for job in [jobs, publisher, webhooks].into_iter().chain(heartbeats) {
        if let Err(err) = job.await {
            tracing::error!(error = %err, "a background job failed while stopping");
        }
    }
    // Every heartbeat answered so far is in the writer's queue: write it before exiting.
    backend
        .flush_heartbeats()
        .await
        .context("flushing heartbeats on shutdown")?;
    served?;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Nightly housekeeping (safe on every instance: the roll-up is idempotent).
async fn nightly(backend: Backend, mut stopping: Stopping) {
    let mut every_day = tokio::time::interval(Duration::from_secs(86_400));
    loop {
        tokio::select! {
            _ = every_day.tick() => {}
            () = stopping.fired() => return,
        }
        if let Err(err) = backend.run_retention().await {
            tracing::error!(error = %err, "heartbeat retention failed");
        }
        backend.check_audit_chain_nightly().await;
    }
}

/// Self-host: installs `TESSERA_LICENSE` if it is new. A bad one is reported; the install
/// keeps its token and starts anyway (unlicensed at worst, never down).
async fn install_configured_license(backend: &Backend) {
    match backend.install_configured_license().await {
        Ok(Some(view)) => {
            tracing::info!(state = %view.state, "installed the license from TESSERA_LICENSE");
        }
        Ok(None) => {}
        Err(err) => tracing::error!(error = %err, "TESSERA_LICENSE was not installed"),
    }
}

/// Heartbeats to the vendor (a self-hosted install's, or a vendor install's master Tessera)
/// on start and then every `heartbeat_interval` (at most hourly for a vendor's own license,
/// so its live entitlements refresh within the hour); after a failure, sooner, backing off
/// (see `next_heartbeat_delay`).
async fn heartbeats(backend: Backend, mut stopping: Stopping) {
    use tessera_backend::selfhost::vendor::next_heartbeat_delay;
    if backend.config().vendor_url.is_none() {
        tracing::info!("no TESSERA_VENDOR_URL: no heartbeats (exchange files on /license instead)");
        return;
    }
    let interval = backend.heartbeat_interval();
    loop {
        let failures = match backend.heartbeat_vendor().await {
            Ok(view) => view.failures,
            Err(err) => {
                tracing::debug!(error = %err, "heartbeat not answered");
                backend
                    .install_view_now()
                    .await
                    .map_or(1, |view| view.failures.max(1))
            }
        };
        tokio::select! {
            () = tokio::time::sleep(next_heartbeat_delay(interval, failures)) => {}
            () = stopping.fired() => return,
        }
    }
}

/// Publishes the outbox to NATS JetStream while this instance holds the publishing lease
/// (one instance at a time; another takes over within the lease when it stops). Idle, it
/// looks every half second; after a failure it waits 1 s, doubling up to 30 s.
async fn publish_events(backend: Backend, mut stopping: Stopping) {
    let Some(url) = backend.config().nats_url.clone() else {
        tracing::info!("no TESSERA_NATS_URL: events are recorded in the outbox and wait");
        return;
    };
    let credentials = backend.config().nats_credentials.clone();
    let holder = format!("{}-{}", std::process::id(), tessera_backend::now());
    let mut sink = None;
    let mut failures = 0u32;
    loop {
        if sink.is_none() {
            match tessera_events::JetStream::connect(&url, credentials.as_deref()).await {
                Ok(connected) => sink = Some(connected),
                Err(err) => tracing::warn!(error = %err, "NATS is not reachable; events wait"),
            }
        }
        let outcome = match &sink {
            Some(sink) => backend.publish_outbox(sink, &holder, 256).await,
            None => Err(tessera_backend::Error::Conflict(
                "no NATS connection".into(),
            )),
        };
        let wait = match outcome {
            Ok(done) if done.events == 256 => Duration::ZERO,
            Ok(done) => {
                failures = 0;
                let idle = if done.standby { 5_000 } else { 500 };
                Duration::from_millis(idle)
            }
            Err(err) => {
                failures = failures.saturating_add(1);
                tracing::warn!(error = %err, "publishing events failed; retrying");
                Duration::from_secs(1u64 << failures.min(5)).min(Duration::from_secs(30))
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = stopping.fired() => break,
        }
    }
    if let Err(err) = backend.release_outbox_lease(&holder).await {
        tracing::warn!(error = %err, "could not release the outbox lease");
    }
}

/// Every second: new events become webhook deliveries, and due deliveries are attempted,
/// each in its own task (vendor installs only). Safe on every instance: deliveries are
/// claimed with a lease.
async fn deliver_webhooks(backend: Backend, mut stopping: Stopping) {
    if backend.vendor_only().is_err() {
        return;
    }
    let client = reqwest::Client::builder()
        .user_agent(concat!("tessera-webhooks/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build();
    let Ok(client) = client else {
        tracing::error!("cannot build the webhook HTTP client");
        return;
    };
    loop {
        if let Err(err) = backend.deliver_webhooks(&client).await {
            tracing::warn!(error = %err, "webhook round failed");
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            () = stopping.fired() => return,
        }
    }
}
