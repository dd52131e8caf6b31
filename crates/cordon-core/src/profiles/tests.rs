//! Profile validation and the profiles file: refused input, atomic persistence, reload,
//! the active profile, and secrets recorded (never written) in the file.

use std::sync::Arc;

use mde_api::Secret;

use super::*;
use crate::secrets::{MemoryStore, SecretKind, SecretStore};

const T: &str = "11111111-1111-1111-1111-111111111111";
const C: &str = "22222222-2222-2222-2222-222222222222";

fn profile(name: &str) -> Profile {
    Profile {
        name: name.into(),
        tenant_id: T.into(),
        client_id: C.into(),
        cloud: Cloud::Global,
        auth_mode: AuthMode::ClientSecret,
        authority: None,
        api_base: None,
        certificate_path: None,
        team_store: None,
    }
}

fn field_of(r: Result<impl std::fmt::Debug>) -> String {
    match r {
        Err(CoreError::Invalid { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn open(dir: &std::path::Path) -> (ProfileStore, Arc<MemoryStore>) {
    let secrets = Arc::new(MemoryStore::new());
    let store = ProfileStore::open(dir, secrets.clone()).expect("opens");
    (store, secrets)
}

#[test]
fn guids_are_recognised() {
    assert!(is_guid(T));
    assert!(is_guid("ABCDEF01-2345-6789-abcd-ef0123456789"));
    for bad in [
        "",
        "contoso.com",
        "11111111-1111-1111-1111-11111111111",
        "{11111111-1111-1111-1111-111111111111}",
        "1111111g-1111-1111-1111-111111111111",
    ] {
        assert!(!is_guid(bad), "{bad}");
    }
}

#[test]
fn validation_refuses_bad_profiles() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, _) = open(dir.path());
    assert_eq!(field_of(store.upsert(profile("  "))), "name");
    assert_eq!(field_of(store.upsert(profile("a/b"))), "name");
    assert_eq!(
        field_of(store.upsert(Profile {
            tenant_id: "contoso".into(),
            ..profile("p")
        })),
        "tenantId"
    );
    assert_eq!(
        field_of(store.upsert(Profile {
            client_id: "x".into(),
            ..profile("p")
        })),
        "clientId"
    );
    let custom = Profile {
        cloud: Cloud::Custom,
        ..profile("p")
    };
    assert_eq!(field_of(store.upsert(custom.clone())), "apiBase");
    let plain_http = Profile {
        authority: Some("http://login.example.com".into()),
        api_base: Some("https://api.example.com".into()),
        ..custom.clone()
    };
    assert_eq!(field_of(store.upsert(plain_http)), "authority");
    let cert = Profile {
        auth_mode: AuthMode::Certificate,
        ..profile("p")
    };
    assert_eq!(field_of(store.upsert(cert)), "certificatePath");
    assert!(
        store.list().expect("list").is_empty(),
        "nothing refused was stored"
    );
    let ok = Profile {
        authority: Some("http://127.0.0.1:8080".into()),
        api_base: Some("http://127.0.0.1:8080".into()),
        ..custom
    };
    store.upsert(ok).expect("a loopback simulator is fine");
}

#[test]
fn names_are_unique_case_insensitively_and_upsert_replaces() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, _) = open(dir.path());
    store.upsert(profile("Prod")).expect("add");
    assert_eq!(field_of(store.upsert(profile("prod"))), "name");
    let v = store
        .upsert(Profile {
            cloud: Cloud::Eu,
            ..profile("Prod")
        })
        .expect("replace");
    assert_eq!(v.profile.cloud, Cloud::Eu);
    assert_eq!(store.list().expect("list").len(), 1);
    assert_eq!(
        store.get("PROD").expect("case-insensitive get").name,
        "Prod"
    );
    assert!(matches!(
        store.get("nope"),
        Err(CoreError::UnknownProfile(_))
    ));
}

#[test]
fn persists_atomically_and_reloads() {
    let dir = tempfile::tempdir().expect("tmp");
    {
        let (store, _) = open(dir.path());
        store.upsert(profile("a")).expect("add");
        store
            .upsert(Profile {
                auth_mode: AuthMode::DeviceCode,
                ..profile("b")
            })
            .expect("add");
        store.set_active(Some("b")).expect("use b");
    }
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    assert_eq!(
        names,
        vec!["profiles.json".to_owned()],
        "no temp file left behind"
    );
    let (again, _) = open(dir.path());
    let list = again.list().expect("list");
    assert_eq!(
        list.iter()
            .map(|v| v.profile.name.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(
        again.active().expect("active").map(|p| p.name),
        Some("b".into())
    );
    assert!(list[1].active && !list[0].active);
    assert_eq!(list[1].profile.auth_mode, AuthMode::DeviceCode);
}

#[test]
fn the_first_profile_becomes_active_and_removing_it_clears_that() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, _) = open(dir.path());
    assert!(store.active().expect("active").is_none());
    store.upsert(profile("a")).expect("add");
    store.upsert(profile("b")).expect("add");
    assert_eq!(
        store.active().expect("active").map(|p| p.name),
        Some("a".into())
    );
    store.remove("a").expect("remove");
    assert!(store.active().expect("active").is_none());
    assert!(matches!(
        store.set_active(Some("zzz")),
        Err(CoreError::UnknownProfile(_))
    ));
    assert!(matches!(
        store.remove("a"),
        Err(CoreError::UnknownProfile(_))
    ));
}

#[test]
fn secrets_go_to_the_store_and_only_their_presence_to_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, secrets) = open(dir.path());
    store.upsert(profile("p")).expect("add");
    assert!(!store.view("p").expect("view").has_secret);
    let canary = "canary-0b1c2d3e-secret-value";
    store
        .set_secret("p", SecretKind::ClientSecret, &Secret::new(canary))
        .expect("set");
    assert!(store.view("p").expect("view").has_secret);
    let file = std::fs::read_to_string(store.path()).expect("file");
    assert!(
        !file.contains(canary),
        "the secret never reaches the file: {file}"
    );
    assert!(
        file.contains("clientSecret"),
        "its presence is recorded: {file}"
    );
    let key = secret_key(&store.get("p").expect("p"), SecretKind::ClientSecret);
    assert_eq!(
        secrets
            .get(&key)
            .expect("get")
            .map(|s| s.expose().to_owned()),
        Some(canary.into())
    );
    assert!(matches!(
        store.set_secret("p", SecretKind::ClientSecret, &Secret::new("")),
        Err(CoreError::Invalid { .. })
    ));
    store.remove("p").expect("remove");
    assert!(
        secrets.get(&key).expect("get").is_none(),
        "remove deletes the secrets"
    );
}

#[test]
fn a_profile_without_secrets_is_managed_without_a_credential_store() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = ProfileStore::open(
        dir.path(),
        Arc::new(crate::secrets::UnavailableStore::new("no bus")),
    )
    .expect("opens");
    store.upsert(profile("p")).expect("add");
    assert_eq!(store.list().expect("list").len(), 1);
    assert!(matches!(
        store.set_secret("p", SecretKind::ClientSecret, &Secret::new("s")),
        Err(CoreError::SecureStorageUnavailable(_))
    ));
    assert!(
        !store.view("p").expect("view").has_secret,
        "a refused secret is not recorded"
    );
    store
        .remove("p")
        .expect("nothing stored, nothing to delete");
}

#[test]
fn changing_the_tenant_forgets_the_sign_in() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, secrets) = open(dir.path());
    store
        .upsert(Profile {
            auth_mode: AuthMode::Browser,
            ..profile("p")
        })
        .expect("add");
    store
        .set_secret("p", SecretKind::RefreshToken, &Secret::new("rt"))
        .expect("set");
    store
        .record_sign_in("p", Some("analyst@contoso.example".into()))
        .expect("record");
    let v = store.view("p").expect("view");
    assert!(v.has_secret);
    assert_eq!(v.signed_in_as.as_deref(), Some("analyst@contoso.example"));
    store
        .upsert(Profile {
            auth_mode: AuthMode::Browser,
            ..profile("p")
        })
        .expect("same tenant");
    assert!(
        store.view("p").expect("view").has_secret,
        "an unchanged tenant keeps it"
    );
    let before = store.get("p").expect("p");
    let old_key = secret_key(&before, SecretKind::RefreshToken);
    assert!(
        secrets.get(&old_key).expect("get").is_some(),
        "stored before"
    );
    let other = Profile {
        auth_mode: AuthMode::Browser,
        tenant_id: "99999999-1111-1111-1111-111111111111".into(),
        ..profile("p")
    };
    let v = store.upsert(other).expect("other tenant");
    assert!(!v.has_secret && v.signed_in_as.is_none());
    assert!(
        secrets.get(&old_key).expect("get").is_none(),
        "the old identity's entry is deleted"
    );
}

#[test]
fn a_damaged_file_is_an_error_not_an_empty_list() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("profiles.json"), b"{ not json").expect("write");
    let r = ProfileStore::open(dir.path(), Arc::new(MemoryStore::new()));
    assert!(matches!(r, Err(CoreError::ProfileFile { .. })));
}

#[test]
fn the_dto_is_camel_case() {
    let json = serde_json::to_value(Profile {
        cloud: Cloud::GccHigh,
        auth_mode: AuthMode::DeviceCode,
        ..profile("p")
    })
    .expect("json");
    assert_eq!(json["tenantId"], T);
    assert_eq!(json["cloud"], "gccHigh");
    assert_eq!(json["authMode"], "deviceCode");
}

/// `profiles.json` names tenants and app registrations: the user's alone.
#[cfg(unix)]
#[test]
fn the_profiles_file_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let (store, _) = open(&data);
    store.upsert(profile("prod")).expect("saved");
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(&store.path()), 0o600);
    assert_eq!(mode(&data), 0o700);
}

/// A stored client secret never follows an edited endpoint: after the API base (or
/// the authority, tenant or client id) changes, the profile has no secret and the
/// person enters it again; the old entry is deleted.
#[test]
fn a_client_secret_does_not_follow_an_edited_endpoint() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, secrets) = open(dir.path());
    store.upsert(profile("p")).expect("saved");
    store
        .set_secret("p", SecretKind::ClientSecret, &Secret::new("s3cret"))
        .expect("secret");
    let before = store.get("p").expect("p");
    assert!(app_config(&before, store.secrets()).is_ok());
    let edited = Profile {
        cloud: Cloud::Custom,
        authority: Some("https://login.attacker.example/".into()),
        api_base: Some("https://api.attacker.example/".into()),
        ..profile("p")
    };
    let v = store.upsert(edited).expect("edited");
    assert!(!v.has_secret, "the secret is forgotten");
    let after = store.get("p").expect("p");
    assert!(matches!(
        app_config(&after, store.secrets()),
        Err(CoreError::MissingSecret {
            kind: SecretKind::ClientSecret,
            ..
        })
    ));
    assert!(
        secrets
            .get(&secret_key(&before, SecretKind::ClientSecret))
            .expect("get")
            .is_none()
    );
}

/// The same holds when `profiles.json` is rewritten behind Cordon's back: the secret
/// is bound to the identity it was entered for, in the credential store's entry name.
#[test]
fn a_rewritten_profiles_file_cannot_send_the_secret_elsewhere() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, _) = open(dir.path());
    store.upsert(profile("p")).expect("saved");
    store
        .set_secret("p", SecretKind::ClientSecret, &Secret::new("s3cret"))
        .expect("secret");
    let text = std::fs::read_to_string(store.path()).expect("file");
    let tampered = text
        .replace("\"global\"", "\"custom\"")
        .replace(
            "\"authority\": null",
            "\"authority\": \"https://login.attacker.example/\"",
        )
        .replace(
            "\"apiBase\": null",
            "\"apiBase\": \"https://api.attacker.example/\"",
        );
    assert_ne!(tampered, text, "the file was rewritten: {text}");
    std::fs::write(store.path(), tampered).expect("tamper");
    let p = store.get("p").expect("p");
    assert_eq!(p.api_base.as_deref(), Some("https://api.attacker.example/"));
    assert!(matches!(
        app_config(&p, store.secrets()),
        Err(CoreError::MissingSecret {
            kind: SecretKind::ClientSecret,
            ..
        })
    ));
}

/// The certificate error `app_config` gives for a certificate profile reading `path`.
fn certificate_refusal(path: &str) -> String {
    let mut p = profile("cert");
    p.auth_mode = AuthMode::Certificate;
    p.certificate_path = Some(path.into());
    match app_config(&p, Arc::new(MemoryStore::new())) {
        Err(CoreError::Certificate { detail, .. }) => detail,
        Err(other) => panic!("{path}: expected a certificate error, got {other:?}"),
        Ok(_) => panic!("{path}: accepted"),
    }
}

#[cfg(unix)]
#[test]
fn a_device_as_certificate_is_refused_quickly() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(certificate_refusal("/dev/zero"));
    });
    let detail = rx
        .recv_timeout(std::time::Duration::from_secs(5))
        .expect("reading /dev/zero as a certificate must not hang");
    assert!(detail.contains("not a regular file"), "{detail}");
}

#[test]
fn certificate_paths_must_be_small_local_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let detail = certificate_refusal(dir.path().to_str().expect("utf-8"));
    assert!(detail.contains("not a regular file"), "{detail}");
    for unc in [r"\\attacker\share\app.pfx", "//attacker/share/app.pfx"] {
        let detail = certificate_refusal(unc);
        assert!(detail.contains("network path"), "{unc}: {detail}");
    }
    let big = dir.path().join("big.pem");
    std::fs::write(&big, vec![b'A'; 2 * 1024 * 1024]).expect("write");
    let detail = certificate_refusal(big.to_str().expect("utf-8"));
    assert!(detail.contains("larger than"), "{detail}");
    // A small local file passes the gate and reaches the PEM parser.
    let pem = dir.path().join("app.pem");
    std::fs::write(
        &pem,
        "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
    )
    .expect("write");
    let detail = certificate_refusal(pem.to_str().expect("utf-8"));
    assert!(detail.contains("no PRIVATE KEY"), "{detail}");
}

#[test]
fn a_network_certificate_path_is_refused_when_saved() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, _) = open(dir.path());
    for unc in [r"\\attacker\share\app.pfx", "//attacker/share/app.pfx"] {
        let cert = Profile {
            auth_mode: AuthMode::Certificate,
            certificate_path: Some(unc.into()),
            team_store: None,
            ..profile("p")
        };
        assert_eq!(field_of(store.upsert(cert)), "certificatePath", "{unc}");
    }
    assert!(store.list().expect("list").is_empty());
}
