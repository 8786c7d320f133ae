//! `tessera serve`: migrate, bootstrap on first start, serve.

use anyhow::Context as _;
use secrecy::ExposeSecret as _;
use tessera_backend::{Backend, Config};

pub(super) async fn run(config: Config) -> anyhow::Result<()> {
    let bind = config.bind.clone();
    let backend = Backend::connect(config)
        .await
        .context("cannot open the Studio's database")?;
    let first = backend.bootstrap().await.context("first-start setup")?;
    if let Some(kid) = &first.created_key {
        println!("created signing key {kid}");
    }
    if let Some((email, password)) = &first.admin {
        // Printed once, to the operator's terminal only: never logged.
        println!("created administrator {email}");
        println!("one-time password: {}", password.expose_secret());
        println!(
            "sign in at {}/login and keep this password safe; it is not shown again",
            backend.config().public_url
        );
    }
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    println!("Tessera is listening on http://{}", listener.local_addr()?);
    tokio::spawn(nightly(backend.clone()));
    crate::web::serve(backend, listener).await
}

/// Nightly housekeeping (safe on every instance: the roll-up is idempotent).
async fn nightly(backend: Backend) {
    let mut every_day = tokio::time::interval(std::time::Duration::from_secs(86_400));
    loop {
        every_day.tick().await;
        if let Err(err) = backend.run_retention().await {
            tracing::error!(error = %err, "heartbeat retention failed");
        }
    }
}
