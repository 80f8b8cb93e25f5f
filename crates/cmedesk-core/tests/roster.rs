//! The roster workflows (W1): finding people, transfers and statuses with history, cards.

mod common;

use chrono::NaiveDate;
use cmedesk_core::{
    cards, departments,
    staff::{self, NewStaff, StaffFilter, StaffStatus},
};
use common::*;

fn add(desk: &mut cmedesk_core::Desk, name: &str, id: &str, dept: &str, card: Option<&str>) -> staff::Staff {
    staff::add(
        desk,
        &admin(),
        NewStaff {
            name: name.into(),
            id_number: id.into(),
            department_id: dept.into(),
            card_key: card.map(Into::into),
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn find_by_name_prefix_id_number_and_card() {
    let Small { mut desk, cardiology, nursing, .. } = small();
    add(&mut desk, "欧阳娜", "110105198001010016", &cardiology, Some("0012345678"));
    add(&mut desk, "欧阳静", "110105198001010024", &nursing, None);
    add(&mut desk, "王芳", "11010519491231002X", &nursing, Some("uid:04a1b2c3"));
    let names = |q: &str| -> Vec<String> {
        staff::find(&desk, q, 50).unwrap().into_iter().map(|r| r.staff.name).collect()
    };
    assert_eq!(names("欧阳"), vec!["欧阳娜", "欧阳静"]);
    assert_eq!(names("欧阳娜"), vec!["欧阳娜"]);
    assert_eq!(names("11010519491231002x"), vec!["王芳"]);
    assert_eq!(names("110105491231002"), vec!["王芳"], "15-digit legacy number finds the upgraded one");
    assert_eq!(names("0012345678"), vec!["欧阳娜"], "bare card number");
    assert_eq!(names("uid:04A1B2C3"), vec!["王芳"]);
    assert_eq!(
        names("rid:110105198001010024"),
        vec!["欧阳静"],
        "resident ID card maps through the ID number"
    );
    assert!(names("李").is_empty());
    let filtered =
        staff::list(&desk, &StaffFilter { department_id: Some(nursing.clone()), ..Default::default() })
            .unwrap();
    assert_eq!(filtered.len(), 2);
    let parent = departments::get(&desk, &cardiology).unwrap().parent_id.unwrap();
    let under_parent =
        staff::list(&desk, &StaffFilter { department_id: Some(parent), ..Default::default() }).unwrap();
    assert_eq!(under_parent.len(), 1, "a department filter includes sub-departments");
}

#[test]
fn gender_comes_from_the_id_and_is_cross_checked() {
    let Small { mut desk, cardiology, .. } = small();
    let s = add(&mut desk, "王芳", "11010519491231002X", &cardiology, None);
    assert_eq!(s.gender, cmedesk_core::id_number::Gender::Female);
    assert_eq!(s.birth_date, NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
    let e = staff::add(
        &mut desk,
        &admin(),
        NewStaff {
            name: "李四".into(),
            gender: Some(cmedesk_core::id_number::Gender::Female),
            id_number: "440524188001010014".into(),
            department_id: cardiology,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!((e.code(), e.field()), ("ID_NUMBER_GENDER_MISMATCH", Some("id_number")));
    assert!(e.message_zh().contains("性别与身份证号不符"));
}

#[test]
fn transfers_and_statuses_keep_history() {
    let Small { mut desk, cardiology, nursing, .. } = small();
    let s = add(&mut desk, "王芳", "11010519491231002X", &cardiology, None);
    let day = |s: &str| s.parse::<NaiveDate>().unwrap();
    staff::transfer(&mut desk, &admin(), &s.id, &nursing, day("2026-03-01"), Some("轮转")).unwrap();
    staff::set_status(&mut desk, &admin(), &s.id, StaffStatus::Maternity, day("2026-05-01"), None).unwrap();
    staff::set_status(&mut desk, &admin(), &s.id, StaffStatus::Active, day("2026-09-01"), Some("产假结束"))
        .unwrap();
    let detail = staff::detail(&desk, &s.id).unwrap();
    assert_eq!(detail.row.department_name, "护理部");
    assert_eq!(detail.transfers.len(), 1);
    assert_eq!(
        (detail.transfers[0].from_department.as_str(), detail.transfers[0].to_department.as_str()),
        ("心血管内科", "护理部")
    );
    let statuses: Vec<_> = detail.status_history.iter().map(|h| (h.from_status, h.to_status)).collect();
    assert_eq!(
        statuses,
        vec![
            (Some(StaffStatus::Active), StaffStatus::Maternity),
            (Some(StaffStatus::Maternity), StaffStatus::Active)
        ]
    );
}

#[test]
fn a_replaced_card_is_blocked_for_good() {
    let Small { mut desk, cardiology, nursing, .. } = small();
    let a = add(&mut desk, "王芳", "11010519491231002X", &cardiology, Some("0012345678"));
    let b = add(&mut desk, "李静", "110105198001010024", &nursing, None);
    let e = cards::issue(&mut desk, &admin(), &a.id, "0099999999").unwrap_err();
    assert_eq!(e.code(), "CARD_ALREADY_ISSUED");
    cards::replace(&mut desk, &admin(), &a.id, "0099999999", "丢失").unwrap();
    assert!(cards::staff_by_card_key(&desk, "ic:0012345678").unwrap().is_none(), "old card maps to nobody");
    assert_eq!(cards::staff_by_card_key(&desk, "0099999999").unwrap().unwrap().staff.id, a.id);
    let e = cards::issue(&mut desk, &admin(), &b.id, "0012345678").unwrap_err();
    assert_eq!(e.code(), "CARD_IN_USE");
    let history = cards::history(&desk, &a.id).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].replaced_by.as_deref(), Some("ic:0099999999"));
}

#[test]
fn departments_resolve_by_name_and_path_and_reorder() {
    let Small { mut desk, cardiology, .. } = small();
    assert_eq!(departments::resolve(&desk, "内科/心血管内科").unwrap().id, cardiology);
    assert_eq!(departments::resolve(&desk, "心血管内科").unwrap().id, cardiology);
    departments::move_to(&mut desk, &admin(), &cardiology, None, Some(1)).unwrap();
    let names: Vec<String> = departments::list(&desk).unwrap().into_iter().map(|d| d.name).collect();
    assert_eq!(names[0], "心血管内科");
    let e = departments::add(
        &mut desk,
        &admin(),
        departments::NewDepartment { name: "护理部".into(), ..Default::default() },
    )
    .unwrap_err();
    assert_eq!(e.code(), "DUPLICATE");
}

/// W1: a card given with a new person is issued in the person's own entry; a card that is in
/// use, or was revoked, is refused with the holder named, and nothing of the person is written.
#[test]
fn a_card_given_at_creation_is_part_of_the_entry_and_checked() {
    let Small { mut desk, cardiology, nursing, .. } = small();
    let a = add(&mut desk, "王芳", "11010519491231002X", &cardiology, Some("0012345678"));
    let entry = &cmedesk_core::audit_log::list(&desk, &Default::default()).unwrap()[0];
    assert_eq!((entry.action.as_str(), entry.entity_id.as_str()), ("staff.add", a.id.as_str()));
    let after: serde_json::Value = serde_json::from_str(entry.after.as_deref().unwrap()).unwrap();
    assert_eq!((after["name"].as_str(), after["card_key"].as_str()), (Some("王芳"), Some("ic:0012345678")));
    assert_eq!(cards::history(&desk, &a.id).unwrap()[0].card_key, "ic:0012345678");
    cards::replace(&mut desk, &admin(), &a.id, "0099999999", "丢失").unwrap();

    let before = dump(&desk);
    for (key, why) in [("0099999999", "该卡已发给其他人员"), ("0012345678", "该卡已挂失/作废")]
    {
        let e = staff::add(
            &mut desk,
            &admin(),
            NewStaff {
                name: "李静".into(),
                id_number: "110105198001010024".into(),
                department_id: nursing.clone(),
                card_key: Some(key.into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.code(), "CARD_IN_USE");
        assert!(e.message_zh().contains(why), "{}", e.message_zh());
    }
    assert_eq!(dump(&desk), before);
}
