//! The kiosk (签到大屏): the rotating QR code, the live count of the current window, and the
//! certificate fingerprint. Reachable from this computer (loopback) or with the kiosk key
//! printed at start: a phone that could read the kiosk state would check in from anywhere.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use cmedesk_core::self_service;
use qrcode::QrCode;
use qrcode::render::svg;
use serde::Deserialize;

use crate::server::{AppState, Peer, answer, page};
use crate::{pages, token::QrToken};

#[derive(Deserialize)]
pub struct KioskQuery {
    k: Option<String>,
}

fn allowed(state: &AppState, peer: &Peer, q: &KioskQuery) -> bool {
    peer.0.0.ip().is_loopback() || q.k.as_deref() == Some(state.kiosk_key.as_str())
}

pub async fn show(State(state): State<Arc<AppState>>, peer: Peer, Query(q): Query<KioskQuery>) -> Response {
    if !allowed(&state, &peer, &q) {
        return page(
            StatusCode::FORBIDDEN,
            "KIOSK_FORBIDDEN",
            pages::message(
                "无权访问",
                "KIOSK_FORBIDDEN",
                "签到大屏只能在本机打开，或使用启动时显示的大屏地址。",
            ),
        );
    }
    let url = match q.k {
        Some(k) => format!("/kiosk/state?k={k}"),
        None => "/kiosk/state".to_string(),
    };
    let title = format!("{} {}", state.project.code, state.project.name);
    page(StatusCode::OK, "KIOSK", pages::kiosk(&title, &url, &state.fingerprint))
}

/// The code's URL and SVG for a rotation step, drawn once per step (drawing takes a while
/// and several screens may poll every second).
async fn code_for(state: &Arc<AppState>, project_id: &str, window_id: &str, step: i64) -> (String, String) {
    let key = format!("{window_id}/{step}");
    if let Some((k, url, svg)) = state.kiosk_code.lock().unwrap_or_else(|e| e.into_inner()).as_ref()
        && *k == key
    {
        return (url.clone(), svg.clone());
    }
    let token = state.signer.qr(&QrToken {
        project_id: project_id.to_string(),
        window_id: window_id.to_string(),
        step,
    });
    let url = format!("{}/c?t={token}", state.base_url);
    let text = url.clone();
    let svg = tokio::task::spawn_blocking(move || {
        QrCode::new(text.as_bytes())
            .map(|c| c.render::<svg::Color<'_>>().min_dimensions(320, 320).build())
            .unwrap_or_default()
    })
    .await
    .unwrap_or_default();
    *state.kiosk_code.lock().unwrap_or_else(|e| e.into_inner()) = Some((key, url.clone(), svg.clone()));
    (url, svg)
}

pub async fn state(State(state): State<Arc<AppState>>, peer: Peer, Query(q): Query<KioskQuery>) -> Response {
    if !allowed(&state, &peer, &q) {
        return answer(
            StatusCode::FORBIDDEN,
            "KIOSK_FORBIDDEN",
            "签到大屏只能在本机打开",
            serde_json::json!({}),
        );
    }
    let now = state.clock.now();
    let rotate = state.config.rotate_secs.max(1);
    let step = now.timestamp().div_euclid(rotate);
    let expires_in = rotate - now.timestamp().rem_euclid(rotate);
    let project_id = state.project.id.clone();
    let found = state
        .with_desk(move |desk, _| -> cmedesk_core::Result<_> {
            match self_service::current_window(desk, &project_id, now.naive_local())? {
                Some(w) => {
                    let count = self_service::window_count(desk, &w)?;
                    Ok(Some((w, count)))
                }
                None => Ok(None),
            }
        })
        .await;
    match found {
        Err(e) => answer(StatusCode::INTERNAL_SERVER_ERROR, e.code(), &e.message_zh(), serde_json::json!({})),
        Ok(None) => answer(
            StatusCode::OK,
            "NO_WINDOW",
            "当前不在考勤时间段内，二维码暂不显示",
            serde_json::json!({ "count": 0, "cap": state.config.cap, "svg": null, "url": null, "window": null }),
        ),
        Ok(Some((w, count))) => {
            let (url, svg) = code_for(&state, &w.project_id, &w.id, step).await;
            let window = format!(
                "考勤时间段 {}{} {}–{}",
                w.label.as_deref().map(|l| format!("{l} ")).unwrap_or_default(),
                w.starts_at.format("%Y-%m-%d"),
                w.starts_at.format("%H:%M"),
                w.ends_at.format("%H:%M")
            );
            let full = state.config.cap.is_some_and(|c| count >= i64::from(c));
            answer(
                StatusCode::OK,
                "KIOSK_STATE",
                if full { "签到人数已满" } else { "" },
                serde_json::json!({
                    "count": count, "cap": state.config.cap, "svg": svg, "url": url, "step": step,
                    "expires_in": expires_in, "window": window, "window_id": w.id,
                    "fingerprint": state.fingerprint,
                }),
            )
        }
    }
}
