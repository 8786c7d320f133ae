//! Test support: a fresh, empty database per test on SQLite or PostgreSQL, removed afterwards.

use std::path::PathBuf;
use std::sync::Arc;

use rand::RngCore as _;

use crate::crypto::Kek;
use crate::store::{self, Store};
use crate::{Backend, Config};

/// Which engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("TESSERA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh database (and data dir) that is dropped when the value is dropped.
#[derive(Debug)]
pub struct TestDb {
    pub url: String,
    pub data_dir: PathBuf,
    engine: Engine,
    pg_name: Option<String>,
    _dir: tempfile::TempDir,
}

impl TestDb {
    /// Creates an empty database on `engine`.
    pub async fn new(engine: Engine) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut suffix = [0u8; 6];
        rand::rngs::OsRng.fill_bytes(&mut suffix);
        let (url, pg_name) = match engine {
            Engine::Sqlite => (
                format!("sqlite://{}/tessera.db", dir.path().display()),
                None,
            ),
            Engine::Postgres => {
                let name = format!("tessera_test_{}", hex::encode(suffix));
                let admin = postgres_admin_url();
                let pool = sqlx::PgPool::connect(&admin)
                    .await
                    .expect("connect to PostgreSQL for tests");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&pool)
                    .await
                    .expect("create test db");
                pool.close().await;
                let base = admin
                    .rsplit_once('/')
                    .map_or(admin.as_str(), |(b, _)| b)
                    .to_string();
                (format!("{base}/{name}"), Some(name))
            }
        };
        Self {
            url,
            data_dir: dir.path().join("data"),
            engine,
            pg_name,
            _dir: dir,
        }
    }

    /// A configuration pointing at this database and data dir.
    pub fn config(&self) -> Config {
        Config {
            database_url: self.url.clone(),
            data_dir: self.data_dir.clone(),
            ..Config::default()
        }
    }

    /// The migrated store.
    pub async fn store(&self) -> Arc<dyn Store> {
        let store = store::connect(&self.url).await.expect("open test store");
        store.migrate().await.expect("migrate test store");
        store
    }

    /// A backend over the migrated store with a random KEK.
    pub async fn backend(&self) -> Backend {
        self.backend_with(self.config()).await
    }

    /// A backend over the migrated store with a random KEK and the given configuration.
    pub async fn backend_with(&self, config: Config) -> Backend {
        Backend::from_parts(config, self.store().await, Kek::generate()).expect("test backend")
    }

    /// Runs statements directly, the way someone with only database access would.
    pub async fn sql(&self, statements: &[&str]) {
        for statement in statements {
            if let Err(err) = self.try_sql(statement).await {
                panic!("{statement}: {err}");
            }
        }
    }

    /// Runs one statement on the database directly; answers the database's refusal, if any.
    pub async fn try_sql(&self, statement: &str) -> Result<(), sqlx::Error> {
        match self.engine {
            Engine::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&self.url).await?;
                let done = sqlx::query(statement).execute(&pool).await;
                pool.close().await;
                done.map(drop)
            }
            Engine::Postgres => {
                let pool = sqlx::PgPool::connect(&self.url).await?;
                let done = sqlx::query(statement).execute(&pool).await;
                pool.close().await;
                done.map(drop)
            }
        }
    }

    /// The engine of this database.
    pub fn engine(&self) -> Engine {
        self.engine
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        let admin = postgres_admin_url();
        // Drop runs inside the test's runtime; use a thread with its own to reach the server.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let pool = sqlx::PgPool::connect(&admin).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&pool)
                    .await
                    .ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("warning: could not drop a test database");
        }
    }
}

/// What a test suite runs on, built fresh for each test on one engine: a bare database
/// ([`TestDb`]), the whole server over one, or the binary pointed at one.
pub trait Fixture: Sized {
    /// A fresh fixture on `engine`.
    fn start(engine: Engine) -> impl std::future::Future<Output = Self>;
}

impl Fixture for TestDb {
    fn start(engine: Engine) -> impl std::future::Future<Output = Self> {
        TestDb::new(engine)
    }
}

/// Expands each `async fn name(x: &F) { ... }` into a module `name` with a `sqlite` and a
/// `postgres` test, each on a fresh [`Fixture`] `F`. Every suite of the workspace (storage,
/// HTTP, CLI) uses this one macro. The runtime is multi-threaded, like `tessera serve`.
#[macro_export]
macro_rules! both_engines {
    ($(async fn $name:ident($arg:ident: &$fixture:ty) $body:block)*) => {
        $(
            mod $name {
                use super::*;
                async fn run($arg: &$fixture) $body

                #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let engine = $crate::testing::Engine::Sqlite;
                    run(&<$fixture as $crate::testing::Fixture>::start(engine).await).await;
                }

                #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let engine = $crate::testing::Engine::Postgres;
                    run(&<$fixture as $crate::testing::Fixture>::start(engine).await).await;
                }
            }
        )*
    };
}
