//! `tessera admin ...`: users of the Studio.

use std::io::Read as _;

use anyhow::Context as _;
use clap::Subcommand;
use secrecy::{ExposeSecret as _, SecretString};
use tessera_backend::auth::Role;
use tessera_backend::Backend;

#[derive(Debug, Subcommand)]
pub(super) enum AdminCommand {
    /// Create a user. Without --password-stdin a password is generated and printed once.
    CreateUser {
        /// The user's e-mail (their sign-in name).
        #[arg(long)]
        email: String,
        /// sysadmin, operator or viewer.
        #[arg(long, value_parser = ["sysadmin", "operator", "viewer"])]
        role: String,
        /// Read the password from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
    },
}

pub(super) async fn run(cmd: AdminCommand, backend: Backend) -> anyhow::Result<()> {
    match cmd {
        AdminCommand::CreateUser {
            email,
            role,
            password_stdin,
        } => {
            let role = Role::parse(&role)?;
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
            Ok(())
        }
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
