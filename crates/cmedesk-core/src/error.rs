//! The one error type of the core. Every variant has a stable `code()` the UI and scripts match on,
//! the input `field()` it concerns (so a form can show it on the right field), and a message in
//! Chinese for officers and in English for logs.

use crate::id_number::IdNumberError;

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{field}: {source}")]
    IdNumber {
        field: &'static str,
        #[source]
        source: IdNumberError,
    },
    #[error("{field} is required")]
    Required { field: &'static str, label_zh: &'static str },
    #[error("{field}: {en}")]
    InvalidField { field: &'static str, code: &'static str, zh: String, en: String },
    #[error("{entity} not found: {key}")]
    NotFound { entity: &'static str, entity_zh: &'static str, key: String },
    #[error("{entity} already exists: {key}")]
    Duplicate { entity: &'static str, entity_zh: &'static str, field: &'static str, key: String },
    #[error("operator {operator} ({role}) is not allowed to {permission}")]
    Forbidden { operator: String, role: &'static str, permission: &'static str, permission_zh: &'static str },
    #[error("wrong username or password")]
    AuthenticationFailed,
    #[error("{entity} in state {state} cannot {action}")]
    InvalidTransition {
        entity: &'static str,
        state: &'static str,
        state_zh: &'static str,
        action: &'static str,
        action_zh: &'static str,
        /// What must be filled in before the transition is possible, as (field, Chinese label).
        missing: Vec<(&'static str, &'static str)>,
    },
    #[error("{en}")]
    Conflict { code: &'static str, zh: String, en: String },
    #[error(
        "database schema version {found} is newer than this program supports ({supported}); upgrade CME Desk"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("migration {name} was changed after it was applied (recorded {recorded}, embedded {embedded})")]
    MigrationEdited { name: String, recorded: String, embedded: String },
    #[error("{path} is not a CME Desk database")]
    NotADeskDatabase { path: String },
    /// The database's key file or passphrase could not unlock it (`DB_KEY_MISSING`,
    /// `DB_KEY_WRONG`, `DB_KEY_EXPOSED`, `DB_KEY_DAMAGED`, `DB_PASSPHRASE_REQUIRED`,
    /// `DB_PASSPHRASE_WRONG`). Never SQLite's bare "file is not a database".
    #[error("{}", db_key_en(.code, .path))]
    DbKey { code: &'static str, path: String },
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
    /// An error in entry `index` (0-based) of a batch; nothing of the batch was written.
    #[error("entry {}: {source}", index + 1)]
    InBatch { index: usize, source: Box<CoreError> },
}

impl CoreError {
    /// Stable machine-readable code; never reworded, only added to.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::IdNumber { source, .. } => source.code(),
            CoreError::Required { .. } => "REQUIRED",
            CoreError::InvalidField { code, .. } => code,
            CoreError::NotFound { .. } => "NOT_FOUND",
            CoreError::Duplicate { .. } => "DUPLICATE",
            CoreError::Forbidden { .. } => "FORBIDDEN",
            CoreError::AuthenticationFailed => "AUTHENTICATION_FAILED",
            CoreError::InvalidTransition { .. } => "INVALID_TRANSITION",
            CoreError::Conflict { code, .. } => code,
            CoreError::SchemaTooNew { .. } => "SCHEMA_TOO_NEW",
            CoreError::MigrationEdited { .. } => "MIGRATION_EDITED",
            CoreError::NotADeskDatabase { .. } => "NOT_A_DESK_DATABASE",
            CoreError::DbKey { code, .. } => code,
            CoreError::Database(_) => "DATABASE",
            CoreError::Corrupt(_) => "CORRUPT",
            CoreError::InBatch { source, .. } => source.code(),
        }
    }

    /// The input field the error concerns, when there is one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            CoreError::IdNumber { field, .. }
            | CoreError::Required { field, .. }
            | CoreError::InvalidField { field, .. }
            | CoreError::Duplicate { field, .. } => Some(field),
            CoreError::InBatch { source, .. } => source.field(),
            _ => None,
        }
    }

    pub fn message_en(&self) -> String {
        self.to_string()
    }

    pub fn message_zh(&self) -> String {
        match self {
            CoreError::IdNumber { source, .. } => source.message_zh(),
            CoreError::Required { label_zh, .. } => format!("请填写{label_zh}"),
            CoreError::InvalidField { zh, .. } | CoreError::Conflict { zh, .. } => zh.clone(),
            CoreError::NotFound { entity_zh, key, .. } => format!("未找到{entity_zh}：{key}"),
            CoreError::Duplicate { entity_zh, key, .. } => format!("{entity_zh}已存在：{key}"),
            CoreError::Forbidden { operator, permission_zh, .. } => {
                format!("操作员 {operator} 无权{permission_zh}")
            }
            CoreError::AuthenticationFailed => "用户名或密码错误".into(),
            CoreError::InvalidTransition { state_zh, action_zh, missing, .. } => {
                let mut s = format!("当前状态为「{state_zh}」，不能{action_zh}");
                if !missing.is_empty() {
                    let labels: Vec<&str> = missing.iter().map(|(_, zh)| *zh).collect();
                    s.push_str(&format!("；请先补全：{}", labels.join("、")));
                }
                s
            }
            CoreError::SchemaTooNew { found, supported } => {
                format!("数据库版本（{found}）高于本程序支持的版本（{supported}），请升级继教学分管理台")
            }
            CoreError::MigrationEdited { name, .. } => {
                format!("数据库结构文件 {name} 在应用后被修改，拒绝打开")
            }
            CoreError::NotADeskDatabase { path } => format!("{path} 不是继教学分管理台的数据库"),
            CoreError::DbKey { code, path } => db_key_zh(code, path),
            CoreError::Database(e) => format!("数据库错误：{e}"),
            CoreError::Corrupt(e) => format!("数据损坏：{e}"),
            CoreError::InBatch { index, source } => {
                format!("第{}条：{}", index + 1, source.message_zh())
            }
        }
    }

    pub(crate) fn in_batch(index: usize, source: CoreError) -> Self {
        CoreError::InBatch { index, source: Box::new(source) }
    }

    pub(crate) fn invalid(
        field: &'static str,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        CoreError::InvalidField { field, code, zh: zh.into(), en: en.into() }
    }
}

fn db_key_en(code: &str, path: &str) -> String {
    match code {
        "DB_KEY_MISSING" => format!("{path}: the database is encrypted and its key file is missing"),
        "DB_KEY_WRONG" => format!("{path}: the key file does not open this encrypted database"),
        "DB_KEY_EXPOSED" => format!("{path}: the key file may be read by other users; chmod 600 it"),
        "DB_PASSPHRASE_REQUIRED" => {
            format!("{path}: the database key is protected by a passphrase; set CMEDESK_DB_PASSPHRASE")
        }
        "DB_PASSPHRASE_WRONG" => format!("{path}: wrong database passphrase"),
        "DB_KEYRING_NO_ENTRY" => format!("{path}: the database key is not in this user's OS keyring"),
        "DB_KEYRING_UNAVAILABLE" => {
            format!("{path}: the database key is in the OS keyring, which cannot be reached")
        }
        _ => format!("{path}: the key file is damaged"),
    }
}

fn db_key_zh(code: &str, path: &str) -> String {
    match code {
        "DB_KEY_MISSING" => format!("数据库已加密，但找不到密钥文件 {path}"),
        "DB_KEY_WRONG" => format!("密钥文件 {path} 与该加密数据库不匹配，无法打开"),
        "DB_KEY_EXPOSED" => format!("密钥文件 {path} 可被其他用户读取，已拒绝使用；请将权限设为 600"),
        "DB_PASSPHRASE_REQUIRED" => format!("数据库密钥受口令保护（{path}），请输入数据库口令"),
        "DB_PASSPHRASE_WRONG" => format!("数据库口令错误（{path}）"),
        "DB_KEYRING_NO_ENTRY" => format!("数据库密钥应在本用户的系统钥匙串中，但找不到（{path}）"),
        "DB_KEYRING_UNAVAILABLE" => format!("数据库密钥存于系统钥匙串，但无法连接系统钥匙串（{path}）"),
        _ => format!("密钥文件 {path} 已损坏"),
    }
}
