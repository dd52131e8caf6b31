//! Cordon desktop entry point.
// No console window for the GUI on Windows in release builds.
#![cfg_attr(
    all(not(debug_assertions), target_os = "windows"),
    windows_subsystem = "windows"
)]

fn main() {
    cordon_desktop::run();
}
