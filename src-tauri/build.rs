//! Build script: embeds the Tauri context and declares the app's own commands, so the
//! capability file can grant exactly these (and nothing else) to the main window.
include!("src/command_list.rs");

fn main() {
    let attributes =
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script has no caller to return to; print the reason for cargo and fail.
        println!("cargo:warning=tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
