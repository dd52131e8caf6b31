//! `cordon profiles …` and tenant resolution through a profile. Commands that store a
//! secret need the OS credential store: they are ignored here and run under
//! `dbus-run-session` with an unlocked gnome-keyring (see scripts/test.sh).
#![allow(clippy::unwrap_used)]

mod support;

use mde_sim::identities;

const T: &str = identities::TENANT_ID;
const C: &str = identities::ANALYST_CLIENT_ID;

#[tokio::test(flavor = "multi_thread")]
async fn add_list_use_remove_without_a_secret() {
    let env = support::demo().await;
    let base = env.sim.base_url();
    let add = env
        .cordon_as(
            "",
            "",
            &[
                "profiles",
                "add",
                "sim",
                "--tenant-id",
                T,
                "--client-id",
                C,
                "--cloud",
                "custom",
                "--authority",
                &base,
                "--api-base",
                &base,
                "--auth",
                "client-secret",
                "--json",
            ],
            None,
        )
        .await;
    assert_eq!(add.code, 0, "{}", add.stderr);
    let v = add.json();
    assert_eq!(v["profile"]["name"], "sim");
    assert_eq!(v["hasSecret"], false);
    assert_eq!(v["active"], true, "the first profile is active");
    let add2 = env
        .cordon_as(
            "",
            "",
            &[
                "profiles",
                "add",
                "eu",
                "--tenant-id",
                T,
                "--client-id",
                C,
                "--cloud",
                "eu",
            ],
            None,
        )
        .await;
    assert_eq!(add2.code, 0, "{}", add2.stderr);
    let list = env
        .cordon_as("", "", &["profiles", "list", "--json"], None)
        .await;
    let names: Vec<String> = list
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["profile"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["eu", "sim"]);
    let used = env
        .cordon_as("", "", &["profiles", "use", "eu", "--json"], None)
        .await;
    assert_eq!(used.code, 0);
    assert_eq!(used.json()["active"], true);
    assert!(env.dir.path().join("profiles.json").exists());
    let rm = env
        .cordon_as("", "", &["profiles", "remove", "eu"], None)
        .await;
    assert_eq!(rm.code, 0, "{}", rm.stderr);
    let rm = env
        .cordon_as("", "", &["profiles", "remove", "eu"], None)
        .await;
    assert_eq!(rm.code, 2, "unknown profile: {}", rm.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_profiles_are_refused() {
    let env = support::demo().await;
    let bad = env
        .cordon_as(
            "",
            "",
            &[
                "profiles",
                "add",
                "x",
                "--tenant-id",
                "contoso.com",
                "--client-id",
                C,
            ],
            None,
        )
        .await;
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("tenant id"), "{}", bad.stderr);
    let custom = env
        .cordon_as(
            "",
            "",
            &[
                "profiles",
                "add",
                "x",
                "--tenant-id",
                T,
                "--client-id",
                C,
                "--cloud",
                "custom",
            ],
            None,
        )
        .await;
    assert_eq!(custom.code, 2, "{}", custom.stderr);
    let list = env
        .cordon_as("", "", &["profiles", "list", "--json"], None)
        .await;
    assert_eq!(list.json().as_array().unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_without_its_secret_says_how_to_store_it() {
    let env = support::demo().await;
    let base = env.sim.base_url();
    env.cordon_as(
        "",
        "",
        &[
            "profiles",
            "add",
            "sim",
            "--tenant-id",
            T,
            "--client-id",
            C,
            "--authority",
            &base,
            "--api-base",
            &base,
            "--auth",
            "client-secret",
        ],
        None,
    )
    .await;
    // No CORDON_* variables: the active profile is used.
    let run = env.cordon_as("", "", &["status"], None).await;
    // Without a credential store the lookup fails closed (4); with one, the secret is
    // simply missing (3). Either way the sentence says what to do.
    assert!(matches!(run.code, 3 | 4), "{}", run.stderr);
    assert!(
        run.stderr.contains("--secret-stdin") || run.stderr.contains("Secure storage unavailable"),
        "{}",
        run.stderr
    );
    let missing = env
        .cordon_as("", "", &["--profile", "nope", "status"], None)
        .await;
    assert_eq!(missing.code, 2, "{}", missing.stderr);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service (run under dbus-run-session with gnome-keyring, see scripts/test.sh)"]
async fn keyring_secret_stdin_then_status_through_the_profile() {
    let env = support::demo().await;
    let base = env.sim.base_url();
    let name = format!("cli-test-{}", std::process::id());
    let add = env
        .cordon_as(
            "",
            "",
            &[
                "profiles",
                "add",
                &name,
                "--tenant-id",
                T,
                "--client-id",
                C,
                "--authority",
                &base,
                "--api-base",
                &base,
                "--auth",
                "client-secret",
                "--secret-stdin",
                "--json",
            ],
            Some(&format!("{}\n", identities::ANALYST_SECRET)),
        )
        .await;
    assert_eq!(add.code, 0, "{}", add.stderr);
    assert_eq!(add.json()["hasSecret"], true);
    let file = std::fs::read_to_string(env.dir.path().join("profiles.json")).unwrap();
    assert!(
        !file.contains(identities::ANALYST_SECRET),
        "no secret in the file"
    );
    let status = env
        .cordon_as("", "", &["--profile", &name, "status", "--json"], None)
        .await;
    assert_eq!(status.code, 0, "{}", status.stderr);
    let truth = env.state().await;
    assert_eq!(status.json()["isolatedNow"], truth.isolated_count);
    let rm = env
        .cordon_as("", "", &["profiles", "remove", &name], None)
        .await;
    assert_eq!(rm.code, 0, "{}", rm.stderr);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service (run under dbus-run-session with gnome-keyring, see scripts/test.sh)"]
async fn keyring_empty_stdin_stores_nothing() {
    let env = support::demo().await;
    let run = env
        .cordon_as(
            "",
            "",
            &[
                "profiles",
                "add",
                "p",
                "--tenant-id",
                T,
                "--client-id",
                C,
                "--auth",
                "client-secret",
                "--secret-stdin",
            ],
            Some(""),
        )
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    let list = env
        .cordon_as("", "", &["profiles", "list", "--json"], None)
        .await;
    assert_eq!(list.json().as_array().unwrap().len(), 0);
}
