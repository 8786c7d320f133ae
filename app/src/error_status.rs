//! The one mapping from a use-case error to an HTTP status. Server functions use it here; the
//! REST API and the form posts use it through `tessera-server`.

use http::StatusCode;
use tessera_backend::Error;

/// The status a use-case error answers with.
pub fn status_of(err: &Error) -> StatusCode {
    match err {
        Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Conflict(_) | Error::SeatLimit(_) | Error::CapReached(_) | Error::Refused { .. } => {
            StatusCode::CONFLICT
        }
        Error::Signature(_) => StatusCode::BAD_REQUEST,
        Error::Unauthorized => StatusCode::UNAUTHORIZED,
        Error::Forbidden => StatusCode::FORBIDDEN,
        Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}
