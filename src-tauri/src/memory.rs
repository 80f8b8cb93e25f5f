//! Resident memory of the desktop process (target: ≤ 200 MiB with 10,000 staff loaded).
//!
//! Measured (tests/desktop e2e, `appMemory`): most of the app process is WebKitGTK's UI side and
//! shared libraries; what we add is transient — a 10,000-row roster serialized once per load —
//! which glibc keeps in per-thread arenas after it is freed. So, on Linux:
//! - `malloc` (opt-in only, see below): the process re-executes itself once with `GLIBC_TUNABLES` (two arenas, a fixed
//!   64 KiB mmap threshold so big transient buffers go back to the system when freed, an eager
//!   trim). Tunables are read only at process start, hence the re-exec; no unsafe code.
//! - `webview` (default): no page cache (back/forward), the document-viewer cache model (WebKit's
//!   smallest memory caches), developer extras only in debug builds.
//!
//! Why `malloc` is opt-in: child processes inherit the environment, so WebKitWebProcess ran with
//! the tunables too, and with the credit pages (授分) its page hung at 100% CPU (WebDriver: "page
//! crash or hang"); the app process alone saved 23–40 MiB RSS with it.
//!
//! Opt-in only, `compositing`: `WEBKIT_DISABLE_COMPOSITING_MODE=1` and hardware acceleration
//! never. It saves ≈ 90 MiB RSS in WebKitWebProcess under Xvfb (no software-GL compositor), but
//! WebKitWebDriver's screenshots then hang, so the e2e could not test the shipped app with it.
//!
//! Tried and not kept (session 5, debug, 10,000 staff, anonymous RSS of the app process, glibc →
//! mimalloc as `#[global_allocator]`): login 31 → 50 MiB, roster 100 → 97, after the workflow
//! 115 → 105, cold restart with the roster 63 → 97. The heap is ≈ 100 MiB of a ≈ 250 MiB RSS;
//! the rest is code and WebKitGTK's libraries, which no allocator changes.
//!
//! `CMEDESK_MEM_TUNING` picks the measures for measurements: unset = the defaults, `off`, or a
//! comma list (`malloc,webview,compositing`).

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

/// The glibc tunables we add to whatever the environment already sets.
const TUNABLES: &str =
    "glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=65536:glibc.malloc.trim_threshold=131072";

/// Called first in `main`: re-executes the binary with the process-start settings when they
/// are missing. Returns (and the app runs untuned) if that is impossible.
#[cfg(target_os = "linux")]
pub fn tune_process() {
    use std::os::unix::process::CommandExt;
    let malloc = opted_in("malloc");
    let compositing =
        opted_in("compositing") && std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none();
    if std::env::var_os(MARK).is_some() || !(malloc || compositing) {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let mut cmd = std::process::Command::new(exe);
    cmd.args(std::env::args_os().skip(1)).env(MARK, "1");
    if malloc {
        let tunables = match std::env::var("GLIBC_TUNABLES") {
            Ok(t) if !t.is_empty() => format!("{t}:{TUNABLES}"),
            _ => TUNABLES.to_owned(),
        };
        cmd.env("GLIBC_TUNABLES", tunables);
    }
    if compositing {
        cmd.env("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    // Only returns on failure; the app then simply runs with the defaults.
    let err = cmd.exec();
    eprintln!("CME Desk: memory settings not applied ({err})");
}

#[cfg(not(target_os = "linux"))]
pub fn tune_process() {}

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
