//! The stand-in's own controls, for tests: under `/_standin/` (no key) and as methods of
//! [`StandIn`]. They show the events made and their deliveries, send events again, hold
//! them and let them go in any order, and make what Stripe would do on its own: a renewal,
//! a failed payment, a dispute.

use std::str::FromStr;
use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::seq::SliceRandom;
use serde_json::{json, Value};

use super::objects::payments;
use super::webhooks::{dispatch, emit};
use super::{answer, bad, billing, not_found, query, settle, StandIn, World};

/// The order in which held events are let go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Oldest first, as they were made.
    AsMade,
    /// Newest first.
    Reverse,
    /// In a random order.
    Shuffle,
}

impl FromStr for Release {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "as-made" => Ok(Self::AsMade),
            "reverse" => Ok(Self::Reverse),
            "shuffle" => Ok(Self::Shuffle),
            other => Err(format!(
                "order must be as-made, reverse or shuffle, not {other:?}"
            )),
        }
    }
}

/// An error answer's message.
fn message((_, body): (StatusCode, Value)) -> String {
    body["error"]["message"]
        .as_str()
        .unwrap_or("refused")
        .to_string()
}

impl StandIn {
    /// Every event made so far, oldest first, as sent (full envelopes).
    pub fn events(&self) -> Vec<Value> {
        self.world()
            .events
            .iter()
            .map(|r| r.envelope.clone())
            .collect()
    }

    /// Every event made so far, oldest first, as `{id, type, created, deliveries: [{url,
    /// status}]}`, one delivery per attempt (`status` null when the target was unreachable).
    pub fn event_log(&self) -> Vec<Value> {
        self.world().events.iter().map(|r| r.summary()).collect()
    }

    /// Sends the event `id` again: the same body, a fresh signature. False if unknown.
    pub fn redeliver(&self, id: &str) -> bool {
        self.resend(id, 1)
    }

    /// Sends the event `id` twice more, back to back. False if unknown.
    pub fn duplicate(&self, id: &str) -> bool {
        self.resend(id, 2)
    }

    fn resend(&self, id: &str, times: usize) -> bool {
        let mut world = self.world();
        if !world.events.iter().any(|r| r.envelope["id"] == id) {
            return false;
        }
        for _ in 0..times {
            dispatch(&mut world, id);
        }
        true
    }

    /// From now on, keeps events instead of sending them, until [`StandIn::release`].
    pub fn hold(&self) {
        self.world().holding = true;
    }

    /// Sends the held events in `order`, then stops holding; answers how many.
    pub fn release(&self, order: Release) -> usize {
        let mut world = self.world();
        world.holding = false;
        let mut held = std::mem::take(&mut world.held);
        match order {
            Release::AsMade => {}
            Release::Reverse => held.reverse(),
            Release::Shuffle => held.shuffle(&mut rand::thread_rng()),
        }
        for id in &held {
            dispatch(&mut world, id);
        }
        held.len()
    }

    /// Waits `wait` before each delivery from now on.
    pub fn delay(&self, wait: Duration) {
        self.world().delay = wait;
    }

    /// Renews the subscription `id` for one more period, paid; answers the subscription.
    pub fn renew(&self, id: &str) -> Result<Value, String> {
        billing::renew(&mut self.world(), id, true).map_err(message)
    }

    /// Renews the subscription `id` for one more period, unpaid: `past_due`, open invoice.
    pub fn fail_payment(&self, id: &str) -> Result<Value, String> {
        billing::renew(&mut self.world(), id, false).map_err(message)
    }

    /// Disputes the whole of the charge `id` as fraudulent; answers the dispute.
    pub fn dispute(&self, id: &str) -> Result<Value, String> {
        dispute(&mut self.world(), id).map_err(message)
    }

    /// Pays the open checkout session `id` as its "Pay" button does; answers the session.
    pub fn pay(&self, id: &str) -> Result<Value, String> {
        settle::pay(&mut self.world(), id).map_err(|(_, text)| text)
    }

    /// Stores `object`, any Stripe object with an `id` and an `object`, as given.
    pub fn seed(&self, object: Value) -> Result<(), String> {
        seed(&mut self.world(), object).map(drop).map_err(message)
    }

    /// Sends an event of `kind` about `object`; answers the event.
    pub fn send(&self, kind: &str, object: &Value) -> Value {
        let mut world = self.world();
        let id = emit(&mut world, kind, object, None);
        world
            .events
            .last()
            .map(|r| r.envelope.clone())
            .unwrap_or(json!({ "id": id }))
    }
}

fn dispute(world: &mut World, id: &str) -> Result<Value, (StatusCode, Value)> {
    let mut charge = world.get("charge", id)?.clone();
    if charge["disputed"] == true {
        return Err(bad(&format!("Charge {id} is already disputed."), "charge"));
    }
    let dispute = world.put(payments::dispute(&charge));
    charge["disputed"] = json!(true);
    world.put(charge);
    emit(world, "charge.dispute.created", &dispute, None);
    Ok(dispute)
}

fn seed(world: &mut World, object: Value) -> Result<Value, (StatusCode, Value)> {
    let (Some(id), Some(kind)) = (object["id"].as_str(), object["object"].as_str()) else {
        return Err(bad(
            "A seeded object needs an \"id\" and an \"object\".",
            "id",
        ));
    };
    let id = id.to_string();
    match kind {
        "product" | "price" => {
            let map = if kind == "product" {
                &mut world.products
            } else {
                &mut world.prices
            };
            if map.insert(id.clone(), object.clone()).is_none() {
                world.order.push(id);
            }
            Ok(object)
        }
        _ => Ok(world.put(object)),
    }
}

pub(crate) async fn requests(State(state): State<StandIn>) -> Json<Vec<String>> {
    Json(state.requests())
}

pub(crate) async fn lose_answers(
    State(state): State<StandIn>,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = query(raw.as_deref()).unwrap_or_default();
    let count = query["count"]
        .as_str()
        .and_then(|c| c.parse().ok())
        .unwrap_or(1);
    state.lose_answers(count);
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) async fn events(State(state): State<StandIn>) -> Json<Vec<Value>> {
    Json(state.event_log())
}

fn resent(state: &StandIn, id: &str, sent: bool) -> Response {
    let event = sent
        .then(|| state.events().into_iter().find(|e| e["id"] == id))
        .flatten();
    answer(event.ok_or_else(|| not_found("event", id)))
}

pub(crate) async fn redeliver(State(state): State<StandIn>, Path(id): Path<String>) -> Response {
    let sent = state.redeliver(&id);
    resent(&state, &id, sent)
}

pub(crate) async fn duplicate(State(state): State<StandIn>, Path(id): Path<String>) -> Response {
    let sent = state.duplicate(&id);
    resent(&state, &id, sent)
}

pub(crate) async fn hold(State(state): State<StandIn>) -> StatusCode {
    state.hold();
    StatusCode::NO_CONTENT
}

pub(crate) async fn release(State(state): State<StandIn>, RawQuery(raw): RawQuery) -> Response {
    let query = query(raw.as_deref()).unwrap_or_default();
    match query["order"]
        .as_str()
        .unwrap_or("as-made")
        .parse::<Release>()
    {
        Ok(order) => Json(json!({ "released": state.release(order) })).into_response(),
        Err(text) => answer(Err(bad(&text, "order"))),
    }
}

pub(crate) async fn delay(State(state): State<StandIn>, RawQuery(raw): RawQuery) -> Response {
    let query = query(raw.as_deref()).unwrap_or_default();
    match query["ms"].as_str().and_then(|ms| ms.parse::<u64>().ok()) {
        Some(ms) => {
            state.delay(Duration::from_millis(ms));
            StatusCode::NO_CONTENT.into_response()
        }
        None => answer(Err(bad("ms must be a whole number of milliseconds", "ms"))),
    }
}

pub(crate) async fn renew(State(state): State<StandIn>, Path(id): Path<String>) -> Response {
    answer(billing::renew(&mut state.world(), &id, true))
}

pub(crate) async fn fail_payment(State(state): State<StandIn>, Path(id): Path<String>) -> Response {
    answer(billing::renew(&mut state.world(), &id, false))
}

pub(crate) async fn dispute_charge(
    State(state): State<StandIn>,
    Path(id): Path<String>,
) -> Response {
    answer(dispute(&mut state.world(), &id))
}

pub(crate) async fn seed_object(
    State(state): State<StandIn>,
    Json(object): Json<Value>,
) -> Response {
    answer(seed(&mut state.world(), object))
}

pub(crate) async fn send_event(State(state): State<StandIn>, Json(body): Json<Value>) -> Response {
    let Some(kind) = body["type"].as_str().filter(|k| !k.is_empty()) else {
        return answer(Err(bad("Missing \"type\".", "type")));
    };
    if !body["object"].is_object() {
        return answer(Err(bad("Missing \"object\".", "object")));
    }
    Json(state.send(kind, &body["object"])).into_response()
}
