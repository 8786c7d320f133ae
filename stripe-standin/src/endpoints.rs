//! Webhook endpoints (`/v1/webhook_endpoints`): where events go besides the
//! [`StandIn::webhook`](crate::StandIn::webhook) URL. As at Stripe, an endpoint's signing
//! secret is in the create answer only. And `GET /v1/events/{id}`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::objects::{self, payments};
use super::{answer, bad, idempotent, not_found, params, query, StandIn, World};

pub(crate) async fn create_endpoint(
    State(state): State<StandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match params(&body) {
        Ok(p) => p,
        Err((status, body)) => return (status, Json(body)).into_response(),
    };
    idempotent(
        &state,
        &headers,
        &params.clone(),
        move |world| match create(world, &params) {
            Ok(endpoint) => (StatusCode::OK, endpoint),
            Err(refused) => refused,
        },
    )
}

fn create(world: &mut World, params: &Value) -> Result<Value, (StatusCode, Value)> {
    if !params["url"]
        .as_str()
        .is_some_and(|u| u.starts_with("http"))
    {
        return Err(bad("Missing required param: url.", "url"));
    }
    if payments::events_of(params).is_none_or(|e| e.is_empty()) {
        return Err(bad(
            "Missing required param: enabled_events.",
            "enabled_events",
        ));
    }
    let endpoint = world.put(payments::webhook_endpoint(params));
    let secret = format!("whsec_{}", hex::encode(rand::random::<[u8; 24]>()));
    let id = endpoint["id"].as_str().unwrap_or_default().to_string();
    world.secrets.insert(id, secret.clone());
    let mut answer = endpoint;
    answer["secret"] = json!(secret);
    Ok(answer)
}

pub(crate) async fn list_endpoints(
    State(state): State<StandIn>,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = match query(raw.as_deref()) {
        Ok(q) => q,
        Err(refused) => return answer(Err(refused)),
    };
    let limit = objects::integer(&query, "limit")
        .unwrap_or(10)
        .clamp(1, 100) as usize;
    let world = state.world();
    let all: Vec<Value> = world.all("webhook_endpoint").cloned().collect();
    let has_more = all.len() > limit;
    let data = all.into_iter().take(limit).collect();
    Json(objects::list(data, has_more, "/v1/webhook_endpoints")).into_response()
}

pub(crate) async fn retrieve_endpoint(
    State(state): State<StandIn>,
    Path(id): Path<String>,
) -> Response {
    answer(state.world().get("webhook_endpoint", &id).cloned())
}

/// Updates `url`, `enabled_events[]`, `disabled`, `description` and `metadata[k]`.
pub(crate) async fn update_endpoint(
    State(state): State<StandIn>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    answer(params(&body).and_then(|params| {
        let mut world = state.world();
        let endpoint = world.get_mut("webhook_endpoint", &id)?;
        if let Some(url) = params["url"].as_str() {
            endpoint["url"] = json!(url);
        }
        if let Some(events) = payments::events_of(&params) {
            endpoint["enabled_events"] = json!(events);
        }
        if let Some(disabled) = params["disabled"].as_str() {
            let status = if disabled == "true" {
                "disabled"
            } else {
                "enabled"
            };
            endpoint["status"] = json!(status);
        }
        if let Some(description) = params["description"].as_str() {
            endpoint["description"] = json!(description);
        }
        objects::merge_metadata(&mut endpoint["metadata"], &params);
        Ok(endpoint.clone())
    }))
}

pub(crate) async fn delete_endpoint(
    State(state): State<StandIn>,
    Path(id): Path<String>,
) -> Response {
    let mut world = state.world();
    let deleted = world.get("webhook_endpoint", &id).map(|_| ());
    answer(deleted.map(|()| {
        world.objects.remove(&id);
        world.secrets.remove(&id);
        json!({ "id": id, "object": "webhook_endpoint", "deleted": true })
    }))
}

pub(crate) async fn retrieve_event(
    State(state): State<StandIn>,
    Path(id): Path<String>,
) -> Response {
    let world = state.world();
    let event = world
        .events
        .iter()
        .find(|r| r.envelope["id"] == id.as_str());
    answer(
        event
            .map(|r| r.envelope.clone())
            .ok_or_else(|| not_found("event", &id)),
    )
}
