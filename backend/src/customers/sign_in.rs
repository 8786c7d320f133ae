//! Customers sign in without a password: they ask for a link, which is e-mailed to them,
//! works once, for 15 minutes, and only in the browser that asked for it (the link's record
//! keeps the SHA-256 of that browser's sign-in cookie). Asking never says whether the address
//! belongs to a customer.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use secrecy::SecretString;

use super::CustomerUser;
use crate::auth::{login_name, session_digest};
use crate::mail::Mail;
use crate::store::{LinkRefusal, SignInLinkRow};
use crate::{now, Backend, Error, Result};

/// How long a sign-in link works.
pub const LINK_LIFETIME_SECS: i64 = 15 * 60;
/// At most this many links are mailed to one address per [`LINK_LIFETIME_SECS`].
pub const LINKS_PER_WINDOW: i64 = 5;
/// Sign-in link requests one IP may make per minute.
pub const LINK_REQUESTS_PER_IP_PER_MINUTE: u32 = 10;

/// A customer session just opened: the cookie value (handed to the browser once).
#[derive(Debug)]
pub struct NewCustomerSession {
    pub cookie_value: SecretString,
    pub customer: CustomerUser,
    pub expires_at: i64,
}

/// Why a link did not sign anyone in, in words a customer can act on.
fn refusal(why: LinkRefusal) -> Error {
    Error::Refused {
        code: match why {
            LinkRefusal::Unknown => "link_unknown",
            LinkRefusal::Used => "link_used",
            LinkRefusal::Expired => "link_expired",
            LinkRefusal::OtherBrowser => "link_other_browser",
        },
        message: match why {
            LinkRefusal::Unknown => "this sign-in link is not valid; ask for a new one",
            LinkRefusal::Used => "this sign-in link was used already; ask for a new one",
            LinkRefusal::Expired => "this sign-in link expired; ask for a new one",
            LinkRefusal::OtherBrowser => {
                "open the sign-in link in the browser where you asked for it, or ask for a new one here"
            }
        }
        .to_string(),
    }
}

impl Backend {
    /// Mails a sign-in link to `email` if it belongs to someone in an org, bound to the
    /// browser whose sign-in cookie is `browser`. Answers the same whether it does or not;
    /// refuses only an address that is not one, or too many requests from `ip`.
    pub async fn request_sign_in_link(
        &self,
        email: &str,
        browser: &str,
        ip: std::net::IpAddr,
    ) -> Result<()> {
        self.vendor_only()?;
        let email = login_name(email).map_err(|e| Error::invalid(format!("email: {e}")))?;
        if browser.is_empty() {
            return Err(Error::invalid(
                "this browser has no sign-in cookie: open the sign-in page and try again",
            ));
        }
        if let Err(wait) = self.limiter.check(
            &format!("sign-in-link:{ip}"),
            LINK_REQUESTS_PER_IP_PER_MINUTE,
        ) {
            return Err(Error::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            });
        }
        let Some(customer) = self.store.customer_by_email(&email).await? else {
            tracing::info!(client.ip = %ip, "sign-in link asked for an address that is no customer's");
            return Ok(());
        };
        if self.store.memberships(&customer.id).await?.is_empty() {
            tracing::info!(customer.id = %customer.id, "sign-in link asked by someone in no org");
            return Ok(());
        }
        let at = now();
        let recent = self
            .store
            .count_sign_in_links(&customer.id, at - LINK_LIFETIME_SECS)
            .await?;
        if recent >= LINKS_PER_WINDOW {
            tracing::warn!(customer.id = %customer.id, client.ip = %ip, "sign-in links: too many asked for; none sent");
            return Ok(());
        }
        let secret = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        self.store
            .insert_sign_in_link(&SignInLinkRow {
                token_sha256: session_digest(&secret),
                customer_id: customer.id.clone(),
                browser_sha256: session_digest(browser),
                created_at: at,
                expires_at: at + LINK_LIFETIME_SECS,
                used_at: None,
            })
            .await?;
        let link = format!(
            "{}/signin/link?token={secret}",
            self.config.public_url.trim_end_matches('/')
        );
        let mail = Mail {
            to: customer.email.clone(),
            subject: "Your sign-in link".into(),
            body: format!(
                "Someone (we hope you) asked to sign in to billing at {public}.\n\n\
                 Open this link to sign in:\n\n{link}\n\n\
                 It works once, for {minutes} minutes, and only in the browser where you asked \
                 for it. If you did not ask, ignore this message: nothing happens without the link.\n",
                public = self.config.public_url,
                minutes = LINK_LIFETIME_SECS / 60,
            ),
        };
        if let Some(failed) = self.deliver(&mail).await {
            return Err(Error::Internal(anyhow::anyhow!(failed)));
        }
        tracing::info!(customer.id = %customer.id, "sign-in link sent");
        Ok(())
    }

    /// Signs in with the link's secret `token`, in the browser whose sign-in cookie is
    /// `browser`: the link is used up and a customer session opens. A link opened in another
    /// browser stays usable in its own.
    pub async fn redeem_sign_in_link(
        &self,
        token: &str,
        browser: &str,
    ) -> Result<NewCustomerSession> {
        self.vendor_only()?;
        let at = now();
        let cookie_value = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let expires_at = at + self.config.session_hours * 3600;
        let redeemed = self
            .store
            .redeem_sign_in_link(
                &session_digest(token),
                &session_digest(browser),
                (&session_digest(&cookie_value), at, expires_at),
                at,
            )
            .await?;
        let customer = redeemed.map_err(refusal)?;
        tracing::info!(customer.id = %customer.id, "customer signed in");
        let customer = self.customer_user(customer).await?;
        Ok(NewCustomerSession {
            cookie_value: cookie_value.into(),
            customer,
            expires_at,
        })
    }

    /// The customer behind a session cookie, if the session is open.
    pub async fn customer_session(&self, cookie_value: &str) -> Result<Option<CustomerUser>> {
        let row = self
            .store
            .customer_session(&session_digest(cookie_value), now())
            .await?;
        match row {
            Some(row) => Ok(Some(self.customer_user(row).await?)),
            None => Ok(None),
        }
    }

    /// Ends the customer session behind a cookie.
    pub async fn customer_logout(&self, cookie_value: &str) -> Result<()> {
        Ok(self
            .store
            .delete_customer_session(&session_digest(cookie_value))
            .await?)
    }
}
