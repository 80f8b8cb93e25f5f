//! Resident memory of the desktop process (target: ≤ 200 MiB with 10,000 staff loaded).
//!
//! Measured (tests/desktop e2e, `appMemory`, debug build, 10,000 staff): at the login page the
//! app process is ≈ 32 MiB of heap over code and WebKitGTK's libraries; what we add is transient
//! — a demo load or an import writes through a 64 MiB SQLite page cache, signing in scans the
//! newest audit rows, the roster is serialized once per load — and it stayed resident after it
//! was freed: glibc keeps freed pages in each thread's arena (≈ 34 MiB came back with a
//! `malloc_trim(0)` from gdb), and the desk's page cache stays full (two arenas of ≈ 16 MiB).
//! So, on Linux:
//! - [`Trimmer`] (default): after the app has been quiet for [`QUIET`] following work on the
//!   desk, the desk gives its page cache back (`Desk::release_memory`) and glibc returns free
//!   pages to the system ([`release_free_pages`]). The next query reads from the OS file cache.
//! - `webview` (default): no page cache (back/forward), the document-viewer cache model (WebKit's
//!   smallest memory caches), developer extras only in debug builds.
//! - `compositing` (opt-in only): `WEBKIT_DISABLE_COMPOSITING_MODE=1` and hardware acceleration
//!   never. It saves ≈ 90 MiB RSS in WebKitWebProcess and keeps llvmpipe (libLLVM, ≈ 43 MiB RSS)
//!   out of the app process under Xvfb, but WebKitWebDriver's screenshots then hang, so the e2e
//!   could not test the shipped app with it.
//!
//! Tried and not kept (session 5): glibc tunables (two arenas, 64 KiB mmap threshold) by
//! re-executing the binary — the app process saved 23–40 MiB RSS, but WebKitWebProcess inherits
//! the environment and its page hung at 100% CPU on the credit pages; mimalloc as the global
//! allocator — anonymous RSS at login 31 → 50 MiB, after the workflow 115 → 105, and SQLite's
//! page cache does not go through it anyway.
//!
//! `CMEDESK_MEM_TUNING` picks the measures for measurements: unset = the defaults, `off`, or a
//! comma list (`trim,webview,compositing`).

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

/// Set in the re-executed process so it does not loop.
const MARK: &str = "CMEDESK_MEM_TUNED";

fn enabled(measure: &str) -> bool {
    match std::env::var("CMEDESK_MEM_TUNING") {
        Err(_) => true,
        Ok(v) if v == "off" || v == "0" => false,
        Ok(v) => v.split(',').any(|m| m.trim() == measure),
    }
}

/// Measures that are off unless named (see the module header for why).
fn opted_in(measure: &str) -> bool {
    std::env::var("CMEDESK_MEM_TUNING").is_ok_and(|v| v.split(',').any(|m| m.trim() == measure))
}

/// Called first in `main`: re-executes the binary with `WEBKIT_DISABLE_COMPOSITING_MODE` when the
/// opt-in `compositing` measure asks for it (WebKit reads it at start). Returns (and the app runs
/// with the defaults) if that is impossible.
#[cfg(target_os = "linux")]
pub fn tune_process() {
    use std::os::unix::process::CommandExt;
    let compositing =
        opted_in("compositing") && std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none();
    if std::env::var_os(MARK).is_some() || !compositing {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let mut cmd = std::process::Command::new(exe);
    cmd.args(std::env::args_os().skip(1)).env(MARK, "1").env("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    // Only returns on failure; the app then simply runs with the defaults.
    let err = cmd.exec();
    eprintln!("CME Desk: memory settings not applied ({err})");
}

#[cfg(not(target_os = "linux"))]
pub fn tune_process() {}

/// How long the app must be quiet after work before memory is given back: long enough for the
/// last reply to be serialized and handed to the page, short enough to be done before anyone
/// looks at a task manager.
pub const QUIET: Duration = Duration::from_secs(2);

/// Gives memory back once the app goes quiet after work. [`Trimmer::nudge`] on every command
/// that touches the desk; the release runs on the trimmer's thread once no nudge has come for
/// the quiet period, so a burst of commands costs one release, not one each.
pub struct Trimmer {
    nudges: Sender<()>,
}

impl Trimmer {
    /// Starts the thread; `release` runs there after each burst (it must take its own locks).
    pub fn start(quiet: Duration, release: impl Fn() + Send + 'static) -> Trimmer {
        let (nudges, rx) = mpsc::channel::<()>();
        let spawned = std::thread::Builder::new().name("memory-trim".into()).spawn(move || {
            // Wait for work, then for the quiet after it; a closed channel ends the thread.
            while rx.recv().is_ok() {
                loop {
                    match rx.recv_timeout(quiet) {
                        Ok(()) => continue,
                        Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
                release();
            }
        });
        if let Err(e) = spawned {
            // Without the thread the app works, it just keeps what it freed.
            eprintln!("CME Desk: memory trimming not started ({e})");
        }
        Trimmer { nudges }
    }

    /// Work happened: release memory once the app is quiet again.
    pub fn nudge(&self) {
        // A send fails only when the thread is gone (not started); nothing to do then.
        let _ = self.nudges.send(());
    }

    /// Whether the defaults (or `CMEDESK_MEM_TUNING`) include trimming.
    pub fn wanted() -> bool {
        enabled("trim")
    }
}

/// Asks glibc to return the free pages of every arena to the system (`malloc_trim(0)`): glibc
/// gives back freed memory by itself only from the top of a heap, so after a burst freed below
/// a live allocation the pages stay resident. Elsewhere (musl, Windows, macOS) the allocators
/// return memory themselves or have no such call, and this does nothing.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn release_free_pages() -> bool {
    // SAFETY: malloc_trim takes no pointers and has no preconditions; glibc serializes it with
    // every other allocator call (it is MT-Safe).
    unsafe { libc::malloc_trim(0) == 1 }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_pages() -> bool {
    false
}

/// WebKit settings that cost memory and buy nothing for a desk app (see the module header).
#[cfg(target_os = "linux")]
pub fn tune_webview(window: &tauri::WebviewWindow) {
    use webkit2gtk::{CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt};
    if !enabled("webview") {
        return;
    }
    let result = window.with_webview(|platform| {
        let view = platform.inner();
        if let Some(settings) = view.settings() {
            if opted_in("compositing") {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
            settings.set_enable_page_cache(false);
            settings.set_enable_developer_extras(cfg!(debug_assertions));
        }
        if let Some(context) = view.context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
    });
    if let Err(e) = result {
        eprintln!("CME Desk: webview settings not applied ({e})");
    }
}

#[cfg(not(target_os = "linux"))]
pub fn tune_webview(_window: &tauri::WebviewWindow) {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    /// A burst of nudges closer together than the quiet period releases once, after the burst.
    #[test]
    fn a_burst_of_work_releases_once_after_the_quiet_period() {
        let releases = Arc::new(AtomicUsize::new(0));
        let counted = releases.clone();
        let quiet = Duration::from_millis(150);
        let trimmer = Trimmer::start(quiet, move || {
            counted.fetch_add(1, Ordering::SeqCst);
        });
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(450) {
            trimmer.nudge();
            std::thread::sleep(Duration::from_millis(30));
            assert_eq!(releases.load(Ordering::SeqCst), 0, "released while work was still coming");
        }
        std::thread::sleep(quiet * 4);
        assert_eq!(releases.load(Ordering::SeqCst), 1);
        // The next burst releases again.
        trimmer.nudge();
        std::thread::sleep(quiet * 4);
        assert_eq!(releases.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn freeing_a_large_burst_and_trimming_lowers_resident_memory() {
        // Many medium allocations (below the mmap threshold, so they live in an arena), all freed
        // but one at the end that pins the heap top: without a trim glibc keeps the pages.
        let rss = || -> u64 {
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            status
                .lines()
                .find_map(|l| l.strip_prefix("RssAnon:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        if !cfg!(all(target_os = "linux", target_env = "gnu")) {
            return;
        }
        let handle = std::thread::spawn(move || {
            let mut blocks: Vec<Vec<u8>> = (0..4096).map(|i| vec![i as u8; 16 * 1024]).collect();
            let pin = vec![1u8; 16 * 1024];
            blocks.clear();
            blocks.shrink_to_fit();
            let before = rss();
            let released = release_free_pages();
            let after = rss();
            drop(pin);
            (before, after, released)
        });
        let (before, after, released) = handle.join().unwrap();
        assert!(released, "glibc had free pages to give back");
        assert!(before > after + 32 * 1024, "RssAnon {before} kB → {after} kB after the trim");
    }
}
