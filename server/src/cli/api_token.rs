//! `tessera api-token ...`: bearer tokens for the internal API.

use clap::Subcommand;
use tessera_backend::licenses::SupportPeriod;
use tessera_backend::Backend;
use tessera_license::vocab::Scope;

use super::format_time;

#[derive(Debug, Subcommand)]
pub(super) enum ApiTokenCommand {
    /// Mint a token; it is printed once (last line) and never stored.
    Create {
        /// What the token is for, e.g. `storefront`.
        #[arg(long)]
        name: String,
        /// What the token may do (repeatable).
        #[arg(long = "scope", required = true)]
        scopes: Vec<Scope>,
        /// Lifetime: e.g. 90d, 12mo, 1y.
        #[arg(long, default_value = "90d")]
        expires_in: String,
    },
    /// List tokens (never the token itself).
    List,
    /// Revoke a token by id.
    Revoke {
        /// The token id (`tok_...`).
        id: String,
    },
}

fn lifetime_secs(text: &str) -> anyhow::Result<i64> {
    let end = match SupportPeriod::parse(text)? {
        SupportPeriod::Days(d) => i64::from(d) * 86_400,
        SupportPeriod::Months(m) => i64::from(m) * 30 * 86_400,
    };
    Ok(end)
}

pub(super) async fn run(cmd: ApiTokenCommand, backend: Backend) -> anyhow::Result<()> {
    match cmd {
        ApiTokenCommand::Create {
            name,
            scopes,
            expires_in,
        } => {
            let minted = backend
                .create_api_token(
                    &name,
                    &scopes,
                    lifetime_secs(&expires_in)?,
                    &super::cli_actor(),
                )
                .await?;
            println!(
                "created {} ({}), expires {}",
                minted.record.id,
                minted.record.scopes,
                format_time(minted.record.expires_at)
            );
            println!("{}", minted.jwt);
        }
        ApiTokenCommand::List => {
            println!("ID\tNAME\tSCOPES\tEXPIRES\tREVOKED");
            for t in backend.list_api_tokens().await? {
                let revoked = t.revoked_at.map_or_else(|| "-".to_string(), format_time);
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.name,
                    t.scopes,
                    format_time(t.expires_at),
                    revoked
                );
            }
        }
        ApiTokenCommand::Revoke { id } => {
            backend.revoke_api_token(&id, &super::cli_actor()).await?;
            println!("revoked {id}");
        }
    }
    Ok(())
}
