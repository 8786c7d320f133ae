//! A Stripe stand-in: the endpoints Tessera calls, kept in memory, answering with Stripe's
//! object shapes (the fields of Stripe's own example objects), so that async-stripe's typed
//! models read every answer. For tests (each starts its own on port 0) and for clicking
//! through locally (`tessera dev stripe`).
//!
//! What it does like Stripe: bearer-key authentication, form-encoded bodies, errors as
//! `{"error": {"type", "message", "param"}}`, idempotency keys (a repeated create answers the
//! first object; the same key with other parameters is refused), lookup keys unique among
//! prices and moved by `transfer_lookup_key`. `GET /_standin/requests` lists the calls it
//! received, so a test can count what a client did.

mod form;
mod objects;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub use form::decode;

/// Everything the stand-in holds.
#[derive(Debug, Default)]
struct World {
    products: HashMap<String, Value>,
    prices: HashMap<String, Value>,
    /// Creation order, so lists answer newest first as Stripe does.
    order: Vec<String>,
    /// Idempotency key → (the request's parameters, the answer).
    idempotent: HashMap<String, (Value, StatusCode, Value)>,
    requests: Vec<String>,
}

/// A stand-in's shared state.
#[derive(Debug, Clone, Default)]
pub struct StandIn {
    world: Arc<Mutex<World>>,
}

/// A Stripe error answer.
fn refuse(
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

fn not_found(what: &str, id: &str) -> (StatusCode, Value) {
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
    next.run(request).await
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

fn params(body: &Bytes) -> Result<Value, (StatusCode, Value)> {
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
fn idempotent(
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

fn answer(result: Result<Value, (StatusCode, Value)>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err((status, body)) => (status, Json(body)).into_response(),
    }
}

async fn create_product(State(state): State<StandIn>, headers: HeaderMap, body: Bytes) -> Response {
    let params = match params(&body) {
        Ok(p) => p,
        Err((status, body)) => return (status, Json(body)).into_response(),
    };
    idempotent(&state, &headers, &params.clone(), move |world| {
        let Some(name) = params["name"].as_str().filter(|n| !n.is_empty()) else {
            return refuse(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                "Missing required param: name.",
                Some("name"),
            );
        };
        let product = objects::product(name, &params);
        let id = product["id"].as_str().unwrap_or_default().to_string();
        world.order.push(id.clone());
        world.products.insert(id, product.clone());
        (StatusCode::OK, product)
    })
}

async fn retrieve_product(State(state): State<StandIn>, Path(id): Path<String>) -> Response {
    answer(
        state
            .world()
            .products
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found("product", &id)),
    )
}

async fn update_product(
    State(state): State<StandIn>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    answer(params(&body).and_then(|params| {
        let mut world = state.world();
        let product = world
            .products
            .get_mut(&id)
            .ok_or_else(|| not_found("product", &id))?;
        objects::update_product(product, &params);
        Ok(product.clone())
    }))
}

async fn create_price(State(state): State<StandIn>, headers: HeaderMap, body: Bytes) -> Response {
    let params = match params(&body) {
        Ok(p) => p,
        Err((status, body)) => return (status, Json(body)).into_response(),
    };
    idempotent(&state, &headers, &params.clone(), move |world| {
        let product = params["product"].as_str().unwrap_or_default().to_string();
        if !world.products.contains_key(&product) {
            return not_found("product", &product);
        }
        let price = match objects::price(&params) {
            Ok(price) => price,
            Err(message) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    &message,
                    None,
                )
            }
        };
        if let Some(key) = price["lookup_key"].as_str() {
            let holder = world.prices.values_mut().find(|p| p["lookup_key"] == key);
            match holder {
                Some(held) if params["transfer_lookup_key"] == "true" => {
                    held["lookup_key"] = Value::Null;
                }
                Some(_) => {
                    let message = format!("A price (`{key}`) already uses that lookup key.");
                    return refuse(
                        StatusCode::BAD_REQUEST,
                        "invalid_request_error",
                        &message,
                        Some("lookup_key"),
                    );
                }
                None => {}
            }
        }
        let id = price["id"].as_str().unwrap_or_default().to_string();
        world.order.push(id.clone());
        world.prices.insert(id, price.clone());
        (StatusCode::OK, price)
    })
}

async fn retrieve_price(State(state): State<StandIn>, Path(id): Path<String>) -> Response {
    answer(
        state
            .world()
            .prices
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found("price", &id)),
    )
}

async fn update_price(
    State(state): State<StandIn>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    answer(params(&body).and_then(|params| {
        let mut world = state.world();
        let price = world
            .prices
            .get_mut(&id)
            .ok_or_else(|| not_found("price", &id))?;
        if let Some(active) = params["active"].as_str() {
            price["active"] = Value::Bool(active == "true");
        }
        Ok(price.clone())
    }))
}

async fn list_prices(State(state): State<StandIn>, RawQuery(query): RawQuery) -> Response {
    let query = match form::decode(query.as_deref().unwrap_or_default()) {
        Ok(q) => q,
        Err(m) => {
            return answer(Err(refuse(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                &m,
                None,
            )))
        }
    };
    let keys: Vec<&str> = query["lookup_keys"]
        .as_array()
        .map(|keys| keys.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let limit = query["limit"]
        .as_str()
        .and_then(|l| l.parse().ok())
        .unwrap_or(10_usize)
        .min(100);
    let data: Vec<Value> = state
        .prices()
        .into_iter()
        .filter(|p| keys.is_empty() || p["lookup_key"].as_str().is_some_and(|k| keys.contains(&k)))
        .filter(|p| {
            query["active"]
                .as_str()
                .is_none_or(|a| p["active"] == (a == "true"))
        })
        .filter(|p| {
            query["product"]
                .as_str()
                .is_none_or(|id| p["product"] == id)
        })
        .collect();
    let has_more = data.len() > limit;
    let data: Vec<Value> = data.into_iter().take(limit).collect();
    Json(json!({ "object": "list", "data": data, "has_more": has_more, "url": "/v1/prices" }))
        .into_response()
}
