//! The LAN self-service end to end over real TLS on loopback (issue 10): a desk file loaded
//! with the synthetic hospital, the service started in-process on 127.0.0.1:0, phones played by
//! a client pinned to the certificate fingerprint, and the database read back through the core.
//! The 500-phone load test is here too (`LAN_LOAD_SECS` spreads the arrivals; default 10 s).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, NaiveDate};
use cmedesk_core::credits::Centi;
use cmedesk_core::credits::store::{self, CreditFilter, NewEvidence};
use cmedesk_core::manual_credits::{ManualCreditForm, ReviewDecision, ReviewPolicy, SaveMode};
use cmedesk_core::projects::{self, ProjectDetails};
use cmedesk_core::rules::RuleBook;
use cmedesk_core::staff::{self, StaffFilter, StaffRow, StaffStatus};
use cmedesk_core::swipes::{self, SwipeFilter, SwipeSource, SwipeStatus};
use cmedesk_core::{Actor, Desk, Operator, Role, approved_projects, audit_log, synthetic};
use cmedesk_lan::client::PinnedClient;
use cmedesk_lan::clock::RunningClock;
use cmedesk_lan::limits::Limit;
use cmedesk_lan::statement::KeySigner;
use cmedesk_lan::{LanConfig, Parts, Running};
use serde_json::{Value, json};

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn officer(now: DateTime<FixedOffset>) -> Actor {
    Actor::new(
        Operator {
            username: "officer".into(),
            display_name: "继教专干".into(),
            role: Role::Officer,
            department_id: None,
        },
        now,
    )
}

fn admin(now: DateTime<FixedOffset>) -> Actor {
    Actor::new(Operator::system(), now)
}

/// A desk file with the synthetic hospital and one project held on 2026-11-20 whose attendance
/// window is `window` (start, end as "HH:MM:SS"). Returns the file, project id and staff.
struct World {
    _dir: tempfile::TempDir,
    db: PathBuf,
    project_id: String,
    people: Vec<StaffRow>,
}

fn world(staff: usize, window: (&str, &str)) -> World {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let mut desk = Desk::create(&db).unwrap();
    let a = admin(t("2026-11-19T08:00:00+08:00"));
    let h = synthetic::generate(7, staff, a.today());
    synthetic::load(&mut desk, &a, &h).unwrap();
    let free = approved_projects::list(&desk, &Default::default())
        .unwrap()
        .into_iter()
        .find(|p| p.hosted_project_id.is_none() && p.approved.year == 2026)
        .expect("an approved entry not yet hosted");
    let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let p = projects::create(
        &mut desk,
        &a,
        &free.approved.id,
        ProjectDetails {
            delivery: Some("继续医学教育项目".into()),
            venue: Some("本院学术报告厅".into()),
            planned_start: Some(day),
            planned_end: Some(day),
            ..Default::default()
        },
    )
    .unwrap();
    projects::add_holding_period(&mut desk, &a, &p.id, day, day).unwrap();
    let at = |hms: &str| day.and_time(chrono::NaiveTime::parse_from_str(hms, "%H:%M:%S").unwrap());
    projects::add_attendance_window(&mut desk, &a, &p.id, at(window.0), at(window.1), Some("上午签到"))
        .unwrap();
    let people: Vec<StaffRow> = staff::list(&desk, &StaffFilter::default())
        .unwrap()
        .into_iter()
        .filter(|r| r.staff.status == StaffStatus::Active && r.staff.phone.is_some() && r.card_key.is_some())
        .collect();
    World { _dir: dir, db, project_id: p.id, people }
}

fn last4(r: &StaffRow) -> String {
    let p = r.staff.phone.as_deref().unwrap();
    p[p.len() - 4..].to_string()
}

async fn serve(w: &World, now: &str, tune: impl FnOnce(&mut LanConfig)) -> (Running, PinnedClient, PathBuf) {
    let state = w.db.parent().unwrap().join(format!("lan-{}", cmedesk_lan::token::nonce()));
    let identity =
        cmedesk_lan::identity::load_or_create(&state, &["localhost".into(), "127.0.0.1".into()]).unwrap();
    let mut config = LanConfig::new("127.0.0.1:0".parse::<SocketAddr>().unwrap(), w.project_id.clone());
    tune(&mut config);
    let log = state.join("lan-access.log");
    let running = cmedesk_lan::start(
        config,
        Parts {
            desk: Desk::open(&w.db).unwrap(),
            operator: officer(t(now)).operator,
            clock: Arc::new(RunningClock::starting_at(t(now))),
            identity,
            statement_signer: Arc::new(KeySigner::generate().unwrap()),
            fonts: cmedesk_print::discover(None).ok(),
            access_log: Some(log.clone()),
        },
    )
    .await
    .unwrap();
    let client = PinnedClient::new(running.addr, &running.fingerprint).unwrap();
    (running, client, log)
}

/// What a phone does on scanning: read the kiosk's current code, open it, keep the cookie.
struct Phone {
    cookie: String,
    ticket: String,
}

async fn kiosk(c: &PinnedClient) -> Value {
    let a = c.get("/kiosk/state", None).await.unwrap();
    assert_eq!(a.status, 200, "{}", a.text());
    a.json().unwrap()
}

fn path_of(url: &str) -> String {
    url.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap()
}

async fn scan(c: &PinnedClient, url: &str) -> Phone {
    let a = c.get(&path_of(url), None).await.unwrap();
    assert_eq!(a.status, 200, "{:?}", a.header("x-cmedesk-code"));
    let cookie = a.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
    let html = a.text();
    let start = html.find("id=\"ticket\" value=\"").unwrap() + 19;
    let ticket = html[start..].split('"').next().unwrap().to_string();
    Phone { cookie, ticket }
}

async fn check_in(c: &PinnedClient, phone: &Phone, id: &str, factor: &str) -> (u16, Value) {
    let a = c
        .post_json(
            "/api/checkin",
            Some(&phone.cookie),
            &json!({ "ticket": phone.ticket, "id_number": id, "second_factor": factor }),
        )
        .await
        .unwrap();
    (a.status, a.json().unwrap())
}

fn qr_swipes(db: &Path, project: &str) -> Vec<cmedesk_core::swipes::Swipe> {
    let desk = Desk::open(db).unwrap();
    swipes::list(&desk, &SwipeFilter { project_id: Some(project.into()), ..Default::default() })
        .unwrap()
        .into_iter()
        .filter(|s| s.source == SwipeSource::Qr)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_in_is_committed_before_success_and_repeats_are_refused() {
    let w = world(300, ("09:00:00", "10:00:00"));
    let (running, c, log) = serve(&w, "2026-11-20T09:30:00+08:00", |_| {}).await;
    let k = kiosk(&c).await;
    assert_eq!(k["count"], 0);
    assert!(k["svg"].as_str().unwrap().starts_with("<?xml") || k["svg"].as_str().unwrap().contains("<svg"));
    assert_eq!(k["fingerprint"].as_str().unwrap(), running.fingerprint);
    let url = k["url"].as_str().unwrap().to_string();
    let p = &w.people[0];

    let phone = scan(&c, &url).await;
    let (status, body) = check_in(&c, &phone, &p.staff.id_number, &last4(p)).await;
    assert_eq!((status, body["code"].as_str().unwrap()), (200, "CHECKED_IN"), "{body}");
    // Committed before the phone was told: the swipe is in the file, with audit and outbox rows.
    let stored = qr_swipes(&w.db, &w.project_id);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, body["swipe_id"].as_str().unwrap());
    assert_eq!(stored[0].status, SwipeStatus::Accepted);
    assert_eq!(stored[0].staff_id.as_deref(), Some(p.staff.id.as_str()));
    assert_eq!(stored[0].terminal_id, running.terminal_id);
    let desk = Desk::open(&w.db).unwrap();
    let audit = audit_log::list(&desk, &Default::default()).unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.entity_id == stored[0].id && e.action == "swipe.record" && e.operator == "officer")
    );
    assert!(audit_log::verify(&desk).unwrap().intact);

    // The same ticket again is a replay.
    let (status, body) = check_in(&c, &phone, &p.staff.id_number, &last4(p)).await;
    assert_eq!((status, body["code"].as_str().unwrap()), (409, "TICKET_USED"));
    // A fresh scan by the same person in the same window: already checked in.
    let again = scan(&c, &url).await;
    let (status, body) = check_in(&c, &again, &p.staff.id_number, &last4(p)).await;
    assert_eq!((status, body["code"].as_str().unwrap()), (409, "CHECKIN_ALREADY"));
    assert!(body["message"].as_str().unwrap().contains("已于"));
    // Card number as the second factor works for the next person; a wrong factor does not.
    let q = &w.people[1];
    let phone = scan(&c, &url).await;
    let (status, body) = check_in(&c, &phone, &q.staff.id_number, "0000").await;
    assert_eq!((status, body["code"].as_str().unwrap()), (422, "SELF_SERVICE_NOT_VERIFIED"));
    let card = q.card_key.as_deref().unwrap().trim_start_matches("ic:").to_string();
    let (status, body) = check_in(&c, &phone, &q.staff.id_number, &card).await;
    assert_eq!(
        (status, body["code"].as_str().unwrap()),
        (200, "CHECKED_IN"),
        "a refused try leaves the ticket usable"
    );
    assert_eq!(kiosk(&c).await["count"], 2);
    assert_eq!(qr_swipes(&w.db, &w.project_id).len(), 2, "refusals wrote nothing");

    // A forged or foreign code is refused; no admin route exists.
    let a = c.get("/c?t=1.x.y.00", None).await.unwrap();
    assert_eq!((a.status, a.header("x-cmedesk-code")), (400, Some("QR_INVALID")));
    for path in ["/admin", "/api/staff", "/api/swipes", "/api/users", "/backup"] {
        assert_eq!(c.get(path, None).await.unwrap().status, 404, "{path}");
    }
    // Only the chosen address is bound: "all interfaces" is refused.
    let refused = cmedesk_lan::start(
        LanConfig::new("0.0.0.0:0".parse().unwrap(), w.project_id.clone()),
        Parts {
            desk: Desk::open(&w.db).unwrap(),
            operator: officer(t("2026-11-20T09:30:00+08:00")).operator,
            clock: Arc::new(RunningClock::system()),
            identity: cmedesk_lan::identity::load_or_create(&w.db.parent().unwrap().join("lan-x"), &[])
                .unwrap(),
            statement_signer: Arc::new(KeySigner::generate().unwrap()),
            fonts: None,
            access_log: None,
        },
    )
    .await;
    assert!(refused.err().unwrap().to_string().contains("0.0.0.0"));
    // Every request is logged, without the query (tokens stay out of the log).
    let lines = std::fs::read_to_string(&log).unwrap();
    assert!(lines.lines().count() >= 12, "{lines}");
    assert!(lines.contains("\"code\":\"CHECKED_IN\"") && lines.contains("\"code\":\"TICKET_USED\""));
    assert!(!lines.contains("t="), "tokens are never logged");
    running.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_codes_tickets_window_end_and_cap_are_refused() {
    // The window closes 3 s after the service starts; codes rotate every 2 s.
    let w = world(200, ("09:00:00", "09:30:03"));
    let (running, c, _) = serve(&w, "2026-11-20T09:30:00+08:00", |cfg| {
        cfg.rotate_secs = 2;
        cfg.cap = Some(1);
    })
    .await;
    let url = kiosk(&c).await["url"].as_str().unwrap().to_string();
    let (a, b) = (&w.people[0], &w.people[1]);
    let pa = scan(&c, &url).await;
    let pb = scan(&c, &url).await;
    let (_, body) = check_in(&c, &pa, &a.staff.id_number, &last4(a)).await;
    assert_eq!(body["code"], "CHECKED_IN");
    // Cap of 1 reached.
    let (status, body) = check_in(&c, &pb, &b.staff.id_number, &last4(b)).await;
    assert_eq!((status, body["code"].as_str().unwrap()), (409, "CHECKIN_CAP_REACHED"));
    assert!(body["message"].as_str().unwrap().contains("上限 1 人"));
    // The code photographed a few seconds ago no longer opens the form (two steps later).
    tokio::time::sleep(Duration::from_millis(4300)).await;
    let a2 = c.get(&path_of(&url), None).await.unwrap();
    assert_eq!((a2.status, a2.header("x-cmedesk-code")), (410, Some("QR_EXPIRED")));
    // After the window's end, a ticket issued inside it is refused by the core.
    let (status, body) = check_in(&c, &pb, &b.staff.id_number, &last4(b)).await;
    assert_eq!((status, body["code"].as_str().unwrap()), (409, "CHECKIN_WINDOW_OVER"), "{body}");
    assert!(body["message"].as_str().unwrap().contains("不在考勤时间段内"));
    assert_eq!(kiosk(&c).await["code"], "NO_WINDOW");
    assert_eq!(qr_swipes(&w.db, &w.project_id).len(), 1);
    running.task.abort();

    // A ticket that outlived its time.
    let w = world(100, ("09:00:00", "10:00:00"));
    let (running, c, _) = serve(&w, "2026-11-20T09:30:00+08:00", |cfg| cfg.ticket_secs = 1).await;
    let url = kiosk(&c).await["url"].as_str().unwrap().to_string();
    let p = scan(&c, &url).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = check_in(&c, &p, &w.people[0].staff.id_number, &last4(&w.people[0])).await;
    assert_eq!((status, body["code"].as_str().unwrap()), (410, "TICKET_EXPIRED"));
    // A ticket carried to another phone (another cookie) is not valid there.
    let other = scan(&c, &url).await;
    let stolen = Phone { cookie: other.cookie, ticket: scan(&c, &url).await.ticket };
    let (status, body) = check_in(&c, &stolen, &w.people[0].staff.id_number, &last4(&w.people[0])).await;
    assert_eq!((status, body["code"].as_str().unwrap()), (400, "TICKET_INVALID"));
    running.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_per_person_and_per_device() {
    let w = world(100, ("09:00:00", "10:00:00"));
    let (running, c, _) = serve(&w, "2026-11-20T09:30:00+08:00", |cfg| {
        cfg.failure_limit = Limit { max: 3, window_secs: 900 };
        cfg.device_limit = Limit { max: 6, window_secs: 60 };
    })
    .await;
    let url = kiosk(&c).await["url"].as_str().unwrap().to_string();
    let p = &w.people[0];
    let phone = scan(&c, &url).await;
    for _ in 0..3 {
        let (_, body) = check_in(&c, &phone, &p.staff.id_number, "9999").await;
        assert_eq!(body["code"], "SELF_SERVICE_NOT_VERIFIED");
    }
    // Guessing is over for this ID number, even with the right digits.
    let (status, body) = check_in(&c, &phone, &p.staff.id_number, &last4(p)).await;
    assert_eq!((status, body["code"].as_str().unwrap()), (429, "RATE_LIMIT_PERSON"));
    // Another person from the same phone works until the device's limit.
    let q = &w.people[1];
    let (_, body) = check_in(&c, &phone, &q.staff.id_number, &last4(q)).await;
    assert_eq!(body["code"], "CHECKED_IN");
    let r = &w.people[2];
    let (_, body) = check_in(&c, &scan(&c, &url).await, &r.staff.id_number, "1").await;
    assert_eq!(body["code"], "SELF_SERVICE_NOT_VERIFIED", "a new cookie is a new device");
    let (_, body) = check_in(&c, &phone, &r.staff.id_number, &last4(r)).await;
    assert_eq!(body["code"], "TICKET_USED");
    let (status, body) = check_in(&c, &phone, &r.staff.id_number, &last4(r)).await;
    assert_eq!((status, body["code"].as_str().unwrap()), (429, "RATE_LIMIT_DEVICE"));
    assert_eq!(qr_swipes(&w.db, &w.project_id).len(), 1);
    running.task.abort();
}

fn paper(staff_id: &str, name: &str) -> ManualCreditForm {
    ManualCreditForm {
        staff_id: staff_id.into(),
        category: "paper".into(),
        activity_name: name.into(),
        activity_number: None,
        credit_level: None,
        delivery: None,
        discipline2: Some("临床内科学".into()),
        discipline3: None,
        quantity: Some(Centi::units(1)),
        credits: None,
        hours: Centi::units(6),
        activity_date: NaiveDate::from_ymd_opt(2026, 5, 20).unwrap(),
        note: None,
        issuer: "中华医学杂志".into(),
        evidence: vec![],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_credits_match_the_credit_list_and_the_statement_downloads() {
    let w = world(100, ("09:00:00", "10:00:00"));
    let p = &w.people[0];
    {
        let mut desk = Desk::open(&w.db).unwrap();
        let book = RuleBook::embedded().unwrap();
        let a = admin(t("2026-11-19T09:00:00+08:00"));
        let file = NewEvidence { file_name: "封面.pdf".into(), content: b"%PDF-1.4 synthetic".to_vec() };
        let m = store::add_manual(
            &mut desk,
            &a,
            &book,
            paper(&p.staff.id, "慢病管理研究"),
            &[file],
            SaveMode::SaveAndSubmit,
        )
        .unwrap();
        store::review_manual(
            &mut desk,
            &a,
            &book,
            &m.credit.id,
            ReviewDecision::Approve,
            None,
            ReviewPolicy { department_required: false },
        )
        .unwrap();
        store::add_manual(&mut desk, &a, &book, paper(&p.staff.id, "尚未上报的论文"), &[], SaveMode::Save)
            .unwrap();
    }
    let (running, c, _) = serve(&w, "2026-11-20T09:30:00+08:00", |_| {}).await;
    let a = c
        .post_json("/api/me", None, &json!({ "id_number": p.staff.id_number, "second_factor": last4(p) }))
        .await
        .unwrap();
    assert_eq!(a.status, 200, "{}", a.text());
    let j = a.json().unwrap();
    let mine = &j["mine"];
    assert_eq!(mine["name"], p.staff.name.as_str());
    assert!(mine["id_number_shown"].as_str().unwrap().contains('*'), "the ID number is masked");
    let desk = Desk::open(&w.db).unwrap();
    let listed = store::list(
        &desk,
        &CreditFilter { staff_id: Some(p.staff.id.clone()), cme_year: Some(2026), ..Default::default() },
    )
    .unwrap();
    let mut shown: Vec<(String, f64)> = mine["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["credit"]["id"].as_str().unwrap().to_string(), r["credit"]["credits"].as_f64().unwrap()))
        .collect();
    let mut expected: Vec<(String, f64)> =
        listed.iter().map(|c| (c.record.id.clone(), c.record.credits.0 as f64 / 100.0)).collect();
    shown.sort_by(|a, b| a.0.cmp(&b.0));
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(shown, expected);
    assert_eq!(expected.len(), 2);
    let draft = mine["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["credit"]["activity_name"] == "尚未上报的论文")
        .unwrap();
    assert_eq!(draft["not_counted_reason"], "审核状态为保存");
    assert_eq!(
        mine["totals"]["credits"].as_f64().unwrap(),
        1.0 * listed[0].record.credits.0.min(listed[1].record.credits.0) as f64 / 100.0
    );
    assert!(
        mine["gaps"].as_array().unwrap().iter().any(|g| g["requirement_zh"] == "学分"),
        "the gap to 25 credits"
    );

    // The statement PDF, when a CJK font is installed (CI installs one).
    let link = j["download"].as_str().unwrap();
    let pdf = c.get(link, None).await.unwrap();
    if pdf.status == 503 {
        eprintln!("no CJK font on this machine: statement PDF not checked");
    } else {
        assert_eq!(pdf.status, 200, "{}", pdf.text());
        assert_eq!(pdf.header("content-type"), Some("application/pdf"));
        assert!(pdf.body.starts_with(b"%PDF"));
        // Issued statements are in the issue log, so the short code can be checked at the desk.
        let issued =
            cmedesk_core::statement_issues::list(&Desk::open(&w.db).unwrap(), &p.staff.id, Some(2026))
                .unwrap();
        assert_eq!(issued.len(), 1);
    }
    let expired = c.get("/me/statement.pdf?d=1.x.00", None).await.unwrap();
    assert_eq!(expired.status, 410);
    // A wrong second factor answers the same as an unknown ID number.
    let a = c
        .post_json("/api/me", None, &json!({ "id_number": p.staff.id_number, "second_factor": "0000" }))
        .await
        .unwrap();
    let b = c
        .post_json("/api/me", None, &json!({ "id_number": "110105198001010091", "second_factor": "1234" }))
        .await
        .unwrap();
    assert_eq!((a.status, b.status), (422, 422));
    assert_eq!(a.json().unwrap()["message"], b.json().unwrap()["message"]);
    running.task.abort();
}

/// 500 phones check in over `LAN_LOAD_SECS` (default 10 s; the issue's figure is for 120 s):
/// each scans (TLS connection, form, cookie) and submits on a new connection. All are recorded
/// exactly once; the check-in p50/p99 latency is printed (and held to ≤ 200 ms when
/// `LAN_LOAD_ASSERT_P99=1`, for release measurements).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_phones_are_all_recorded_exactly_once() {
    let phones = 500;
    let w = world(700, ("09:00:00", "11:00:00"));
    assert!(w.people.len() >= phones, "{} people", w.people.len());
    let (running, c, _) = serve(&w, "2026-11-20T09:30:00+08:00", |_| {}).await;
    let spread: f64 = std::env::var("LAN_LOAD_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(10.0);
    // The kiosk screen polls once a second; phones scan whatever code it shows.
    let shown = Arc::new(std::sync::Mutex::new(kiosk(&c).await["url"].as_str().unwrap().to_string()));
    let poller = {
        let (c, shown) = (c.clone(), shown.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if let Some(u) = kiosk(&c).await["url"].as_str() {
                    *shown.lock().unwrap() = u.to_string();
                }
            }
        })
    };
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, p) in w.people.iter().take(phones).cloned().enumerate() {
        let (c, shown) = (c.clone(), shown.clone());
        let at = Duration::from_secs_f64(spread * i as f64 / phones as f64);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(tokio::time::Instant::from_std(started + at)).await;
            let url = shown.lock().unwrap().clone();
            let phone = scan(&c, &url).await;
            let t0 = Instant::now();
            let (status, body) = check_in(&c, &phone, &p.staff.id_number, &last4(&p)).await;
            (status, body, t0.elapsed(), p.staff.id)
        }));
    }
    let mut latencies = Vec::new();
    let mut ids = Vec::new();
    for task in tasks {
        let (status, body, took, id) = task.await.unwrap();
        assert_eq!((status, body["code"].as_str().unwrap()), (200, "CHECKED_IN"), "{body}");
        latencies.push(took);
        ids.push((id, body["swipe_id"].as_str().unwrap().to_string()));
    }
    let total = started.elapsed();
    poller.abort();
    latencies.sort();
    let q = |p: f64| latencies[((latencies.len() as f64 * p).ceil() as usize).min(latencies.len()) - 1];
    eprintln!(
        "LAN load: {phones} check-ins over {:.1} s: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        total.as_secs_f64(),
        q(0.50).as_secs_f64() * 1000.0,
        q(0.99).as_secs_f64() * 1000.0,
        latencies.last().unwrap().as_secs_f64() * 1000.0
    );
    let stored = qr_swipes(&w.db, &w.project_id);
    assert_eq!(stored.len(), phones, "every phone recorded once");
    let mut by_staff: Vec<&str> = stored.iter().map(|s| s.staff_id.as_deref().unwrap()).collect();
    by_staff.sort();
    by_staff.dedup();
    assert_eq!(by_staff.len(), phones, "nobody twice");
    for (staff_id, swipe_id) in &ids {
        assert!(stored.iter().any(|s| &s.id == swipe_id && s.staff_id.as_deref() == Some(staff_id.as_str())));
    }
    assert_eq!(kiosk(&c).await["count"], phones as i64);
    if std::env::var("LAN_LOAD_ASSERT_P99").is_ok() {
        assert!(q(0.99) <= Duration::from_millis(200), "p99 {:?}", q(0.99));
    }
    running.task.abort();
}

/// Aborting the service task (the desktop's 停止服务) closes the port: new connections are refused
/// instead of hanging on an accept loop nobody serves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborting_the_service_closes_its_port() {
    let w = world(20, ("09:00:00", "10:00:00"));
    let (running, c, _log) = serve(&w, "2026-11-20T09:30:00+08:00", |_| {}).await;
    assert_eq!(c.get("/kiosk/state", None).await.unwrap().status, 200);
    let addr = running.addr;
    running.task.abort();
    // Condition, not a sleep: the accept loop ends once the listener's receiver is dropped.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        match tokio::net::TcpStream::connect(addr).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => break,
            _ if std::time::Instant::now() > deadline => panic!("port {addr} still accepts after abort"),
            _ => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
        }
    }
}
