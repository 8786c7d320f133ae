//! The route table and the gate every call passes: Stripe's `/v1/...` (with a secret key),
//! the hosted checkout page `/pay/...` and the customer portal `/portal/...` (the
//! customer's browser: no key) and the stand-in's own `/_standin/...` (no key).

use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::{
    billing, catalog, checkout, control, documents, endpoints, page, payments, portal, refuse,
    StandIn,
};

impl StandIn {
    /// The router: Stripe's `/v1/...` endpoints, the checkout and portal pages and
    /// `/_standin/...`.
    pub fn router(self) -> Router {
        Router::new()
            .merge(stripe_routes())
            .merge(page_routes())
            .merge(control_routes())
            .fallback(unknown)
            .layer(axum::middleware::from_fn_with_state(self.clone(), gate))
            .with_state(self)
    }
}

fn stripe_routes() -> Router<StandIn> {
    Router::new()
        .route("/v1/products", post(catalog::create_product))
        .route(
            "/v1/products/{id}",
            get(catalog::retrieve_product).post(catalog::update_product),
        )
        .route(
            "/v1/prices",
            get(catalog::list_prices).post(catalog::create_price),
        )
        .route(
            "/v1/prices/{id}",
            get(catalog::retrieve_price).post(catalog::update_price),
        )
        .route("/v1/coupons", post(catalog::create_coupon))
        .route("/v1/coupons/{id}", get(catalog::retrieve_coupon))
        .route("/v1/customers", post(payments::create_customer))
        .route("/v1/customers/{id}", get(payments::retrieve_customer))
        .route("/v1/charges/{id}", get(payments::retrieve_charge))
        .route("/v1/refunds", post(payments::create_refund))
        .route("/v1/refunds/{id}", get(payments::retrieve_refund))
        .route("/v1/checkout/sessions", post(checkout::create_session))
        .route(
            "/v1/checkout/sessions/{id}",
            get(checkout::retrieve_session),
        )
        .route(
            "/v1/subscriptions/{id}",
            get(billing::retrieve_subscription)
                .post(billing::update_subscription)
                .delete(billing::cancel_subscription),
        )
        .route("/v1/billing_portal/sessions", post(portal::create_session))
        .route("/v1/invoices", get(billing::list_invoices))
        .route("/v1/invoices/{id}", get(billing::retrieve_invoice))
        .route(
            "/v1/webhook_endpoints",
            get(endpoints::list_endpoints).post(endpoints::create_endpoint),
        )
        .route(
            "/v1/webhook_endpoints/{id}",
            get(endpoints::retrieve_endpoint)
                .post(endpoints::update_endpoint)
                .delete(endpoints::delete_endpoint),
        )
        .route("/v1/events/{id}", get(endpoints::retrieve_event))
}

fn page_routes() -> Router<StandIn> {
    Router::new()
        .route("/pay/{id}", get(page::show))
        .route("/pay/{id}/pay", post(page::pay))
        .route("/pay/{id}/decline", post(page::decline))
        .route("/portal/{id}", get(portal::show))
        .route("/invoices/{id}", get(documents::page))
        .route("/invoices/{id}/pdf", get(documents::pdf))
        .route(
            "/portal/{id}/subscriptions/{sub}/cancel",
            post(portal::cancel_at_period_end),
        )
        .route(
            "/portal/{id}/subscriptions/{sub}/cancel-now",
            post(portal::cancel_now),
        )
        .route(
            "/portal/{id}/subscriptions/{sub}/items/{item}",
            post(portal::update_quantity),
        )
}

fn control_routes() -> Router<StandIn> {
    Router::new()
        .route("/_standin/requests", get(control::requests))
        .route("/_standin/lose-answers", post(control::lose_answers))
        .route("/_standin/events", get(control::events))
        .route("/_standin/events/{id}/redeliver", post(control::redeliver))
        .route("/_standin/events/{id}/duplicate", post(control::duplicate))
        .route("/_standin/hold", post(control::hold))
        .route("/_standin/release", post(control::release))
        .route("/_standin/delay", post(control::delay))
        .route("/_standin/subscriptions/{id}/renew", post(control::renew))
        .route(
            "/_standin/subscriptions/{id}/fail-payment",
            post(control::fail_payment),
        )
        .route(
            "/_standin/charges/{id}/dispute",
            post(control::dispute_charge),
        )
        .route("/_standin/objects", post(control::seed_object))
        .route("/_standin/send", post(control::send_event))
}

/// Logs each call and requires a secret key on `/v1/...`, as Stripe does.
async fn gate(
    State(state): State<StandIn>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let line = format!("{} {}", request.method(), request.uri().path());
    let stripe = request.uri().path().starts_with("/v1/");
    if stripe {
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
    let post = stripe && request.method() == Method::POST;
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
