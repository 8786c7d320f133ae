//! Heartbeats for installs with no network: the install exports a request file, the vendor
//! turns it into an answer file (`/licenses/{id}` or `tessera license answer FILE`), the
//! install imports it. The answer is the network heartbeat's answer, so renewal, rotation and
//! revocation reach the install the same way.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::heartbeat::{HeartbeatAnswer, HeartbeatRequest};
use crate::licenses::token_sha256;
use crate::selfhost::InstallView;
use crate::{now, Backend, Error, Result};

/// `kind` of a request file.
pub const REQUEST_KIND: &str = "tessera.heartbeat_request";
/// `kind` of an answer file.
pub const ANSWER_KIND: &str = "tessera.heartbeat_answer";
/// The format version both files carry.
pub const FORMAT_VERSION: u32 = 1;
/// Largest file read (a request or answer is a few kilobytes).
pub const MAX_FILE_BYTES: usize = 64 * 1024;
/// The address an air-gapped heartbeat is recorded from on the vendor's side.
pub const FILE_IP: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

/// What an install exports. It carries the install's token, like a network heartbeat: keep
/// it as private as the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestFile {
    pub kind: String,
    pub version: u32,
    pub created_at: i64,
    pub request: HeartbeatRequest,
}

/// What the vendor hands back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerFile {
    pub kind: String,
    pub version: u32,
    pub created_at: i64,
    /// The SHA-256 of the token the request carried: the answer is about that token.
    pub token_sha256: String,
    pub answer: HeartbeatAnswer,
}

fn read<T: serde::de::DeserializeOwned>(text: &str, what: &str, kind: &str) -> Result<T> {
    if text.len() > MAX_FILE_BYTES {
        return Err(Error::invalid(format!(
            "{what}: larger than {MAX_FILE_BYTES} bytes"
        )));
    }
    let value: serde_json::Value = serde_json::from_str(text.trim())
        .map_err(|e| Error::invalid(format!("{what}: not JSON ({e})")))?;
    let found = value.get("kind").and_then(|k| k.as_str()).unwrap_or("");
    if found != kind {
        return Err(Error::invalid(format!(
            "{what}: this is not a {kind} file (its kind is {found:?})"
        )));
    }
    if value.get("version").and_then(serde_json::Value::as_u64) != Some(FORMAT_VERSION.into()) {
        return Err(Error::invalid(format!(
            "{what}: only version {FORMAT_VERSION} is understood"
        )));
    }
    serde_json::from_value(value).map_err(|e| Error::invalid(format!("{what}: {e}")))
}

impl Backend {
    /// Self-host: the request file for the installed token.
    pub async fn heartbeat_request_file(&self) -> Result<String> {
        let request = self
            .heartbeat_request()
            .await?
            .ok_or_else(|| Error::Conflict("no license token is installed".into()))?;
        let file = RequestFile {
            kind: REQUEST_KIND.into(),
            version: FORMAT_VERSION,
            created_at: now(),
            request,
        };
        serde_json::to_string_pretty(&file).map_err(|e| Error::Internal(e.into()))
    }

    /// Self-host: imports the vendor's answer file, as a network answer would apply.
    pub async fn import_answer_file(&self, text: &str) -> Result<Arc<InstallView>> {
        self.self_host()?;
        let file: AnswerFile = read(text, "answer file", ANSWER_KIND)?;
        self.apply_vendor_answer(&file.token_sha256, file.answer, "file")
            .await?;
        self.install_view_now().await
    }

    /// Vendor: answers a request file as the heartbeat endpoint would, recording the
    /// heartbeat (from address `0.0.0.0`), and returns the answer file. With `license`, a
    /// request about another license is refused.
    pub async fn answer_request_file(&self, text: &str, license: Option<&str>) -> Result<String> {
        self.vendor_only()?;
        let file: RequestFile = read(text, "request file", REQUEST_KIND)?;
        let answer = self.heartbeat(&file.request, FILE_IP).await?;
        if let Some(expected) = license.filter(|id| *id != answer.license_id) {
            return Err(Error::invalid(format!(
                "this request is from an install of license {}, not {expected}",
                answer.license_id
            )));
        }
        self.flush_heartbeats().await?;
        let file = AnswerFile {
            kind: ANSWER_KIND.into(),
            version: FORMAT_VERSION,
            created_at: now(),
            token_sha256: token_sha256(file.request.token.trim()),
            answer,
        };
        serde_json::to_string_pretty(&file).map_err(|e| Error::Internal(e.into()))
    }
}
