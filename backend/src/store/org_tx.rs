//! The org writes a larger change runs inside its own transaction: a customer made on first
//! mention, an org made with its owner (by staff, a trial or a checkout), and the rule that
//! an org keeps an owner.

use tessera_license::vocab::OrgRole;

use super::org_rows::{NewOrg, OrgRow};
use super::orgs::{customer_id, ORG_COLUMNS};
use super::{conflict_or, SqlStore, StoreError, StoreResult};

impl<DB> SqlStore<DB>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB> + Default,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> OrgRole: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String,): sqlx::FromRow<'r, DB::Row>,
    for<'r> OrgRow: sqlx::FromRow<'r, DB::Row>,
{
    pub(super) async fn org_where(&self, column: &str, value: &str) -> StoreResult<Option<OrgRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {ORG_COLUMNS} FROM orgs WHERE {column} = $1"
        ))
        .bind(value)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The id of the customer with `email`, made when there is none.
    pub(super) async fn customer_in(
        tx: &mut sqlx::Transaction<'_, DB>,
        email: &str,
        at: i64,
    ) -> StoreResult<String> {
        sqlx::query(
            "INSERT INTO customers (id, email, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (email) DO NOTHING",
        )
        .bind(customer_id())
        .bind(email)
        .bind(at)
        .execute(&mut **tx)
        .await?;
        let (id,): (String,) = sqlx::query_as("SELECT id FROM customers WHERE email = $1")
            .bind(email)
            .fetch_one(&mut **tx)
            .await?;
        Ok(id)
    }

    /// Inserts an org and makes its owner a member, inside `tx`.
    pub(super) async fn insert_org_in(
        tx: &mut sqlx::Transaction<'_, DB>,
        new: &NewOrg,
    ) -> StoreResult<()> {
        let o = &new.org;
        sqlx::query(&format!(
            "INSERT INTO orgs ({ORG_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(&o.id)
        .bind(&o.slug)
        .bind(&o.name)
        .bind(&o.billing_email)
        .bind(&o.stripe_customer_id)
        .bind(&o.created_by)
        .bind(o.created_at)
        .execute(&mut **tx)
        .await
        .map_err(|e| conflict_or(e, &format!("an org named {}", o.slug)))?;
        let owner = Self::customer_in(tx, &new.owner_email, o.created_at).await?;
        sqlx::query(
            "INSERT INTO org_members (org_id, customer_id, role, added_by, added_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&o.id)
        .bind(&owner)
        .bind(OrgRole::Owner)
        .bind(&o.created_by)
        .bind(o.created_at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Refuses a change that leaves an org without an owner.
    pub(super) async fn keep_an_owner(
        tx: &mut sqlx::Transaction<'_, DB>,
        org_id: &str,
    ) -> StoreResult<()> {
        let (owners,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM org_members WHERE org_id = $1 AND role = 'owner'")
                .bind(org_id)
                .fetch_one(&mut **tx)
                .await?;
        if owners == 0 {
            return Err(StoreError::Conflict(
                "an org keeps at least one owner: make someone else owner first".into(),
            ));
        }
        Ok(())
    }
}
