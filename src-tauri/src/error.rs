//! The one error shape every command returns to the UI: `{code, message, field}`.
//! `code` is the core's stable code (the UI maps it, never parses `message`); `message` is the
//! core's Chinese sentence (ID numbers it echoes masked); `field` names the form field to mark.

use cmedesk_core::CoreError;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ApiError { code: code.to_owned(), message: message.into(), field: None }
    }

    pub fn not_logged_in() -> Self {
        ApiError::new("NOT_LOGGED_IN", "请先登录")
    }

    pub fn no_database() -> Self {
        ApiError::new("NO_DATABASE", "尚未建立数据库，请先新建或载入示例医院")
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        let message = cmedesk_core::privacy::mask_text(&e.message_zh());
        ApiError { code: e.code().to_owned(), message, field: e.field().map(str::to_owned) }
    }
}

impl From<cmedesk_cards::CardsError> for ApiError {
    fn from(e: cmedesk_cards::CardsError) -> Self {
        ApiError { code: e.code().to_owned(), message: e.message_zh(), field: e.field().map(str::to_owned) }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
