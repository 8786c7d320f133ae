//! `tessera admin ...`: users of the Studio.

use std::io::Read as _;

use anyhow::Context as _;
use clap::Subcommand;
use secrecy::{ExposeSecret as _, SecretString};
use tessera_backend::accounts::UserInfo;
use tessera_backend::auth::Role;
use tessera_backend::Backend;

use super::format_time;

#[derive(Debug, Subcommand)]
pub(super) enum AdminCommand {
    /// Create a user. Without --password-stdin a password is generated and printed once.
    CreateUser {
        /// The user's e-mail (their sign-in name).
        #[arg(long)]
        email: String,
        /// What the user may do.
        #[arg(long)]
        role: Role,
        /// Read the password from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users: e-mail, role, flags (disabled, must change password) and creation time.
    ListUsers {
        /// Print a JSON array instead of one line per user.
        #[arg(long)]
        json: bool,
    },
    /// Give a user another role. The last enabled sysadmin cannot be demoted.
    SetRole {
        /// The user's e-mail.
        #[arg(long)]
        email: String,
        /// What the user may do.
        #[arg(long)]
        role: Role,
    },
    /// Disable a user: their sessions end at once and they can no longer sign in.
    Disable {
        /// The user's e-mail.
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled user again.
    Enable {
        /// The user's e-mail.
        #[arg(long)]
        email: String,
    },
    /// Give a user a generated password, printed once (last line); their sessions end and
    /// they must choose a new password at the next sign-in.
    ResetPassword {
        /// The user's e-mail.
        #[arg(long)]
        email: String,
    },
    /// End every session of a user.
    SignOutEverywhere {
        /// The user's e-mail.
        #[arg(long)]
        email: String,
    },
}

pub(super) async fn run(cmd: AdminCommand, backend: Backend) -> anyhow::Result<()> {
    match cmd {
        AdminCommand::CreateUser {
            email,
            role,
            password_stdin,
        } => {
            let password = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let created = backend
                .create_user(&email, role, password, &super::cli_actor())
                .await?;
            println!(
                "created {} ({})",
                created.user.email,
                created.user.role.as_str()
            );
            if let Some(password) = created.generated_password {
                println!("one-time password: {}", password.expose_secret());
            }
        }
        AdminCommand::ListUsers { json } => {
            let users = backend.list_users().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&users)?);
            } else {
                println!("EMAIL\tROLE\tFLAGS\tCREATED");
                for user in &users {
                    println!(
                        "{}\t{}\t{}\t{}",
                        user.email,
                        user.role.as_str(),
                        flags(user).unwrap_or_else(|| "-".into()),
                        format_time(user.created_at)
                    );
                }
            }
        }
        AdminCommand::SetRole { email, role } => {
            let user = backend.user_by_email(&email).await?;
            let user = backend
                .set_user_role(&user.id, role, &super::cli_actor())
                .await?;
            println!("{}", describe(&user));
        }
        AdminCommand::Disable { email } => {
            let user = backend.user_by_email(&email).await?;
            let user = backend
                .set_user_disabled(&user.id, true, &super::cli_actor())
                .await?;
            println!("{}", describe(&user));
            println!(
                "{} can no longer sign in; their sessions have ended",
                user.email
            );
        }
        AdminCommand::Enable { email } => {
            let user = backend.user_by_email(&email).await?;
            let user = backend
                .set_user_disabled(&user.id, false, &super::cli_actor())
                .await?;
            println!("{}", describe(&user));
        }
        AdminCommand::ResetPassword { email } => {
            let user = backend.user_by_email(&email).await?;
            let password = backend
                .reset_user_password(&user.id, &super::cli_actor())
                .await?;
            println!(
                "reset the password of {}; their sessions have ended and they must choose a \
                 new password at their next sign-in",
                user.email
            );
            println!("one-time password: {}", password.expose_secret());
        }
        AdminCommand::SignOutEverywhere { email } => {
            let user = backend.user_by_email(&email).await?;
            let ended = backend.sign_out_everywhere(&user.id).await?;
            println!("ended {ended} session(s) of {}", user.email);
        }
    }
    Ok(())
}

/// `disabled` and `must change password`, when they apply.
fn flags(user: &UserInfo) -> Option<String> {
    let flags: Vec<&str> = [
        user.disabled.then_some("disabled"),
        user.must_change_password.then_some("must change password"),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!flags.is_empty()).then(|| flags.join(", "))
}

/// One user's state on one line, e.g. `op@example.com: viewer, disabled`.
fn describe(user: &UserInfo) -> String {
    match flags(user) {
        Some(flags) => format!("{}: {}, {flags}", user.email, user.role.as_str()),
        None => format!("{}: {}", user.email, user.role.as_str()),
    }
}

fn read_password() -> anyhow::Result<SecretString> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("reading the password from stdin")?;
    let line = input.lines().next().unwrap_or("").to_string();
    anyhow::ensure!(!line.is_empty(), "no password on standard input");
    Ok(SecretString::from(line))
}
