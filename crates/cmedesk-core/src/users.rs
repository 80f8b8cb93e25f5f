//! Local operators (操作员) and their passwords (argon2id). Password hashes never leave this
//! module: the audit log and the outbox see only who, which role and when.

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use chrono::{DateTime, FixedOffset};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{
    actor::{Actor, Operator, Permission, Role},
    error::{CoreError, Result},
    sql,
    store::Desk,
};

const ENTITY: &str = "user";

/// An operator as lists show them (never the hash).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct UserInfo {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub department_id: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct NewUser {
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub department_id: Option<String>,
    pub password: String,
}

/// Password rules: 8 to 128 characters (argon2 is deliberately slow; unbounded input would let a
/// caller burn CPU), letters and digits, and not the username itself.
pub fn check_password(username: &str, password: &str) -> Result<()> {
    let n = password.chars().count();
    let letters = password.chars().any(|c| c.is_alphabetic());
    let digits = password.chars().any(|c| c.is_ascii_digit());
    if !(8..=128).contains(&n) || !letters || !digits {
        return Err(CoreError::invalid(
            "password",
            "PASSWORD_WEAK",
            "密码须为8至128位，且同时包含字母和数字",
            "password needs 8 to 128 characters with letters and digits",
        ));
    }
    let user = username.trim().to_lowercase();
    if !user.is_empty() && password.to_lowercase().contains(&user) {
        return Err(CoreError::invalid(
            "password",
            "PASSWORD_CONTAINS_USERNAME",
            "密码不能包含用户名",
            "password must not contain the username",
        ));
    }
    Ok(())
}

fn hash(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
        .map(|h| h.to_string())
        .map_err(|e| CoreError::Corrupt(format!("password hashing failed: {e}")))
}

fn check_username(username: &str) -> Result<String> {
    let u = sql::required(username, "username", "用户名")?;
    if u.len() > 32 || !u.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-') {
        return Err(CoreError::invalid(
            "username",
            "USERNAME_FORMAT",
            "用户名只能包含字母、数字、下划线、点和连字符，最长32位",
            "username: letters, digits, _ . - only, at most 32",
        ));
    }
    Ok(u)
}

/// Creates the first administrator of a new desk. Refused once any operator exists.
pub fn bootstrap_admin(desk: &mut Desk, password: &str, now: DateTime<FixedOffset>) -> Result<Operator> {
    let any: i64 = desk.conn().query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
    if any > 0 {
        return Err(CoreError::Duplicate {
            entity: ENTITY,
            entity_zh: "管理员账号",
            field: "username",
            key: "admin".into(),
        });
    }
    let actor = Actor::new(Operator::system(), now);
    insert(
        desk,
        &actor,
        NewUser {
            username: "admin".into(),
            display_name: Some("管理员".into()),
            role: Role::Admin,
            department_id: None,
            password: password.into(),
        },
    )
}

pub fn add(desk: &mut Desk, actor: &Actor, new: NewUser) -> Result<Operator> {
    actor.require(Permission::ManageUsers)?;
    insert(desk, actor, new)
}

fn insert(desk: &mut Desk, actor: &Actor, new: NewUser) -> Result<Operator> {
    let username = check_username(&new.username)?;
    check_password(&username, &new.password)?;
    if new.role == Role::DepartmentSecretary && new.department_id.is_none() {
        return Err(CoreError::Required { field: "department_id", label_zh: "所属科室" });
    }
    if let Some(d) = &new.department_id {
        crate::departments::get(desk, d)?;
    }
    let exists: Option<String> = desk
        .conn()
        .query_row("SELECT username FROM users WHERE username = ?1", [&username], |r| r.get(0))
        .optional()?;
    if exists.is_some() {
        return Err(CoreError::Duplicate {
            entity: ENTITY,
            entity_zh: "用户名",
            field: "username",
            key: username,
        });
    }
    let password_hash = hash(&new.password)?;
    let info = UserInfo {
        display_name: sql::clean(new.display_name.as_deref()).unwrap_or_else(|| username.clone()),
        username,
        role: new.role,
        department_id: new.department_id,
        active: true,
    };
    desk.change(actor, |c| {
        let now = c.actor().timestamp();
        c.tx().execute(
            "INSERT INTO users(username, display_name, role, department_id, password_hash, active, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?6)",
            params![info.username, info.display_name, info.role.as_str(), info.department_id, password_hash, now],
        )?;
        c.record("user.add", ENTITY, &info.username, None, Some(&info))?;
        Ok(())
    })?;
    Ok(Operator {
        username: info.username,
        display_name: info.display_name,
        role: info.role,
        department_id: info.department_id,
    })
}

/// Checks a username and password; the same error for an unknown user and a wrong password.
pub fn authenticate(desk: &Desk, username: &str, password: &str) -> Result<Operator> {
    let row: Option<(UserInfo, String)> = desk
        .conn()
        .query_row(
            "SELECT username, display_name, role, department_id, active, password_hash FROM users WHERE username = ?1",
            [username.trim()],
            |r| Ok((user_row(r)?, r.get(5)?)),
        )
        .optional()?;
    let Some((info, stored)) = row else {
        spend_a_verification(password);
        return Err(CoreError::AuthenticationFailed);
    };
    let parsed = PasswordHash::new(&stored).map_err(|e| CoreError::Corrupt(e.to_string()))?;
    if !info.active || Argon2::default().verify_password(password.as_bytes(), &parsed).is_err() {
        return Err(CoreError::AuthenticationFailed);
    }
    Ok(Operator {
        username: info.username,
        display_name: info.display_name,
        role: info.role,
        department_id: info.department_id,
    })
}

/// Costs what checking a real password costs, so a refusal takes as long whether or not the
/// username exists (or is locked): timing must not tell who has an account.
pub(crate) fn spend_a_verification(password: &str) {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let Some(stored) = DUMMY.get_or_init(|| hash("cmedesk: no such operator").ok()) else { return };
    if let Ok(parsed) = PasswordHash::new(stored) {
        let _ = Argon2::default().verify_password(password.as_bytes(), &parsed);
    }
}

/// Sets a password: an operator changes their own (with the current one), an admin anyone's.
pub fn set_password(
    desk: &mut Desk,
    actor: &Actor,
    username: &str,
    current: Option<&str>,
    new_password: &str,
) -> Result<()> {
    let own = actor.operator.username == username;
    if own {
        authenticate(desk, username, current.unwrap_or_default())?;
    } else {
        actor.require(Permission::ManageUsers)?;
    }
    check_password(username, new_password)?;
    let info = get(desk, username)?;
    let password_hash = hash(new_password)?;
    desk.change(actor, |c| {
        c.tx().execute(
            "UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE username = ?1",
            params![username, password_hash, c.actor().timestamp()],
        )?;
        // The audit row says that the password changed, never what to.
        c.record(
            if own { "user.password.change" } else { "user.password.reset" },
            ENTITY,
            username,
            Some(&info),
            Some(&info),
        )
    })
}

pub fn get(desk: &Desk, username: &str) -> Result<UserInfo> {
    desk.conn()
        .query_row(
            "SELECT username, display_name, role, department_id, active FROM users WHERE username = ?1",
            [username],
            user_row,
        )
        .optional()?
        .ok_or_else(|| CoreError::NotFound {
            entity: ENTITY, entity_zh: "操作员", key: username.to_string()
        })
}

pub fn list(desk: &Desk) -> Result<Vec<UserInfo>> {
    Ok(desk
        .conn()
        .prepare("SELECT username, display_name, role, department_id, active FROM users ORDER BY username")?
        .query_map([], user_row)?
        .collect::<rusqlite::Result<_>>()?)
}

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserInfo> {
    let role: String = r.get(2)?;
    Ok(UserInfo {
        username: r.get(0)?,
        display_name: r.get(1)?,
        role: Role::parse(&role).ok_or_else(|| {
            rusqlite::Error::InvalidColumnType(2, "role".into(), rusqlite::types::Type::Text)
        })?,
        department_id: r.get(3)?,
        active: r.get(4)?,
    })
}
