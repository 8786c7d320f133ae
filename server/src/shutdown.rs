//! Stopping cleanly. systemd, Docker and Kubernetes stop a process with SIGTERM on every
//! deploy; a terminal sends SIGINT. Either one starts the same sequence: stop accepting
//! connections, let in-flight requests finish (for at most the configured grace), then the
//! caller flushes what was acknowledged but not yet written and stops its background jobs.

use tokio::sync::watch;

/// The stop signals, listened for from the moment this is built: a SIGTERM that arrives
/// while the server is still starting is kept, not left to kill the process.
#[derive(Debug)]
pub struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    /// Starts listening for SIGTERM (SIGINT is always listened for by [`Signals::requested`]).
    pub fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let term = signal(SignalKind::terminate())
                .map_err(|err| {
                    tracing::warn!(error = %err, "cannot listen for SIGTERM; only SIGINT stops the server cleanly");
                })
                .ok();
            Self { term }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Resolves when the process is asked to stop (SIGTERM or SIGINT), naming the signal.
    pub async fn requested(mut self) -> &'static str {
        #[cfg(unix)]
        if let Some(term) = self.term.as_mut() {
            return tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = tokio::signal::ctrl_c() => "SIGINT",
            };
        }
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}

/// Tells background jobs to stop; each job holds a [`Stopping`] and returns when it fires.
#[derive(Debug)]
pub struct StopJobs(watch::Sender<bool>);

/// A background job's side of [`StopJobs`].
#[derive(Debug, Clone)]
pub struct Stopping(watch::Receiver<bool>);

/// A new stop switch and its first receiver.
pub fn switch() -> (StopJobs, Stopping) {
    let (tx, rx) = watch::channel(false);
    (StopJobs(tx), Stopping(rx))
}

impl StopJobs {
    /// Asks every job to stop.
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

impl Stopping {
    /// Resolves once the jobs are asked to stop (or the switch is gone).
    pub async fn fired(&mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}
