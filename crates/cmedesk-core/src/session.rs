//! Signing in and staying signed in: lockout after repeated failed sign-ins (time-based), and
//! the idle lock the desktop applies. The shells call [`sign_in`], never
//! [`crate::users::authenticate`] directly, so every shell counts failures the same way.
//!
//! Failures are not kept in a table of their own: each failed sign-in of an existing operator is
//! an audit-log entry (`user.sign_in.failed`), which is also where an administrator looks for
//! them. The lockout state is read back from the newest audit rows (newest first, stopping at the
//! window's start), and ends with the window, with a successful sign-in, with an administrator's
//! password reset or with [`unlock`].

use chrono::{DateTime, Duration, FixedOffset};
use rusqlite::params;
use serde::Serialize;

use crate::{
    actor::{Actor, Operator, Permission},
    error::{CoreError, Result},
    store::Desk,
    users,
};

/// The desk's sign-in policy. The values are the core's; the desktop reads `idle_lock` from here
/// rather than choosing its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SessionPolicy {
    /// Failed sign-ins within `lockout_window` that lock the account.
    pub max_failed_sign_ins: u32,
    /// How far back failures count, and how long a lock lasts after the last counted failure.
    #[ts(type = "number")]
    pub lockout_window_secs: i64,
    /// Minutes without input after which the desktop locks its window (password to resume).
    #[ts(type = "number")]
    pub idle_lock_secs: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy { max_failed_sign_ins: 5, lockout_window_secs: 15 * 60, idle_lock_secs: 10 * 60 }
    }
}

const FAILED: &str = "user.sign_in.failed";
/// Entries that end a run of failures for that operator.
const CLEARING: &[&str] = &["user.sign_in.after_failures", "user.unlock", "user.password.reset"];

/// Failed sign-ins of `username` still counting at `now`, and until when the account is locked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockState {
    pub failures: u32,
    pub locked_until: Option<DateTime<FixedOffset>>,
}

/// Reads the lock state from the audit log's newest rows back to the window's start.
pub fn lock_state(
    desk: &Desk,
    username: &str,
    now: DateTime<FixedOffset>,
    policy: &SessionPolicy,
) -> Result<LockState> {
    let start = now - Duration::seconds(policy.lockout_window_secs);
    // This operator's entries newest first (the audit_log_entity index, walked backwards),
    // stopping at the window's start. Not the whole log newest first: right after a roster
    // import or a demo load every entry is "recent", and signing in read all 160,000 of them
    // (0.7 s and 64 MiB of page cache).
    let mut stmt = desk.conn().prepare_cached(
        "SELECT at, action FROM audit_log WHERE entity = 'user' AND entity_id = ?1 ORDER BY seq DESC",
    )?;
    let mut rows = stmt.query(params![username])?;
    let mut failures: Vec<DateTime<FixedOffset>> = Vec::new();
    while let Some(r) = rows.next()? {
        let at: String = r.get(0)?;
        let at = DateTime::parse_from_rfc3339(&at)
            .map_err(|e| CoreError::Corrupt(format!("audit time {at}: {e}")))?;
        if at < start {
            break;
        }
        let action: String = r.get(1)?;
        if CLEARING.contains(&action.as_str()) {
            break;
        }
        if action == FAILED {
            failures.push(at);
        }
    }
    let max = policy.max_failed_sign_ins.max(1) as usize;
    // Newest first: the lock runs from the failure that reached the limit.
    let locked_until = (failures.len() >= max)
        .then(|| failures[failures.len() - max] + Duration::seconds(policy.lockout_window_secs))
        .filter(|until| *until > now);
    Ok(LockState { failures: failures.len() as u32, locked_until })
}

/// Signs an operator in. A wrong password of an existing operator is written to the audit log;
/// after `max_failed_sign_ins` within the window the account is refused even with the right
/// password, until the window has passed or an administrator unlocks it. The refusal of a locked
/// account is the refusal of an unknown user or a wrong password (`AUTHENTICATION_FAILED`, same
/// message, same argon2 cost): the sign-in form must not tell who has an account. The lock is
/// visible to administrators (`lock_state`, `cmedesk user unlock`) and in the audit log.
pub fn sign_in(
    desk: &mut Desk,
    username: &str,
    password: &str,
    now: DateTime<FixedOffset>,
    policy: &SessionPolicy,
) -> Result<Operator> {
    let username = username.trim();
    let Ok(info) = users::get(desk, username) else {
        // No account to lock: same answer as a wrong password, nothing written.
        users::spend_a_verification(password);
        return Err(CoreError::AuthenticationFailed);
    };
    let state = lock_state(desk, username, now, policy)?;
    if state.locked_until.is_some() {
        // Locked: nothing written (a lock is not extended by more tries).
        users::spend_a_verification(password);
        return Err(CoreError::AuthenticationFailed);
    }
    let system = Actor::new(Operator::system(), now);
    match users::authenticate(desk, username, password) {
        Ok(operator) => {
            if state.failures > 0 {
                // Ends the run of failures (a success leaves no trace otherwise).
                desk.change(&Actor::new(operator.clone(), now), |c| {
                    c.record("user.sign_in.after_failures", "user", username, Some(&info), Some(&info))
                })?;
            }
            Ok(operator)
        }
        Err(CoreError::AuthenticationFailed) => {
            desk.change(&system, |c| c.record(FAILED, "user", username, Some(&info), Some(&info)))?;
            Err(CoreError::AuthenticationFailed)
        }
        Err(e) => Err(e),
    }
}

/// Lifts a lockout without changing the password (an administrator, audited).
pub fn unlock(desk: &mut Desk, actor: &Actor, username: &str) -> Result<()> {
    actor.require(Permission::ManageUsers)?;
    let info = users::get(desk, username)?;
    desk.change(actor, |c| c.record("user.unlock", "user", username, Some(&info), Some(&info)))
}

/// A signed-in session as a shell holds it: the idle lock is decided here so the desktop and any
/// later shell agree on it.
#[derive(Debug, Clone)]
pub struct Session {
    pub operator: Operator,
    pub last_activity: DateTime<FixedOffset>,
}

impl Session {
    pub fn new(operator: Operator, now: DateTime<FixedOffset>) -> Session {
        Session { operator, last_activity: now }
    }

    /// True once the operator has been idle for the policy's `idle_lock_secs`.
    pub fn is_idle_locked(&self, now: DateTime<FixedOffset>, policy: &SessionPolicy) -> bool {
        now - self.last_activity >= Duration::seconds(policy.idle_lock_secs)
    }

    /// Input from the operator: keeps the session open, unless it is already idle-locked.
    pub fn touch(&mut self, now: DateTime<FixedOffset>, policy: &SessionPolicy) -> Result<()> {
        if self.is_idle_locked(now, policy) {
            return Err(CoreError::Conflict {
                code: "SESSION_IDLE_LOCKED",
                zh: "长时间未操作，已锁定，请重新输入密码".into(),
                en: "the session is locked after being idle; sign in again".into(),
            });
        }
        self.last_activity = self.last_activity.max(now);
        Ok(())
    }

    /// Resumes an idle-locked session with the operator's password (counted like a sign-in).
    pub fn resume(
        &mut self,
        desk: &mut Desk,
        password: &str,
        now: DateTime<FixedOffset>,
        policy: &SessionPolicy,
    ) -> Result<()> {
        self.operator = sign_in(desk, &self.operator.username, password, now, policy)?;
        self.last_activity = now;
        Ok(())
    }
}
