//! The service: shared state, the router, the request log and start-up. Only the routes listed
//! in [`router`] exist — check-in, my credits, the kiosk (loopback or kiosk key only) — and none
//! of them changes anything but swipes; no admin function is reachable from the network.

use std::collections::HashMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context as _, Result};
use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use cmedesk_core::projects::Project;
use cmedesk_core::rules::RuleBook;
use cmedesk_core::{Actor, Desk, Operator};
use serde_json::json;

use crate::clock::Clock;
use crate::identity::Identity;
use crate::limits::{Limit, Limiter};
use crate::statement::StatementSigner;
use crate::token::Signer;
use crate::{checkin, kiosk, me, pages, tls};

/// What the officer chose when starting the service.
#[derive(Debug, Clone)]
pub struct LanConfig {
    /// The address to bind, on the LAN interface the officer chose (never all interfaces by
    /// default).
    pub listen: SocketAddr,
    /// The project whose attendance is taken.
    pub project_id: String,
    /// Head-count cap per attendance window.
    pub cap: Option<u32>,
    /// The QR code changes every this many seconds.
    pub rotate_secs: i64,
    /// How long a phone has to fill in the form after scanning.
    pub ticket_secs: i64,
    /// Requests per device (check-in and queries).
    pub device_limit: Limit,
    /// Check-in and query attempts per ID number.
    pub person_limit: Limit,
    /// Failed identifications per ID number before it is locked for the window.
    pub failure_limit: Limit,
    /// The address phones use in the QR code (default `https://<listen>`).
    pub public_url: Option<String>,
}

impl LanConfig {
    pub fn new(listen: SocketAddr, project_id: impl Into<String>) -> LanConfig {
        LanConfig {
            listen,
            project_id: project_id.into(),
            cap: None,
            rotate_secs: 10,
            ticket_secs: 180,
            device_limit: Limit { max: 30, window_secs: 60 },
            person_limit: Limit { max: 10, window_secs: 60 },
            failure_limit: Limit { max: 5, window_secs: 900 },
            public_url: None,
        }
    }
}

/// Everything a request handler needs.
pub struct AppState {
    pub desk: Mutex<Desk>,
    pub operator: Operator,
    pub clock: Arc<dyn Clock>,
    pub signer: Signer,
    pub config: LanConfig,
    pub project: Project,
    pub terminal_id: String,
    pub fingerprint: String,
    pub kiosk_key: String,
    pub base_url: String,
    pub book: RuleBook,
    pub statement_signer: Arc<dyn StatementSigner>,
    pub fonts: Option<cmedesk_print::FontSet>,
    /// Nonces of tickets that checked someone in (or are being used right now) → expiry.
    pub used_tickets: Mutex<HashMap<String, i64>>,
    pub device_limiter: Limiter,
    pub person_limiter: Limiter,
    pub failure_limiter: Limiter,
    /// The kiosk's current code: (window/step, URL, SVG).
    pub kiosk_code: Mutex<Option<(String, String, String)>>,
    log: Mutex<Option<std::fs::File>>,
}

impl AppState {
    pub fn actor(&self) -> Actor {
        Actor::new(self.operator.clone(), self.clock.now())
    }

    pub fn unix_now(&self) -> i64 {
        self.clock.now().timestamp()
    }

    /// Runs `f` on the desk in the blocking pool (SQLite commits wait for the disk).
    pub async fn with_desk<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Desk, &AppState) -> T + Send + 'static,
    ) -> T {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut desk = state.desk.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut desk, &state)
        })
        .await
        .expect("desk task panicked")
    }
}

/// The address a request came from.
pub type Peer = ConnectInfo<tls::PeerAddr>;

/// The device making a request: its cookie, else its address.
pub fn device_of(headers: &HeaderMap, peer: &SocketAddr) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().strip_prefix("cmd_dev="))
        .find(|v| !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_hexdigit()))
        .map(str::to_string)
        .or_else(|| Some(format!("ip{}", peer.ip()).replace([':', '.'], "-")))
}

/// The requesting device, unless it has used up its request budget (then the refusal to send).
// The refusal is returned straight from the handler, once per request: no point boxing it.
#[allow(clippy::result_large_err)]
pub fn device_within_limit(
    state: &AppState,
    headers: &HeaderMap,
    peer: &SocketAddr,
    now: i64,
) -> std::result::Result<String, Response> {
    let device = device_of(headers, peer).unwrap_or_default();
    if state.device_limiter.hit(&device, now) {
        return Ok(device);
    }
    let wait = state.device_limiter.retry_after(&device, now);
    Err(answer(
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMIT_DEVICE",
        &format!("操作过于频繁，请 {wait} 秒后再试"),
        json!({}),
    ))
}

/// The normalised ID number a request names, unless that person is blocked after failed
/// attempts or over their request budget (then the refusal to send).
#[allow(clippy::result_large_err)]
pub fn person_within_limit(
    state: &AppState,
    id_number: &str,
    now: i64,
) -> std::result::Result<String, Response> {
    let person = cmedesk_core::id_number::normalize_input(id_number);
    if state.failure_limiter.blocked(&person, now) || !state.person_limiter.hit(&person, now) {
        return Err(answer(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMIT_PERSON",
            "该身份证号尝试次数过多，请稍后再试或联系科教科",
            json!({}),
        ));
    }
    Ok(person)
}

/// Identifies the person on the desk; a wrong second factor counts against `person`, so
/// guessing is throttled by [`person_within_limit`].
pub fn identify_counting_failures(
    desk: &Desk,
    state: &AppState,
    id_number: &str,
    second_factor: &str,
    person: &str,
    now: i64,
) -> cmedesk_core::Result<cmedesk_core::staff::StaffRow> {
    cmedesk_core::self_service::identify(desk, id_number, second_factor).inspect_err(|e| {
        if e.code() == "SELF_SERVICE_NOT_VERIFIED" {
            state.failure_limiter.hit(person, now);
        }
    })
}

/// A JSON answer: `{ok, code, message, …}` with the code also in a header for the request log.
pub fn answer(status: StatusCode, code: &str, message: &str, extra: serde_json::Value) -> Response {
    let mut body = json!({ "ok": status.is_success(), "code": code, "message": message });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let mut r = (status, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(code) {
        r.headers_mut().insert("x-cmedesk-code", v);
    }
    r
}

/// An HTML page with its outcome code.
pub fn page(status: StatusCode, code: &str, html: String) -> Response {
    let mut r = (status, Html(html)).into_response();
    if let Ok(v) = HeaderValue::from_str(code) {
        r.headers_mut().insert("x-cmedesk-code", v);
    }
    r
}

/// Every request logged (JSON lines): time, peer, method, path (never the query: tokens), the
/// status, the outcome code and the time taken. Security headers on every answer.
async fn log_and_harden(
    State(state): State<Arc<AppState>>,
    peer: Peer,
    req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=300"));
    let code = h.get("x-cmedesk-code").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let line = json!({
        "at": state.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
        "peer": peer.0.0.to_string(),
        "method": method,
        "path": path,
        "status": res.status().as_u16(),
        "code": code,
        "ms": (started.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0,
    });
    if let Some(f) = state.log.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        let _ = writeln!(f, "{line}");
    }
    res
}

async fn not_found() -> Response {
    page(StatusCode::NOT_FOUND, "NOT_FOUND", pages::message("未找到", "NOT_FOUND", "没有这个页面。"))
}

async fn home() -> Response {
    let html = "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>继教自助服务</title></head>\
<body><h1>继教自助服务</h1><ul><li>签到：请扫描会场大屏上的二维码</li><li><a href=\"/me\">查询我的学分</a></li></ul></body></html>";
    page(StatusCode::OK, "HOME", html.to_string())
}

/// The routes phones and the kiosk can reach. Nothing else exists.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/kiosk", get(kiosk::show))
        .route("/kiosk/state", get(kiosk::state))
        .route("/c", get(checkin::form))
        .route("/api/checkin", post(checkin::submit))
        .route("/me", get(me::form))
        .route("/api/me", post(me::query))
        .route("/me/statement.pdf", get(me::statement))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), log_and_harden))
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024))
        .with_state(state)
}

/// What the caller hands the service besides the configuration.
pub struct Parts {
    pub desk: Desk,
    /// The officer who starts the service: check-ins are recorded under their name.
    pub operator: Operator,
    pub clock: Arc<dyn Clock>,
    pub identity: Identity,
    pub statement_signer: Arc<dyn StatementSigner>,
    /// Fonts for statement PDFs; without them the download answers that no font was found.
    pub fonts: Option<cmedesk_print::FontSet>,
    /// Where the request log goes (JSON lines); `None` logs nowhere.
    pub access_log: Option<PathBuf>,
}

/// A started service.
pub struct Running {
    pub addr: SocketAddr,
    pub base_url: String,
    pub fingerprint: String,
    pub kiosk_url: String,
    pub project: Project,
    pub terminal_id: String,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Binds the chosen address and serves until the task is dropped or the process ends.
pub async fn start(config: LanConfig, parts: Parts) -> Result<Running> {
    let Parts { mut desk, operator, clock, identity, statement_signer, fonts, access_log } = parts;
    if config.listen.ip().is_unspecified() {
        // Every interface would include ones the officer did not mean (VPN, a second network).
        anyhow::bail!(
            "请指定院内网络网卡的地址（如 192.168.1.20:8443），不要监听 {} 的全部网卡 \
             (bind the chosen LAN address, not every interface)",
            config.listen.ip()
        );
    }
    let project = cmedesk_core::projects::get(&desk, &config.project_id)?;
    let actor = Actor::new(operator.clone(), clock.now());
    let tcp = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = tcp.local_addr()?;
    let terminal = cmedesk_core::terminals::ensure(
        &mut desk,
        &actor,
        "qr",
        "扫码签到（局域网自助服务）",
        Some(&format!("lan:{}", project.code)),
    )?;
    let base_url = config.public_url.clone().unwrap_or_else(|| format!("https://{addr}"));
    let kiosk_key = crate::token::nonce();
    let log = access_log
        .map(|p| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&p)
                .with_context(|| format!("opening {}", p.display()))
        })
        .transpose()?;
    let state = Arc::new(AppState {
        desk: Mutex::new(desk),
        operator,
        clock,
        signer: Signer::new(identity.secret),
        device_limiter: Limiter::new(config.device_limit),
        person_limiter: Limiter::new(config.person_limit),
        failure_limiter: Limiter::new(config.failure_limit),
        config,
        project: project.clone(),
        terminal_id: terminal.id.clone(),
        fingerprint: identity.fingerprint.clone(),
        kiosk_key: kiosk_key.clone(),
        base_url: base_url.clone(),
        book: RuleBook::embedded().map_err(cmedesk_core::CoreError::from)?,
        statement_signer,
        fonts,
        used_tickets: Mutex::new(HashMap::new()),
        kiosk_code: Mutex::new(None),
        log: Mutex::new(log),
    });
    let listener = tls::TlsListener::new(tcp, tls::server_config(&identity)?)?;
    let app = router(state).into_make_service_with_connect_info::<tls::PeerAddr>();
    let task = tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(Running {
        addr,
        kiosk_url: format!("{base_url}/kiosk?k={kiosk_key}"),
        base_url,
        fingerprint: identity.fingerprint,
        project,
        terminal_id: terminal.id,
        task,
    })
}
