//! What analysts on Windows lean on, through the real binary against the simulator:
//! machine lists from a file or stdin (thousands of ids, past the command-line limit),
//! `--dry-run` sending nothing, completion scripts, and `--json` that is ASCII only
//! (so Windows PowerShell 5.1 reads it whatever the console's code page).
#![allow(clippy::unwrap_used)]

mod support;

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_ids_from_stdin_reach_the_preview_and_dry_run_sends_nothing() {
    let env = support::scale(1200).await;
    let machines = env.state().await.machines;
    assert_eq!(machines.len(), 1200);
    // Ids and names mixed, in any case, with comments, blank lines and CRLF endings.
    let mut list = String::from("# INC-4242: every workstation of the lab\r\n\r\n");
    for (i, m) in machines.iter().enumerate().skip(2) {
        let line = match i % 3 {
            0 => m.computer_dns_name.clone(),
            1 => m.id.to_ascii_uppercase(),
            _ => format!("  {}   # from the SIEM export", m.id),
        };
        list.push_str(&line);
        list.push_str("\r\n");
    }
    // Two more as arguments, one of them listed twice.
    let (first, second) = (&machines[0].id, &machines[1].computer_dns_name);
    list.push_str(first);
    list.push('\n');
    let args = [
        "isolate",
        first.as_str(),
        second.as_str(),
        "--from-file",
        "-",
        "--comment",
        "INC-4242 lab sweep",
        "--dry-run",
        "--json",
    ];
    let run = env
        .cordon_as(
            mde_sim::identities::ANALYST_CLIENT_ID,
            mde_sim::identities::ANALYST_SECRET,
            &args,
            Some(&list),
        )
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.json();
    assert_eq!(out["dryRun"], true);
    assert!(out["job"].is_null());
    let will_send = out["preview"]["willSend"].as_array().unwrap();
    assert_eq!(will_send.len(), 1200, "every machine once");
    assert!(out["preview"]["confirmPhrase"].is_string(), "above 25");
    assert!(run.stderr.contains("nothing was sent"), "{}", run.stderr);
    assert!(env.api_posts().await.is_empty(), "a dry run sends no POST");
    assert!(env.ledger().await.is_empty(), "and creates no action");
}

/// An online isolated machine of the demo: (id, name).
async fn online_isolated(env: &support::Env) -> (String, String) {
    let m = env
        .state()
        .await
        .machines
        .into_iter()
        .find(|m| m.online && m.isolated)
        .expect("the demo has online isolated machines");
    (m.id, m.computer_dns_name)
}

#[tokio::test(flavor = "multi_thread")]
async fn release_from_a_file_previews_in_text_then_sends() {
    let env = support::demo().await;
    let (id, name) = online_isolated(&env).await;
    let path = env.dir.path().join("release.txt");
    // Windows PowerShell 5.1's `Out-File`: UTF-16LE with a byte order mark.
    let text = format!("# false positives, INC-7\r\n{name}\r\n\r\n");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&path, bytes).unwrap();
    let file = path.to_str().unwrap();
    let dry = env
        .cordon(&[
            "release",
            "--from-file",
            file,
            "--comment",
            "FP",
            "--dry-run",
        ])
        .await;
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert_eq!(
        dry.stdout.trim(),
        format!("SEND      {name} ({id})"),
        "{}",
        dry.stdout
    );
    assert!(env.api_posts().await.is_empty());

    let run = env
        .cordon(&["release", "--from-file", file, "--comment", "FP, INC-7"])
        .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let posts = env.api_posts().await;
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert!(posts[0].path.contains(&id) && posts[0].path.ends_with("/unisolate"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_or_empty_list_is_a_usage_error_before_any_request() {
    let env = support::demo().await;
    let missing = env.dir.path().join("no-such-file.txt");
    let run = env
        .cordon(&[
            "isolate",
            "--from-file",
            missing.to_str().unwrap(),
            "--comment",
            "x",
        ])
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("Cannot read the machine list") && run.stderr.contains("no-such-file"),
        "{}",
        run.stderr
    );
    assert!(env.requests().await.is_empty(), "not even a sign-in");

    let empty = env.dir.path().join("empty.txt");
    std::fs::write(&empty, "# nothing yet\n\n").unwrap();
    let run = env
        .cordon(&[
            "release",
            "--from-file",
            empty.to_str().unwrap(),
            "--comment",
            "x",
            "--json",
        ])
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("No machine in"),
        "{}",
        run.stdout
    );
    let clash = env
        .cordon(&[
            "release",
            "--batch",
            "b",
            "--from-file",
            "-",
            "--comment",
            "x",
        ])
        .await;
    assert_eq!(clash.code, 2, "--from-file and --batch: {}", clash.stderr);
    assert!(env.api_posts().await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn completion_scripts_name_the_commands() {
    let env = support::demo().await;
    for shell in ["powershell", "bash", "zsh", "fish"] {
        let run = env.cordon_as("", "", &["completions", shell], None).await;
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.len() > 1000, "{shell}: {}", run.stdout);
        assert!(run.stdout_raw.is_ascii(), "{shell}");
        for word in ["isolate", "release", "approvals", "from-file", "wait"] {
            assert!(run.stdout.contains(word), "{shell}: {word}");
        }
    }
    assert!(env.requests().await.is_empty(), "no tenant needed");
}

#[tokio::test(flavor = "multi_thread")]
async fn json_is_ascii_and_parses_back_to_the_original_text() {
    let env = support::demo().await;
    let (_, name) = online_isolated(&env).await;
    let comment = "café-01: faux positif — Zürich, 東京 🔒";
    let run = env
        .cordon(&["release", &name, "--comment", comment, "--json"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout_raw.iter().all(|b| *b < 0x80),
        "every byte ASCII: {}",
        run.stdout
    );
    assert!(run.stdout.contains(r"caf\u00e9-01"), "{}", run.stdout);
    assert_eq!(run.json()["job"]["job"]["comment"], comment);
    // Defender keeps the comment; listing it round-trips too.
    let listed = env
        .cordon(&[
            "actions",
            "--machine",
            &name,
            "--type",
            "Unisolate",
            "--json",
        ])
        .await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(listed.stdout_raw.is_ascii());
    assert_eq!(listed.json()[0]["comment"], comment);
    // The audit log's JSON goes through the same printer.
    let audit = env.cordon(&["audit", "--json"]).await;
    assert!(audit.stdout_raw.is_ascii());
    assert!(
        audit
            .json()
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["comment"] == comment),
        "{}",
        audit.stdout
    );
}
