//! The public catalog (no sign-in): `GET /api/v1/products` and `/api/v1/products/{slug}`,
//! what a storefront shows. Each answer carries a strong `ETag` of its body, and a request
//! whose `If-None-Match` names it is answered `304 Not Modified` with no body.

use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::web::{ApiError, AppState};

/// Browsers and proxies may keep an answer a minute, then ask again with its ETag.
const CACHE: &str = "public, max-age=60";

/// `body` as JSON with its ETag, or 304 when the caller holds it already.
fn tagged<T: Serialize>(headers: &HeaderMap, body: &T) -> Result<Response, ApiError> {
    let json = serde_json::to_vec(body)
        .map_err(|e| ApiError::from(tessera_backend::Error::Internal(e.into())))?;
    let digest = Sha256::digest(&json);
    let etag = format!("\"{}\"", hex::encode(&digest[..16]));
    let held = headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*");
    let etag = HeaderValue::from_str(&etag).expect("hex in quotes is a header value");
    let cache = HeaderValue::from_static(CACHE);
    if held {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(ETAG, etag), (CACHE_CONTROL, cache)],
        )
            .into_response());
    }
    Ok((
        [
            (ETAG, etag),
            (CACHE_CONTROL, cache),
            (
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        json,
    )
        .into_response())
}

/// `GET /api/v1/products`: every listed product, its tiers, plans and public coupons.
pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let products = state.backend.storefront().await?;
    tagged(&headers, &products)
}

/// `GET /api/v1/products/{slug}`.
pub async fn get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let product = state.backend.storefront_product(&slug).await?;
    tagged(&headers, &product)
}
