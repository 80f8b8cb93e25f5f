//! Live swipe sessions (签到): one reader on this desk taking cards for one project. The same
//! session serves `cmedesk swipe listen` and the desktop app's kiosk page (serial readers and
//! keyboard-wedge readers alike): it registers the reader as a terminal once, then commits each
//! read through [`swipes::ingest`] — the caller confirms to the person only after [`LiveSession::take`]
//! returns. Knows nothing of serial ports: adapters hand over the card key and raw bytes.

use serde::Serialize;

use crate::{
    actor::Actor,
    error::Result,
    projects,
    swipes::{self, DuplicatePolicy, Ingested, SwipeInput, SwipeSource},
    terminals,
};

/// Where the reads of a session come from.
#[derive(Debug, Clone)]
pub struct ReaderIdentity {
    /// Terminal kind as stored: `sam`, `em4100`, `ascii`, `keyboard`.
    pub kind: String,
    /// Shown in lists, e.g. `读卡器 /dev/ttyUSB0`.
    pub name: String,
    /// What finds the same terminal again next time (a port path, `keyboard`).
    pub identity: String,
    pub source: SwipeSource,
}

/// A running session: the terminal, the project and the duplicate rule.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub terminal_id: String,
    pub project_id: Option<String>,
    pub source: SwipeSource,
    pub policy: DuplicatePolicy,
}

/// Swipes of one project by status, for the live count on the kiosk screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SwipeCounts {
    #[ts(type = "number")]
    pub accepted: i64,
    #[ts(type = "number")]
    pub duplicate: i64,
    #[ts(type = "number")]
    pub unknown_card: i64,
}

impl LiveSession {
    /// Registers the reader (once per identity) and resolves the project (code or id).
    pub fn open(
        desk: &mut crate::Desk,
        actor: &Actor,
        reader: &ReaderIdentity,
        project: Option<&str>,
        policy: DuplicatePolicy,
    ) -> Result<LiveSession> {
        let project_id = project.map(|p| projects::resolve(desk, p)).transpose()?.map(|p| p.id);
        let terminal = terminals::ensure(desk, actor, &reader.kind, &reader.name, Some(&reader.identity))?;
        Ok(LiveSession { terminal_id: terminal.id, project_id, source: reader.source, policy })
    }

    /// Commits one read (the actor carries the time it was taken) and returns it with its holder.
    pub fn take(
        &self,
        desk: &mut crate::Desk,
        actor: &Actor,
        card_key: &str,
        raw: Option<Vec<u8>>,
    ) -> Result<Ingested> {
        swipes::ingest(
            desk,
            actor,
            SwipeInput {
                terminal_id: self.terminal_id.clone(),
                terminal_seq: None,
                source: self.source,
                card_key: card_key.to_string(),
                raw,
                device_time: None,
                clock_offset_ms: None,
                project_id: self.project_id.clone(),
            },
            self.policy,
        )
    }

    /// The project's swipes so far, by status (zero without a project).
    pub fn counts(&self, desk: &crate::Desk) -> Result<SwipeCounts> {
        match &self.project_id {
            Some(p) => counts(desk, p),
            None => Ok(SwipeCounts::default()),
        }
    }
}

/// A project's swipes by status.
pub fn counts(desk: &crate::Desk, project_id: &str) -> Result<SwipeCounts> {
    let (accepted, duplicate, unknown_card) = swipes::count_for_project(desk, project_id)?;
    Ok(SwipeCounts { accepted, duplicate, unknown_card })
}
