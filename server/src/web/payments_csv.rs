//! `GET /payments.csv` (operators): the payments `/payments` shows, with its filters, as CSV,
//! streamed in batches so an export of any size holds one batch in memory.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use tessera_backend::auth::Role;
use tessera_backend::commerce::payments::{csv_line, PaymentFilter, CSV_HEADER};

use super::forms::require;
use super::AppState;

/// Where the stream stands: the header not sent yet, the next cursor, or done.
enum Next {
    Header,
    After(Option<String>),
    Done,
}

/// `GET /payments.csv?from=&to=&product=&company=`.
pub async fn export(
    State(state): State<AppState>,
    parts: Parts,
    Query(filter): Query<PaymentFilter>,
) -> Response {
    if let Err(refused) = require(&parts, Role::Operator) {
        return refused.into_response();
    }
    // A filter that does not read is refused before anything is streamed.
    if let Err(err) = filter.query(1) {
        return (StatusCode::UNPROCESSABLE_ENTITY, err.to_string()).into_response();
    }
    let backend = state.backend;
    let lines = stream::unfold(Next::Header, move |next| {
        let backend = backend.clone();
        let filter = filter.clone();
        async move {
            match next {
                Next::Header => Some((Ok(CSV_HEADER.to_string()), Next::After(None))),
                Next::After(after) => match backend.payments_batch(&filter, after).await {
                    Ok((rows, next)) if !rows.is_empty() => {
                        let text: String = rows.iter().map(csv_line).collect();
                        let then = next.map_or(Next::Done, |n| Next::After(Some(n)));
                        Some((Ok(text), then))
                    }
                    Ok(_) => None,
                    Err(err) => {
                        tracing::error!(error = %err, "payments export failed");
                        Some((Err(std::io::Error::other("export failed")), Next::Done))
                    }
                },
                Next::Done => None,
            }
        }
    });
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"payments.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(lines),
    )
        .into_response()
}
