//! "Nothing half-written": a `cmedesk demo` killed with SIGKILL at random moments leaves a
//! database that is intact, with the roster either fully loaded or not at all, and an unbroken
//! audit chain whose rows match the outbox one for one.

use std::time::Instant;

use cmedesk_e2e::{cmedesk, count, integrity_check, json};

const STAFF: &str = "3000";

#[test]
fn demo_killed_at_random_moments_leaves_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // How long an undisturbed load takes on this machine, so the kills land inside it.
    let full = dir.path().join("full.db");
    json(&full, "demo1234", &["init"]);
    let started = Instant::now();
    json(&full, "demo1234", &["demo", "--staff", STAFF]);
    let whole = started.elapsed();
    assert_eq!(count(&full, "staff"), 3000);

    let mut killed = 0;
    for (i, fraction) in [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95].into_iter().enumerate() {
        let db = dir.path().join(format!("kill{i}.db"));
        json(&db, "demo1234", &["init"]);
        let mut child = cmedesk(&db, "demo1234").args(["demo", "--staff", STAFF]).spawn().unwrap();
        std::thread::sleep(whole.mul_f64(fraction));
        let _ = child.kill(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        if !status.success() {
            killed += 1;
        }
        let at = format!("kill at {:.0}% ({status})", fraction * 100.0);
        assert_eq!(integrity_check(&db), "ok", "{at}");
        let staff = count(&db, "staff");
        assert!(staff == 0 || staff == 3000, "{at} left {staff} staff");
        assert_eq!(count(&db, "audit_log"), count(&db, "outbox"), "{at}: audit and outbox stay one for one");
        let verify = json(&db, "demo1234", &["audit-log", "--verify"]);
        assert_eq!(verify["intact"], true, "{at}: {verify}");
    }
    assert!(killed >= 4, "only {killed} of 7 runs were interrupted: the kills missed the load");
}
