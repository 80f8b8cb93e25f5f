//! Who is asking: the ID number and a second factor (phone's last 4 digits or the card number).

use rusqlite::OptionalExtension;

use crate::{
    Desk,
    cards::{self, normalize_key},
    error::{CoreError, Result},
    id_number,
    staff::{self, StaffRow, StaffStatus},
};

/// The one refusal for an unknown ID number or a wrong second factor: telling them apart would
/// let anyone on the Wi-Fi find out who works here.
fn not_verified() -> CoreError {
    CoreError::invalid(
        "second_factor",
        "SELF_SERVICE_NOT_VERIFIED",
        "身份证号或验证信息不正确：请输入登记的手机号后四位，或医通卡卡号",
        "unknown ID number or wrong second factor",
    )
}

/// The person with `id_number` when `second_factor` matches what the desk knows of them:
/// the last 4 digits of their phone number, or their active card number (`ic:` digits or any
/// canonical card key). Cancelled and transferred-out staff are refused.
pub fn identify(desk: &Desk, id_number: &str, second_factor: &str) -> Result<StaffRow> {
    let folded = id_number::normalize_input(id_number);
    if folded.is_empty() {
        return Err(CoreError::Required { field: "id_number", label_zh: "身份证号" });
    }
    let factor = id_number::normalize_input(second_factor);
    if factor.is_empty() {
        return Err(CoreError::Required { field: "second_factor", label_zh: "手机号后四位或卡号" });
    }
    let staff_id: Option<String> = desk
        .conn()
        .prepare_cached("SELECT id FROM staff WHERE id_number = ?1")?
        .query_row([&folded], |r| r.get(0))
        .optional()?;
    let Some(staff_id) = staff_id else {
        return Err(not_verified());
    };
    let row = staff::get_row(desk, &staff_id)?;
    let phone_digits: String =
        row.staff.phone.as_deref().unwrap_or_default().chars().filter(char::is_ascii_digit).collect();
    let phone_ok = factor.len() == 4 && phone_digits.len() >= 4 && phone_digits.ends_with(&factor);
    let card_ok = !phone_ok
        && cards::active_card(desk, &staff_id)?.is_some_and(|card| {
            normalize_key(&factor).is_ok_and(|k| k == card.card_key)
                || card.card_key.split_once(':').is_some_and(|(_, v)| v.eq_ignore_ascii_case(&factor))
        });
    if !(phone_ok || card_ok) {
        return Err(not_verified());
    }
    if matches!(row.staff.status, StaffStatus::Cancelled | StaffStatus::TransferredOut) {
        return Err(CoreError::Conflict {
            code: "SELF_SERVICE_INACTIVE",
            zh: format!("人员状态为「{}」，不能使用自助服务，请联系科教科", row.staff.status.label_zh()),
            en: format!("staff status is {}", row.staff.status.as_str()),
        });
    }
    Ok(row)
}
