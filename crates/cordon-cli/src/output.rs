//! Text and JSON output of the `cordon` command line: results on standard output,
//! errors and summaries on standard error, so `--json` output always parses.

use cordon_core::dto::{ActionRow, Counters, IpcError, IsolationState, MachineDetail, MachineRow};
use cordon_core::profiles::ProfileView;

use crate::output_json;

/// The badge words of the app.
pub fn state_label(s: IsolationState) -> &'static str {
    match s {
        IsolationState::NotIsolated => "not isolated",
        IsolationState::Isolating => "isolating",
        IsolationState::Isolated => "isolated",
        IsolationState::Releasing => "releasing",
        IsolationState::ReleaseStuck => "release stuck",
        IsolationState::IsolationFailed => "isolation failed",
    }
}

pub fn status(json: bool, c: &Counters) {
    if json {
        return output_json::print(c);
    }
    println!("machines          {}", c.total);
    println!("isolated now      {}", c.isolated_now);
    println!("isolating         {}", c.isolating);
    println!("releasing         {}", c.releasing);
    println!("release stuck     {}", c.stuck);
    println!("isolation failed  {}", c.isolation_failed);
}

/// The machines list; `as_of` is the last sync the store holds.
pub fn machines(json: bool, rows: &[MachineRow], as_of: Option<&str>) {
    if json {
        return crate::output_machines::print(rows, as_of);
    }
    eprintln!("as of {}", as_of.unwrap_or("never synced"));
    for r in rows {
        println!(
            "{}  {:<40}  {:<16}  {}",
            r.id,
            r.name,
            state_label(r.state),
            r.reason
        );
    }
    eprintln!("{} machine(s)", rows.len());
}

pub fn detail(json: bool, d: &MachineDetail) {
    if json {
        return output_json::print(d);
    }
    let m = &d.machine;
    println!("{} ({})", m.name, m.id);
    println!("state   {}: {}", state_label(m.state), m.reason);
    println!(
        "health  {}   os {}   last full report {}",
        m.health,
        m.os,
        m.last_seen.as_deref().unwrap_or("unknown")
    );
    for t in &d.timeline {
        println!(
            "  {}  {:<9} {:<10} {}  {}",
            t.created, t.action_type, t.status, t.requestor, t.comment
        );
    }
}

pub fn error(json: bool, e: &IpcError) {
    if json {
        output_json::print(&serde_json::json!({ "error": e }));
    } else {
        eprintln!("cordon: {e}");
        if let IpcError::Ambiguous { candidates, .. } = e {
            for c in candidates {
                eprintln!("  {}  {}", c.id, c.name);
            }
        }
    }
}

pub fn actions(json: bool, rows: &[ActionRow]) {
    if json {
        return output_json::print(&rows);
    }
    for a in rows {
        let machine = a
            .machine_name
            .as_deref()
            .or(a.machine_id.as_deref())
            .unwrap_or("-");
        println!(
            "{}  {}  {:<24} {:<10} {:<32} {}  {}",
            a.action_id, a.created, a.action_type, a.status, machine, a.requestor, a.comment
        );
    }
    eprintln!("{} action(s)", rows.len());
}

pub fn profiles(json: bool, views: &[ProfileView]) {
    if json {
        return output_json::print(&views);
    }
    for v in views {
        print_profile(v);
    }
    if views.is_empty() {
        eprintln!(
            "No profiles: add one with `cordon profiles add NAME --tenant-id … --client-id …`."
        );
    }
}

pub fn profile(json: bool, v: &ProfileView) {
    if json {
        return output_json::print(v);
    }
    print_profile(v);
}

fn print_profile(v: &ProfileView) {
    let p = &v.profile;
    let status = match (&v.signed_in_as, v.has_secret) {
        (Some(upn), _) => format!("signed in as {upn}"),
        (None, true) => "credential stored".to_owned(),
        (None, false) if p.auth_mode.is_delegated() => "not signed in".to_owned(),
        (None, false) => "no credential stored".to_owned(),
    };
    println!(
        "{} {:<20} tenant {}  client {}  {:?}  {:?}  {}",
        if v.active { "*" } else { " " },
        p.name,
        p.tenant_id,
        p.client_id,
        p.cloud,
        p.auth_mode,
        status
    );
}

pub fn done(json: bool, message: &str) {
    if json {
        output_json::print(&serde_json::json!({ "ok": true, "message": message }));
    } else {
        println!("{message}");
    }
}
