//! Errors of the credits engine (rule sets, analysis input, granting, manual credits, review).
//!
//! Like the core's `CoreError`, every variant has a stable `code()` the UI maps to a message, a
//! `field()` naming the offending input when there is one, and Chinese and English messages.

use chrono::NaiveDate;
use thiserror::Error;

use super::amount::Centi;
use super::record::ReviewStatus;

/// Everything the credits engine can refuse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CreditError {
    /// A rule file is not valid TOML or has an unknown / mistyped key.
    #[error("rule file {file}: {message}")]
    RuleFileParse { file: String, message: String },
    /// A rule file parsed but a value breaks a rule (negative rate, unknown parent, ...).
    #[error("rule set {rule_set}: {key}: {message}")]
    RuleInvalid { rule_set: String, key: String, message: String },
    /// No rule set with this id.
    #[error("unknown rule set {rule_set}")]
    RuleSetUnknown { rule_set: String },
    /// The rule set does not cover this CME year.
    #[error("rule set {rule_set} does not cover CME year {year}")]
    RuleYearUnknown { rule_set: String, year: i32 },
    /// No CME year of the rule set contains this date.
    #[error("no CME year of rule set {rule_set} contains {date}")]
    DateOutsideYears { rule_set: String, date: NaiveDate },
    /// The category key is not in the rule set.
    #[error("unknown credit category {category}")]
    CategoryUnknown { category: String },
    /// The category is pushed by a platform and cannot be entered by hand.
    #[error("credit category {category} comes from a platform and cannot be entered by hand")]
    CategoryPlatformOnly { category: String },
    /// A required field is empty.
    #[error("{field} is required")]
    FieldRequired { field: &'static str },
    /// A text field is longer than the limit (V-1).
    #[error("{field} has {actual} characters, at most {max} allowed")]
    FieldTooLong { field: &'static str, max: usize, actual: usize },
    /// An amount is above its limit (V-1).
    #[error("{field} is {value}, at most {max} allowed")]
    AmountTooLarge { field: &'static str, value: Centi, max: Centi },
    /// An amount must be above zero.
    #[error("{field} must be greater than zero")]
    AmountNotPositive { field: &'static str },
    /// An amount must be a multiple of a step (some provinces: 0.5).
    #[error("{field} must be a multiple of {step}")]
    AmountNotMultiple { field: &'static str, step: Centi },
    /// Submitting a record whose category lists evidence, without any evidence file.
    #[error("category {category} needs evidence: {expected}")]
    EvidenceRequired { category: String, expected: String },
    /// An evidence file hash is not 64 lowercase hex characters (SHA-256).
    #[error("evidence {file_name} has an invalid SHA-256 hash")]
    EvidenceHashInvalid { file_name: String },
    /// The review action is not allowed in the record's current state.
    #[error("cannot {action} a credit that is {from:?}")]
    ReviewTransition { from: ReviewStatus, action: &'static str },
    /// The department tried to act after the hospital already decided.
    #[error("the department cannot act after the hospital has reviewed")]
    ReviewLowerAfterHigher,
    /// The hospital tried to decide before the department approved.
    #[error("the department has not approved this credit yet")]
    ReviewAwaitingDepartment,
    /// Return and reject need a reason.
    #[error("a reason is required")]
    ReasonRequired,
    /// The CME year is locked: no more entry, edit or review.
    #[error("CME year {year} is locked since {locked_on}")]
    YearLocked { year: i32, locked_on: NaiveDate },
    /// Platform (remote) credits are read-only.
    #[error("credits from {source_name} are read-only")]
    CreditReadOnly { source_name: String },
    /// An attendance window ends before it starts.
    #[error("attendance window {index} ends before it starts")]
    WindowInvalid { index: usize },
    /// A holding period ends before it starts.
    #[error("holding period {index} ends before it starts")]
    PeriodInvalid { index: usize },
    /// A grant strategy parameter is out of range.
    #[error("grant strategy: {message}")]
    StrategyInvalid { message: String },
    /// The project has no rate for its credit level in the rule set.
    #[error("rule set {rule_set} has no project rate for credit level {credit_level}")]
    RateMissing { rule_set: String, credit_level: String },
}

impl CreditError {
    /// Stable code for the UI and the CLI's JSON errors.
    pub fn code(&self) -> &'static str {
        match self {
            CreditError::RuleFileParse { .. } => "RULE_FILE_PARSE",
            CreditError::RuleInvalid { .. } => "RULE_INVALID",
            CreditError::RuleSetUnknown { .. } => "RULE_SET_UNKNOWN",
            CreditError::RuleYearUnknown { .. } => "RULE_YEAR_UNKNOWN",
            CreditError::DateOutsideYears { .. } => "DATE_OUTSIDE_CME_YEARS",
            CreditError::CategoryUnknown { .. } => "CATEGORY_UNKNOWN",
            CreditError::CategoryPlatformOnly { .. } => "CATEGORY_PLATFORM_ONLY",
            CreditError::FieldRequired { .. } => "FIELD_REQUIRED",
            CreditError::FieldTooLong { .. } => "FIELD_TOO_LONG",
            CreditError::AmountTooLarge { .. } => "AMOUNT_TOO_LARGE",
            CreditError::AmountNotPositive { .. } => "AMOUNT_NOT_POSITIVE",
            CreditError::AmountNotMultiple { .. } => "AMOUNT_NOT_MULTIPLE",
            CreditError::EvidenceRequired { .. } => "EVIDENCE_REQUIRED",
            CreditError::EvidenceHashInvalid { .. } => "EVIDENCE_HASH_INVALID",
            CreditError::ReviewTransition { .. } => "REVIEW_INVALID_TRANSITION",
            CreditError::ReviewLowerAfterHigher => "REVIEW_LOWER_AFTER_HIGHER",
            CreditError::ReviewAwaitingDepartment => "REVIEW_AWAITING_DEPARTMENT",
            CreditError::ReasonRequired => "REASON_REQUIRED",
            CreditError::YearLocked { .. } => "CME_YEAR_LOCKED",
            CreditError::CreditReadOnly { .. } => "CREDIT_READ_ONLY",
            CreditError::WindowInvalid { .. } => "ATTENDANCE_WINDOW_INVALID",
            CreditError::PeriodInvalid { .. } => "HOLDING_PERIOD_INVALID",
            CreditError::StrategyInvalid { .. } => "GRANT_STRATEGY_INVALID",
            CreditError::RateMissing { .. } => "RULE_RATE_MISSING",
        }
    }

    /// The input field at fault, for highlighting in a form.
    pub fn field(&self) -> Option<&str> {
        match self {
            // The only field named by data (a rule file's key) rather than by the code.
            CreditError::RuleInvalid { key, .. } => Some(key),
            other => other.static_field(),
        }
    }

    /// The field as a `'static` name, for the core's error type.
    pub fn static_field(&self) -> Option<&'static str> {
        match self {
            CreditError::FieldRequired { field }
            | CreditError::FieldTooLong { field, .. }
            | CreditError::AmountTooLarge { field, .. }
            | CreditError::AmountNotPositive { field }
            | CreditError::AmountNotMultiple { field, .. } => Some(field),
            CreditError::CategoryUnknown { .. } | CreditError::CategoryPlatformOnly { .. } => {
                Some("category")
            }
            CreditError::EvidenceRequired { .. } | CreditError::EvidenceHashInvalid { .. } => {
                Some("evidence")
            }
            CreditError::ReasonRequired => Some("reason"),
            CreditError::DateOutsideYears { .. } => Some("activity_date"),
            CreditError::WindowInvalid { .. } => Some("attendance_windows"),
            CreditError::PeriodInvalid { .. } => Some("holding_periods"),
            CreditError::StrategyInvalid { .. } => Some("strategy"),
            _ => None,
        }
    }

    /// English message (same as `Display`).
    pub fn message_en(&self) -> String {
        self.to_string()
    }

    /// Chinese message for officers.
    pub fn message_zh(&self) -> String {
        match self {
            CreditError::RuleFileParse { file, message } => {
                format!("学分规则文件 {file} 格式错误：{message}")
            }
            CreditError::RuleInvalid { rule_set, key, message } => {
                format!("学分规则 {rule_set} 的 {key} 无效：{message}")
            }
            CreditError::RuleSetUnknown { rule_set } => format!("未知的学分规则：{rule_set}"),
            CreditError::RuleYearUnknown { rule_set, year } => {
                format!("学分规则 {rule_set} 不适用于 {year} 年度")
            }
            CreditError::DateOutsideYears { rule_set, date } => {
                format!("{date} 不在学分规则 {rule_set} 的任何学分年度内")
            }
            CreditError::CategoryUnknown { category } => format!("未知的学分类别：{category}"),
            CreditError::CategoryPlatformOnly { category } => {
                format!("学分类别 {category} 由平台推送，不能手工录入")
            }
            CreditError::FieldRequired { field } => format!("{field} 为必填项"),
            CreditError::FieldTooLong { field, max, actual } => {
                format!("{field} 共 {actual} 个字，最多 {max} 个")
            }
            CreditError::AmountTooLarge { field, value, max } => {
                format!("{field} 为 {value}，不能超过 {max}")
            }
            CreditError::AmountNotPositive { field } => format!("{field} 必须大于 0"),
            CreditError::AmountNotMultiple { field, step } => {
                format!("{field} 必须是 {step} 的整数倍")
            }
            CreditError::EvidenceRequired { category, expected } => {
                format!("学分类别 {category} 需要上传证明材料：{expected}")
            }
            CreditError::EvidenceHashInvalid { file_name } => {
                format!("证明材料 {file_name} 的校验值无效")
            }
            CreditError::ReviewTransition { from, action } => {
                format!("状态为{}的学分不能{}", from.label_zh(), action_zh(action))
            }
            CreditError::ReviewLowerAfterHigher => "医院已审核，科室不能再审核".to_string(),
            CreditError::ReviewAwaitingDepartment => "科室尚未审核通过，医院不能审核".to_string(),
            CreditError::ReasonRequired => "退回或不通过必须填写原因".to_string(),
            CreditError::YearLocked { year, locked_on } => {
                format!("{year} 年度已于 {locked_on} 锁定，不能再录入、修改或审核")
            }
            CreditError::CreditReadOnly { source_name } => {
                format!("{source_name} 学分为只读，不能修改")
            }
            CreditError::WindowInvalid { index } => format!("第 {index} 个刷卡周期的结束早于开始"),
            CreditError::PeriodInvalid { index } => format!("第 {index} 个举办周期的结束早于开始"),
            CreditError::StrategyInvalid { message } => format!("授分策略无效：{message}"),
            CreditError::RateMissing { rule_set, credit_level } => {
                format!("学分规则 {rule_set} 未规定学分级别 {credit_level} 的授分标准")
            }
        }
    }
}

/// Credits-engine errors reach the UI and the CLI through the core's one error type, keeping
/// their stable code, field and both messages.
impl From<CreditError> for crate::error::CoreError {
    fn from(e: CreditError) -> Self {
        match e.static_field() {
            Some(field) => crate::error::CoreError::InvalidField {
                field,
                code: e.code(),
                zh: e.message_zh(),
                en: e.message_en(),
            },
            None => {
                crate::error::CoreError::Conflict { code: e.code(), zh: e.message_zh(), en: e.message_en() }
            }
        }
    }
}

fn action_zh(action: &str) -> &'static str {
    match action {
        "edit" => "修改",
        "submit" => "上报",
        "approve" => "审核通过",
        "return" => "退回",
        "reject" => "审核不通过",
        _ => "执行此操作",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_fields_are_stable() {
        let e = CreditError::FieldTooLong { field: "note", max: 180, actual: 181 };
        assert_eq!(e.code(), "FIELD_TOO_LONG");
        assert_eq!(e.field(), Some("note"));
        assert!(e.message_zh().contains("180"));
        assert!(e.message_en().contains("180"));
        let e = CreditError::ReviewTransition { from: ReviewStatus::Approved, action: "edit" };
        assert_eq!(e.message_zh(), "状态为通过的学分不能修改");
    }
}
