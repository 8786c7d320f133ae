//! A Stripe stand-in: the endpoints Tessera calls, kept in memory, answering with Stripe's
//! object shapes (the fields of Stripe's own example objects), so that async-stripe's typed
//! models read every answer. For tests (each starts its own on port 0) and for clicking
//! through locally (`tessera dev stripe`).
//!
//! What it does like Stripe: bearer-key authentication, form-encoded bodies, errors as
//! `{"error": {"type", "message", "param"}}`, idempotency keys (a repeated create answers the
//! first object; the same key with other parameters is refused), lookup keys unique among
//! prices and moved by `transfer_lookup_key`. `GET /_standin/requests` lists the calls it
//! received, so a test can count what a client did; `POST /_standin/lose-answers?count=N`
//! processes the next N creates or updates but answers them 500, as a lost answer would.

mod catalog;
mod form;
mod objects;

use catalog::{
    create_price, create_product, list_prices, retrieve_price, retrieve_product, update_price,
    update_product,
};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub use form::decode;

/// Everything the stand-in holds.
#[derive(Debug, Default)]
pub(crate) struct World {
    products: HashMap<String, Value>,
    prices: HashMap<String, Value>,
    /// Creation order, so lists answer newest first as Stripe does.
    order: Vec<String>,
    /// Idempotency key → (the request's parameters, the answer).
    idempotent: HashMap<String, (Value, StatusCode, Value)>,
    requests: Vec<String>,
    /// How many of the next `POST /v1/...` calls are processed but answered 500, as when
    /// Stripe did the work and the answer was lost.
    lost_answers: u32,
}

/// A stand-in's shared state.
#[derive(Debug, Clone, Default)]
pub struct StandIn {
    world: Arc<Mutex<World>>,
}

/// A Stripe error answer.
pub(crate) fn refuse(
    status: StatusCode,
    kind: &str,
    message: &str,
    param: Option<&str>,
) -> (StatusCode, Value) {
    (
        status,
        json!({ "error": { "type": kind, "message": message, "param": param } }),
    )
}

pub(crate) fn not_found(what: &str, id: &str) -> (StatusCode, Value) {
    refuse(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        &format!("No such {what}: '{id}'"),
        Some("id"),
    )
}

impl StandIn {
    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The router: Stripe's `/v1/...` endpoints and the stand-in's own `/_standin/...`.
    pub fn router(self) -> Router {
        Router::new()
            .route("/v1/products", axum::routing::post(create_product))
            .route(
                "/v1/products/{id}",
                get(retrieve_product).post(update_product),
            )
            .route("/v1/prices", get(list_prices).post(create_price))
            .route("/v1/prices/{id}", get(retrieve_price).post(update_price))
            .route("/_standin/requests", get(requests))
            .route("/_standin/lose-answers", axum::routing::post(lose_answers))
            .fallback(unknown)
            .layer(axum::middleware::from_fn_with_state(self.clone(), gate))
            .with_state(self)
    }

    /// Serves on `listener` until the task is dropped; answers the base URL.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
        axum::serve(listener, self.router()).await?;
        Ok(())
    }

    /// Starts on a free loopback port; answers its base URL (`http://127.0.0.1:PORT/`).
    pub async fn spawn(&self) -> anyhow::Result<String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/", listener.local_addr()?);
        tokio::spawn(self.clone().serve(listener));
        Ok(url)
    }

    /// The calls received so far, as `METHOD /path`.
    pub fn requests(&self) -> Vec<String> {
        self.world().requests.clone()
    }

    /// Processes the next `count` `POST /v1/...` calls but answers each with a 500, as when
    /// the answer is lost on its way back (also `POST /_standin/lose-answers?count=N`).
    pub fn lose_answers(&self, count: u32) {
        self.world().lost_answers = count;
    }

    /// Every product (for tests).
    pub fn products(&self) -> Vec<Value> {
        self.world().products.values().cloned().collect()
    }

    /// Every price, newest first (for tests).
    pub fn prices(&self) -> Vec<Value> {
        let world = self.world();
        world
            .order
            .iter()
            .rev()
            .filter_map(|id| world.prices.get(id).cloned())
            .collect()
    }
}

/// Logs each call and requires a secret key, as Stripe does.
async fn gate(
    State(state): State<StandIn>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let line = format!("{} {}", request.method(), request.uri().path());
    if request.uri().path().starts_with("/v1/") {
        state.world().requests.push(line);
        let key = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !(key.starts_with("sk_test_") || key.starts_with("sk_live_")) {
            let (status, body) = refuse(
                StatusCode::UNAUTHORIZED,
                "invalid_request_error",
                "Invalid API Key provided",
                None,
            );
            return (status, Json(body)).into_response();
        }
    }
    let post = request.method() == Method::POST && request.uri().path().starts_with("/v1/");
    let answer = next.run(request).await;
    let mut world = state.world();
    if post && world.lost_answers > 0 {
        world.lost_answers -= 1;
        let (status, body) = refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api_error",
            "the stand-in lost this answer on purpose",
            None,
        );
        return (status, Json(body)).into_response();
    }
    answer
}

async fn lose_answers(State(state): State<StandIn>, RawQuery(query): RawQuery) -> StatusCode {
    let query = form::decode(query.as_deref().unwrap_or_default()).unwrap_or_default();
    let count = query["count"]
        .as_str()
        .and_then(|c| c.parse().ok())
        .unwrap_or(1);
    state.lose_answers(count);
    StatusCode::NO_CONTENT
}

async fn unknown(method: Method, uri: Uri) -> Response {
    let message = format!("Unrecognized request URL ({method}: {}).", uri.path());
    let (status, body) = refuse(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        &message,
        None,
    );
    (status, Json(body)).into_response()
}

async fn requests(State(state): State<StandIn>) -> Json<Vec<String>> {
    Json(state.requests())
}

pub(crate) fn params(body: &Bytes) -> Result<Value, (StatusCode, Value)> {
    let text = std::str::from_utf8(body).map_err(|_| {
        refuse(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "body is not UTF-8",
            None,
        )
    })?;
    form::decode(text)
        .map_err(|m| refuse(StatusCode::BAD_REQUEST, "invalid_request_error", &m, None))
}

/// Runs a create under its idempotency key: a repeat with the same parameters answers the
/// first answer; with other parameters it is refused.
pub(crate) fn idempotent(
    state: &StandIn,
    headers: &HeaderMap,
    params: &Value,
    create: impl FnOnce(&mut World) -> (StatusCode, Value),
) -> Response {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut world = state.world();
    if let Some(key) = &key {
        if let Some((seen, status, answer)) = world.idempotent.get(key) {
            if seen != params {
                let (status, body) = refuse(
                    StatusCode::BAD_REQUEST,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters they were first used with.",
                    None,
                );
                return (status, Json(body)).into_response();
            }
            return (*status, Json(answer.clone())).into_response();
        }
    }
    let (status, answer) = create(&mut world);
    if let Some(key) = key {
        world
            .idempotent
            .insert(key, (params.clone(), status, answer.clone()));
    }
    (status, Json(answer)).into_response()
}

pub(crate) fn answer(result: Result<Value, (StatusCode, Value)>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err((status, body)) => (status, Json(body)).into_response(),
    }
}
