//! 签到 (kiosk) commands: list serial ports, run a serial reader for a project, take swipes typed
//! by a keyboard-wedge reader, and the live count. Every swipe is committed through the core's
//! [`LiveSession`] (the same one `cmedesk swipe listen` uses) BEFORE the screen hears of it: the
//! `kiosk-swipe` event and the keyboard command's reply are sent after the commit returned.

use std::sync::mpsc;
use std::thread::JoinHandle;

use cmedesk_cards::codec::ascii::{AsciiConfig, NumberFormat};
use cmedesk_cards::{PortInfo, PortLocator, ReaderConfig, ReaderEvent, ReaderHandle, ReaderKind};
use cmedesk_core::kiosk::{self, LiveSession, ReaderIdentity, SwipeCounts};
use cmedesk_core::swipes::{DuplicatePolicy, Ingested, SwipeSource};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, State};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What the kiosk screen shows for one committed swipe.
#[derive(Debug, Clone, Serialize)]
pub struct KioskSwipe {
    pub swipe_id: String,
    /// `accepted`, `duplicate` or `unknown_card`.
    pub status: String,
    pub status_label: String,
    pub card_key: String,
    pub name: Option<String>,
    pub department: Option<String>,
    pub swiped_at: String,
    pub counts: SwipeCounts,
}

impl KioskSwipe {
    fn new(i: &Ingested, counts: SwipeCounts) -> KioskSwipe {
        KioskSwipe {
            swipe_id: i.swipe.id.clone(),
            status: i.swipe.status.as_str().to_owned(),
            status_label: i.swipe.status.label_zh().to_owned(),
            // A QR check-in's key is `rid:<ID number>`: masked like every ID number on screen.
            card_key: cmedesk_core::privacy::mask_text(&i.swipe.card_key),
            name: i.holder.as_ref().map(|h| h.staff.name.clone()),
            department: i.holder.as_ref().map(|h| h.department_name.clone()),
            swiped_at: i.swipe.swiped_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            counts,
        }
    }
}

/// A running serial reader: dropping the handle stops the reader thread, which closes the
/// channel and ends the forwarding thread.
pub struct KioskRun {
    reader: ReaderHandle,
    forwarder: JoinHandle<()>,
}

impl KioskRun {
    pub fn stop(self) {
        self.reader.stop();
        let _ = self.forwarder.join();
    }
}

/// Commits one read as the signed-in operator, now, and returns what the screen shows.
fn take(
    state: &AppState,
    session: &LiveSession,
    card_key: &str,
    raw: Option<Vec<u8>>,
) -> ApiResult<KioskSwipe> {
    state.write(|desk, actor| {
        let ingested = session.take(desk, actor, card_key, raw)?;
        Ok(KioskSwipe::new(&ingested, session.counts(desk)?))
    })
}

#[tauri::command]
pub async fn list_serial_ports() -> ApiResult<Vec<PortInfo>> {
    Ok(cmedesk_cards::list_ports()?)
}

#[tauri::command]
pub async fn kiosk_counts(state: State<'_, AppState>, project_id: String) -> ApiResult<SwipeCounts> {
    state.read(|desk, _| Ok(kiosk::counts(desk, &project_id)?))
}

/// A keyboard-wedge reader typed a card number: commit it, then answer.
#[tauri::command]
pub async fn kiosk_keyboard_swipe(
    state: State<'_, AppState>,
    project_id: String,
    typed: String,
) -> ApiResult<KioskSwipe> {
    let reader = ReaderIdentity {
        kind: "keyboard".into(),
        name: "键盘式读卡器".into(),
        identity: "keyboard".into(),
        source: SwipeSource::Keyboard,
    };
    let session = state.write(|desk, actor| {
        Ok(LiveSession::open(desk, actor, &reader, Some(&project_id), DuplicatePolicy::default())?)
    })?;
    let raw = typed.clone().into_bytes();
    take(&state, &session, typed.trim(), Some(raw))
}

/// Starts a serial reader for a project; swipes arrive as `kiosk-swipe` events (after commit),
/// reader state as `kiosk-reader`, refused swipes as `kiosk-error`.
#[tauri::command]
pub async fn kiosk_start(
    app: AppHandle,
    state: State<'_, AppState>,
    project_id: String,
    port: String,
    reader: ReaderKind,
    format: Option<String>,
) -> ApiResult<()> {
    let mut running = state.kiosk();
    if let Some(run) = running.take() {
        run.stop();
    }
    let identity = ReaderIdentity {
        kind: reader.as_str().into(),
        name: format!("读卡器 {port}"),
        identity: port.clone(),
        source: SwipeSource::Reader,
    };
    let session = state.write(|desk, actor| {
        Ok(LiveSession::open(desk, actor, &identity, Some(&project_id), DuplicatePolicy::default())?)
    })?;
    let mut cfg = ReaderConfig::new(session.terminal_id.clone(), reader, PortLocator::Path(port));
    if let Some(f) = format {
        let format: NumberFormat = f.parse()?;
        cfg.ascii = AsciiConfig { format, ..AsciiConfig::default() };
    }
    let (tx, rx) = mpsc::channel::<ReaderEvent>();
    let handle = ReaderHandle::spawn(cfg, tx)?;
    let forwarder = std::thread::Builder::new()
        .name("kiosk-ingest".into())
        .spawn(move || {
            for event in rx {
                // A lost event only leaves the screen stale; the swipe itself is already stored.
                let _ = match event {
                    ReaderEvent::Card(read) => {
                        match take(&app.state::<AppState>(), &session, &read.card_key, Some(read.raw)) {
                            Ok(shown) => app.emit("kiosk-swipe", shown),
                            Err(e) => app.emit("kiosk-error", e),
                        }
                    }
                    other => app.emit("kiosk-reader", other),
                };
            }
        })
        .map_err(|e| ApiError::new("KIOSK_THREAD", format!("无法启动签到线程：{e}")))?;
    *running = Some(KioskRun { reader: handle, forwarder });
    Ok(())
}

#[tauri::command]
pub async fn kiosk_stop(state: State<'_, AppState>) -> ApiResult<bool> {
    let run = state.kiosk().take();
    let was_running = run.is_some();
    if let Some(run) = run {
        run.stop();
    }
    Ok(was_running)
}
