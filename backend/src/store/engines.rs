//! The two engines: how a pool is opened and which migrations run. Everything else is the
//! same SQL, written once for any engine in the sibling modules.

use std::str::FromStr as _;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::audit::ChainKeySlot;
use super::{Engine, StoreError, StoreResult};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// The store: a connection pool and the audit chain key. Its features are implemented
/// once, generically, in the sibling modules; [`SqliteStore`] and [`PostgresStore`] are the
/// two engines it is instantiated for. Each of those impls spells out its `where` clause:
/// Rust does not carry a trait's `where` clauses to the trait's users, so the bounds cannot
/// be named once and reused.
#[derive(Debug, Clone)]
pub struct SqlStore<DB: sqlx::Database> {
    pub(super) pool: sqlx::Pool<DB>,
    /// The audit chain key, set when the backend is assembled.
    pub(super) chain_key: ChainKeySlot,
}

/// SQLite, a file under the data dir (WAL) or in memory.
pub type SqliteStore = SqlStore<sqlx::Sqlite>;

/// PostgreSQL, for many instances sharing one database.
pub type PostgresStore = SqlStore<sqlx::Postgres>;

impl SqliteStore {
    /// Opens (creating if missing) the SQLite database at `url`.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // With WAL, NORMAL never corrupts; a power cut may lose the last commits.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let path = options.get_filename();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // A SQLite connection is a file handle in this process: it cannot have been hung
            // up, and pinging it would cost a round trip to its worker thread per query.
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        Ok(Self {
            pool,
            chain_key: ChainKeySlot::default(),
        })
    }
}

impl PostgresStore {
    /// Connects to the PostgreSQL database at `url`.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        Ok(Self {
            pool,
            chain_key: ChainKeySlot::default(),
        })
    }
}

/// How many rows a statement changed, on either engine.
pub trait RowsAffected {
    /// The count.
    fn rows_affected(&self) -> u64;
}

impl RowsAffected for sqlx::sqlite::SqliteQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::sqlite::SqliteQueryResult::rows_affected(self)
    }
}

impl RowsAffected for sqlx::postgres::PgQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::postgres::PgQueryResult::rows_affected(self)
    }
}

#[async_trait]
impl Engine for SqliteStore {
    fn backend_name(&self) -> &'static str {
        "sqlite"
    }

    async fn migrate(&self) -> StoreResult<()> {
        SQLITE_MIGRATIONS.run(&self.pool).await?;
        Ok(())
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

#[async_trait]
impl Engine for PostgresStore {
    fn backend_name(&self) -> &'static str {
        "postgres"
    }

    async fn migrate(&self) -> StoreResult<()> {
        POSTGRES_MIGRATIONS.run(&self.pool).await?;
        Ok(())
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use tessera_license::vocab::{
        AnomalyKind, AuditAction, BillingInterval, CheckoutStatus, DeliveryStatus, KeyStatus,
        LicenseKind, LicenseStatus, OrgRole, PaymentStatus, Role, SupersedeReason, Tier,
    };

    const SQLITE: [&str; 8] = [
        include_str!("../../../migrations/sqlite/0001_foundation.sql"),
        include_str!("../../../migrations/sqlite/0003_trust.sql"),
        include_str!("../../../migrations/sqlite/0004_vocabulary.sql"),
        include_str!("../../../migrations/sqlite/0005_self_host.sql"),
        include_str!("../../../migrations/sqlite/0007_webhooks.sql"),
        include_str!("../../../migrations/sqlite/0008_catalog.sql"),
        include_str!("../../../migrations/sqlite/0009_commerce.sql"),
        include_str!("../../../migrations/sqlite/0010_customers.sql"),
    ];
    const POSTGRES: [&str; 8] = [
        include_str!("../../../migrations/postgres/0001_foundation.sql"),
        include_str!("../../../migrations/postgres/0003_trust.sql"),
        include_str!("../../../migrations/postgres/0004_vocabulary.sql"),
        include_str!("../../../migrations/postgres/0005_self_host.sql"),
        include_str!("../../../migrations/postgres/0007_webhooks.sql"),
        include_str!("../../../migrations/postgres/0008_catalog.sql"),
        include_str!("../../../migrations/postgres/0009_commerce.sql"),
        include_str!("../../../migrations/postgres/0010_customers.sql"),
    ];

    /// The words of every `<column> IN (...)` or `<column> NOT IN (...)` in `sql`, sorted.
    fn checked_lists(sql: &str, column: &str) -> Vec<Vec<String>> {
        let mut lists = Vec::new();
        for needle in [format!("{column} IN ("), format!("{column} NOT IN (")] {
            for (at, _) in sql.match_indices(&needle) {
                let rest = &sql[at + needle.len()..];
                let list = &rest[..rest.find(')').unwrap_or(rest.len())];
                let mut words: Vec<String> = list
                    .split(',')
                    .map(|w| w.trim().trim_matches('\'').to_string())
                    .collect();
                words.sort();
                lists.push(words);
            }
        }
        lists
    }

    fn sorted(words: impl Iterator<Item = &'static str>) -> Vec<String> {
        let mut words: Vec<String> = words.map(str::to_string).collect();
        words.sort();
        words
    }

    #[test]
    fn both_engines_check_exactly_the_vocabulary() {
        let checks = [
            ("status", sorted(LicenseStatus::spellings())),
            ("tier", sorted(Tier::spellings())),
            ("kind", sorted(LicenseKind::spellings())),
            ("kind", sorted(AnomalyKind::spellings())),
            ("action", sorted(AuditAction::spellings())),
            ("status", sorted(KeyStatus::spellings())),
            ("role", sorted(Role::spellings())),
            ("reason", sorted(SupersedeReason::spellings())),
            ("status", sorted(DeliveryStatus::spellings())),
            ("billing_interval", sorted(BillingInterval::spellings())),
            ("status", sorted(CheckoutStatus::spellings())),
            ("status", sorted(PaymentStatus::spellings())),
            ("role", sorted(OrgRole::spellings())),
        ];
        for (engine, files) in [("sqlite", SQLITE), ("postgres", POSTGRES)] {
            let sql = files.concat();
            for (column, want) in &checks {
                let found = checked_lists(&sql, column);
                assert!(
                    found.contains(want),
                    "{engine}: no check of {column} against {want:?}; found {found:?}"
                );
            }
        }
    }
}
