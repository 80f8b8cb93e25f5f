//! CME Desk exchange server (数据交换服务器): the HTTP face of the sync protocol
//! (`schema/api/exchange.yaml`) over [`store::HubStore`]. The protocol rules themselves are
//! `cmedesk_core::sync`; this crate authenticates desks, limits request sizes, maps replies to
//! status codes and keeps the storage.

pub mod pg;
pub mod province;
pub mod retention;
pub mod store;
pub mod submissions;
pub mod tls;

use std::sync::{Arc, Mutex};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, Query, State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use cmedesk_core::sync::{PushReply, PushRequest};
use serde::Deserialize;
use serde_json::json;

pub use store::{HubError, HubStore, Status};

/// Largest request body accepted: a push batch of a few thousand ops fits comfortably.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Largest pull page.
pub const MAX_PULL_LIMIT: u32 = 5_000;

#[derive(Clone)]
struct AppState {
    store: Arc<Mutex<HubStore>>,
    /// SHA-256 of the administrator token, if enrolment over HTTP is enabled.
    admin_token_sha256: Option<String>,
}

/// The server's routes over an opened store.
pub fn router(store: HubStore, admin_token: Option<&str>) -> Router {
    let state = AppState {
        store: Arc::new(Mutex::new(store)),
        admin_token_sha256: admin_token.map(store::token_hash),
    };
    Router::new()
        .route("/v1/enrol", post(enrol))
        .route("/v1/push", post(push))
        .route("/v1/pull", get(pull))
        .route("/v1/status", get(status))
        .route("/v1/snapshot", get(snapshot))
        .route("/v1/approved-projects", get(approved_projects))
        .route("/v1/review-decisions", get(review_decisions))
        .route("/v1/remote-credits", get(remote_credits))
        .route("/v1/submissions", post(submit))
        .route("/v1/submissions/{event_id}", get(submission))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Serves until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    axum::serve(listener, app).await
}

/// Serves HTTPS with `config` ([`tls::server_config`]) until the process ends.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    config: std::sync::Arc<rustls::ServerConfig>,
    app: Router,
) -> std::io::Result<()> {
    axum::serve(tls::TlsListener::new(listener, config), app).await
}

/// An error answer: `{"error":{"code","message"}}` with a stable code.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"error": {"code": self.code, "message": self.message}}))).into_response()
    }
}

fn error(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError { status, code, message: message.into() }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    error(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", e.to_string())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ")
}

/// Runs `f` on the store off the async threads (SQLite blocks; fsync on commit).
async fn with_store<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut HubStore) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || {
        let mut guard = store.lock().map_err(|_| internal("store lock poisoned"))?;
        f(&mut guard)
    })
    .await
    .map_err(internal)?
}

async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(token) = bearer(headers).map(str::to_owned) else {
        return Err(error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "missing bearer token"));
    };
    with_store(state, move |s| {
        s.site_for_token(&token)?
            .ok_or_else(|| error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "unknown desk token"))
    })
    .await
}

impl From<HubError> for ApiError {
    fn from(e: HubError) -> ApiError {
        match e {
            HubError::AlreadyEnrolled(_) => error(StatusCode::CONFLICT, e.code(), e.to_string()),
            HubError::ResyncNeeded { .. } => error(StatusCode::GONE, e.code(), e.to_string()),
            other => internal(other),
        }
    }
}

fn body_error(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("request body over {MAX_BODY_BYTES} bytes"),
        )
    } else {
        error(StatusCode::BAD_REQUEST, "BAD_REQUEST", rejection.body_text())
    }
}

/// A request body as JSON: too large → 413, unreadable or not the expected shape → 400.
fn json_body<T: serde::de::DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let body = body.map_err(body_error)?;
    serde_json::from_slice(&body).map_err(|e| error(StatusCode::BAD_REQUEST, "BAD_REQUEST", e.to_string()))
}

async fn push(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let site = authenticate(&state, &headers).await?;
    let req: PushRequest = json_body(body)?;
    if req.site_id != site {
        return Err(error(StatusCode::FORBIDDEN, "SITE_MISMATCH", "the token belongs to another site"));
    }
    let reply = with_store(&state, move |s| Ok(s.push(&req)?)).await?;
    let status = match reply {
        PushReply::Accepted { .. } => StatusCode::OK,
        PushReply::Gap { .. } => StatusCode::CONFLICT,
        PushReply::Quarantined { .. } => StatusCode::UNPROCESSABLE_ENTITY,
    };
    Ok((status, Json(reply)).into_response())
}

#[derive(Deserialize)]
struct PullQuery {
    after: i64,
    limit: Option<u32>,
}

async fn pull(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<PullQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let site = authenticate(&state, &headers).await?;
    let Query(q) = query
        .map_err(|_| error(StatusCode::BAD_REQUEST, "BAD_REQUEST", "after (and limit) must be integers"))?;
    let limit = q.limit.unwrap_or(1_000).clamp(1, MAX_PULL_LIMIT);
    let after = q.after.max(0);
    let reply = with_store(&state, move |s| {
        let reply = s.pull(after, limit)?;
        // Asking for the log after `after` acknowledges everything up to it (retention).
        s.note_pulled(&site, after)?;
        Ok(reply)
    })
    .await?;
    Ok(Json(reply).into_response())
}

/// The merged data at the head (`GET /v1/snapshot`) for a desk whose cursor the log cannot
/// continue. Built and serialised off the async threads in one consistent read; sent as one
/// JSON body (a 10,000-person hospital is a few tens of MB).
async fn snapshot(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    authenticate(&state, &headers).await?;
    let body = with_store(&state, move |s| {
        let snap = s.snapshot()?;
        serde_json::to_vec(&snap).map_err(internal)
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

async fn status(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let site = authenticate(&state, &headers).await?;
    let st = with_store(&state, move |s| Ok(s.status(&site)?)).await?;
    Ok(Json(st).into_response())
}

#[derive(Deserialize)]
struct EnrolRequest {
    site_id: String,
    name: String,
}

async fn enrol(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let authorised = match (&state.admin_token_sha256, bearer(&headers)) {
        (Some(expected), Some(token)) => *expected == store::token_hash(token),
        _ => false,
    };
    if !authorised {
        return Err(error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "administrator token required"));
    }
    let req: EnrolRequest = json_body(body)?;
    if req.site_id.trim().is_empty() {
        return Err(error(StatusCode::BAD_REQUEST, "BAD_REQUEST", "site_id is required"));
    }
    let v = with_store(&state, move |s| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs().to_string())
            .unwrap_or_default();
        let token = s.enrol(&req.site_id, &req.name, &now)?;
        Ok(json!({"site_id": req.site_id, "token": token, "epoch": s.epoch()?}))
    })
    .await?;
    Ok(Json(v).into_response())
}

/// A view of the merged data for an enrolled desk: `{"<name>": [...], "head": N}`.
async fn view(
    state: &AppState,
    headers: &HeaderMap,
    name: &'static str,
    f: fn(&cmedesk_core::sync::Replica) -> Vec<serde_json::Value>,
) -> Result<Response, ApiError> {
    authenticate(state, headers).await?;
    let v = with_store(state, move |s| {
        let rows = f(s.replica()?);
        Ok(json!({name: rows, "head": s.head()?}))
    })
    .await?;
    Ok(Json(v).into_response())
}

async fn approved_projects(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    view(&state, &headers, "approved_projects", province::approved_projects).await
}

async fn review_decisions(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    view(&state, &headers, "review_decisions", province::review_decisions).await
}

async fn remote_credits(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    view(&state, &headers, "remote_credits", province::remote_credits).await
}

impl From<submissions::SubmitError> for ApiError {
    fn from(e: submissions::SubmitError) -> ApiError {
        use submissions::SubmitError as E;
        let status = match &e {
            E::NotTheSubmitter { .. } => StatusCode::FORBIDDEN,
            E::Mismatch { .. } => StatusCode::CONFLICT,
            E::Invalid(_) => StatusCode::BAD_REQUEST,
            E::Hub(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        error(status, e.code(), e.to_string())
    }
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let site = authenticate(&state, &headers).await?;
    let sub: submissions::Submission = json_body(body)?;
    let receipt = with_store(&state, move |s| Ok(s.submit(&site, &sub, store::now_ms())?)).await?;
    let status = if receipt.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(receipt)).into_response())
}

/// Asked by the submitting desk before it retries after a timeout: 404 means not received.
async fn submission(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(event_id): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    authenticate(&state, &headers).await?;
    let found = with_store(&state, move |s| Ok(s.submissions(Some(&event_id))?.pop())).await?;
    match found {
        Some(r) => Ok(Json(r).into_response()),
        None => Err(error(StatusCode::NOT_FOUND, "SUBMISSION_NOT_FOUND", "no submission with this event id")),
    }
}
