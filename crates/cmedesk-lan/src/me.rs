//! "My credits" (我的学分): the ID number and second factor answer this year's credits as
//! compliance counts them, and a short-lived link to the signed statement PDF.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cmedesk_core::self_service;
use cmedesk_core::{printouts, statement_issues};
use serde::Deserialize;
use serde_json::json;

use crate::pages;
use crate::server::{
    AppState, Peer, answer, device_within_limit, identify_counting_failures, page, person_within_limit,
};

/// How long a statement link works.
const DOWNLOAD_SECS: i64 = 300;

pub async fn form(State(state): State<Arc<AppState>>) -> Response {
    page(StatusCode::OK, "ME_FORM", pages::my_credits(&state.fingerprint))
}

#[derive(Deserialize)]
pub struct MeBody {
    id_number: String,
    second_factor: String,
}

/// POST /api/me.
pub async fn query(
    State(state): State<Arc<AppState>>,
    peer: Peer,
    headers: HeaderMap,
    Json(body): Json<MeBody>,
) -> Response {
    let now = state.unix_now();
    if let Err(refused) = device_within_limit(&state, &headers, &peer.0.0, now) {
        return refused;
    }
    let person = match person_within_limit(&state, &body.id_number, now) {
        Ok(person) => person,
        Err(refused) => return refused,
    };
    let today = state.clock.now().date_naive();
    let result = state
        .with_desk(move |desk, st| {
            let staff =
                identify_counting_failures(desk, st, &body.id_number, &body.second_factor, &person, now)?;
            self_service::my_credits(desk, &st.book, &staff, today)
        })
        .await;
    match result {
        Ok(mine) => {
            let link =
                format!("/me/statement.pdf?d={}", state.signer.download(&mine.staff_id, now + DOWNLOAD_SECS));
            answer(StatusCode::OK, "MY_CREDITS", "", json!({ "mine": mine, "download": link }))
        }
        Err(e) => {
            let status = match e.code() {
                "SELF_SERVICE_NOT_VERIFIED" | "REQUIRED" => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            };
            answer(status, e.code(), &e.message_zh(), json!({}))
        }
    }
}

#[derive(Deserialize)]
pub struct DownloadQuery {
    d: Option<String>,
}

/// GET /me/statement.pdf?d=… — the signed statement of the year's approved credits.
pub async fn statement(State(state): State<Arc<AppState>>, Query(q): Query<DownloadQuery>) -> Response {
    let now = state.clock.now();
    let Ok(staff_id) = state.signer.open_download(q.d.as_deref().unwrap_or_default(), now.timestamp()) else {
        return page(
            StatusCode::GONE,
            "DOWNLOAD_EXPIRED",
            pages::message("链接已失效", "DOWNLOAD_EXPIRED", "下载链接已过期，请重新查询后下载。"),
        );
    };
    let Some(fonts) = state.fonts.clone() else {
        return page(
            StatusCode::SERVICE_UNAVAILABLE,
            "PRINT_NO_FONT",
            pages::message(
                "暂不能下载",
                "PRINT_NO_FONT",
                "服务器未找到中文字体，暂不能生成明细表，请联系科教科。",
            ),
        );
    };
    let built = state
        .with_desk(move |desk, st| -> anyhow::Result<(String, Vec<u8>)> {
            let staff = cmedesk_core::staff::get_row(desk, &staff_id)?;
            let year = self_service::my_credits(desk, &st.book, &staff, now.date_naive())?.year.year;
            let statement = printouts::statement(desk, &staff_id, year, false, now)?;
            let code =
                st.statement_signer.sign(&statement).map_err(|e| anyhow::anyhow!("{}: {e}", e.code()))?;
            let pdf = crate::statement::render(&fonts, &statement, &code)?;
            // Logged before the bytes leave: every statement in someone's hands is in the log,
            // so its short code can be checked at the desk.
            statement_issues::record(desk, &st.actor(), &staff_id, year, &statement, &code)?;
            Ok((format!("学分记录明细表_{}_{year}.pdf", staff.staff.name), pdf))
        })
        .await;
    match built {
        Ok((name, pdf)) => {
            let mut res = pdf.into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
            if let Ok(v) = HeaderValue::from_str(&format!(
                "attachment; filename=\"statement.pdf\"; filename*=UTF-8''{}",
                percent(&name)
            )) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert("x-cmedesk-code", HeaderValue::from_static("STATEMENT_PDF"));
            res
        }
        Err(e) => page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "STATEMENT_FAILED",
            pages::message("生成失败", "STATEMENT_FAILED", &format!("生成明细表失败：{e}")),
        ),
    }
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
