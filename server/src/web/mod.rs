//! The HTTP server: axum routes for the public endpoints, sign-in, the Leptos app and its
//! server functions, with the session layer in front of them.

mod account_forms;
mod airgap_forms;
pub mod api;
mod auth;
mod billing_forms;
mod catalog_forms;
mod client_ip;
mod customer_auth;
mod error;
mod forms;
mod key_forms;
mod license_forms;
mod marketplace_forms;
mod metrics;
pub mod mode_gate;
mod origin;
mod payments_csv;
mod public;
mod server_fn_edges;
mod webhook_forms;

use std::future::IntoFuture as _;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{FromRef, MatchedPath, State};
use axum::http::Request;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};
use tessera_app::{shell, App};
use tessera_backend::{Backend, Config};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use auth::SESSION_COOKIE;
pub use client_ip::ClientIp;
pub use error::{ApiError, JsonBody, Params};

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub backend: Backend,
    pub leptos: LeptosOptions,
    /// Request counts and latencies for `/metrics`.
    pub metrics: std::sync::Arc<metrics::HttpMetrics>,
}

impl AppState {
    /// The state for a backend and Leptos' options.
    pub fn new(backend: Backend, leptos: LeptosOptions) -> Self {
        Self {
            backend,
            leptos,
            metrics: std::sync::Arc::default(),
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// Leptos' settings, from Tessera's configuration rather than from Cargo.toml, so the binary
/// runs anywhere the compiled site is.
pub fn leptos_options(config: &Config, addr: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("tessera")
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build()
}

async fn server_fns(State(state): State<AppState>, request: Request<Body>) -> impl IntoResponse {
    let backend = state.backend.clone();
    handle_server_fns_with_context(move || provide_context(backend.clone()), request).await
}

/// The answer to a panic in a handler.
type PanicAnswer = fn(Box<dyn std::any::Any + Send>) -> axum::response::Response;

/// A backstop: no input may drop a connection. A panic in a handler is answered with a plain
/// 500 (the panic hook has logged it once, where it happened).
pub fn backstop() -> CatchPanicLayer<PanicAnswer> {
    CatchPanicLayer::custom(|_| {
        (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
        )
            .into_response()
    })
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let backend = state.backend.clone();
    let options = state.leptos.clone();
    Router::new()
        .route("/healthz", get(public::healthz))
        .route("/metrics", get(metrics::endpoint))
        .route("/.well-known/jwks.json", get(public::jwks))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/signin-link", post(customer_auth::request_link))
        .route("/auth/signin", post(customer_auth::redeem))
        .route("/billing", post(billing_forms::act))
        .route("/orgs", post(billing_forms::orgs))
        .merge(api::router())
        .route("/licenses/new", post(forms::issue))
        .route("/licenses/{id}", post(airgap_forms::answer))
        .route("/licenses/{id}/{action}", post(forms::act))
        .route("/keys/{action}", post(key_forms::act))
        // A page's forms post to the page itself (`action` says which), so a refusal rendered
        // in reply hydrates at the URL it was rendered for.
        .route("/license", post(license_forms::act))
        .route("/license/request", get(airgap_forms::request))
        .route("/marketplace/{plugin}", post(marketplace_forms::act))
        .route("/webhooks", post(webhook_forms::act))
        .route("/products", post(catalog_forms::act))
        .route("/payments.csv", get(payments_csv::export))
        .route("/account/password", post(account_forms::change_password))
        .route(
            "/account/sign-out-everywhere",
            post(account_forms::sign_out_everywhere),
        )
        .route("/users/{action}", post(account_forms::users))
        .route("/users/{id}/{action}", post(account_forms::users))
        .route("/keys/{kid}/{action}", post(key_forms::act))
        .route("/api/{*fn_name}", get(server_fns).post(server_fns))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(backend.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn(server_fn_edges::layer))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            mode_gate::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::session_layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::record,
        ))
        .layer(backstop())
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("unmatched", |p| p.as_str());
                tracing::info_span!("request", http.method = %request.method(), http.route = route)
            }),
        )
        .with_state(state)
}

/// Serves the application on `listener` until `stop` resolves, then stops accepting, lets
/// in-flight requests finish for at most `drain`, and returns. Heartbeats answered by then are
/// queued in the backend's writer: the caller flushes it.
pub async fn serve(
    backend: Backend,
    listener: tokio::net::TcpListener,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
    drain: std::time::Duration,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let leptos = leptos_options(backend.config(), addr);
    let app = router(AppState::new(backend, leptos));
    tracing::info!(%addr, "serving");
    let (stopping, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let _ = stopped.await;
    });
    let mut server = tokio::spawn(server.into_future());
    tokio::select! {
        finished = &mut server => return finished?.map_err(Into::into),
        () = stop => {}
    }
    let _ = stopping.send(());
    match tokio::time::timeout(drain, &mut server).await {
        Ok(finished) => finished??,
        Err(_) => {
            tracing::warn!(
                drain_secs = drain.as_secs(),
                "requests still running after the drain period; closing them"
            );
            server.abort();
        }
    }
    Ok(())
}
