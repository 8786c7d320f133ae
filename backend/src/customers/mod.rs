//! The vendor's customers: orgs (a "group" in the API), the people in them and their roles,
//! how they sign in (`sign_in`), what `/billing` shows them (`billing`) and their trials
//! (`trials`). A customer never holds a Studio role: their session is a different cookie and
//! reaches only `/billing` and the server functions that check membership.

pub mod billing;
pub mod checkout;
pub mod sign_in;
pub mod trials;

use serde::{Deserialize, Serialize};
use tessera_license::vocab::OrgRole;
use tessera_license::Email;

use crate::auth::login_name;
use crate::mail::Mail;
use crate::store::{
    AuditAction, AuditEvent, CustomerRow, MemberRow, NewOrg, OrgRow, OrgSummaryRow,
};
use crate::{now, Backend, Error, Result};

/// Longest org name.
pub const MAX_ORG_NAME: usize = 120;
/// Longest org slug.
pub const MAX_SLUG: usize = 48;

/// A signed-in customer, as requests and pages see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerUser {
    pub id: String,
    pub email: String,
    /// The orgs they are in, by name.
    pub memberships: Vec<Membership>,
}

/// An org a customer is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub org_id: String,
    pub slug: String,
    pub name: String,
    pub role: OrgRole,
}

impl CustomerUser {
    /// Their membership of the org `slug` (their first org when `slug` is empty), if their
    /// role there includes `required`. An org they are not in is "not found", whether it
    /// exists or not.
    pub fn member_of(&self, slug: &str, required: OrgRole) -> Result<&Membership> {
        let membership = if slug.is_empty() {
            self.memberships.first()
        } else {
            self.memberships.iter().find(|m| m.slug == slug)
        };
        let Some(membership) = membership else {
            return Err(Error::NotFound(format!("org {slug}")));
        };
        if membership.role >= required {
            Ok(membership)
        } else {
            Err(Error::Refused {
                code: "owner_only",
                message: format!(
                    "only an owner of {} may do this; ask one of them",
                    membership.name
                ),
            })
        }
    }
}

/// An org's name in URLs: lower-case letters, digits and single dashes.
pub fn slug_of(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= MAX_SLUG {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.len() < 2 {
        format!("org-{}", hex::encode(rand::random::<[u8; 3]>()))
    } else {
        slug
    }
}

/// Checks a slug someone chose.
pub fn valid_slug(slug: &str) -> Result<()> {
    let ok = (2..=MAX_SLUG).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "slug: 2 to {MAX_SLUG} lower-case letters, digits and dashes, not starting or ending with a dash"
        )))
    }
}

fn org_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_ORG_NAME || name.chars().any(char::is_control)
    {
        return Err(Error::invalid(format!(
            "name: 1 to {MAX_ORG_NAME} characters, no control characters"
        )));
    }
    Ok(name.to_string())
}

/// A new org row (not stored yet).
pub(crate) fn new_org(
    name: &str,
    slug: String,
    owner: &str,
    actor: &str,
    stripe_customer: Option<String>,
) -> NewOrg {
    NewOrg {
        org: OrgRow {
            id: format!("org_{}", hex::encode(rand::random::<[u8; 12]>())),
            slug,
            name: name.to_string(),
            billing_email: owner.to_string(),
            stripe_customer_id: stripe_customer,
            created_by: actor.to_string(),
            created_at: now(),
        },
        owner_email: owner.to_string(),
    }
}

pub(crate) fn org_created(new: &NewOrg, actor: &str) -> AuditEvent {
    AuditEvent {
        at: new.org.created_at,
        actor: actor.to_string(),
        action: AuditAction::OrgCreated,
        subject: new.org.id.clone(),
        detail: serde_json::json!({ "after": {
            "slug": new.org.slug, "name": new.org.name, "owner": new.owner_email,
        } }),
    }
}

impl Backend {
    /// Creates an org named `name` (slug `slug`, or one made from the name) owned by
    /// `owner`. Staff (operator and up) and the trial API do this.
    pub async fn create_org(
        &self,
        name: &str,
        slug: Option<&str>,
        owner: &str,
        actor: &str,
    ) -> Result<OrgRow> {
        self.vendor_only()?;
        let name = org_name(name)?;
        let owner = login_name(owner).map_err(|e| Error::invalid(format!("owner: {e}")))?;
        let slug = match slug.map(str::trim).filter(|s| !s.is_empty()) {
            Some(slug) => {
                valid_slug(slug)?;
                slug.to_string()
            }
            None => self.free_slug(&slug_of(&name)).await?,
        };
        let new = new_org(&name, slug, &owner, actor, None);
        self.store
            .insert_org(&new, &org_created(&new, actor))
            .await?;
        tracing::info!(org.id = %new.org.id, org.slug = %new.org.slug, "org created");
        Ok(new.org)
    }

    /// `base`, or `base-2`, `base-3`, ... whichever no org has yet.
    pub(crate) async fn free_slug(&self, base: &str) -> Result<String> {
        for n in 1..=50 {
            let slug = if n == 1 {
                base.to_string()
            } else {
                format!("{base}-{n}")
            };
            if self.store.org_by_slug(&slug).await?.is_none() {
                return Ok(slug);
            }
        }
        Ok(format!("{base}-{}", hex::encode(rand::random::<[u8; 3]>())))
    }

    /// Every org with its member and license counts (staff).
    pub async fn orgs(&self) -> Result<Vec<OrgSummaryRow>> {
        Ok(self.store.list_orgs().await?)
    }

    /// An org's members, owners first (staff).
    pub async fn org_members(&self, org_id: &str) -> Result<Vec<MemberRow>> {
        Ok(self.store.org_members(org_id).await?)
    }

    /// One org by slug, with its members (staff).
    pub async fn org_with_members(&self, slug: &str) -> Result<(OrgRow, Vec<MemberRow>)> {
        let org = self.org_named(slug).await?;
        let members = self.store.org_members(&org.id).await?;
        Ok((org, members))
    }

    /// The org `slug` of a customer whose role there includes `required`, with that role.
    pub(crate) async fn member_org(
        &self,
        by: &CustomerUser,
        slug: &str,
        required: OrgRole,
    ) -> Result<(OrgRole, OrgRow)> {
        let membership = by.member_of(slug, required)?;
        let org = self
            .store
            .org(&membership.org_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("org {slug}")))?;
        Ok((membership.role, org))
    }

    pub(crate) async fn org_named(&self, slug: &str) -> Result<OrgRow> {
        self.store
            .org_by_slug(slug)
            .await?
            .ok_or_else(|| Error::NotFound(format!("org {slug}")))
    }

    /// An owner adds `email` to their org `slug` with `role` (or changes a member's role);
    /// the person is e-mailed how to sign in.
    pub async fn add_org_member(
        &self,
        by: &CustomerUser,
        slug: &str,
        email: &str,
        role: OrgRole,
    ) -> Result<MemberRow> {
        let org = by.member_of(slug, OrgRole::Owner)?.clone();
        let email = Email::parse(email.trim())
            .map_err(|e| Error::invalid(format!("email: {e}")))?
            .as_ref()
            .to_lowercase();
        let audit = AuditEvent {
            at: now(),
            actor: by.email.clone(),
            action: AuditAction::OrgMemberAdded,
            subject: org.org_id.clone(),
            detail: serde_json::json!({ "after": { "email": email, "role": role.as_str() } }),
        };
        let member = self
            .store
            .put_member(&org.org_id, &email, role, &audit)
            .await?;
        let mail = Mail {
            to: email.clone(),
            subject: format!("You were added to {} billing", org.name),
            body: format!(
                "{by} added you to {org} as {role}.\n\nSign in at {public}/signin with this \
                 address: a sign-in link will be e-mailed to you.\n",
                by = by.email,
                org = org.name,
                public = self.config.public_url.trim_end_matches('/'),
            ),
        };
        self.deliver(&mail).await;
        Ok(member)
    }

    /// An owner removes someone (by customer id) from their org `slug`. The last owner stays.
    pub async fn remove_org_member(
        &self,
        by: &CustomerUser,
        slug: &str,
        customer_id: &str,
    ) -> Result<()> {
        let org = by.member_of(slug, OrgRole::Owner)?;
        let members = self.store.org_members(&org.org_id).await?;
        let Some(member) = members.iter().find(|m| m.customer_id == customer_id) else {
            return Err(Error::NotFound(format!("member {customer_id}")));
        };
        let audit = AuditEvent {
            at: now(),
            actor: by.email.clone(),
            action: AuditAction::OrgMemberRemoved,
            subject: org.org_id.clone(),
            detail: serde_json::json!({ "before": { "email": member.email, "role": member.role.as_str() } }),
        };
        self.store
            .remove_member(&org.org_id, customer_id, &audit)
            .await?;
        Ok(())
    }

    async fn customer_user(&self, row: CustomerRow) -> Result<CustomerUser> {
        let memberships = self
            .store
            .memberships(&row.id)
            .await?
            .into_iter()
            .map(|m| Membership {
                org_id: m.org_id,
                slug: m.slug,
                name: m.name,
                role: m.role,
            })
            .collect();
        Ok(CustomerUser {
            id: row.id,
            email: row.email,
            memberships,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_is_made_of_the_name() {
        assert_eq!(slug_of("Acme GmbH"), "acme-gmbh");
        assert_eq!(slug_of("  Ünïcode & Co. "), "n-code-co");
        assert!(slug_of("!!").starts_with("org-"));
        assert!(slug_of(&"x".repeat(300)).len() <= MAX_SLUG);
        assert!(valid_slug("acme-gmbh").is_ok());
        for bad in ["A", "-acme", "acme-", "ac me", "a", "acme/../x"] {
            assert!(valid_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_member_reads_and_only_an_owner_changes() {
        let user = CustomerUser {
            id: "cus_1".into(),
            email: "a@example.com".into(),
            memberships: vec![Membership {
                org_id: "org_1".into(),
                slug: "acme".into(),
                name: "Acme".into(),
                role: OrgRole::Member,
            }],
        };
        assert!(user.member_of("acme", OrgRole::Member).is_ok());
        assert!(user.member_of("", OrgRole::Member).is_ok());
        let refused = user.member_of("acme", OrgRole::Owner).unwrap_err();
        assert_eq!(refused.code(), "owner_only");
        let other = user.member_of("globex", OrgRole::Member).unwrap_err();
        assert_eq!(other.code(), "not_found");
    }
}
