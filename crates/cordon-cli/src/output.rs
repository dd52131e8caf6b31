//! Text and JSON output of the `cordon` command line.

use cordon_core::dto::{
    ActionOutcome, Counters, IpcError, IsolationState, MachineDetail, MachineRow,
};

fn print_json(v: &impl serde::Serialize) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("cordon: could not write JSON: {e}"),
    }
}

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

pub fn matches(m: &MachineRow, needle: &str) -> bool {
    let n = needle.to_lowercase();
    m.name.to_lowercase().contains(&n)
        || m.id.contains(&n)
        || m.ip.as_deref().is_some_and(|ip| ip.contains(&n))
}

pub fn status(json: bool, c: &Counters) {
    if json {
        return print_json(c);
    }
    println!("machines          {}", c.total);
    println!("isolated now      {}", c.isolated_now);
    println!("isolating         {}", c.isolating);
    println!("releasing         {}", c.releasing);
    println!("release stuck     {}", c.stuck);
    println!("isolation failed  {}", c.isolation_failed);
}

pub fn machines(json: bool, rows: &[MachineRow]) {
    if json {
        return print_json(&rows);
    }
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
        return print_json(d);
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

pub fn outcomes(json: bool, out: &[ActionOutcome]) {
    if json {
        return print_json(&out);
    }
    for o in out {
        let name = o.machine_name.as_deref().unwrap_or(&o.machine_id);
        match (&o.error, &o.action_id) {
            (Some(e), _) => println!("FAILED   {name}: {e}"),
            (None, Some(id)) if o.adopted => println!(
                "ADOPTED  {name}: action {id} already {}",
                o.status.as_deref().unwrap_or("pending")
            ),
            (None, Some(id)) => println!(
                "SENT     {name}: action {id} {}",
                o.status.as_deref().unwrap_or("")
            ),
            (None, None) => println!("UNKNOWN  {name}"),
        }
    }
}

pub fn error(json: bool, e: &IpcError) {
    if json {
        print_json(&serde_json::json!({ "error": e }));
    } else {
        eprintln!("cordon: {e}");
        if let IpcError::Ambiguous { candidates, .. } = e {
            for c in candidates {
                eprintln!("  {}  {}", c.id, c.name);
            }
        }
    }
}
