//! The real OS credential store (Secret Service on Linux). Ignored by default: run
//! under `dbus-run-session` with an unlocked gnome-keyring (see scripts/test.sh):
//! `cargo test -p cordon-core -- --include-ignored keyring`. Each test uses its own
//! service name, so a developer's own Cordon credentials are never touched.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use cordon_core::CoreError;
use cordon_core::profiles::{self, AuthMode, Cloud, Profile, ProfileStore};
use cordon_core::secrets::{KeyringStore, Secret, SecretKey, SecretKind, SecretStore};

const NEEDS: &str =
    "needs a Secret Service (run under dbus-run-session with gnome-keyring, see scripts/test.sh)";

fn service(test: &str) -> String {
    format!("Cordon-test-{test}-{}", std::process::id())
}

/// A canary of `len` bytes with varied ASCII and multi-byte characters.
fn canary(len: usize) -> String {
    let alphabet: Vec<char> = "abcXYZ019-_.~+/=ü€😀".chars().collect();
    let mut s = String::new();
    let mut i = 0;
    while s.len() < len {
        let c = alphabet[i % alphabet.len()];
        if s.len() + c.len_utf8() > len {
            s.push('x');
        } else {
            s.push(c);
        }
        i += 7;
    }
    s
}

#[test]
#[ignore = "needs a Secret Service (run under dbus-run-session with gnome-keyring, see scripts/test.sh)"]
fn keyring_probe_set_get_delete() {
    let _ = NEEDS;
    let store = KeyringStore::open_service(&service("basic")).expect("the probe passes");
    let key = SecretKey::new("p", SecretKind::ClientSecret);
    assert!(store.get(&key).unwrap().is_none());
    store.set(&key, &Secret::new("s3cret")).unwrap();
    assert_eq!(store.get(&key).unwrap().unwrap().expose(), "s3cret");
    store.set(&key, &Secret::new("other")).unwrap();
    assert_eq!(store.get(&key).unwrap().unwrap().expose(), "other");
    store.delete(&key).unwrap();
    store.delete(&key).unwrap();
    assert!(store.get(&key).unwrap().is_none());
}

#[test]
#[ignore = "needs a Secret Service (run under dbus-run-session with gnome-keyring, see scripts/test.sh)"]
fn keyring_round_trips_1_4_16_kib_byte_exact() {
    let store = KeyringStore::open_service(&service("sizes")).unwrap();
    let key = SecretKey::new("p", SecretKind::RefreshToken);
    for len in [1024, 4096, 16384, 100] {
        let value = canary(len);
        assert_eq!(value.len(), len);
        store.set(&key, &Secret::new(value.clone())).unwrap();
        let back = store.get(&key).unwrap().unwrap();
        assert_eq!(back.expose().as_bytes(), value.as_bytes(), "{len} bytes");
    }
    store.delete(&key).unwrap();
    assert!(store.get(&key).unwrap().is_none());
}

#[test]
#[ignore = "needs a Secret Service (run under dbus-run-session with gnome-keyring, see scripts/test.sh)"]
fn keyring_remove_profile_deletes_its_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let keyring: Arc<dyn SecretStore> =
        Arc::new(KeyringStore::open_service(&service("remove")).unwrap());
    let store = ProfileStore::open(dir.path(), Arc::clone(&keyring)).unwrap();
    store
        .upsert(Profile {
            name: "prod".into(),
            tenant_id: "11111111-1111-1111-1111-111111111111".into(),
            client_id: "22222222-2222-2222-2222-222222222222".into(),
            cloud: Cloud::Global,
            auth_mode: AuthMode::ClientSecret,
            authority: None,
            api_base: None,
            certificate_path: None,
            team_store: None,
        })
        .unwrap();
    let big = canary(16384);
    store
        .set_secret("prod", SecretKind::ClientSecret, &Secret::new("cs"))
        .unwrap();
    store
        .set_secret("prod", SecretKind::RefreshToken, &Secret::new(big))
        .unwrap();
    let prod = store.get("prod").unwrap();
    for kind in [SecretKind::ClientSecret, SecretKind::RefreshToken] {
        let key = profiles::secret_key(&prod, kind);
        assert!(keyring.get(&key).unwrap().is_some(), "{kind:?} stored");
    }
    store.remove("prod").unwrap();
    for kind in SecretKind::ALL {
        assert!(
            keyring
                .get(&profiles::secret_key(&prod, kind))
                .unwrap()
                .is_none(),
            "{kind:?}"
        );
    }
}

/// K-2: without a session bus there is no Secret Service, and opening fails closed.
#[test]
#[ignore = "re-runs this test binary without DBUS_SESSION_BUS_ADDRESS; run with the keyring tests"]
fn keyring_without_a_session_bus_fails_closed() {
    if std::env::var_os("CORDON_CHILD_NO_BUS").is_some() {
        let r = KeyringStore::open_service(&service("nobus"));
        assert!(
            matches!(r, Err(CoreError::SecureStorageUnavailable(_))),
            "{r:?}"
        );
        let e = cordon_core::dto::IpcError::from(r.err().unwrap());
        assert!(matches!(
            e,
            cordon_core::dto::IpcError::SecureStorage { .. }
        ));
        assert!(e.to_string().contains("Secure storage unavailable"), "{e}");
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "keyring_without_a_session_bus_fails_closed",
            "--include-ignored",
            "--nocapture",
        ])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .env("CORDON_CHILD_NO_BUS", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("1 passed"), "{text}");
}
