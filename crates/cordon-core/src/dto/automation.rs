//! The IPC types of automation: the isolation rule, its guard rails, its decisions,
//! the approval queue and the alerts view. Same rules as `dto.rs`: no 64-bit
//! integers, RFC 3339 strings for times, no secret ever.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::dto::IsolationKind;

/// What the rule does with what matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum RuleMode {
    /// Not evaluated.
    Off,
    /// Evaluated; records "would isolate", sends nothing (S-4).
    DryRun,
    /// Every match becomes a proposal in the approval queue.
    Approval,
    /// Matches are isolated, within the guard rails; the rest is queued.
    Automatic,
}

impl RuleMode {
    /// The CLI's and the audit log's word.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleMode::Off => "off",
            RuleMode::DryRun => "dry-run",
            RuleMode::Approval => "approval",
            RuleMode::Automatic => "automatic",
        }
    }

    /// True for the modes that act (send or propose).
    pub fn acts(self) -> bool {
        matches!(self, RuleMode::Approval | RuleMode::Automatic)
    }
}

/// Defender's alert severities, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Type)]
pub enum Severity {
    Informational,
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Informational => "Informational",
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
        }
    }

    /// Parses Defender's (or a person's) word, case-insensitive.
    pub fn parse(s: &str) -> Option<Severity> {
        [
            Severity::Informational,
            Severity::Low,
            Severity::Medium,
            Severity::High,
        ]
        .into_iter()
        .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// A tag that changes the isolation type (S-9): e.g. proxy-dependent machines and
/// Hyper-V hosts get `Selective`, so they (and their VMs) keep what they need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TagType {
    pub tag: String,
    pub isolation_type: IsolationKind,
}

/// The isolation rule and its guard rails. Every limit is settable; the defaults are
/// reliability-security.md §6's starting values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase", default)]
pub struct RuleSettings {
    pub mode: RuleMode,
    /// Minutes between evaluations (default 60, like the script it replaces).
    pub interval_minutes: u32,
    pub min_severity: Severity,
    /// Only alerts whose title contains this (case-insensitive).
    pub title_contains: Option<String>,
    pub category: Option<String>,
    pub detection_source: Option<String>,
    pub service_source: Option<String>,
    /// Full by default; machines with a tag of `type_by_tag` get that type.
    pub isolation_type: IsolationKind,
    pub type_by_tag: Vec<TagType>,
    /// Never isolated by the rule (I-7: by id, since a device can change its own tags
    /// and name); a person may override with a named reason.
    pub protected_ids: Vec<String>,
    /// Exclusions: never isolated automatically; queued for a person (or skipped when
    /// `exclusions_skip`).
    pub exclude_tags: Vec<String>,
    /// Glob patterns over the DNS name (`*`, `?`), case-insensitive.
    pub exclude_names: Vec<String>,
    pub exclude_groups: Vec<String>,
    /// Machines with `deviceValue = High` are excluded (S-5).
    pub exclude_high_value: bool,
    /// Server-class machines (Windows Server) are excluded (S-5: servers need approval).
    pub exclude_servers: bool,
    pub exclusions_skip: bool,
    /// The breaker's K: isolations per rolling window (S-2).
    pub max_per_window: u32,
    pub window_minutes: u32,
    /// The breaker's Y: machines this rule isolated that are still isolated.
    pub max_concurrent: u32,
    /// S-3: at most this percent of any device group per window (0 = no group limit).
    pub max_group_percent: u32,
    /// S-8: the same machine is isolated by the rule at most once per this many hours.
    pub flap_hours: u32,
    /// Watermark overlap: alerts this much older than the newest seen are fetched
    /// again (and deduplicated by id), so late-visible alerts are not missed.
    pub overlap_minutes: u32,
    /// Hours a proposal waits before it expires (S-5).
    pub approval_expiry_hours: u32,
}

/// The hard ceiling of isolations per hour by automation, whatever the settings say
/// (Microsoft recommends containing at most 100 devices at a time).
pub const HARD_CEILING_PER_HOUR: u32 = 100;

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            mode: RuleMode::DryRun,
            interval_minutes: 60,
            min_severity: Severity::High,
            title_contains: None,
            category: None,
            detection_source: None,
            service_source: None,
            isolation_type: IsolationKind::Full,
            type_by_tag: vec![
                TagType {
                    tag: "proxy-dependent".into(),
                    isolation_type: IsolationKind::Selective,
                },
                TagType {
                    tag: "hyper-v-host".into(),
                    isolation_type: IsolationKind::Selective,
                },
            ],
            protected_ids: Vec::new(),
            exclude_tags: Vec::new(),
            exclude_names: Vec::new(),
            exclude_groups: Vec::new(),
            exclude_high_value: true,
            exclude_servers: true,
            exclusions_skip: false,
            max_per_window: 5,
            window_minutes: 60,
            max_concurrent: 20,
            max_group_percent: 0,
            flap_hours: 24,
            overlap_minutes: 120,
            approval_expiry_hours: 4,
        }
    }
}

/// A change to the rule; `None` keeps a field. Lists replace the whole list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase", default)]
pub struct RuleChange {
    pub mode: Option<RuleMode>,
    pub interval_minutes: Option<u32>,
    pub min_severity: Option<Severity>,
    pub title_contains: Option<String>,
    pub category: Option<String>,
    pub detection_source: Option<String>,
    pub service_source: Option<String>,
    pub isolation_type: Option<IsolationKind>,
    pub type_by_tag: Option<Vec<TagType>>,
    /// Machine ids or names (resolved to ids when saved).
    pub protect: Option<Vec<String>>,
    pub exclude_tags: Option<Vec<String>>,
    pub exclude_names: Option<Vec<String>>,
    pub exclude_groups: Option<Vec<String>>,
    pub exclude_high_value: Option<bool>,
    pub exclude_servers: Option<bool>,
    pub exclusions_skip: Option<bool>,
    pub max_per_window: Option<u32>,
    pub window_minutes: Option<u32>,
    pub max_concurrent: Option<u32>,
    pub max_group_percent: Option<u32>,
    pub flap_hours: Option<u32>,
    pub overlap_minutes: Option<u32>,
    pub approval_expiry_hours: Option<u32>,
    /// Promotion to approval or automatic: the person saw the dry-run record (S-4).
    pub confirmed: bool,
}

/// What the rule decided for one alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum DecisionKind {
    Isolated,
    Queued,
    Skipped,
    WouldIsolate,
}

impl DecisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Isolated => "isolated",
            DecisionKind::Queued => "queued",
            DecisionKind::Skipped => "skipped",
            DecisionKind::WouldIsolate => "would-isolate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            DecisionKind::Isolated,
            DecisionKind::Queued,
            DecisionKind::Skipped,
            DecisionKind::WouldIsolate,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

/// One decision, as the CLI's `rule run --json` prints it and the views show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RuleDecision {
    pub alert_id: String,
    pub machine_id: String,
    pub machine_name: Option<String>,
    pub decision: DecisionKind,
    pub reason: String,
    pub at: String,
    /// The job that isolates the machine (`isolated`).
    pub job_id: Option<String>,
    /// The proposal waiting for a person (`queued`).
    pub proposal_id: Option<String>,
    pub alert_title: Option<String>,
}

/// The circuit breaker (S-2): once open, automatic isolations go to the queue until a
/// person closes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BreakerState {
    pub open: bool,
    pub opened_at: Option<String>,
    pub reason: Option<String>,
}

/// What dry run recorded, shown before a promotion (S-4).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DryRunRecord {
    pub days: u32,
    pub evaluations: u32,
    pub would_isolate: u32,
    pub skipped: u32,
    pub queued: u32,
    /// Under 7 days or 50 evaluations: a warning, not a block.
    pub warning: Option<String>,
}

/// The rule as `cordon rule show` and the view present it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RuleStatus {
    pub settings: RuleSettings,
    pub paused: bool,
    pub breaker: BreakerState,
    pub last_run: Option<String>,
    pub next_run: Option<String>,
    /// The newest alert creation time the rule has seen (server time).
    pub watermark: Option<String>,
    pub isolated_in_window: u32,
    pub isolated_by_rule_now: u32,
    pub waiting_approvals: u32,
    pub dry_run: DryRunRecord,
    pub suppressions: Vec<Suppression>,
}

/// A detection the rule ignores until `until` (after a false positive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Suppression {
    /// `title` or `detector`.
    pub kind: String,
    pub value: String,
    pub until: String,
    pub by: String,
    pub reason: String,
}

/// Where a proposal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    Waiting,
    Approved,
    Rejected,
    Expired,
}

impl ProposalState {
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalState::Waiting => "waiting",
            ProposalState::Approved => "approved",
            ProposalState::Rejected => "rejected",
            ProposalState::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            ProposalState::Waiting,
            ProposalState::Approved,
            ProposalState::Rejected,
            ProposalState::Expired,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// One proposal of the approval queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Proposal {
    pub id: String,
    pub machine_id: String,
    pub machine_name: Option<String>,
    /// `isolate` or `release`.
    pub action: String,
    pub isolation_type: Option<IsolationKind>,
    /// The comment the job will carry in Defender.
    pub comment: String,
    /// Why it waits for a person (approval mode, breaker, high-value target, …).
    pub reason: String,
    pub alert_id: Option<String>,
    pub proposed_by: String,
    pub proposed_at: String,
    pub expires_at: String,
    pub state: ProposalState,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_comment: Option<String>,
    pub job_id: Option<String>,
    /// A protected machine a person asked for anyway (named reason required).
    pub overrides_protection: bool,
}

/// A person's request for a second pair of eyes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProposalRequest {
    /// A machine id or DNS name.
    pub machine: String,
    /// `isolate` or `release`.
    pub action: String,
    pub isolation_type: Option<IsolationKind>,
    pub comment: String,
    /// Required to override a protected machine (S-1); kept in the audit log.
    pub override_reason: Option<String>,
}

/// Approve or reject one or many proposals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProposalVerdict {
    pub ids: Vec<String>,
    pub approve: bool,
    pub comment: String,
}

/// What happened to each proposal of a verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct VerdictOutcome {
    pub id: String,
    pub state: ProposalState,
    pub job_id: Option<String>,
    /// Why it was refused (four eyes, expired, a guard rail), else `None`.
    pub refused: Option<String>,
}

/// One alert of the Alerts view, with what the rule decided for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AlertRow {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub status: String,
    pub machine_id: Option<String>,
    pub machine_name: Option<String>,
    pub detection_source: Option<String>,
    pub detector_id: Option<String>,
    pub category: Option<String>,
    pub created: Option<String>,
    pub decision: Option<DecisionKind>,
    pub decision_reason: Option<String>,
}

/// Which alerts to list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase", default)]
pub struct AlertFilter {
    /// RFC 3339; default: the last 24 hours.
    pub since: Option<String>,
    pub min_severity: Option<Severity>,
    /// A machine id (the drawer's alerts).
    pub machine_id: Option<String>,
}
