//! Tessera's event adapters. An outbox event leaves through a [`Sink`]: the NATS JetStream
//! publisher here ([`JetStream`]), or a test double. Nothing here knows about the database:
//! the backend claims outbox rows, hands each to a sink, and marks it published only after
//! the sink says the broker has it.

use std::path::Path;
use std::time::Duration;

use async_nats::jetstream::{self, stream};

/// The stream every Tessera event goes to.
pub const STREAM: &str = "TESSERA";
/// The subjects it captures.
pub const SUBJECTS: &str = "tessera.>";
/// How long the broker remembers a message id to drop a repeat of it. A publish retried
/// within this window (after a crash between the broker's ack and the row's mark) is stored
/// once.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(24 * 3_600);

/// What the broker said about a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    /// The stream's sequence number for it.
    pub sequence: u64,
    /// The broker had it already (same message id within the duplicate window).
    pub duplicate: bool,
}

/// Why an event could not be handed over.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SinkError(pub String);

/// Where outbox events go.
#[async_trait::async_trait]
pub trait Sink: Send + Sync + std::fmt::Debug {
    /// Hands one event over and returns once the receiver has stored it. `id` identifies the
    /// event so that a repeat is recognised.
    async fn publish(&self, subject: &str, id: &str, payload: &[u8]) -> Result<Stored, SinkError>;
}

/// NATS JetStream: each message carries `Nats-Msg-Id` = the event id, and counts as handed
/// over only after the broker's acknowledgement.
#[derive(Debug, Clone)]
pub struct JetStream {
    context: jetstream::Context,
}

impl JetStream {
    /// Connects (with a credentials file if given) and creates or updates the stream
    /// [`STREAM`] (subjects [`SUBJECTS`], file storage, a [`DUPLICATE_WINDOW`]).
    pub async fn connect(url: &str, credentials: Option<&Path>) -> Result<Self, SinkError> {
        let mut options = async_nats::ConnectOptions::new()
            .name("tessera")
            .connection_timeout(Duration::from_secs(5))
            .request_timeout(Some(Duration::from_secs(5)));
        if let Some(path) = credentials {
            options = options
                .credentials_file(path)
                .await
                .map_err(|e| SinkError(format!("NATS credentials {}: {e}", path.display())))?;
        }
        let client = options
            .connect(url)
            .await
            .map_err(|e| SinkError(format!("connecting to NATS at {url}: {e}")))?;
        let context = jetstream::new(client);
        let sink = Self { context };
        sink.ensure_stream().await?;
        Ok(sink)
    }

    fn stream_config() -> stream::Config {
        stream::Config {
            name: STREAM.into(),
            subjects: vec![SUBJECTS.into()],
            storage: stream::StorageType::File,
            duplicate_window: DUPLICATE_WINDOW,
            ..Default::default()
        }
    }

    /// Creates the stream, or brings an existing one to this configuration.
    pub async fn ensure_stream(&self) -> Result<(), SinkError> {
        let config = Self::stream_config();
        let created = self
            .context
            .get_or_create_stream(config.clone())
            .await
            .map_err(|e| SinkError(format!("creating the {STREAM} stream: {e}")))?;
        let current = created.cached_info().config.clone();
        if current.subjects != config.subjects
            || current.duplicate_window != config.duplicate_window
        {
            self.context
                .update_stream(config)
                .await
                .map_err(|e| SinkError(format!("updating the {STREAM} stream: {e}")))?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Sink for JetStream {
    async fn publish(&self, subject: &str, id: &str, payload: &[u8]) -> Result<Stored, SinkError> {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", id);
        let ack = self
            .context
            .publish_with_headers(subject.to_string(), headers, payload.to_vec().into())
            .await
            .map_err(|e| SinkError(format!("publishing {id}: {e}")))?
            .await
            .map_err(|e| SinkError(format!("no acknowledgement for {id}: {e}")))?;
        Ok(Stored {
            sequence: ack.sequence,
            duplicate: ack.duplicate,
        })
    }
}
