//! The HTTP server: axum routes for the public endpoints, sign-in, the Leptos app and its
//! server functions, with the session layer in front of them.

pub mod api;
mod auth;
mod client_ip;
mod error;
mod forms;
mod key_forms;
mod public;

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
use tower_http::trace::TraceLayer;

pub use auth::SESSION_COOKIE;
pub use client_ip::ClientIp;
pub use error::{ApiError, JsonBody, Params};

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub backend: Backend,
    pub leptos: LeptosOptions,
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

/// The whole application.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let backend = state.backend.clone();
    let options = state.leptos.clone();
    Router::new()
        .route("/healthz", get(public::healthz))
        .route("/.well-known/jwks.json", get(public::jwks))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .merge(api::router())
        .route("/licenses/new", post(forms::issue))
        .route("/licenses/{id}/{action}", post(forms::act))
        .route("/keys/{action}", post(key_forms::act))
        .route("/keys/{kid}/{action}", post(key_forms::act))
        .route("/api/{*fn_name}", get(server_fns).post(server_fns))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(backend.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::session_layer,
        ))
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

/// Serves the application on `listener` until the process is stopped.
pub async fn serve(backend: Backend, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let leptos = leptos_options(backend.config(), addr);
    let app = router(AppState {
        backend: backend.clone(),
        leptos,
    });
    tracing::info!(%addr, "serving");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    Ok(())
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
