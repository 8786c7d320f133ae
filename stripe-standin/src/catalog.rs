//! Products, prices and coupons.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{answer, form, idempotent, not_found, objects, params, refuse, StandIn};

pub(crate) async fn create_product(
    State(state): State<StandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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

pub(crate) async fn retrieve_product(
    State(state): State<StandIn>,
    Path(id): Path<String>,
) -> Response {
    answer(
        state
            .world()
            .products
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found("product", &id)),
    )
}

pub(crate) async fn update_product(
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

pub(crate) async fn create_price(
    State(state): State<StandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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

pub(crate) async fn retrieve_price(
    State(state): State<StandIn>,
    Path(id): Path<String>,
) -> Response {
    answer(
        state
            .world()
            .prices
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found("price", &id)),
    )
}

pub(crate) async fn update_price(
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

pub(crate) async fn list_prices(
    State(state): State<StandIn>,
    RawQuery(query): RawQuery,
) -> Response {
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

pub(crate) async fn create_coupon(
    State(state): State<StandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match params(&body) {
        Ok(p) => p,
        Err((status, body)) => return (status, Json(body)).into_response(),
    };
    idempotent(&state, &headers, &params.clone(), move |world| {
        let coupon = match objects::coupon(&params) {
            Ok(coupon) => coupon,
            Err(message) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    &message,
                    None,
                )
            }
        };
        let id = coupon["id"].as_str().unwrap_or_default();
        if world.objects.contains_key(id) {
            return refuse(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                "Coupon already exists.",
                Some("id"),
            );
        }
        (StatusCode::OK, world.put(coupon))
    })
}

pub(crate) async fn retrieve_coupon(
    State(state): State<StandIn>,
    Path(id): Path<String>,
) -> Response {
    answer(state.world().get("coupon", &id).cloned())
}
