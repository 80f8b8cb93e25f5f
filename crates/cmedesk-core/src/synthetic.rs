//! A synthetic hospital for demos, tests and benchmarks: departments, staff with made-up names
//! and generated, checksum-valid ID numbers, cards, approved and hosted projects. Deterministic
//! for a given seed and date, and entirely fictional: no real person is in it.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

use crate::{
    actor::{Actor, Permission},
    approved_projects::{self, CreditLevel, NewApprovedProject},
    departments::{self, NewDepartment},
    error::Result,
    id_number::{self, Gender},
    projects::{self, NewCourse, ProjectAction, ProjectDetails},
    staff::{self, NewStaff, StaffStatus, TitleLevel},
    store::Desk,
    swipes, terminals,
};

/// SplitMix64: tiny, fast, and stable across versions (fixtures must not change under us).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
    "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田",
    "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚",
    "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "欧阳", "司马",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "萍", "红", "鹏", "辉", "玲", "建", "宇", "浩", "凯",
    "晨", "欣", "怡", "婷", "雪", "琳", "博", "文", "思", "佳", "子", "梓", "涵", "轩", "睿", "瑞", "嘉",
    "昊", "天", "泽", "晓", "雅", "倩", "颖", "慧", "宁", "喆", "堃", "赟", "玥", "珺", "航", "帆", "越",
    "志", "海", "春", "秋", "冬", "梅", "兰", "竹", "菊", "松", "柏", "峰",
];
const AREAS: &[&str] = &[
    "110105", "110108", "310104", "310115", "320102", "330106", "370102", "410105", "420106", "430102",
    "440106", "440304", "500103", "510107", "610113",
];

/// Department tree: (parent name or "", name, main profession).
const DEPARTMENTS: &[(&str, &str, &str)] = &[
    ("", "内科", "医师"),
    ("内科", "心血管内科", "医师"),
    ("内科", "呼吸与危重症医学科", "医师"),
    ("内科", "消化内科", "医师"),
    ("内科", "神经内科", "医师"),
    ("内科", "肾内科", "医师"),
    ("内科", "内分泌科", "医师"),
    ("内科", "血液内科", "医师"),
    ("内科", "感染科", "医师"),
    ("", "外科", "医师"),
    ("外科", "普通外科", "医师"),
    ("外科", "骨科", "医师"),
    ("外科", "神经外科", "医师"),
    ("外科", "心胸外科", "医师"),
    ("外科", "泌尿外科", "医师"),
    ("外科", "烧伤整形科", "医师"),
    ("", "妇产科", "医师"),
    ("", "儿科", "医师"),
    ("", "急诊医学科", "医师"),
    ("", "重症医学科", "医师"),
    ("", "麻醉科", "医师"),
    ("", "眼科", "医师"),
    ("", "耳鼻咽喉头颈外科", "医师"),
    ("", "口腔科", "医师"),
    ("", "皮肤科", "医师"),
    ("", "康复医学科", "医师"),
    ("", "中医科", "医师"),
    ("", "全科医学科", "医师"),
    ("", "医学检验科", "技师"),
    ("", "医学影像科", "技师"),
    ("", "超声医学科", "医师"),
    ("", "病理科", "技师"),
    ("", "药学部", "药师"),
    ("", "护理部", "护理"),
    ("", "科教科", "医师"),
];

/// Titles by profession, by level.
fn title_for(profession: &str, level: TitleLevel) -> &'static str {
    let i = match level {
        TitleLevel::Junior => 0,
        TitleLevel::Intermediate => 1,
        TitleLevel::AssociateSenior => 2,
        TitleLevel::Senior => 3,
    };
    let titles: [&str; 4] = match profession {
        "护理" => ["护师", "主管护师", "副主任护师", "主任护师"],
        "药师" => ["药师", "主管药师", "副主任药师", "主任药师"],
        "技师" => ["技师", "主管技师", "副主任技师", "主任技师"],
        _ => ["住院医师", "主治医师", "副主任医师", "主任医师"],
    };
    titles[i]
}

const TOPICS: &[(&str, &str, &str)] = &[
    ("临床内科学", "心血管病学", "急性心肌梗死规范化救治进展"),
    ("临床内科学", "心血管病学", "心力衰竭诊疗新进展"),
    ("临床内科学", "呼吸病学", "慢性阻塞性肺疾病全程管理"),
    ("临床内科学", "呼吸病学", "呼吸危重症机械通气实践"),
    ("临床内科学", "消化病学", "消化内镜诊疗技术"),
    ("临床内科学", "内分泌学", "糖尿病综合管理与新药应用"),
    ("临床内科学", "神经病学", "脑卒中绿色通道建设"),
    ("临床内科学", "肾脏病学", "血液净化技术规范"),
    ("临床外科学", "骨外科学", "关节置换围手术期管理"),
    ("临床外科学", "普通外科学", "加速康复外科临床实践"),
    ("临床外科学", "神经外科学", "颅脑创伤规范化治疗"),
    ("临床外科学", "泌尿外科学", "微创泌尿外科技术"),
    ("妇产科学", "产科学", "危重孕产妇救治"),
    ("儿科学", "儿内科学", "儿童重症感染诊治"),
    ("急诊医学", "急诊医学", "心肺复苏与创伤急救"),
    ("护理学", "临床护理", "静脉治疗护理技术规范"),
    ("护理学", "临床护理", "重症患者护理评估"),
    ("药学", "临床药学", "抗菌药物合理使用"),
    ("医学检验", "医学检验", "临床微生物学诊断与前沿"),
    ("影像医学", "放射诊断学", "胸部影像诊断进展"),
    ("全科医学", "全科医学", "基层慢病管理能力提升"),
    ("中医学", "中医内科学", "中医临床经典应用"),
];
const FORMS: &[&str] = &["学习班", "培训班", "研讨会", "高级研修班"];
const OUTSIDE_UNITS: &[&str] =
    &["省人民医院", "医科大学附属第一医院", "市中心医院", "省肿瘤医院", "医科大学附属第二医院"];

#[derive(Debug, Clone)]
pub struct SyntheticStaff {
    /// Index into [`Hospital::departments`].
    pub department: usize,
    pub person: NewStaff,
    /// A non-active status with its reason, applied after the person is added.
    pub status: Option<(StaffStatus, &'static str)>,
}

#[derive(Debug, Clone)]
pub struct SyntheticProject {
    /// Index into [`Hospital::approved`].
    pub approved: usize,
    pub details: ProjectDetails,
    /// Courses; an in-house speaker is given as an index into [`Hospital::staff`].
    pub courses: Vec<(NewCourse, Option<usize>)>,
    pub holding_periods: Vec<(NaiveDate, NaiveDate)>,
    pub attendance_windows: Vec<(chrono::NaiveDateTime, chrono::NaiveDateTime, &'static str)>,
    /// State transitions to apply after setting up.
    pub actions: Vec<ProjectAction>,
}

/// The whole synthetic hospital, as plain data.
#[derive(Debug, Clone)]
pub struct Hospital {
    /// (parent index, name).
    pub departments: Vec<(Option<usize>, &'static str)>,
    pub staff: Vec<SyntheticStaff>,
    pub approved: Vec<NewApprovedProject>,
    pub hosted: Vec<SyntheticProject>,
}

/// Generates a hospital of `staff_count` people as of `today`.
pub fn generate(seed: u64, staff_count: usize, today: NaiveDate) -> Hospital {
    let mut rng = Rng::new(seed);
    let departments: Vec<(Option<usize>, &'static str)> = DEPARTMENTS
        .iter()
        .map(|(parent, name, _)| (DEPARTMENTS.iter().position(|(_, n, _)| n == parent), *name))
        .collect();
    // People work in leaf departments (and the top-level ones without children).
    let leaves: Vec<usize> =
        (0..DEPARTMENTS.len()).filter(|i| !departments.iter().any(|(p, _)| *p == Some(*i))).collect();

    let mut ids = HashSet::new();
    let mut card_no = 3_201_000_000u64;
    let staff: Vec<SyntheticStaff> = (0..staff_count)
        .map(|_| {
            let department = rng.pick(&leaves);
            let main = DEPARTMENTS[department].2;
            let profession = if main == "医师" && rng.chance(40) { "护理" } else { main };
            let gender = if profession == "护理" && rng.chance(90) || rng.chance(50) {
                Gender::Female
            } else {
                Gender::Male
            };
            let mut name = rng.pick(SURNAMES).to_string();
            for _ in 0..1 + usize::from(rng.chance(70)) {
                name.push_str(rng.pick(GIVEN));
            }
            let id_number = loop {
                let birth = NaiveDate::from_ymd_opt(1962, 1, 1).unwrap_or_default()
                    + Duration::days(rng.below(38 * 365) as i64);
                let seq = rng.below(500) as u16 * 2 + u16::from(gender == Gender::Male);
                let id = id_number::compose(rng.pick(AREAS), birth, seq);
                if ids.insert(id.clone()) {
                    break id;
                }
            };
            let level = rng.pick(&[
                TitleLevel::Junior,
                TitleLevel::Junior,
                TitleLevel::Intermediate,
                TitleLevel::Intermediate,
                TitleLevel::AssociateSenior,
                TitleLevel::Senior,
            ]);
            card_no += 1 + rng.below(7) as u64;
            let phone =
                format!("1{}{:09}", rng.pick(&["3", "5", "7", "8", "9"]), rng.next_u64() % 1_000_000_000);
            let status = match rng.below(100) {
                0 | 1 => Some((StaffStatus::Maternity, "产假")),
                2 => Some((StaffStatus::Exempt, "参加住院医师规范化培训，当年视为完成（R-22）")),
                _ => None,
            };
            SyntheticStaff {
                department,
                person: NewStaff {
                    name,
                    gender: Some(gender),
                    id_number,
                    title: Some(title_for(profession, level).to_string()),
                    title_level: Some(level),
                    profession: Some(profession.to_string()),
                    phone: Some(phone),
                    card_key: rng.chance(95).then(|| format!("ic:{card_no}")),
                    ..NewStaff::default()
                },
                status,
            }
        })
        .collect();

    let mut codes = HashSet::new();
    let approved: Vec<NewApprovedProject> = (0..44)
        .map(|i| {
            let (discipline, _, topic) = TOPICS[i % TOPICS.len()];
            let national = i % 3 != 2;
            let year = today.year();
            let code = loop {
                let c = format!(
                    "{year}-{:02}-{:02}-{:03}({})",
                    1 + rng.below(20),
                    1 + rng.below(12),
                    1 + rng.below(400),
                    if national { "国" } else { "省" }
                );
                if codes.insert(c.clone()) {
                    break c;
                }
            };
            let hours = rng.pick(if national {
                &[6.0, 9.0, 12.0, 15.0, 30.0][..]
            } else {
                &[6.0, 12.0, 18.0, 24.0][..]
            });
            let credits = if national { (hours / 3.0f64).min(25.0) } else { (hours / 6.0f64).max(1.0) };
            let start = NaiveDate::from_ymd_opt(year, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32)
                .unwrap_or(today);
            NewApprovedProject {
                code,
                year,
                name: format!("{topic}{}", rng.pick(FORMS)),
                credit_level: Some(if national { CreditLevel::National } else { CreditLevel::Provincial }),
                discipline: Some(discipline.to_string()),
                organizer: Some(if i % 4 == 0 { "本院" } else { rng.pick(OUTSIDE_UNITS) }.to_string()),
                lead: None,
                planned_start: Some(start),
                planned_end: Some(start + Duration::days(hours as i64 / 10)),
                venue: None,
                credits,
                total_hours: hours,
                planned_enrolment: Some(50 * (1 + rng.below(6)) as i32),
                source: Some("demo".into()),
            }
        })
        .collect();

    // Ten hosted projects; most were held recently (usable for attendance), some are upcoming.
    let hosted = (0..10)
        .map(|i| {
            let a = i * 4; // spread over the approved list; all in `today`'s year
            let hours = approved[a].total_hours;
            let days = 1 + i as i64 % 3;
            let offset = 12 * i as i64 - 100;
            let mut start = today + Duration::days(offset);
            if start.year() != today.year() {
                start = NaiveDate::from_ymd_opt(today.year(), 1, 2).unwrap_or(today);
            }
            let end = start + Duration::days(days - 1);
            let held = end < today;
            let mut courses = Vec::new();
            let n = 2 + i % 3;
            for k in 0..n {
                // With nobody on the roster (`demo --staff 0`) every speaker comes from outside.
                let in_house = k % 2 == 0 && !staff.is_empty();
                let speaker = in_house.then(|| rng.below(staff.len().max(1)));
                courses.push((
                    NewCourse {
                        title: format!("{}（第{}讲）", TOPICS[a % TOPICS.len()].2, k + 1),
                        hours: hours / n as f64,
                        speaker_staff: None,
                        speaker_name: (!in_house)
                            .then(|| format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))),
                        speaker_unit: (!in_house).then(|| rng.pick(OUTSIDE_UNITS).to_string()),
                    },
                    speaker.filter(|_| !staff.is_empty()),
                ));
            }
            let mut windows = Vec::new();
            for d in 0..days {
                let day = start + Duration::days(d);
                let at = |h: u32, m: u32| day.and_hms_opt(h, m, 0).unwrap_or_default();
                windows.push((at(7, 30), at(9, 0), "上午签到"));
                if d == days - 1 {
                    windows.push((at(16, 0), at(17, 30), "下午签退"));
                }
            }
            let actions = match (i % 5, held) {
                (0, _) => vec![],
                (1, _) => vec![ProjectAction::Submit],
                (_, true) => vec![ProjectAction::Submit, ProjectAction::Approve, ProjectAction::MarkHeld],
                (_, false) => vec![ProjectAction::Submit, ProjectAction::Approve],
            };
            let lead = staff.get(rng.below(staff.len().max(1))).map(|s| s.person.name.clone());
            let handler = staff.get(rng.below(staff.len().max(1)));
            SyntheticProject {
                approved: a,
                details: ProjectDetails {
                    delivery: Some("继续医学教育项目".into()),
                    venue: Some(
                        rng.pick(&["本院学术报告厅", "门诊楼三楼会议室", "科教楼多功能厅"]).to_string(),
                    ),
                    planned_start: Some(start),
                    planned_end: Some(end),
                    lecture_hours: Some(hours),
                    practical_hours: Some(0.0),
                    discipline2: approved[a].discipline.clone(),
                    discipline3: Some(TOPICS[a % TOPICS.len()].1.to_string()),
                    // Nobody on the roster (`demo --staff 0`): the office's own people, made up.
                    lead: lead.or_else(|| Some("科教科主任".into())),
                    handler: handler.map(|h| h.person.name.clone()).or_else(|| Some("科教科干事".into())),
                    handler_phone: handler
                        .map_or_else(|| Some("13900000000".into()), |h| h.person.phone.clone()),
                    filed_at_venue: true,
                    exam_required: i % 2 == 0,
                    fee: Some(if i % 3 == 0 { 0.0 } else { 20000.0 }),
                    other_code: None,
                    note: None,
                },
                courses,
                holding_periods: vec![(start, end)],
                attendance_windows: windows,
                actions,
            }
        })
        .collect();

    Hospital { departments, staff, approved, hosted }
}

/// What loading created.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct LoadReport {
    pub departments: usize,
    pub staff: usize,
    pub cards: usize,
    pub approved_projects: usize,
    pub projects: usize,
}

/// Loads the hospital through the ordinary core API (so it is audited like any other work).
pub fn load(desk: &mut Desk, actor: &Actor, hospital: &Hospital) -> Result<LoadReport> {
    actor.require(Permission::LoadDemoData)?;
    let mut dept_ids: Vec<String> = Vec::new();
    for (parent, name) in &hospital.departments {
        let d = departments::add(
            desk,
            actor,
            NewDepartment {
                name: name.to_string(),
                parent_id: parent.map(|p| dept_ids[p].clone()),
                sort: None,
            },
        )?;
        dept_ids.push(d.id);
    }
    let people: Vec<NewStaff> = hospital
        .staff
        .iter()
        .map(|s| NewStaff { department_id: dept_ids[s.department].clone(), ..s.person.clone() })
        .collect();
    let cards = people.iter().filter(|p| p.card_key.is_some()).count();
    // An empty batch records nothing, and a change that records nothing is refused.
    let added = if people.is_empty() { Vec::new() } else { staff::add_many(desk, actor, people)? };
    for (s, row) in hospital.staff.iter().zip(&added) {
        if let Some((status, reason)) = s.status {
            staff::set_status(desk, actor, &row.id, status, actor.today(), Some(reason))?;
        }
    }
    let mut approved_ids = Vec::new();
    for a in &hospital.approved {
        approved_ids.push(approved_projects::add(desk, actor, a.clone())?.id);
    }
    for h in &hospital.hosted {
        let p = projects::create(desk, actor, &approved_ids[h.approved], h.details.clone())?;
        for (course, speaker) in &h.courses {
            let course = NewCourse { speaker_staff: speaker.map(|i| added[i].id.clone()), ..course.clone() };
            projects::add_course(desk, actor, &p.id, course)?;
        }
        for (s, e) in &h.holding_periods {
            projects::add_holding_period(desk, actor, &p.id, *s, *e)?;
        }
        for (s, e, label) in &h.attendance_windows {
            projects::add_attendance_window(desk, actor, &p.id, *s, *e, Some(label))?;
        }
        for action in &h.actions {
            projects::transition(desk, actor, &p.id, *action, None)?;
        }
    }
    Ok(LoadReport {
        departments: dept_ids.len(),
        staff: added.len(),
        cards,
        approved_projects: approved_ids.len(),
        projects: hospital.hosted.len(),
    })
}

/// Swipes for the held projects of a loaded demo hospital, so that 考勤分析 and 授分 have
/// something to show: 30–59 card holders per project swipe once in each attendance window; about
/// one in ten misses a window, one in twenty swipes twice (a repeat), and each project also gets
/// an unknown card and a swipe the day before it started (outside the holding period).
/// Recorded through the ordinary swipe ingest from one demo terminal. Deterministic for a seed;
/// returns the swipes recorded.
pub fn demo_swipes(desk: &mut Desk, actor: &Actor, seed: u64) -> Result<usize> {
    actor.require(Permission::LoadDemoData)?;
    let mut rng = Rng::new(seed ^ 0x0053_17E5);
    let filter = staff::StaffFilter { status: Some(StaffStatus::Active), ..Default::default() };
    let cards: Vec<String> = staff::list(desk, &filter)?.into_iter().filter_map(|r| r.card_key).collect();
    let held = projects::list(
        desk,
        &projects::ProjectFilter { state: Some(projects::ProjectState::Held), ..Default::default() },
    )?;
    if cards.is_empty() || held.is_empty() {
        return Ok(0);
    }
    let terminal = terminals::ensure(desk, actor, "import", "示例考勤机", Some("demo-terminal"))?;
    let mut inputs = Vec::new();
    // Numbered from 1 every time: a second load re-sends the same sequence, which ingest skips.
    let mut seq = 0;
    let mut push = |card: &str, at: chrono::NaiveDateTime, project: &str| {
        seq += 1;
        inputs.push(swipes::SwipeInput {
            terminal_id: terminal.id.clone(),
            terminal_seq: Some(seq),
            source: swipes::SwipeSource::Import,
            card_key: card.to_string(),
            raw: None,
            device_time: Some(at),
            clock_offset_ms: None,
            project_id: Some(project.to_string()),
        });
    };
    for (pi, p) in held.iter().enumerate() {
        let detail = projects::detail(desk, &p.id)?;
        let windows = &detail.attendance_windows;
        let Some(first) = windows.first() else { continue };
        let want = (30 + rng.below(30)).min(cards.len());
        let mut chosen = HashSet::new();
        while chosen.len() < want {
            chosen.insert(rng.below(cards.len()));
        }
        let mut chosen: Vec<usize> = chosen.into_iter().collect();
        chosen.sort_unstable();
        for k in chosen {
            let skip = rng.chance(10).then(|| rng.below(windows.len()));
            for (wi, w) in windows.iter().enumerate() {
                if skip == Some(wi) {
                    continue;
                }
                let span = (w.ends_at - w.starts_at).num_seconds().max(1) as usize;
                let at = w.starts_at + Duration::seconds(rng.below(span) as i64);
                push(&cards[k], at, &p.id);
                if rng.chance(5) {
                    push(&cards[k], at + Duration::seconds(20), &p.id);
                }
            }
        }
        push(&format!("ic:9900{:04}", pi + 1), first.starts_at + Duration::minutes(5), &p.id);
        push(&cards[rng.below(cards.len())], first.starts_at - Duration::days(1), &p.id);
    }
    let out = swipes::ingest_batch(desk, actor, &terminal.id, inputs, None, Default::default())?;
    Ok(out.recorded)
}

const CREDIT_TOPICS: &[&str] = &[
    "中国急性心肌梗死救治项目区域启动会",
    "护理学会癌痛护理新进展学术研讨会",
    "医患沟通与健康型社会构建",
    "基层医院抗菌药物合理应用培训班（第二期）",
    "重症医学新进展：ECMO在心源性休克中的应用",
    "全国糖尿病足综合防治学习班",
    "Evidence-based Medicine 循证医学方法学",
    "儿童哮喘规范化诊治高级研修班，含病例讨论与模拟演练",
    "院内感染防控与手卫生依从性提升",
    "超声引导下区域神经阻滞技术",
    "临床路径管理与DRG付费改革解读",
    "急诊胸痛中心建设与质量控制",
];
const CREDIT_GENERAL: &[&str] =
    &["医疗安全与法律法规（公需科目）", "职业道德与医德医风建设", "突发公共卫生事件应急处置"];
const CREDIT_ISSUERS: &[&str] =
    &["示例市中心医院", "示例医学会", "示例省护理学会", "示例大学附属第一医院", "华西示例远程平台"];

/// Synthetic credits for `staff_ids` in CME `year` under `rule_set`: `per_person` each, as
/// imported (source `import`, approved), with varied titles (some long enough to wrap),
/// organisers, levels, general and professional subjects. Deterministic for a seed; used by
/// `cmedesk demo --credits-per-person` and the print tests and benchmarks.
pub fn credit_records(
    staff_ids: &[String],
    year: i32,
    rule_set: &str,
    per_person: usize,
    seed: u64,
) -> Vec<crate::credits::CreditRecord> {
    use crate::credits::{Centi, CreditRecord, CreditSource, ReviewStatus, Subject, deterministic_id};
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(staff_ids.len() * per_person);
    for staff_id in staff_ids {
        for i in 0..per_person {
            let general = rng.chance(20);
            let name = if general { rng.pick(CREDIT_GENERAL) } else { rng.pick(CREDIT_TOPICS) };
            let national = rng.chance(40);
            let day = NaiveDate::from_ymd_opt(year, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32)
                .unwrap_or_default();
            let credits = Centi(50 * (1 + rng.below(8) as i64));
            let n = i.to_string();
            out.push(CreditRecord {
                id: deterministic_id(&["synthetic", staff_id, &year.to_string(), &n]),
                staff_id: staff_id.clone(),
                cme_year: year,
                rule_set: rule_set.to_string(),
                activity_date: day,
                source: CreditSource::Import,
                project_id: None,
                project_code: Some(format!(
                    "{year}-{:02}-{:02}-{:03}({})",
                    1 + rng.below(20),
                    1 + rng.below(12),
                    rng.below(1000),
                    if national { "国" } else { "省" }
                )),
                activity_name: name.to_string(),
                category: "project".to_string(),
                credit_level: Some(if national { "national" } else { "provincial" }.to_string()),
                class: None,
                credits,
                hours: Centi(credits.hundredths() * 3),
                subject: if general { Subject::General } else { Subject::Professional },
                issuer: rng.pick(CREDIT_ISSUERS).to_string(),
                review_status: ReviewStatus::Approved,
                rate: None,
                cap: None,
                platform: None,
            });
        }
    }
    out
}
