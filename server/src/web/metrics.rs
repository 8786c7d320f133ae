//! `GET /metrics` in the Prometheus text format: requests and latency by matched route,
//! the heartbeat writer's batches and lag, sign-in failures and refusals, rate-limit refusals.
//!
//! Reachable from loopback (a direct connection with no `X-Forwarded-For`, so a reverse proxy
//! on the same host does not expose it) or with `Authorization: Bearer <TESSERA_METRICS_TOKEN>`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret as _;

use super::AppState;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 11] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Default, Clone)]
struct RouteStats {
    count: u64,
    seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Request counts and latencies by (method, matched route, status).
#[derive(Debug, Default)]
pub struct HttpMetrics(Mutex<BTreeMap<(String, String, u16), RouteStats>>);

impl HttpMetrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut all = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let stats = all
            .entry((method.to_string(), route.to_string(), status))
            .or_default();
        stats.count += 1;
        stats.seconds += seconds;
        for (bound, n) in BUCKETS.iter().zip(stats.buckets.iter_mut()) {
            if seconds <= *bound {
                *n += 1;
            }
        }
    }

    fn render(&self, out: &mut String) {
        let all = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        out.push_str("# HELP tessera_http_requests_total HTTP requests answered, by matched route.\n# TYPE tessera_http_requests_total counter\n");
        for ((method, route, status), s) in &all {
            let _ = writeln!(out, "tessera_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}", s.count);
        }
        out.push_str("# HELP tessera_http_request_duration_seconds Time to answer, by matched route.\n# TYPE tessera_http_request_duration_seconds histogram\n");
        for ((method, route, status), s) in &all {
            let labels = format!("method=\"{method}\",route=\"{route}\",status=\"{status}\"");
            for (bound, n) in BUCKETS.iter().zip(s.buckets) {
                let _ = writeln!(
                    out,
                    "tessera_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "tessera_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "tessera_http_request_duration_seconds_sum{{{labels}}} {}",
                s.seconds
            );
            let _ = writeln!(
                out,
                "tessera_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
    }
}

/// Middleware: times every request under its matched route (never the raw URL).
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

fn allowed(state: &AppState, peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
    if let Some(expected) = &state.backend.config().metrics_token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if let Some(presented) = presented {
            let expected = expected.expose_secret().as_bytes();
            let same = presented.len() == expected.len()
                && presented
                    .bytes()
                    .zip(expected)
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0;
            return same;
        }
    }
    let direct = !headers.contains_key("x-forwarded-for");
    direct && peer.is_some_and(|p| p.ip().is_loopback())
}

fn counter(out: &mut String, name: &str, help: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
    );
}

fn gauge(out: &mut String, name: &str, help: &str, value: f64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}

/// `GET /metrics`.
pub async fn endpoint(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
) -> Response {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    if !allowed(&state, peer, &parts.headers) {
        return (
            StatusCode::FORBIDDEN,
            "forbidden: /metrics answers loopback or its bearer token",
        )
            .into_response();
    }
    let backend = &state.backend;
    let mut out = String::new();
    state.metrics.render(&mut out);
    let beats = backend.heartbeat_metrics();
    counter(
        &mut out,
        "tessera_heartbeat_batches_total",
        "Heartbeat write transactions committed.",
        beats.batches,
    );
    counter(
        &mut out,
        "tessera_heartbeats_recorded_total",
        "Heartbeats written.",
        beats.recorded,
    );
    counter(
        &mut out,
        "tessera_heartbeats_failed_total",
        "Heartbeats that could not be written.",
        beats.failed,
    );
    gauge(
        &mut out,
        "tessera_heartbeat_writer_queued",
        "Heartbeats waiting to be written.",
        beats.queued as f64,
    );
    gauge(
        &mut out,
        "tessera_heartbeat_writer_lag_seconds",
        "Queue-to-commit time of the oldest heartbeat of the last batch.",
        beats.last_lag_micros as f64 / 1e6,
    );
    let sign_in = backend.sign_in_counters();
    counter(
        &mut out,
        "tessera_sign_in_failures_total",
        "Sign-ins with a wrong e-mail or password.",
        sign_in.failed.load(Relaxed),
    );
    counter(
        &mut out,
        "tessera_sign_in_refused_total",
        "Sign-ins refused before any password check (back-off or a full queue).",
        sign_in.refused.load(Relaxed),
    );
    counter(
        &mut out,
        "tessera_sign_in_successes_total",
        "Sign-ins that opened a session.",
        sign_in.succeeded.load(Relaxed),
    );
    counter(
        &mut out,
        "tessera_rate_limited_total",
        "Heartbeats refused by the per-license and per-IP limits.",
        backend.rate_limit_refusals(),
    );
    if let Ok(backlog) = backend.outbox_backlog().await {
        gauge(
            &mut out,
            "tessera_outbox_backlog",
            "Events recorded and not yet published.",
            backlog.count as f64,
        );
        let age = backlog
            .oldest
            .map_or(0, |at| (tessera_backend::now() - at).max(0));
        gauge(
            &mut out,
            "tessera_outbox_oldest_age_seconds",
            "Age of the oldest unpublished event (0 when none waits).",
            age as f64,
        );
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
