//! Where the import time goes (scratch timing, not a test): open, parse, domain.
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).expect("path");
    let t = cmedesk_sheets::Template::get("staff-roster").unwrap();
    if !std::path::Path::new(&path).exists() {
        use cmedesk_sheets::Value::Text;
        let rows: Vec<Vec<cmedesk_sheets::Value>> = (0..100_000usize)
            .map(|i| {
                let birth = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).unwrap()
                    + chrono::Days::new((i / 400) as u64);
                let seq = (i % 400) as u16 * 2 + 1 + (i % 2) as u16;
                vec![
                    Text("赵明华".into()),
                    Text(if seq % 2 == 1 { "male" } else { "female" }.into()),
                    Text(cmedesk_core::id_number::compose("110105", birth, seq)),
                    Text(format!("32{:08}", i)),
                    Text(format!("科室{}", i % 12)),
                    Text("主治医师".into()),
                    Text("intermediate".into()),
                    Text("医师".into()),
                    Text(format!("138{:08}", i)),
                    Text("active".into()),
                ]
            })
            .collect();
        cmedesk_sheets::write_xlsx(&t, &rows, std::path::Path::new(&path)).unwrap();
    }
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let mut desk = cmedesk_core::Desk::open_in_memory().unwrap();
    let actor = cmedesk_core::Actor::new(
        cmedesk_core::Operator::system(),
        chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00+08:00").unwrap(),
    );
    for i in 0..12 {
        let new =
            cmedesk_core::departments::NewDepartment { name: format!("科室{i}"), ..Default::default() };
        cmedesk_core::departments::add(&mut desk, &actor, new).unwrap();
    }
    let mut desk = cmedesk_core::Desk::open_in_memory().unwrap();
    let actor = cmedesk_core::Actor::new(
        cmedesk_core::Operator::system(),
        chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00+08:00").unwrap(),
    );
    for i in 0..12 {
        let new =
            cmedesk_core::departments::NewDepartment { name: format!("科室{i}"), ..Default::default() };
        cmedesk_core::departments::add(&mut desk, &actor, new).unwrap();
    }
    for _ in 0..3 {
        let a = Instant::now();
        let sheet = cmedesk_sheets::read::open(std::path::Path::new(&path)).unwrap();
        let b = Instant::now();
        let mut parsed =
            cmedesk_sheets::read::parse(&t, &sheet, today, &Default::default(), &mut |_, _| {}).unwrap();
        let c = Instant::now();
        let inputs = cmedesk_sheets::domain::staff_inputs(&desk, &t, &mut parsed).unwrap();
        assert_eq!(inputs.len(), 100_000);
        let d = Instant::now();
        drop(inputs);
        drop(parsed);
        drop(sheet);
        let e = Instant::now();
        println!("open {:?} parse {:?} to NewStaff {:?} drop {:?}", b - a, c - b, d - c, e - d);
    }
}
