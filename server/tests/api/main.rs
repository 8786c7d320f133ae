//! HTTP tests: the real router on port 0 with a fresh database, on SQLite and PostgreSQL.

mod authz;
mod csrf;
mod forms;
mod helpers;
mod hostile;
mod metrics;
mod pages;
mod public;
mod rest;
mod sign_in;

/// Expands each test into a `sqlite` and a `postgres` variant.
#[macro_export]
macro_rules! both_engines {
    ($(async fn $name:ident($app:ident: &TestApp) $body:block)*) => {
        $(
            mod $name {
                use super::*;
                async fn run($app: &TestApp) $body

                #[tokio::test]
                async fn sqlite() {
                    run(&TestApp::spawn(Engine::Sqlite).await).await;
                }

                #[tokio::test]
                async fn postgres() {
                    run(&TestApp::spawn(Engine::Postgres).await).await;
                }
            }
        )*
    };
}
