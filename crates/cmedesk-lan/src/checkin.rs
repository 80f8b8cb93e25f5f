//! Check-in from a phone: scanning the kiosk's code opens the form with a single-use ticket
//! (bound to the device, the project and the window); submitting it identifies the person and
//! records the swipe through the core — committed before the phone is told it worked.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use cmedesk_core::self_service::{self, CheckIn};
use serde::Deserialize;
use serde_json::json;

use crate::pages;
use crate::server::{
    AppState, Peer, answer, device_of, device_within_limit, identify_counting_failures, page,
    person_within_limit,
};
use crate::token::{Ticket, TokenError};

#[derive(Deserialize)]
pub struct FormQuery {
    t: Option<String>,
}

fn refuse_page(status: StatusCode, code: &str, text: &str) -> Response {
    page(status, code, pages::message("签到未成功", code, text))
}

/// GET /c?t=QR — the form, or why the code cannot be used.
pub async fn form(
    State(state): State<Arc<AppState>>,
    peer: Peer,
    headers: HeaderMap,
    Query(q): Query<FormQuery>,
) -> Response {
    let now = state.clock.now();
    let step = now.timestamp().div_euclid(state.config.rotate_secs.max(1));
    let token = match state.signer.open_qr(q.t.as_deref().unwrap_or_default(), step) {
        Ok(t) if t.project_id == state.project.id => t,
        Err(TokenError::Expired) => {
            return refuse_page(
                StatusCode::GONE,
                "QR_EXPIRED",
                "二维码已过期：请扫描会场大屏上当前显示的二维码（二维码每隔几秒更换，照片或转发的二维码无效）。",
            );
        }
        _ => {
            return refuse_page(
                StatusCode::BAD_REQUEST,
                "QR_INVALID",
                "二维码无效：请扫描会场大屏上的二维码。",
            );
        }
    };
    let project_id = state.project.id.clone();
    let window_id = token.window_id.clone();
    let window = state
        .with_desk(move |desk, _| cmedesk_core::projects::attendance_windows(desk, &project_id))
        .await
        .ok()
        .and_then(|ws| ws.into_iter().find(|w| w.id == window_id));
    let Some(window) = window else {
        return refuse_page(StatusCode::BAD_REQUEST, "QR_INVALID", "二维码无效：请扫描会场大屏上的二维码。");
    };
    let local = now.naive_local();
    if local < window.starts_at || local >= window.ends_at {
        return refuse_page(
            StatusCode::CONFLICT,
            "CHECKIN_WINDOW_OVER",
            "不在考勤时间段内：本时间段已结束。",
        );
    }
    let cookie_device = device_of(&headers, &peer.0.0).filter(|d| !d.starts_with("ip"));
    let device = cookie_device.clone().unwrap_or_else(crate::token::nonce);
    let ticket = state.signer.ticket(&Ticket {
        project_id: token.project_id,
        window_id: token.window_id,
        device: device.clone(),
        nonce: crate::token::nonce(),
        expires: now.timestamp() + state.config.ticket_secs,
    });
    let window_text = format!(
        "{}{}–{}",
        window.label.map(|l| format!("{l} ")).unwrap_or_default(),
        window.starts_at.format("%m-%d %H:%M"),
        window.ends_at.format("%H:%M")
    );
    let title = format!("{} {}", state.project.code, state.project.name);
    let mut res = page(
        StatusCode::OK,
        "CHECKIN_FORM",
        pages::check_in(&title, &window_text, &ticket, &state.fingerprint),
    );
    if cookie_device.is_none()
        && let Ok(v) = HeaderValue::from_str(&format!(
            "cmd_dev={device}; Path=/; Max-Age=31536000; HttpOnly; Secure; SameSite=Strict"
        ))
    {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

#[derive(Deserialize)]
pub struct CheckInBody {
    ticket: String,
    id_number: String,
    second_factor: String,
}

/// POST /api/checkin.
pub async fn submit(
    State(state): State<Arc<AppState>>,
    peer: Peer,
    headers: HeaderMap,
    Json(body): Json<CheckInBody>,
) -> Response {
    let now = state.unix_now();
    let device = match device_within_limit(&state, &headers, &peer.0.0, now) {
        Ok(device) => device,
        Err(refused) => return refused,
    };
    let ticket = match state.signer.open_ticket(&body.ticket, now) {
        Ok(t) if t.project_id == state.project.id && t.device == device => t,
        Err(TokenError::Expired) => {
            return answer(
                StatusCode::GONE,
                "TICKET_EXPIRED",
                "签到页面已过期：请重新扫描会场大屏上的二维码",
                json!({}),
            );
        }
        _ => {
            return answer(
                StatusCode::BAD_REQUEST,
                "TICKET_INVALID",
                "签到页面无效：请用本机重新扫描会场大屏上的二维码",
                json!({}),
            );
        }
    };
    // Reserve the ticket: a second submission (or a copy racing this one) is a replay.
    {
        let mut used = state.used_tickets.lock().unwrap_or_else(|e| e.into_inner());
        if used.len() > 50_000 {
            used.retain(|_, exp| *exp > now);
        }
        if used.contains_key(&ticket.nonce) {
            return answer(
                StatusCode::CONFLICT,
                "TICKET_USED",
                "此签到页面已经提交过，不能重复使用：如需签到请重新扫码",
                json!({}),
            );
        }
        used.insert(ticket.nonce.clone(), ticket.expires);
    }
    let release = |state: &AppState| {
        state.used_tickets.lock().unwrap_or_else(|e| e.into_inner()).remove(&ticket.nonce);
    };
    let person = match person_within_limit(&state, &body.id_number, now) {
        Ok(person) => person,
        Err(refused) => {
            release(&state);
            return refused;
        }
    };
    let window_id = ticket.window_id.clone();
    let result = state
        .with_desk(move |desk, st| {
            let staff =
                identify_counting_failures(desk, st, &body.id_number, &body.second_factor, &person, now)?;
            self_service::check_in(
                desk,
                &st.actor(),
                CheckIn {
                    project_id: st.project.id.clone(),
                    window_id,
                    terminal_id: st.terminal_id.clone(),
                    staff,
                    cap: st.config.cap,
                },
            )
        })
        .await;
    match result {
        Ok(done) => answer(
            StatusCode::OK,
            "CHECKED_IN",
            &format!(
                "签到成功：{}，{}。本时间段已签到 {} 人。",
                done.staff_name,
                done.swipe.swiped_at.format("%H:%M:%S"),
                done.count
            ),
            json!({ "name": done.staff_name, "swipe_id": done.swipe.id, "count": done.count }),
        ),
        Err(e) => {
            release(&state);
            let status = match e.code() {
                "SELF_SERVICE_NOT_VERIFIED" | "REQUIRED" => StatusCode::UNPROCESSABLE_ENTITY,
                "DATABASE" | "CORRUPT" => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::CONFLICT,
            };
            answer(status, e.code(), &e.message_zh(), json!({}))
        }
    }
}
