//! The shipped template files: all parse and pass the ambiguity checks, carry the columns the
//! issue names, and the cleaning rules behave as officers expect.

use calamine::Data;
use chrono::NaiveDate;
use cmedesk_sheets::{
    ColumnType, Template, Value,
    template::fold_header,
    value::{clean, column_letter, parse_text_date},
};

const NAMES: [&str; 8] = [
    "staff-roster",
    "approved-projects",
    "credit-list",
    "annual-review",
    "attendance-detail",
    "compliance-report",
    "remote-learning",
    "remote-credit-upload",
];

#[test]
fn every_shipped_template_parses_and_is_unambiguous() {
    let all = Template::all().unwrap();
    assert_eq!(all.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), NAMES);
    for t in &all {
        assert!(!t.title.is_empty() && !t.description.is_empty(), "{}", t.name);
        // Every synonym maps to exactly one column.
        for c in &t.columns {
            for s in c.synonyms.iter().chain([&c.header]) {
                let hits = t.columns.iter().filter(|o| o.matches(&fold_header(s))).count();
                assert_eq!(hits, 1, "{}: {s}", t.name);
            }
        }
    }
    assert_eq!(Template::get("nope").unwrap_err().code(), "UNKNOWN_TEMPLATE");
}

#[test]
fn the_issue_columns_are_there() {
    let has = |t: &str, headers: &[&str]| {
        let t = Template::get(t).unwrap();
        for h in headers {
            assert!(t.columns.iter().any(|c| c.matches(&fold_header(h))), "{}: {h}", t.name);
        }
    };
    has(
        "staff-roster",
        &[
            "姓名",
            "性别",
            "身份证号",
            "身份证号码",
            "证件号码",
            "公民身份号码",
            "医通卡号",
            "卡号",
            "IC卡号",
            "科室",
            "所在科室",
            "部门",
            "职称",
            "职称级别",
            "专业",
            "职称系列",
            "联系电话",
            "手机",
            "人员状态",
        ],
    );
    has(
        "approved-projects",
        &[
            "学科名称",
            "项目编号",
            "项目名称",
            "申办单位",
            "负责人",
            "举办期限",
            "举办地点",
            "学分",
            "拟招生人数",
        ],
    );
    has(
        "credit-list",
        &[
            "日期",
            "项目编号",
            "活动名称",
            "活动类型",
            "学分级别",
            "学科",
            "举办方式",
            "学时",
            "学分",
            "审核状态",
        ],
    );
    has(
        "annual-review",
        &[
            "年度",
            "总学分",
            "总学时",
            "达标情况",
            "人员状态",
            "姓名",
            "身份证号",
            "职称级别",
            "职称",
            "专业",
            "单位",
            "科室",
        ],
    );
    let roster = Template::get("staff-roster").unwrap();
    assert_eq!(roster.column("id_number").unwrap().1.kind, ColumnType::IdNumber);
    assert_eq!(roster.column("card_no").unwrap().1.kind, ColumnType::CardNumber);
}

#[test]
fn headers_fold_whitespace_full_width_and_markers() {
    assert_eq!(fold_header("姓  名"), "姓名");
    assert_eq!(fold_header("身份证\n号码"), "身份证号码");
    assert_eq!(fold_header("\u{3000}ＩＣ卡号＊"), "IC卡号");
    assert_eq!(fold_header("达标率（％）"), "达标率(%)");
    assert_eq!(fold_header("*项目编号(必填)"), "项目编号");
    assert_eq!(fold_header("ic卡号"), "IC卡号");
}

#[test]
fn text_dates_in_every_form_people_type() {
    let d = |s: &str| parse_text_date(s).map(|d| d.to_string());
    for s in ["2015-8-3", "2015/8/3", "2015.8.3", "2015年8月3日", "20150803", "2015-08-03 10:00"] {
        assert_eq!(d(s).as_deref(), Some("2015-08-03"), "{s}");
    }
    for s in ["2015-2-30", "15-8-3", "2015803", "8/3/2015", "二〇一五年八月三日", ""] {
        assert_eq!(d(s), None, "{s}");
    }
}

fn column(template: &str, field: &str) -> cmedesk_sheets::template::Column {
    Template::get(template).unwrap().column(field).unwrap().1.clone()
}

#[test]
fn cells_are_cleaned_by_type() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let ok = |c: &cmedesk_sheets::template::Column, d: Data| clean(c, &d, today).value.unwrap();
    let err = |c: &cmedesk_sheets::template::Column, d: Data| clean(c, &d, today).value.unwrap_err();
    let date = column("credit-list", "date");
    assert_eq!(
        ok(&date, Data::String("２０１５－０８－０３".into())),
        Value::Date(NaiveDate::from_ymd_opt(2015, 8, 3).unwrap())
    );
    assert_eq!(ok(&date, Data::Float(20150803.0)), Value::Date(NaiveDate::from_ymd_opt(2015, 8, 3).unwrap()));
    assert!(err(&date, Data::Float(42217.0)).contains("不是日期格式"), "a bare serial is not trusted");
    assert!(err(&date, Data::Float(2.5)).contains("不是日期格式"));
    let range = column("approved-projects", "period");
    let span = |a: (i32, u32, u32), b: (i32, u32, u32)| {
        Value::DateRange(
            NaiveDate::from_ymd_opt(a.0, a.1, a.2).unwrap(),
            NaiveDate::from_ymd_opt(b.0, b.1, b.2).unwrap(),
        )
    };
    for s in [
        "2015-8-3至2015-8-5",
        "2015-8-3-2015-8-5",
        "2015/8/3~2015/8/5",
        "2015.8.3-8.5",
        "2015年8月3日至8月5日",
        "2015-8-3 至 2015-8-5",
    ] {
        assert_eq!(ok(&range, Data::String(s.into())), span((2015, 8, 3), (2015, 8, 5)), "{s}");
    }
    assert!(err(&range, Data::String("2015-8-5至2015-8-3".into())).contains("结束早于开始"));
    let id = column("staff-roster", "id_number");
    assert_eq!(
        ok(&id, Data::String(" 11010519491231002x ".into())),
        Value::Text("11010519491231002X".into())
    );
    let upgraded = clean(&id, &Data::Float(110105491231002.0), today);
    assert_eq!(upgraded.value.unwrap(), Value::Text("11010519491231002X".into()));
    assert!(upgraded.warning.unwrap().contains("15位"));
    assert!(err(&id, Data::Float(1.10105194912310e17)).contains("数字格式"));
    assert!(err(&id, Data::String("110105210001010015".into())).contains("晚于今天"));
    let card = column("staff-roster", "card_no");
    assert_eq!(ok(&card, Data::String("0032010001".into())), Value::Text("0032010001".into()));
    assert!(clean(&card, &Data::Int(32010001), today).warning.unwrap().contains("前导零"));
    assert!(err(&card, Data::Float(3.2010219800101e16)).contains("位数已丢失"));
    let credits = column("approved-projects", "credits");
    assert_eq!(ok(&credits, Data::String("１２.５".into())), Value::Decimal(12.5));
    assert!(err(&credits, Data::Float(120.0)).contains("超过上限"));
    let enrol = column("approved-projects", "planned_enrolment");
    assert!(err(&enrol, Data::Float(10.5)).contains("应为整数"));
    let level = column("staff-roster", "title_level");
    assert_eq!(ok(&level, Data::String("副高级".into())), Value::Text("associate_senior".into()));
    let name = column("staff-roster", "name");
    assert_eq!(ok(&name, Data::String("   ".into())), Value::Empty);
    assert!(err(&name, Data::String("名".repeat(51))).contains("超过50个字符"));
}

#[test]
fn column_letters_match_excel() {
    let got: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702].into_iter().map(column_letter).collect();
    assert_eq!(got, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
}
