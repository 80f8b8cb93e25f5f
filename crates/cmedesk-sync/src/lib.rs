//! CME Desk sync client (同步客户端): speaks the exchange API (`schema/api/exchange.yaml`) to
//! the exchange server and drives a desk's [`DeskSync`] state machine through push and pull
//! rounds, retrying lost, cut, truncated or garbled exchanges with jittered exponential backoff.
//! A retry is always safe: the server answers a re-pushed op with its stored result, and a pull
//! page that does not continue the cursor is refused whole.

pub mod background;

use std::time::Duration;

use cmedesk_core::{
    CoreError, Desk,
    sync::{
        DeskSync, Outcome, PullReply, PushReply, PushRequest, Snapshot, SyncError, outbox_ops, pull_apply,
        resync::{self, ResyncApplied},
    },
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// Could not connect, connection cut, timeout.
    #[error("network: {0}")]
    Transport(String),
    /// The server's answer was cut short or is not the API's JSON.
    #[error("unreadable response (HTTP {status}): {detail}")]
    BadResponse { status: u16, detail: String },
    /// The server refused the request with a stable error code.
    #[error("server refused (HTTP {status}, {code}): {message}")]
    Server { status: u16, code: String, message: String },
    #[error(transparent)]
    Protocol(#[from] SyncError),
    /// The desk database could not be read or written.
    #[error("desk database: {0}")]
    Desk(String),
}

impl ClientError {
    pub fn code(&self) -> &str {
        match self {
            ClientError::Transport(_) => "SYNC_NETWORK",
            ClientError::BadResponse { .. } => "SYNC_BAD_RESPONSE",
            ClientError::Server { code, .. } => code,
            ClientError::Protocol(e) => e.code(),
            ClientError::Desk(_) => "SYNC_DESK_DATABASE",
        }
    }

    /// Worth trying again after a pause: the network or the server's answer failed, not the
    /// request itself.
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::Transport(_) | ClientError::BadResponse { .. } => true,
            ClientError::Server { status, .. } => *status >= 500,
            ClientError::Protocol(e) => matches!(e.code(), "SYNC_CURSOR_GAP" | "SYNC_SNAPSHOT_MISMATCH"),
            ClientError::Desk(_) => false,
        }
    }
}

/// `/v1/status` as the client reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubStatus {
    pub epoch: u64,
    pub head: i64,
    pub acked_through: i64,
    pub quarantined: bool,
    pub state_hash: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}
#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    message: String,
}

/// An HTTP connection to one exchange server for one desk token.
#[derive(Clone)]
pub struct Client {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Client {
    /// A client trusting the system's certificate authorities for `https://` servers.
    pub fn new(base: &str, token: &str, timeout: Duration) -> Result<Client, ClientError> {
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        Ok(Client::with_http(base, token, http))
    }

    /// A client trusting only the certificate authorities in `ca_pem` (PEM): a hub certified by
    /// the hospital's own CA, and nothing else.
    pub fn with_ca(base: &str, token: &str, timeout: Duration, ca_pem: &[u8]) -> Result<Client, ClientError> {
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        let bad = |e: String| ClientError::Transport(format!("CA certificate: {e}"));
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(ca_pem) {
            roots.add(cert.map_err(|e| bad(e.to_string()))?).map_err(|e| bad(e.to_string()))?;
        }
        if roots.is_empty() {
            return Err(bad("no CERTIFICATE in the file".into()));
        }
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| bad(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .tls_backend_preconfigured(tls)
            .build()
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        Ok(Client::with_http(base, token, http))
    }

    /// A client over a configured `reqwest::Client` (pool, proxy, TLS roots).
    pub fn with_http(base: &str, token: &str, http: reqwest::Client) -> Client {
        Client { base: base.trim_end_matches('/').to_string(), token: token.to_string(), http }
    }

    async fn send<T: for<'de> Deserialize<'de>>(
        &self,
        req: reqwest::RequestBuilder,
        protocol_statuses: &[u16],
    ) -> Result<T, ClientError> {
        let resp =
            req.bearer_auth(&self.token).send().await.map_err(|e| ClientError::Transport(e.to_string()))?;
        let status = resp.status().as_u16();
        // A body cut short surfaces here (or as invalid JSON below): both are retryable.
        let body =
            resp.bytes().await.map_err(|e| ClientError::BadResponse { status, detail: e.to_string() })?;
        if status == 200 || protocol_statuses.contains(&status) {
            return serde_json::from_slice(&body)
                .map_err(|e| ClientError::BadResponse { status, detail: e.to_string() });
        }
        match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(ErrorBody { error }) => {
                Err(ClientError::Server { status, code: error.code, message: error.message })
            }
            Err(_) => Err(ClientError::BadResponse {
                status,
                detail: String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
            }),
        }
    }

    /// Pushes a batch; 409 (gap) and 422 (quarantine) are protocol answers, not errors.
    pub async fn push(&self, req: &PushRequest) -> Result<PushReply, ClientError> {
        let body = serde_json::to_vec(req).map_err(|e| ClientError::Transport(e.to_string()))?;
        let http = self
            .http
            .post(format!("{}/v1/push", self.base))
            .header("content-type", "application/json")
            .body(body);
        self.send(http, &[409, 422]).await
    }

    pub async fn pull(&self, after: i64, limit: u32) -> Result<PullReply, ClientError> {
        let http = self.http.get(format!("{}/v1/pull?after={after}&limit={limit}", self.base));
        self.send(http, &[]).await
    }

    /// The server's merged data at its head (`GET /v1/snapshot`), to start again from.
    pub async fn snapshot(&self) -> Result<Snapshot, ClientError> {
        self.send(self.http.get(format!("{}/v1/snapshot", self.base)), &[]).await
    }

    pub async fn status(&self) -> Result<HubStatus, ClientError> {
        self.send(self.http.get(format!("{}/v1/status", self.base)), &[]).await
    }
}

/// Makes ring the process's rustls crypto provider (reqwest's TLS needs one; this workspace
/// builds ring only). Call before building a `reqwest::Client` by hand; harmless when repeated.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Exponential backoff with full jitter (a random pause up to the current ceiling), so desks
/// that lost the server together do not come back in lockstep.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
    state: u64,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration, seed: u64) -> Backoff {
        Backoff { base, max, attempt: 0, state: seed | 1 }
    }

    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.base.saturating_mul(1u32 << self.attempt.min(16)).min(self.max);
        self.attempt += 1;
        // xorshift64: jitter needs no cryptographic quality.
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        let millis = ceiling.as_millis().max(1) as u64;
        Duration::from_millis(self.state % (millis + 1))
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// What one sync round did (`cmedesk sync --json` prints this).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    pub pushed: usize,
    pub duplicates: usize,
    pub rejected: usize,
    pub pulled: usize,
    pub conflicts: usize,
    pub cursor: i64,
    pub acked_through: i64,
    pub epoch: Option<u64>,
    pub retries: u32,
    /// The log before this desk's cursor was pruned: the desk started again from the server's
    /// snapshot in this round (已从服务器重新同步).
    #[serde(default)]
    pub resynced: bool,
    /// What the resync applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resync: Option<ResyncApplied>,
}

/// Settings of a sync round.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub push_batch: usize,
    pub pull_page: u32,
    /// Failed requests per round before the round gives up (the next round resumes).
    pub max_attempts: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            push_batch: 1_000,
            pull_page: 1_000,
            max_attempts: 8,
            backoff_base: Duration::from_millis(50),
            backoff_max: Duration::from_secs(5),
        }
    }
}

/// Pushes everything pending, then pulls until the cursor reaches the server's head.
/// `now_ms` supplies the desk's clock for the HLC. Every state change happens in
/// [`DeskSync`] methods (one transaction each on a real desk), so a round cut anywhere resumes.
pub async fn sync_round(
    client: &Client,
    desk: &mut DeskSync,
    opts: &SyncOptions,
    now_ms: impl Fn() -> i64,
) -> Result<SyncReport, ClientError> {
    let mut report = SyncReport::default();
    let mut backoff = Backoff::new(opts.backoff_base, opts.backoff_max, now_ms() as u64);
    let mut attempts = 0;
    let mut retry = |e: ClientError, report: &mut SyncReport| -> Result<Duration, ClientError> {
        attempts += 1;
        if !e.is_retryable() || attempts >= opts.max_attempts {
            return Err(e);
        }
        report.retries += 1;
        Ok(backoff.next_delay())
    };
    // Push.
    while let Some(req) = desk.next_push(opts.push_batch) {
        let outcome = match client.push(&req).await {
            Ok(reply) => desk.on_push_reply(&reply).map_err(ClientError::from),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(o) => {
                report.pushed += o.applied;
                report.duplicates += o.duplicates;
                report.rejected += o.rejected;
                if o.epoch_changed {
                    // A restored server: re-pull from 0 below; keep pushing from its position.
                    report.epoch = desk.epoch();
                }
            }
            Err(e) => tokio::time::sleep(retry(e, &mut report)?).await,
        }
    }
    // Pull.
    loop {
        let outcome = match client.pull(desk.cursor(), opts.pull_page).await {
            Ok(reply) => {
                desk.on_pull_reply(&reply, now_ms()).map(|o| (o, reply.head)).map_err(ClientError::from)
            }
            Err(e) => Err(e),
        };
        match outcome {
            Ok((o, head)) => {
                report.pulled += o.applied.len();
                report.conflicts += o.conflicts.len();
                if o.epoch_changed && desk.next_push(1).is_some() {
                    // The restored server lost some of our ops: push them again first.
                    return Box::pin(sync_round(client, desk, opts, now_ms))
                        .await
                        .map(|next| merge(report, next));
                }
                if !o.epoch_changed && !o.stale && desk.cursor() >= head {
                    break;
                }
            }
            Err(e) => tokio::time::sleep(retry(e, &mut report)?).await,
        }
    }
    report.cursor = desk.cursor();
    report.acked_through = desk.acked_through();
    report.epoch = desk.epoch();
    Ok(report)
}

/// Pushes a real desk's outbox (the push half of [`sync_desk`]). Field edits are frozen first
/// (their clock reading and bases fixed), so a re-pushed op hashes the same. Each settled reply is stored with the desk's marks in one transaction, so a desk
/// killed at any point resumes where the server stands: an op is never lost, and a re-pushed op
/// gets its stored result.
pub async fn push_desk(
    client: &Client,
    desk: &Desk,
    opts: &SyncOptions,
    now: &str,
) -> Result<SyncReport, ClientError> {
    let mut report = SyncReport::default();
    let mut backoff = Backoff::new(opts.backoff_base, opts.backoff_max, now.len() as u64 + 7);
    let mut failures = 0;
    let core = |e: CoreError| ClientError::Desk(e.to_string());
    outbox_ops::freeze_pending(desk).map_err(core)?;
    loop {
        let mut marks = outbox_ops::load_marks(desk).map_err(core)?;
        if let Some(site_seq) = marks.quarantined_at {
            return Err(SyncError::Quarantined { site_seq }.into());
        }
        let ops = outbox_ops::outbox_ops(desk, marks.acked_through, opts.push_batch).map_err(core)?;
        if ops.is_empty() {
            report.acked_through = marks.acked_through;
            report.epoch = marks.epoch;
            report.cursor = marks.cursor;
            return Ok(report);
        }
        let req = PushRequest { site_id: desk.site_id().to_string(), ops };
        let reply = match client.push(&req).await {
            Ok(r) => r,
            Err(e) => {
                failures += 1;
                if !e.is_retryable() || failures >= opts.max_attempts {
                    return Err(e);
                }
                report.retries += 1;
                tokio::time::sleep(backoff.next_delay()).await;
                continue;
            }
        };
        let local_last = cmedesk_core::outbox::last_site_seq(desk).map_err(core)?;
        let mut rejected = std::collections::BTreeMap::new();
        let settled = marks.settle_push_reply(&reply, local_last, &mut rejected);
        // Ops settled without a log entry are never pulled back: note them with the marks.
        let unlogged: Vec<(String, String)> = match &reply {
            PushReply::Accepted { results, .. } => results
                .iter()
                .filter_map(|r| match &r.outcome {
                    Outcome::Applied { .. } => None,
                    Outcome::Duplicate => Some((r.op_id.clone(), "duplicate".to_string())),
                    Outcome::Rejected { .. } => Some((r.op_id.clone(), "rejected".to_string())),
                })
                .collect(),
            _ => Vec::new(),
        };
        // Quarantine is stored too, so the desk stops pushing until an administrator acts.
        outbox_ops::store_push_settlement(desk, &marks, &rejected, &unlogged, now).map_err(core)?;
        let o = settled?;
        report.pushed += o.applied;
        report.duplicates += o.duplicates;
        report.rejected += o.rejected;
    }
}

/// Pulls the space's log into a real desk database until its cursor reaches the server's head.
/// Each page is applied with its cursor in one transaction ([`pull_apply::apply_pull_page`]), so
/// a desk killed mid-pull resumes at the last page it stored and never skips a seq.
pub async fn pull_desk(
    client: &Client,
    desk: &Desk,
    opts: &SyncOptions,
    now: &str,
) -> Result<PullReport, ClientError> {
    let mut report = PullReport::default();
    let mut backoff = Backoff::new(opts.backoff_base, opts.backoff_max, now.len() as u64 + 11);
    let mut failures = 0;
    let core = |e: CoreError| ClientError::Desk(e.to_string());
    loop {
        let marks = outbox_ops::load_marks(desk).map_err(core)?;
        let step = match client.pull(marks.cursor, opts.pull_page).await {
            Ok(reply) => pull_apply::apply_pull_page(desk, &reply, now).map_err(|e| match e {
                pull_apply::PullError::Protocol(p) => ClientError::Protocol(p),
                pull_apply::PullError::Desk(d) => core(d),
            }),
            Err(e) => Err(e),
        };
        let page = match step {
            Ok(page) => page,
            Err(e) => {
                failures += 1;
                if !e.is_retryable() || failures >= opts.max_attempts {
                    return Err(e);
                }
                report.retries += 1;
                tokio::time::sleep(backoff.next_delay()).await;
                continue;
            }
        };
        report.pulled += page.pulled;
        report.conflicts += page.conflicts;
        report.rows_written += page.rows_written;
        report.epoch_changed |= page.epoch_changed;
        report.cursor = page.cursor;
        report.head = page.head;
        if page.stale {
            // An answer from before the server's restore: ask again, but not forever.
            failures += 1;
            if failures >= opts.max_attempts {
                return Err(ClientError::BadResponse { status: 200, detail: "stale epoch".into() });
            }
            continue;
        }
        if !page.epoch_changed && page.cursor >= page.head {
            return Ok(report);
        }
    }
}

/// What [`pull_desk`] did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PullReport {
    pub pulled: usize,
    pub conflicts: usize,
    pub rows_written: usize,
    pub cursor: i64,
    pub head: i64,
    pub epoch_changed: bool,
    pub retries: u32,
}

/// One sync of a real desk (`cmedesk sync`): push what is pending, then pull to the server's
/// head; when the pull finds the server restored (a new epoch), push again what it lost.
pub async fn sync_desk(
    client: &Client,
    desk: &Desk,
    opts: &SyncOptions,
    now: &str,
) -> Result<SyncReport, ClientError> {
    let mut report = SyncReport::default();
    for _ in 0..3 {
        let pushed = push_desk(client, desk, opts, now).await?;
        let pulled = match pull_desk(client, desk, opts, now).await {
            Err(e) if e.code() == "RESYNC_NEEDED" => {
                let (again, applied) = resync_desk(client, desk, opts, now).await?;
                report.pushed += again.pushed;
                report.duplicates += again.duplicates;
                report.rejected += again.rejected;
                report.retries += again.retries;
                report.resynced = true;
                report.resync = Some(applied);
                // Normal pulls continue from the snapshot's position.
                pull_desk(client, desk, opts, now).await?
            }
            other => other?,
        };
        report.pushed += pushed.pushed;
        report.duplicates += pushed.duplicates;
        report.rejected += pushed.rejected;
        report.pulled += pulled.pulled;
        report.conflicts += pulled.conflicts;
        report.retries += pushed.retries + pulled.retries;
        let marks = outbox_ops::load_marks(desk).map_err(|e| ClientError::Desk(e.to_string()))?;
        report.cursor = marks.cursor;
        report.acked_through = marks.acked_through;
        report.epoch = marks.epoch;
        let last = cmedesk_core::outbox::last_site_seq(desk).map_err(|e| ClientError::Desk(e.to_string()))?;
        if !pulled.epoch_changed || marks.acked_through >= last {
            break;
        }
    }
    Ok(report)
}

/// Starts a desk again from the server's snapshot after `410 RESYNC_NEEDED`: first pushes every
/// op not yet pushed (its own work is in the snapshot, never lost), then fetches the snapshot and
/// applies it in one transaction ([`resync::apply_snapshot`]); a cut or garbled snapshot (its data
/// hash differs) is fetched again.
pub async fn resync_desk(
    client: &Client,
    desk: &Desk,
    opts: &SyncOptions,
    now: &str,
) -> Result<(SyncReport, ResyncApplied), ClientError> {
    let pushed = push_desk(client, desk, opts, now).await?;
    let mut backoff = Backoff::new(opts.backoff_base, opts.backoff_max, now.len() as u64 + 13);
    let mut failures = 0;
    loop {
        let step = match client.snapshot().await {
            Ok(snap) => resync::apply_snapshot(desk, &snap, now).map_err(|e| match e {
                pull_apply::PullError::Protocol(p) => ClientError::Protocol(p),
                pull_apply::PullError::Desk(d) => ClientError::Desk(d.to_string()),
            }),
            Err(e) => Err(e),
        };
        match step {
            Ok(applied) => return Ok((pushed, applied)),
            Err(e) => {
                failures += 1;
                if !e.is_retryable() || failures >= opts.max_attempts {
                    return Err(e);
                }
                tokio::time::sleep(backoff.next_delay()).await;
            }
        }
    }
}

fn merge(a: SyncReport, b: SyncReport) -> SyncReport {
    SyncReport {
        pushed: a.pushed + b.pushed,
        duplicates: a.duplicates + b.duplicates,
        rejected: a.rejected + b.rejected,
        pulled: a.pulled + b.pulled,
        conflicts: a.conflicts + b.conflicts,
        cursor: b.cursor,
        acked_through: b.acked_through,
        epoch: b.epoch,
        retries: a.retries + b.retries,
        resynced: a.resynced || b.resynced,
        resync: b.resync.or(a.resync),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_a_growing_ceiling_capped_at_max_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(10), Duration::from_millis(300), 42);
        let delays: Vec<Duration> = (0..12).map(|_| b.next_delay()).collect();
        for (i, d) in delays.iter().enumerate() {
            let ceiling = (10u64 << i.min(16)).min(300);
            assert!(d.as_millis() as u64 <= ceiling, "attempt {i}: {d:?} > {ceiling} ms");
        }
        // Jitter: not every pause is the same.
        assert!(delays.windows(2).any(|w| w[0] != w[1]));
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(10));
    }

    #[test]
    fn only_network_and_unreadable_answers_are_retried() {
        assert!(ClientError::Transport("reset".into()).is_retryable());
        let bad = ClientError::BadResponse { status: 200, detail: "EOF while parsing".into() };
        assert!(bad.is_retryable());
        assert_eq!(bad.code(), "SYNC_BAD_RESPONSE");
        let refused = ClientError::Server {
            status: 401,
            code: "UNAUTHORIZED".into(),
            message: "unknown desk token".into(),
        };
        assert!(!refused.is_retryable());
        assert_eq!(refused.code(), "UNAUTHORIZED");
        let quarantined = ClientError::Protocol(SyncError::Quarantined { site_seq: 3 });
        assert!(!quarantined.is_retryable());
    }
}
