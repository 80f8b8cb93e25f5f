//! One desk's sync round against the reference hub (`MemoryHub`), for the pull tests: push
//! everything pending and settle the reply, or pull one page that reaches the log's head.

use cmedesk_core::{
    Desk,
    sync::{
        MemoryHub, PullRequest, PushRequest,
        outbox_ops::{freeze_pending, load_marks, outbox_ops, store_push_settlement},
        pull_apply::{PageApplied, apply_pull_page},
    },
};

/// Freezes and pushes every pending op of `desk`, then stores the settled reply at `now`.
pub fn push_all(desk: &Desk, hub: &mut MemoryHub, now: &str) {
    freeze_pending(desk).unwrap();
    let mut marks = load_marks(desk).unwrap();
    let ops = outbox_ops(desk, marks.acked_through, 100_000).unwrap();
    if ops.is_empty() {
        return;
    }
    let last = ops.last().unwrap().site_seq;
    let reply = hub.push(&PushRequest { site_id: desk.site_id().to_string(), ops });
    let mut rejected = Default::default();
    marks.settle_push_reply(&reply, last, &mut rejected).unwrap();
    store_push_settlement(desk, &marks, &rejected, &[], now).unwrap();
}

/// Pulls and applies one page after the desk's cursor, at `now`; the page reaches the head.
pub fn pull_to_head(desk: &Desk, hub: &MemoryHub, now: &str) -> PageApplied {
    let cursor = load_marks(desk).unwrap().cursor;
    let reply = hub.pull(&PullRequest { site_id: desk.site_id().into(), after: cursor, limit: 100_000 });
    let page = apply_pull_page(desk, &reply, now).unwrap();
    assert_eq!(page.cursor, hub.log().len() as i64, "one page reaches the head here");
    page
}
