//! Plugin roles and who holds them, on a self-hosted install. A grant is decided inside its
//! transaction, after the plugin's rows are locked, so parallel grants cannot overshoot.

use async_trait::async_trait;
use tessera_license::seats::{Holding, PluginRoles, RoleDef, SeatError};

use super::chain::ChainHead;
use super::{AuditAction, AuditEvent, RowsAffected, SqlStore, StoreError, StoreResult};

/// A plugin role as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RoleRecord {
    pub plugin: String,
    pub role: String,
    /// 1 when holding it takes a seat.
    pub billable: i64,
}

/// A role held by a user.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GrantRow {
    pub plugin: String,
    pub role: String,
    pub user_id: String,
    pub granted_at: i64,
    pub granted_by: String,
}

/// The turnstile a grant must pass, given the plugin's roles and its current holdings.
pub type SeatCheck<'a> = &'a (dyn Fn(&PluginRoles, &[Holding]) -> Result<(), SeatError> + Sync);

/// Plugin roles and grants.
#[async_trait]
pub trait SeatStore {
    /// Every registered plugin with its roles, by name.
    async fn plugins(&self) -> StoreResult<Vec<PluginRoles>>;
    /// Declares a plugin's roles, replacing its earlier declaration. A role that someone
    /// holds cannot be dropped: that is a conflict naming it.
    async fn put_plugin_roles(
        &self,
        plugin: &PluginRoles,
        at: i64,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Every grant of a plugin (or of all plugins), by user then role.
    async fn grants(&self, plugin: Option<&str>) -> StoreResult<Vec<GrantRow>>;
    /// Grants a role if `check` allows it with the holdings as they are inside the
    /// transaction. `Ok(Ok(true))`: granted now; `Ok(Ok(false))`: already held.
    async fn grant_role(
        &self,
        grant: &GrantRow,
        check: SeatCheck<'_>,
        audit: &AuditEvent,
    ) -> StoreResult<Result<bool, SeatError>>;
    /// Takes a role from a user; `false` when they did not hold it.
    async fn revoke_role(
        &self,
        plugin: &str,
        role: &str,
        user_id: &str,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
}

fn group(records: Vec<RoleRecord>) -> Vec<PluginRoles> {
    let mut plugins: Vec<PluginRoles> = Vec::new();
    for record in records {
        let def = RoleDef {
            name: record.role,
            billable: record.billable != 0,
        };
        match plugins.last_mut() {
            Some(last) if last.plugin == record.plugin => last.roles.push(def),
            _ => plugins.push(PluginRoles {
                plugin: record.plugin,
                roles: vec![def],
            }),
        }
    }
    plugins
}

const GRANT_COLUMNS: &str = "plugin, role, user_id, granted_at, granted_by";

#[async_trait]
impl<DB> SeatStore for SqlStore<DB>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB> + Default,
    str: sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    DB::QueryResult: RowsAffected,
    for<'q> AuditAction: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> ChainHead: sqlx::FromRow<'r, DB::Row>,
    for<'r> RoleRecord: sqlx::FromRow<'r, DB::Row>,
    for<'r> GrantRow: sqlx::FromRow<'r, DB::Row>,
{
    async fn plugins(&self) -> StoreResult<Vec<PluginRoles>> {
        let records: Vec<RoleRecord> =
            sqlx::query_as("SELECT plugin, role, billable FROM plugin_roles ORDER BY plugin, role")
                .fetch_all(&self.pool)
                .await?;
        Ok(group(records))
    }

    async fn put_plugin_roles(
        &self,
        plugin: &PluginRoles,
        at: i64,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        // The plugin's rows first (the order every grant takes), then the audit head.
        sqlx::query("UPDATE plugin_roles SET registered_at = registered_at WHERE plugin = $1")
            .bind(&plugin.plugin)
            .execute(&mut *tx)
            .await?;
        let held: Vec<GrantRow> = sqlx::query_as(&format!(
            "SELECT {GRANT_COLUMNS} FROM role_grants WHERE plugin = $1"
        ))
        .bind(&plugin.plugin)
        .fetch_all(&mut *tx)
        .await?;
        let mut dropped: Vec<String> = held
            .into_iter()
            .map(|grant| grant.role)
            .filter(|role| !plugin.roles.iter().any(|r| &r.name == role))
            .collect();
        dropped.sort();
        dropped.dedup();
        if !dropped.is_empty() {
            return Err(StoreError::Conflict(format!(
                "plugin {:?} cannot drop role(s) {} while users hold them; revoke them first",
                plugin.plugin,
                dropped.join(", ")
            )));
        }
        let names: Vec<&str> = plugin.roles.iter().map(|r| r.name.as_str()).collect();
        let keep = super::placeholders(2, names.len());
        let delete_sql =
            format!("DELETE FROM plugin_roles WHERE plugin = $1 AND role NOT IN ({keep})");
        let mut delete = sqlx::query(&delete_sql).bind(&plugin.plugin);
        for name in &names {
            delete = delete.bind(*name);
        }
        delete.execute(&mut *tx).await?;
        for role in &plugin.roles {
            sqlx::query(
                "INSERT INTO plugin_roles (plugin, role, billable, registered_at) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (plugin, role) DO UPDATE SET billable = $3",
            )
            .bind(&plugin.plugin)
            .bind(&role.name)
            .bind(i64::from(role.billable))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn grants(&self, plugin: Option<&str>) -> StoreResult<Vec<GrantRow>> {
        let sql = format!(
            "SELECT {GRANT_COLUMNS} FROM role_grants WHERE ($1 IS NULL OR plugin = $1) \
             ORDER BY plugin, user_id, role"
        );
        Ok(sqlx::query_as(&sql)
            .bind(plugin.map(str::to_string))
            .fetch_all(&self.pool)
            .await?)
    }

    async fn grant_role(
        &self,
        grant: &GrantRow,
        check: SeatCheck<'_>,
        audit: &AuditEvent,
    ) -> StoreResult<Result<bool, SeatError>> {
        let mut tx = self.pool.begin().await?;
        // Locks the plugin: a parallel grant waits here until this one commits, then sees it.
        sqlx::query("UPDATE plugin_roles SET registered_at = registered_at WHERE plugin = $1")
            .bind(&grant.plugin)
            .execute(&mut *tx)
            .await?;
        let records: Vec<RoleRecord> = sqlx::query_as(
            "SELECT plugin, role, billable FROM plugin_roles WHERE plugin = $1 ORDER BY role",
        )
        .bind(&grant.plugin)
        .fetch_all(&mut *tx)
        .await?;
        let plugin = group(records).pop().unwrap_or_else(|| PluginRoles {
            plugin: grant.plugin.clone(),
            roles: Vec::new(),
        });
        let holdings: Vec<GrantRow> = sqlx::query_as(&format!(
            "SELECT {GRANT_COLUMNS} FROM role_grants WHERE plugin = $1"
        ))
        .bind(&grant.plugin)
        .fetch_all(&mut *tx)
        .await?;
        let holdings: Vec<Holding> = holdings
            .into_iter()
            .map(|g| Holding {
                user: g.user_id,
                role: g.role,
            })
            .collect();
        if let Err(refused) = check(&plugin, &holdings) {
            return Ok(Err(refused));
        }
        let inserted = sqlx::query(&format!(
            "INSERT INTO role_grants ({GRANT_COLUMNS}) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (plugin, role, user_id) DO NOTHING"
        ))
        .bind(&grant.plugin)
        .bind(&grant.role)
        .bind(&grant.user_id)
        .bind(grant.granted_at)
        .bind(&grant.granted_by)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(Ok(false));
        }
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Ok(true))
    }

    async fn revoke_role(
        &self,
        plugin: &str,
        role: &str,
        user_id: &str,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let deleted =
            sqlx::query("DELETE FROM role_grants WHERE plugin = $1 AND role = $2 AND user_id = $3")
                .bind(plugin)
                .bind(role)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if deleted == 0 {
            return Ok(false);
        }
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }
}
