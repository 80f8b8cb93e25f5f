//! The credit record (学分记录): what granting, remote-learning import and manual entry produce,
//! and what compliance reads. The rate and cap used are copied onto each record so that a later
//! change of the rule files never rewrites history.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::amount::Centi;

/// Where a credit came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum CreditSource {
    /// Granted from valid attendance at a project (授分).
    Attendance,
    /// Granted to a lecturer of a project (主讲人授分).
    Speaker,
    /// Pushed by a remote-learning platform; read-only.
    Remote,
    /// Entered by hand and reviewed (手工录入).
    Manual,
    /// Imported from a provincial spreadsheet.
    Import,
}

impl CreditSource {
    /// Stable lowercase name, used in ids and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            CreditSource::Attendance => "attendance",
            CreditSource::Speaker => "speaker",
            CreditSource::Remote => "remote",
            CreditSource::Manual => "manual",
            CreditSource::Import => "import",
        }
    }
}

/// Legacy credit class (abolished from CME year 2025 by the 2024 reform, R-05).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub enum CreditClass {
    /// Ⅰ类学分.
    #[serde(rename = "I")]
    ClassI,
    /// Ⅱ类学分.
    #[serde(rename = "II")]
    ClassII,
}

/// 公需科目 or 专业科目: the two parts of the annual total in booklets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// 公需科目.
    General,
    /// 专业科目.
    #[default]
    Professional,
}

/// Review state of a credit. System-granted credits are born `Approved`; manual ones start as
/// `Draft` (保存) and move through review (see `manual_credits`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// 保存: still editable by the person or secretary, not yet in review.
    Draft,
    /// 未审核: submitted, waiting for the next review level.
    Pending,
    /// 退回: sent back for correction; editable and resubmittable.
    Returned,
    /// 不通过: refused; final.
    Rejected,
    /// 通过: approved by the hospital (or granted by the system).
    Approved,
}

impl ReviewStatus {
    /// The label officers know.
    pub fn label_zh(self) -> &'static str {
        match self {
            ReviewStatus::Draft => "保存",
            ReviewStatus::Pending => "未审核",
            ReviewStatus::Returned => "退回",
            ReviewStatus::Rejected => "不通过",
            ReviewStatus::Approved => "通过",
        }
    }
}

/// The rate used to compute a credit: `credits` per `per` units (e.g. 1 per 3 hours).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct RateSnapshot {
    /// Credits earned per `per` units.
    pub credits: Centi,
    /// Units needed for `credits`.
    pub per: Centi,
    /// Unit name (`hour`, `month`, `session`, `word`, ...).
    pub unit: String,
}

/// One credit of one person, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct CreditRecord {
    /// Deterministic for system-granted credits (see [`deterministic_id`]); UUIDv7 for manual.
    pub id: String,
    /// The staff member.
    pub staff_id: String,
    /// The CME year the activity date falls in, under `rule_set`.
    pub cme_year: i32,
    /// Rule set used to compute the amount.
    pub rule_set: String,
    /// 活动日期: for projects the last day by default.
    pub activity_date: NaiveDate,
    /// Where it came from.
    pub source: CreditSource,
    /// The project, for attendance, speaker and remote credits.
    pub project_id: Option<String>,
    /// 项目编号, e.g. `2025-11-01-033(国)`.
    pub project_code: Option<String>,
    /// 活动名称.
    pub activity_name: String,
    /// Category key from the rule set (e.g. `project-national`, `paper`, `self-study`).
    pub category: String,
    /// 学分级别 key (`national`, `provincial`, `municipal`, `hospital`), when known.
    pub credit_level: Option<String>,
    /// Legacy class, when the rule set has classes.
    pub class: Option<CreditClass>,
    /// 学分.
    pub credits: Centi,
    /// 学时.
    pub hours: Centi,
    /// 公需 / 专业.
    pub subject: Subject,
    /// 发证机构 / 承办单位.
    pub issuer: String,
    /// Review state.
    pub review_status: ReviewStatus,
    /// Rate used, copied from the rule set at recording time.
    pub rate: Option<RateSnapshot>,
    /// Cap applied at recording time (per project or per record).
    pub cap: Option<Centi>,
    /// Remote platform name, for remote credits.
    pub platform: Option<String>,
}

/// A UUID-shaped id derived from the parts (SHA-256, version 8): the same grant yields the same
/// id, so re-running a grant or re-importing a platform file cannot create a second credit.
pub fn deterministic_id(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        // Unit separator: ("ab","c") and ("a","bc") must not collide.
        h.update([0x1f]);
    }
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid().hyphenated().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_ids_are_stable_and_separated() {
        let a = deterministic_id(&["attendance", "p1", "s1"]);
        assert_eq!(a, deterministic_id(&["attendance", "p1", "s1"]));
        assert_ne!(a, deterministic_id(&["attendance", "p1s", "1"]));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8", "version 8 UUID");
    }
}
