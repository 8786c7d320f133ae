//! Test support: a fresh, empty database per test on SQLite or PostgreSQL, removed afterwards.

mod smtp;
pub use smtp::{unfold, SmtpServer};

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

/// A vendor for self-host tests: a signing key whose JWKS a self-hosted install pins, and
/// tokens signed with it (or with a stranger's key under the same kid).
#[derive(Debug)]
pub struct TestVendor {
    pub key: tessera_license::SigningKeyPair,
    /// The JWKS file a self-hosted install reads (`vendor_jwks`).
    pub jwks_path: PathBuf,
    _dir: tempfile::TempDir,
}

impl TestVendor {
    /// A fresh key pair and its JWKS file.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = tessera_license::SigningKeyPair::generate(None);
        let jwks = tessera_license::Jwks::from_keys([&key.public()]);
        let jwks_path = dir.path().join("vendor-jwks.json");
        std::fs::write(&jwks_path, serde_json::to_string(&jwks).expect("jwks")).expect("write");
        Self {
            key,
            jwks_path,
            _dir: dir,
        }
    }

    /// A self-host configuration over `db` pinning this vendor's keys, for product
    /// `tessera`, serving the default `http://127.0.0.1:3000` (loopback: `localhost`).
    pub fn self_host_config(&self, db: &TestDb) -> Config {
        Config {
            mode: crate::config::Mode::SelfHost,
            vendor_jwks: Some(self.jwks_path.clone()),
            product: Some("tessera".into()),
            fingerprint: Some("fp-test-deployment".into()),
            ..db.config()
        }
    }

    /// A pro subscription for product `tessera` on `localhost`, valid for 30 more days,
    /// with `booking` seats: 2 `booking.editor`, a pool of 3.
    pub fn claims(&self) -> tessera_license::Claims {
        use std::collections::BTreeMap;
        use tessera_license::{
            Customer, Domain, Email, LicenseGrant, LicenseId, LicenseKind, ProductKey, SeatGrant,
            Tier,
        };
        let now = crate::now();
        tessera_license::Claims {
            iss: "https://vendor.test".into(),
            sub: LicenseId::generate(u64::try_from(now).unwrap_or(0) * 1000),
            aud: ProductKey::parse("tessera").expect("product"),
            iat: now - 60,
            nbf: now - 60,
            exp: Some(now + 30 * 86_400),
            jti: format!("jti-{}", rand::random::<u64>()),
            lic: LicenseGrant {
                tier: Tier::Pro,
                kind: LicenseKind::Subscription,
                plan: None,
                features: vec!["sso".into()],
                caps: BTreeMap::from([("rooms".into(), 10)]),
                plugins: vec!["booking".into()],
                themes: Vec::new(),
                niches: Vec::new(),
                seats: BTreeMap::from([(
                    "booking".to_string(),
                    SeatGrant {
                        roles: BTreeMap::from([("booking.editor".to_string(), 2)]),
                        pool: Some(3),
                    },
                )]),
                domains: vec![Domain::parse("localhost").expect("domain")],
                node_lock: None,
                support_until: None,
                trial: false,
                customer: Customer {
                    email: Email::parse("ops@customer.test").expect("email"),
                    company: "Customer Ltd".into(),
                    tax_id: None,
                },
            },
        }
    }

    /// `claims` signed with the vendor's key.
    pub fn sign(&self, claims: &tessera_license::Claims) -> String {
        tessera_license::sign(claims, &self.key)
    }
}

impl Default for TestVendor {
    fn default() -> Self {
        Self::new()
    }
}
