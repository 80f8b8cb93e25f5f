//! QR check-in (扫码签到): a staff member's own swipe from a phone. The rules (inside the
//! window, once per window, under the head-count cap) are checked inside the same transaction
//! that records the swipe, so two phones racing for the last place cannot both get it.

use chrono::NaiveDateTime;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::{
    Actor, Desk,
    actor::Permission,
    error::{CoreError, Result},
    projects::{self, AttendanceWindow},
    staff::StaffRow,
    swipes::{self, DuplicatePolicy, Swipe, SwipeInput, SwipeSource, TIME_FORMAT},
};

/// One check-in request, after the adapter checked its token and identified the person.
#[derive(Debug, Clone)]
pub struct CheckIn {
    pub project_id: String,
    /// The attendance window the QR code was issued for.
    pub window_id: String,
    /// The terminal standing for the check-in service (kind `qr`).
    pub terminal_id: String,
    /// The person, from [`super::identify`].
    pub staff: StaffRow,
    /// The most people who may check in during one window, if the officer set one.
    pub cap: Option<u32>,
}

/// A committed check-in.
#[derive(Debug, Clone, Serialize)]
pub struct CheckedIn {
    pub swipe: Swipe,
    pub staff_name: String,
    pub window: AttendanceWindow,
    /// People checked in during the window, this one included.
    pub count: i64,
}

fn fmt(t: NaiveDateTime) -> String {
    t.format(TIME_FORMAT).to_string()
}

fn window_text(w: &AttendanceWindow) -> String {
    format!("{}–{}", w.starts_at.format("%m-%d %H:%M"), w.ends_at.format("%H:%M"))
}

/// The project's attendance window that contains `now`, if any.
pub fn current_window(desk: &Desk, project_id: &str, now: NaiveDateTime) -> Result<Option<AttendanceWindow>> {
    Ok(projects::attendance_windows(desk, project_id)?
        .into_iter()
        .find(|w| w.starts_at <= now && now < w.ends_at))
}

/// People with an accepted swipe for the project during the window (the kiosk's live count).
pub fn window_count(desk: &Desk, window: &AttendanceWindow) -> Result<i64> {
    count_in(desk.conn(), window)
}

fn count_in(conn: &rusqlite::Connection, w: &AttendanceWindow) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(DISTINCT staff_id) FROM swipes WHERE project_id = ?1 AND status = 'accepted'
               AND staff_id IS NOT NULL AND swiped_at >= ?2 AND swiped_at < ?3",
        )?
        .query_row(params![w.project_id, fmt(w.starts_at), fmt(w.ends_at)], |r| r.get(0))?)
}

fn window(desk: &Desk, project_id: &str, window_id: &str) -> Result<AttendanceWindow> {
    projects::attendance_windows(desk, project_id)?.into_iter().find(|w| w.id == window_id).ok_or_else(|| {
        CoreError::NotFound {
            entity: "attendance_window",
            entity_zh: "考勤时间段",
            key: window_id.to_string(),
        }
    })
}

/// Records a QR check-in as a swipe (source `qr`, card key `rid:<ID number>`), or refuses it
/// writing nothing: `CHECKIN_NOT_STARTED` / `CHECKIN_WINDOW_OVER` outside the window,
/// `CHECKIN_ALREADY` for a second check-in in the same window, `CHECKIN_CAP_REACHED` when the
/// window's cap is full.
pub fn check_in(desk: &mut Desk, actor: &Actor, req: CheckIn) -> Result<CheckedIn> {
    actor.require(Permission::RecordSwipes)?;
    let w = window(desk, &req.project_id, &req.window_id)?;
    let now = actor.now.naive_local();
    if now < w.starts_at {
        return Err(CoreError::Conflict {
            code: "CHECKIN_NOT_STARTED",
            zh: format!("不在考勤时间段内：本时间段（{}）尚未开始", window_text(&w)),
            en: format!("the attendance window {} has not started", window_text(&w)),
        });
    }
    if now >= w.ends_at {
        return Err(CoreError::Conflict {
            code: "CHECKIN_WINDOW_OVER",
            zh: format!("不在考勤时间段内：本时间段（{}）已结束", window_text(&w)),
            en: format!("the attendance window {} is over", window_text(&w)),
        });
    }
    let staff = req.staff;
    desk.change(actor, |c| {
        let earlier: Option<String> = c
            .tx()
            .prepare_cached(
                "SELECT swiped_at FROM swipes WHERE project_id = ?1 AND staff_id = ?2 AND status = 'accepted'
                   AND swiped_at >= ?3 AND swiped_at < ?4 ORDER BY swiped_at LIMIT 1",
            )?
            .query_row(params![w.project_id, staff.staff.id, fmt(w.starts_at), fmt(w.ends_at)], |r| r.get(0))
            .optional()?;
        if let Some(at) = earlier {
            let at = at.get(11..19).unwrap_or(&at).to_string();
            return Err(CoreError::Conflict {
                code: "CHECKIN_ALREADY",
                zh: format!("{}，您已于 {at} 签到，本时间段无需重复签到", staff.staff.name),
                en: format!("already checked in at {at} in this window"),
            });
        }
        let count = count_in(c.tx(), &w)?;
        if let Some(cap) = req.cap
            && count >= i64::from(cap)
        {
            return Err(CoreError::Conflict {
                code: "CHECKIN_CAP_REACHED",
                zh: format!("本时间段签到人数已满（上限 {cap} 人），请联系主办方"),
                en: format!("the window's head-count cap of {cap} is reached"),
            });
        }
        let swipe = swipes::insert(
            c,
            SwipeInput {
                terminal_id: req.terminal_id,
                terminal_seq: None,
                source: SwipeSource::Qr,
                card_key: format!("rid:{}", staff.staff.id_number),
                raw: None,
                device_time: None,
                clock_offset_ms: None,
                project_id: Some(w.project_id.clone()),
            },
            DuplicatePolicy::default(),
        )?;
        // Counted again: a resident-ID swipe taken just before the window may have made this
        // one a duplicate, which does not add a person.
        let count = count_in(c.tx(), &w)?;
        Ok(CheckedIn { swipe, staff_name: staff.staff.name.clone(), window: w, count })
    })
}
