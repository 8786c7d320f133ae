//! HTTP tests: the real router on port 0 with a fresh database, on SQLite and PostgreSQL.

mod accounts;
mod authz;
mod csrf;
mod forms;
mod helpers;
mod hostile;
mod json_shapes;
mod metrics;
mod pages;
mod public;
mod rest;
mod sign_in;
#[path = "../support/snapshot.rs"]
mod snapshot;
mod three_doors;

/// Expands each test into a `sqlite` and a `postgres` variant.
#[macro_export]
macro_rules! both_engines {
    ($(async fn $name:ident($app:ident: &TestApp) $body:block)*) => {
        $(
            mod $name {
                use super::*;
                async fn run($app: &TestApp) $body

                // Like `tessera serve`: a multi-threaded runtime. (Leptos renders pages through
                // a process-wide executor; single-threaded runtimes side by side in one test
                // process stalled a render now and then.)
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    run(&TestApp::spawn(Engine::Sqlite).await).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    run(&TestApp::spawn(Engine::Postgres).await).await;
                }
            }
        )*
    };
}
