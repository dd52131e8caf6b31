//! The real app's window niceties (`cordon_desktop::desktop`): the plugins are really
//! registered, and the first window fits a 1366×768 laptop screen.
//!
//! The window checks read the real tauri.conf.json, so a size change that no longer
//! fits fails here.

use std::path::Path;

use serde_json::Value;
use tauri::test::{mock_builder, mock_context, noop_assets};

/// The smallest common laptop screen Cordon must open on without spilling over.
const SCREEN: (f64, f64) = (1366.0, 768.0);
/// Room left for a title bar and a taskbar/panel around the window's inner size.
const CHROME_HEIGHT: f64 = 88.0;

fn main_window() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tauri.conf.json");
    let text = std::fs::read_to_string(path).expect("tauri.conf.json");
    let config: Value = serde_json::from_str(&text).expect("JSON");
    config["app"]["windows"]
        .as_array()
        .and_then(|ws| ws.iter().find(|w| w["label"] == "main").cloned())
        .expect("the main window")
}

fn number(w: &Value, key: &str) -> f64 {
    w[key].as_f64().unwrap_or_else(|| panic!("{key} is set"))
}

#[test]
fn the_first_window_is_1280_by_680_and_fits_a_1366_by_768_screen() {
    let w = main_window();
    let (width, height) = (number(&w, "width"), number(&w, "height"));
    assert_eq!((width, height), (1280.0, 680.0));
    assert!(width <= SCREEN.0);
    assert!(height + CHROME_HEIGHT <= SCREEN.1);
    assert_eq!(w["center"], true);
}

#[test]
fn the_minimum_size_is_960_by_600_and_not_above_the_first_size() {
    let w = main_window();
    let (min_w, min_h) = (number(&w, "minWidth"), number(&w, "minHeight"));
    assert_eq!((min_w, min_h), (960.0, 600.0));
    assert!(min_w <= number(&w, "width"));
    assert!(min_h <= number(&w, "height"));
}

#[test]
fn single_instance_and_window_state_are_registered() {
    let mut context = mock_context(noop_assets());
    // Not the real app's identifier: a Cordon open on this machine is left alone.
    context.config_mut().identifier = "com.cordon.desktop.plugin-test".into();
    let app = cordon_desktop::desktop::plugins_with(mock_builder(), true)
        .build(context)
        .expect("the app builds with the plugins");
    let handle = app.handle();
    assert!(handle.remove_plugin("single-instance"));
    assert!(handle.remove_plugin("window-state"));
    assert!(
        !handle.remove_plugin("single-instance"),
        "removed once only"
    );
}

#[test]
fn only_the_e2e_seam_turns_single_instance_off() {
    assert!(cordon_desktop::desktop::single_instance_wanted(false));
    assert!(!cordon_desktop::desktop::single_instance_wanted(true));
}
