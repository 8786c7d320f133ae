//! The e-mails a license's owner receives. Plain text; the token appears only in messages to
//! its owner.

use tessera_license::claims::Claims;

use crate::mail::Mail;

fn when(unix: Option<i64>) -> String {
    unix.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map_or_else(|| "never".to_string(), |t| t.format("%Y-%m-%d").to_string())
}

fn summary(c: &Claims) -> String {
    let domains: Vec<&str> = c.lic.domains.iter().map(AsRef::as_ref).collect();
    format!(
        "License:  {}\nProduct:  {}\nTier:     {} ({})\nExpires:  {}\nSupport:  until {}\nDomains:  {}\n",
        c.sub,
        c.aud,
        c.lic.tier.as_str(),
        c.lic.kind.as_str(),
        when(c.exp),
        when(c.lic.support_until),
        if domains.is_empty() { "any".to_string() } else { domains.join(", ") },
    )
}

const INSTALL_STEPS: &str = "To install it:\n\
  1. Sign in to your deployment as its operator and open the License page (/license).\n\
  2. Paste the whole token below and save. Your deployment verifies it offline;\n\
     it keeps working if it cannot reach us, and picks up renewals by itself.\n\
Keep the token private: anyone holding it can run your license.\n";

fn with_token(greeting: &str, c: &Claims, token: &str) -> String {
    format!(
        "Hello {},\n\n{greeting}\n\n{}\n{INSTALL_STEPS}\n{token}\n",
        c.lic.customer.company,
        summary(c)
    )
}

/// A new license, with its token and how to install it.
pub(crate) fn issued(c: &Claims, token: &str) -> Mail {
    Mail {
        to: c.lic.customer.email.as_ref().to_string(),
        subject: format!("Your {} license {}", c.aud, c.sub),
        body: with_token("here is your license.", c, token),
    }
}

/// The same license, signed again (a fresh copy of the token).
pub(crate) fn resent(c: &Claims, token: &str) -> Mail {
    Mail {
        to: c.lic.customer.email.as_ref().to_string(),
        subject: format!("Your {} license {} (new copy)", c.aud, c.sub),
        body: with_token(
            "here is a fresh copy of your license. It replaces the previous token; its terms are unchanged.",
            c,
            token,
        ),
    }
}

/// To the new owner of a transferred license, with the token.
pub(crate) fn transferred_in(c: &Claims, token: &str, from: &str) -> Mail {
    Mail {
        to: c.lic.customer.email.as_ref().to_string(),
        subject: format!("A {} license has been transferred to you", c.aud),
        body: with_token(
            &format!("the license previously held by {from} has been transferred to you."),
            c,
            token,
        ),
    }
}

/// To the previous owner: the license is no longer theirs. No token.
pub(crate) fn transferred_out(old: &Claims, to_company: &str) -> Mail {
    Mail {
        to: old.lic.customer.email.as_ref().to_string(),
        subject: format!("Your {} license {} has been transferred", old.aud, old.sub),
        body: format!(
            "Hello {},\n\nyour license {} has been transferred to {to_company}. Its token no longer \
             works in your deployments. If you did not expect this, reply to this message.\n",
            old.lic.customer.company, old.sub
        ),
    }
}
