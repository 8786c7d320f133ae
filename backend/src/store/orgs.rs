//! Customer orgs, the people in them, their sign-in links and sessions. Links and sessions
//! are kept as SHA-256 digests only; every change to an org writes its audit row in the same
//! transaction.

use async_trait::async_trait;
use tessera_license::vocab::OrgRole;

use super::chain::ChainHead;
use super::org_rows::{
    CustomerRow, LinkRefusal, MemberRow, MembershipRow, NewOrg, OrgRow, OrgSummaryRow,
    SignInLinkRow,
};
use super::{
    conflict_or, AuditAction, AuditEvent, RowsAffected, SqlStore, StoreError, StoreResult,
};

/// Orgs, customers, sign-in links and customer sessions.
#[async_trait]
pub trait OrgStore {
    /// Creates an org and its owner (their customer account too, when new).
    async fn insert_org(&self, new: &NewOrg, audit: &AuditEvent) -> StoreResult<()>;
    async fn org(&self, id: &str) -> StoreResult<Option<OrgRow>>;
    async fn org_by_slug(&self, slug: &str) -> StoreResult<Option<OrgRow>>;
    async fn org_by_stripe_customer(&self, customer: &str) -> StoreResult<Option<OrgRow>>;
    /// Every org with its member and license counts, by name.
    async fn list_orgs(&self) -> StoreResult<Vec<OrgSummaryRow>>;
    /// The people in an org, owners first.
    async fn org_members(&self, org_id: &str) -> StoreResult<Vec<MemberRow>>;
    /// Adds `email` to an org with `role` (or gives a member that role); makes their account
    /// when they have none.
    async fn put_member(
        &self,
        org_id: &str,
        email: &str,
        role: OrgRole,
        audit: &AuditEvent,
    ) -> StoreResult<MemberRow>;
    /// Removes someone from an org; refused when they are its last owner.
    async fn remove_member(
        &self,
        org_id: &str,
        customer_id: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn customer_by_email(&self, email: &str) -> StoreResult<Option<CustomerRow>>;
    /// The orgs a customer is in, by name.
    async fn memberships(&self, customer_id: &str) -> StoreResult<Vec<MembershipRow>>;
    /// Links a customer asked for since `since` (to bound how many are mailed).
    async fn count_sign_in_links(&self, customer_id: &str, since: i64) -> StoreResult<i64>;
    async fn insert_sign_in_link(&self, link: &SignInLinkRow) -> StoreResult<()>;
    /// Uses a link once, in the browser that asked for it, and opens a session; or says why
    /// not (a refused link stays usable in its own browser).
    async fn redeem_sign_in_link(
        &self,
        token_sha256: &str,
        browser_sha256: &str,
        session: (&str, i64, i64),
        now: i64,
    ) -> StoreResult<Result<CustomerRow, LinkRefusal>>;
    /// The customer behind an open session.
    async fn customer_session(&self, digest: &str, now: i64) -> StoreResult<Option<CustomerRow>>;
    async fn delete_customer_session(&self, digest: &str) -> StoreResult<()>;
}

pub(super) const ORG_COLUMNS: &str =
    "id, slug, name, billing_email, stripe_customer_id, created_by, created_at";
const CUSTOMER_COLUMNS: &str = "id, email, created_at, last_sign_in_at";
const MEMBER_SELECT: &str = "SELECT m.org_id, m.customer_id, c.email, m.role, m.added_by, \
    m.added_at FROM org_members m JOIN customers c ON c.id = m.customer_id";

/// A new customer id.
pub(crate) fn customer_id() -> String {
    format!("cus_{}", hex::encode(rand::random::<[u8; 12]>()))
}

#[async_trait]
impl<DB> OrgStore for SqlStore<DB>
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
    for<'r> (String,): sqlx::FromRow<'r, DB::Row>,
    DB::QueryResult: RowsAffected,
    for<'q> AuditAction: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> OrgRole: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> ChainHead: sqlx::FromRow<'r, DB::Row>,
    for<'r> OrgRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> OrgSummaryRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> CustomerRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> MemberRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> MembershipRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> SignInLinkRow: sqlx::FromRow<'r, DB::Row>,
{
    async fn insert_org(&self, new: &NewOrg, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        Self::insert_org_in(&mut tx, new).await?;
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn org(&self, id: &str) -> StoreResult<Option<OrgRow>> {
        self.org_where("id", id).await
    }

    async fn org_by_slug(&self, slug: &str) -> StoreResult<Option<OrgRow>> {
        self.org_where("slug", slug).await
    }

    async fn org_by_stripe_customer(&self, customer: &str) -> StoreResult<Option<OrgRow>> {
        self.org_where("stripe_customer_id", customer).await
    }

    async fn list_orgs(&self) -> StoreResult<Vec<OrgSummaryRow>> {
        Ok(sqlx::query_as(
            "SELECT o.id, o.slug, o.name, o.billing_email, o.stripe_customer_id, o.created_at, \
             (SELECT COUNT(*) FROM org_members m WHERE m.org_id = o.id) AS members, \
             (SELECT COUNT(*) FROM licenses l WHERE l.org_id = o.id) AS licenses \
             FROM orgs o ORDER BY o.name, o.slug",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn org_members(&self, org_id: &str) -> StoreResult<Vec<MemberRow>> {
        Ok(sqlx::query_as(&format!(
            "{MEMBER_SELECT} WHERE m.org_id = $1 ORDER BY m.role DESC, c.email"
        ))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn put_member(
        &self,
        org_id: &str,
        email: &str,
        role: OrgRole,
        audit: &AuditEvent,
    ) -> StoreResult<MemberRow> {
        let mut tx = self.pool.begin().await?;
        let customer = Self::customer_in(&mut tx, email, audit.at).await?;
        sqlx::query(
            "INSERT INTO org_members (org_id, customer_id, role, added_by, added_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (org_id, customer_id) DO UPDATE SET role = EXCLUDED.role",
        )
        .bind(org_id)
        .bind(&customer)
        .bind(role)
        .bind(&audit.actor)
        .bind(audit.at)
        .execute(&mut *tx)
        .await?;
        Self::keep_an_owner(&mut tx, org_id).await?;
        self.append_audit(&mut tx, audit).await?;
        let member = sqlx::query_as(&format!(
            "{MEMBER_SELECT} WHERE m.org_id = $1 AND m.customer_id = $2"
        ))
        .bind(org_id)
        .bind(&customer)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(member)
    }

    async fn remove_member(
        &self,
        org_id: &str,
        customer_id: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let gone = sqlx::query("DELETE FROM org_members WHERE org_id = $1 AND customer_id = $2")
            .bind(org_id)
            .bind(customer_id)
            .execute(&mut *tx)
            .await?;
        if gone.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("member {customer_id}")));
        }
        Self::keep_an_owner(&mut tx, org_id).await?;
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn customer_by_email(&self, email: &str) -> StoreResult<Option<CustomerRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE email = $1"
        ))
        .bind(email)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn memberships(&self, customer_id: &str) -> StoreResult<Vec<MembershipRow>> {
        Ok(sqlx::query_as(
            "SELECT o.id AS org_id, o.slug, o.name, m.role FROM org_members m \
             JOIN orgs o ON o.id = m.org_id WHERE m.customer_id = $1 ORDER BY o.name, o.slug",
        )
        .bind(customer_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn count_sign_in_links(&self, customer_id: &str, since: i64) -> StoreResult<i64> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM sign_in_links WHERE customer_id = $1 AND created_at >= $2",
        )
        .bind(customer_id)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(count)
    }

    async fn insert_sign_in_link(&self, l: &SignInLinkRow) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sign_in_links (token_sha256, customer_id, browser_sha256, created_at, \
             expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&l.token_sha256)
        .bind(&l.customer_id)
        .bind(&l.browser_sha256)
        .bind(l.created_at)
        .bind(l.expires_at)
        .bind(l.used_at)
        .execute(&self.pool)
        .await
        .map_err(|e| conflict_or(e, "sign-in link"))?;
        Ok(())
    }

    async fn redeem_sign_in_link(
        &self,
        token_sha256: &str,
        browser_sha256: &str,
        (session, created, expires): (&str, i64, i64),
        now: i64,
    ) -> StoreResult<Result<CustomerRow, LinkRefusal>> {
        let mut tx = self.pool.begin().await?;
        let used: Option<(String,)> = sqlx::query_as(
            "UPDATE sign_in_links SET used_at = $1 WHERE token_sha256 = $2 AND used_at IS NULL \
             AND expires_at > $1 AND browser_sha256 = $3 RETURNING customer_id",
        )
        .bind(now)
        .bind(token_sha256)
        .bind(browser_sha256)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((customer,)) = used else {
            let link: Option<SignInLinkRow> = sqlx::query_as(
                "SELECT token_sha256, customer_id, browser_sha256, created_at, expires_at, \
                 used_at FROM sign_in_links WHERE token_sha256 = $1",
            )
            .bind(token_sha256)
            .fetch_optional(&mut *tx)
            .await?;
            return Ok(Err(match link {
                None => LinkRefusal::Unknown,
                Some(l) if l.used_at.is_some() => LinkRefusal::Used,
                Some(l) if l.expires_at <= now => LinkRefusal::Expired,
                Some(_) => LinkRefusal::OtherBrowser,
            }));
        };
        sqlx::query(
            "INSERT INTO customer_sessions (token_sha256, customer_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(session)
        .bind(&customer)
        .bind(created)
        .bind(expires)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query_as(&format!(
            "UPDATE customers SET last_sign_in_at = $1 WHERE id = $2 RETURNING {CUSTOMER_COLUMNS}"
        ))
        .bind(now)
        .bind(&customer)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(row))
    }

    async fn customer_session(&self, digest: &str, now: i64) -> StoreResult<Option<CustomerRow>> {
        Ok(sqlx::query_as(
            "SELECT c.id, c.email, c.created_at, c.last_sign_in_at FROM customer_sessions s \
             JOIN customers c ON c.id = s.customer_id \
             WHERE s.token_sha256 = $1 AND s.expires_at > $2",
        )
        .bind(digest)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn delete_customer_session(&self, digest: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM customer_sessions WHERE token_sha256 = $1")
            .bind(digest)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
