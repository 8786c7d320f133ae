//! The storage and use-case suite, run against SQLite and PostgreSQL, each test on a fresh
//! database.

mod api_tokens;
mod audit;
mod heartbeats;
mod keys;
mod licenses;
mod lifecycle;
mod listing;
mod smtp;
mod users;

/// Expands each test into a `sqlite` and a `postgres` variant.
#[macro_export]
macro_rules! both_engines {
    ($(async fn $name:ident($db:ident: &TestDb) $body:block)*) => {
        $(
            mod $name {
                use super::*;
                async fn run($db: &TestDb) $body

                #[tokio::test]
                async fn sqlite() {
                    run(&TestDb::new(Engine::Sqlite).await).await;
                }

                #[tokio::test]
                async fn postgres() {
                    run(&TestDb::new(Engine::Postgres).await).await;
                }
            }
        )*
    };
}
