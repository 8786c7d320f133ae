//! The `Authorization: Bearer <jwt>` extractor for the internal API.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use tessera_backend::api_tokens::ApiPrincipal;
use tessera_backend::Error;

use crate::web::{ApiError, AppState};

/// A caller with a valid API token.
#[derive(Debug)]
pub struct Bearer(pub ApiPrincipal);

impl FromRequestParts<AppState> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError(Error::Unauthorized))?;
        Ok(Bearer(
            state.backend.authenticate_api_token(token.trim()).await?,
        ))
    }
}
