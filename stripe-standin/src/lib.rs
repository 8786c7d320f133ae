//! A Stripe stand-in: the endpoints Tessera calls, kept in memory, answering with Stripe's
//! object shapes (the fields of Stripe's own example objects), so that async-stripe's typed
//! models read every answer. For tests (each starts its own on port 0) and for clicking
//! through locally (`tessera dev stripe`).
//!
//! What it serves: products, prices and coupons; customers; checkout sessions with a hosted
//! page (`/pay/{id}`, plain HTML with "Pay" and "Decline" buttons) whose "Pay" makes the
//! customer, a payment intent, a charge and, in subscription mode, the subscription and its
//! first paid invoice, then redirects to the session's success URL; subscriptions (update,
//! cancel), invoices, charges and refunds; webhook endpoints; customer portal sessions
//! (`POST /v1/billing_portal/sessions`) with a page (`/portal/{id}`, plain HTML) listing the
//! customer's subscriptions that are not canceled, whose buttons "Cancel at period end",
//! "Cancel now" and "Update quantity" change a subscription as `POST`/`DELETE
//! /v1/subscriptions/{id}` do (sending `customer.subscription.updated` or `.deleted`), then
//! come back to the page, and whose link returns to the session's return URL; each invoice's
//! hosted page and PDF (`/invoices/{id}`, `/invoices/{id}/pdf`, a one-page PDF), linked from
//! its `hosted_invoice_url` and `invoice_pdf` as the list and retrieve calls answer it.
//!
//! What it does like Stripe: bearer-key authentication, form-encoded bodies, errors as
//! `{"error": {"type", "message", "param"}}`, idempotency keys (a repeated create answers the
//! first object; the same key with other parameters is refused), lookup keys unique among
//! prices and moved by `transfer_lookup_key`, webhook events (`evt_…` envelopes of the API
//! version async-stripe speaks, [`API_VERSION`]) POSTed with a `Stripe-Signature` header to
//! the URL given by [`StandIn::webhook`] and to every matching webhook endpoint, one at a time
//! in the order they were made, each retried three times (200, 400, 800 ms) before it is given
//! up. An invoice's own `period_start`/`period_end` are, as at Stripe, the period before it
//! (both its creation time on a subscription's first invoice); its lines carry the period
//! paid for.
//!
//! What it adds for tests, under `/_standin/` (no key needed) and as methods of [`StandIn`]:
//! the calls received (`requests`), answers lost on purpose (`lose-answers?count=N`: the next
//! N `POST /v1/...` are processed but answered 500), the events and each delivery attempt
//! (`events`), redelivering or duplicating an event, holding events and releasing them in
//! order, in reverse or shuffled, a delay before each delivery, renewing a subscription or
//! failing its payment (as at Stripe, a failed renewal still starts the next period, with the
//! subscription `past_due` and its invoice open), disputing a charge, seeding any Stripe object as given (`objects`),
//! and sending an event of any type about any object (`send`).

// Stripe's objects have many fields: `json!` of a whole one recurses deeper than the default.
#![recursion_limit = "256"]

mod billing;
mod catalog;
mod checkout;
mod control;
mod documents;
mod endpoints;
mod form;
mod objects;
mod page;
mod payments;
mod portal;
mod portal_page;
mod routes;
mod settle;
mod webhooks;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use tokio::sync::mpsc::UnboundedSender;

pub use control::Release;
pub use form::decode;

/// The Stripe API version of the events and of what the stand-in answers: async-stripe's.
pub const API_VERSION: &str = "2026-09-30.endive";

/// Everything the stand-in holds.
#[derive(Debug, Default)]
pub(crate) struct World {
    products: HashMap<String, Value>,
    prices: HashMap<String, Value>,
    /// Every other object by id (customers, checkout sessions, subscriptions, invoices,
    /// charges, refunds, disputes, discounts, coupons, webhook endpoints, portal sessions),
    /// as answered.
    objects: HashMap<String, Value>,
    /// Creation order, so lists answer newest first as Stripe does.
    order: Vec<String>,
    /// What each checkout session sells, by session id.
    carts: HashMap<String, checkout::Cart>,
    /// The id of the customer portal's default configuration, made with the first portal
    /// session that names none.
    portal_configuration: Option<String>,
    /// Each webhook endpoint's signing secret, by endpoint id.
    secrets: HashMap<String, String>,
    /// Idempotency key → (the request's parameters, the answer).
    idempotent: HashMap<String, (Value, StatusCode, Value)>,
    requests: Vec<String>,
    /// How many of the next `POST /v1/...` calls are processed but answered 500, as when
    /// Stripe did the work and the answer was lost.
    lost_answers: u32,
    /// The webhook target given by [`StandIn::webhook`]: URL and secret.
    hook: Option<(String, String)>,
    /// Every event made, oldest first, with its delivery attempts.
    events: Vec<webhooks::Record>,
    /// While set, events wait in `held` instead of going out.
    holding: bool,
    held: Vec<String>,
    /// Waited before each delivery.
    delay: Duration,
    /// The queue of the task that delivers events, once started.
    courier: Option<UnboundedSender<String>>,
}

impl World {
    /// The stored object `id` if it is a `kind` (`subscription`, `checkout.session`, ...).
    pub(crate) fn get(&self, kind: &str, id: &str) -> Result<&Value, (StatusCode, Value)> {
        self.objects
            .get(id)
            .filter(|o| o["object"] == kind)
            .ok_or_else(|| not_found(&kind.replace(['.', '_'], " "), id))
    }

    pub(crate) fn get_mut(
        &mut self,
        kind: &str,
        id: &str,
    ) -> Result<&mut Value, (StatusCode, Value)> {
        self.objects
            .get_mut(id)
            .filter(|o| o["object"] == kind)
            .ok_or_else(|| not_found(&kind.replace(['.', '_'], " "), id))
    }

    /// Stores `object` under its id (replacing what was there); answers a copy.
    pub(crate) fn put(&mut self, object: Value) -> Value {
        let id = object["id"].as_str().unwrap_or_default().to_string();
        if self.objects.insert(id.clone(), object.clone()).is_none() {
            self.order.push(id);
        }
        object
    }

    /// The stored objects of `kind`, newest first.
    pub(crate) fn all(&self, kind: &str) -> impl Iterator<Item = &Value> + '_ {
        let kind = kind.to_string();
        self.order
            .iter()
            .rev()
            .filter_map(|id| self.objects.get(id))
            .filter(move |o| o["object"] == kind.as_str())
    }
}

/// A stand-in's shared state.
#[derive(Debug, Clone, Default)]
pub struct StandIn {
    world: Arc<Mutex<World>>,
}

pub(crate) fn lock(world: &Mutex<World>) -> MutexGuard<'_, World> {
    world.lock().unwrap_or_else(PoisonError::into_inner)
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

/// A 400 `invalid_request_error` about `param`.
pub(crate) fn bad(message: &str, param: &str) -> (StatusCode, Value) {
    refuse(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        message,
        Some(param),
    )
}

/// The stand-in's own base URL as the caller reached it (`http://HOST/`).
pub(crate) fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}/")
}

/// A query string read as Stripe reads one.
pub(crate) fn query(raw: Option<&str>) -> Result<Value, (StatusCode, Value)> {
    form::decode(raw.unwrap_or_default())
        .map_err(|m| refuse(StatusCode::BAD_REQUEST, "invalid_request_error", &m, None))
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
    /// The world, locked; starts the task that delivers events if there is none (or its
    /// runtime is gone) and there is a Tokio runtime to run it.
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        let mut world = lock(&self.world);
        if world
            .courier
            .as_ref()
            .is_none_or(UnboundedSender::is_closed)
        {
            world.courier = webhooks::start(Arc::downgrade(&self.world));
        }
        world
    }

    /// Sends every event to `url`, signed with `secret` (`whsec_...`), as a webhook endpoint
    /// subscribed to all events would be.
    #[must_use]
    pub fn webhook(self, url: &str, secret: &str) -> Self {
        self.world().hook = Some((url.to_string(), secret.to_string()));
        self
    }

    /// Serves on `listener` until the task is dropped.
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

    /// The object `id`, whatever its kind (customer, checkout session, subscription,
    /// invoice, charge, refund, dispute, coupon, webhook endpoint, product, price).
    pub fn object(&self, id: &str) -> Option<Value> {
        let world = self.world();
        world
            .objects
            .get(id)
            .or_else(|| world.products.get(id))
            .or_else(|| world.prices.get(id))
            .cloned()
    }
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
