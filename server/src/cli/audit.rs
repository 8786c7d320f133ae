//! `tessera audit verify`: walk the whole audit chain, say whether it is intact, and move this
//! instance's anchor forward when it is.

use std::process::ExitCode;

use clap::Subcommand;
use tessera_backend::audit::ChainStatus;
use tessera_backend::Backend;

/// The audit log.
#[derive(Debug, Subcommand)]
pub(super) enum AuditCommand {
    /// Check every row of the hash chain against the KEK-derived key, `audit_head` and this
    /// instance's anchor file; exit 1 naming the first bad row.
    Verify,
}

pub(super) async fn run(cmd: AuditCommand, backend: Backend) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify => match backend.verify_audit_chain().await? {
            ChainStatus::Intact { rows } => {
                println!("audit chain intact: {rows} rows");
                Ok(ExitCode::SUCCESS)
            }
            ChainStatus::Broken { seq, reason } => {
                eprintln!("audit chain broken at seq {seq}: {reason}");
                Ok(ExitCode::FAILURE)
            }
        },
    }
}
