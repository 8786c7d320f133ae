//! The use-case error: what callers match on to choose an HTTP status or an exit code.

use crate::store::StoreError;

/// Result of a use case.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a use case refused or failed. Messages are safe to show to the caller.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is not acceptable; the message says which field and why.
    #[error("{0}")]
    Invalid(String),
    /// The thing asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The change conflicts with the current state (a unique value taken, a key in use...).
    #[error("{0}")]
    Conflict(String),
    /// No valid credentials.
    #[error("invalid credentials")]
    Unauthorized,
    /// Authenticated, but the role does not allow this.
    #[error("your role does not allow this")]
    Forbidden,
    /// A billable role was refused: every licensed seat is taken. Answers 409
    /// `seat_limit_reached` with the counts.
    #[error("{0}")]
    SeatLimit(tessera_license::seats::SeatError),
    /// A catalog change would pass a cap of the tier this Tessera runs at. Answers 409
    /// `cap_reached`; the message names the cap.
    #[error("{0}")]
    CapReached(String),
    /// The request is refused for a reason with a name of its own (a trial already used,
    /// a cooldown running): 409 with `code`.
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    /// A signed request whose signature does not hold (a Stripe webhook). Answers 400
    /// `invalid_signature`.
    #[error("invalid signature: {0}")]
    Signature(String),
    /// Too many requests; try again after this many seconds.
    #[error("too many requests; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// Anything unexpected; details are logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// A stable snake_case code for API answers.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "invalid_input",
            Error::NotFound(_) => "not_found",
            Error::Conflict(_) => "conflict",
            Error::SeatLimit(refused) => refused.code(),
            Error::CapReached(_) => "cap_reached",
            Error::Refused { code, .. } => code,
            Error::Signature(_) => "invalid_signature",
            Error::Unauthorized => "unauthorized",
            Error::Forbidden => "forbidden",
            Error::RateLimited { .. } => "rate_limited",
            Error::Internal(_) => "internal",
        }
    }

    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => Error::Conflict(what),
            StoreError::NotFound(what) => Error::NotFound(what),
            StoreError::CapReached { cap, limit } => {
                Error::CapReached(format!("{cap}: at most {limit}"))
            }
            other => Error::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<tessera_license::vocab::UnknownVariant> for Error {
    fn from(e: tessera_license::vocab::UnknownVariant) -> Self {
        Error::Invalid(e.to_string())
    }
}
