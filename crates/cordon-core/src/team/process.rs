//! This process as the team store knows it: an owner id for its leases and its
//! heartbeat, and whether another owner's process has ended.
//!
//! The owner id is `host/pid/nonce`. The nonce tells two cores of one process apart
//! (tests run several) and a reused pid from the process that had it. A process on
//! this host whose pid is gone has ended, so its item leases are taken at once instead
//! of after they expire (a crash on a laptop is resumed by the next start without a
//! wait). Only Linux is asked (`/proc`); elsewhere, and for other hosts, the lease's
//! expiry decides, which is slower but never unsafe.

use chrono::{DateTime, Utc};

use super::lease::ProcessKind;

/// This process's identity in the team store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    pub owner: String,
    pub kind: ProcessKind,
    /// What people read: "agent soc-agent-1", "desktop on LAPTOP-42".
    pub label: String,
    pub host: String,
    pub started_at: DateTime<Utc>,
}

impl Process {
    /// This process, as a `kind` named `label` (the host's name when empty).
    pub fn current(kind: ProcessKind, label: &str, now: DateTime<Utc>) -> Process {
        let host = whoami::hostname().unwrap_or_else(|_| "unknown-host".to_owned());
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let label = if label.trim().is_empty() {
            format!("{} on {host}", kind.as_str())
        } else {
            label.trim().to_owned()
        };
        Process {
            owner: format!(
                "{host}/{}/{}",
                std::process::id(),
                nonce.get(..12).unwrap_or(&nonce)
            ),
            kind,
            label,
            host,
            started_at: now,
        }
    }

    /// Whether `owner` names a process of this host, other than this one, that has
    /// ended. `false` whenever that cannot be known.
    pub fn has_ended(&self, owner: &str) -> bool {
        let mut parts = owner.rsplitn(3, '/');
        let (Some(_nonce), Some(pid), Some(host)) = (parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            return false;
        };
        host == self.host && pid != std::process::id() && !pid_alive(pid)
    }
}

#[cfg(target_os = "linux")]
fn pid_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(not(target_os = "linux"))]
fn pid_alive(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> Process {
        Process::current(ProcessKind::Cli, "", Utc::now())
    }

    #[test]
    fn an_owner_id_names_host_pid_and_a_nonce_and_two_cores_differ() {
        let (a, b) = (me(), me());
        assert_ne!(a.owner, b.owner);
        assert!(
            a.owner
                .starts_with(&format!("{}/{}/", a.host, std::process::id()))
        );
        assert_eq!(a.label, format!("cli on {}", a.host));
    }

    #[test]
    fn only_an_ended_process_of_this_host_counts_as_ended() {
        let p = me();
        // This process, another core of it, another host, garbage: not ended.
        assert!(!p.has_ended(&p.owner));
        assert!(!p.has_ended(&format!("{}/{}/abc", p.host, std::process::id())));
        assert!(!p.has_ended("elsewhere/4194303/abc"));
        assert!(!p.has_ended("no-slashes"));
        assert!(!p.has_ended(&format!("{}/not-a-pid/abc", p.host)));
        // A child that has exited and been reaped.
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("spawn true");
        let pid = child.id();
        child.wait().expect("wait");
        let ended = format!("{}/{pid}/abc", p.host);
        if cfg!(target_os = "linux") {
            assert!(p.has_ended(&ended));
        } else {
            assert!(!p.has_ended(&ended));
        }
    }
}
