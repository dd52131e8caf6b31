//! The approval queue's verbs. Anyone signed in may *propose* (a reader-only token
//! too: a manager asks for a second pair of eyes); only a person whose token may
//! isolate may *decide*, never an application identity, and never the person who
//! proposed it (four eyes, by the token's object id — names can repeat, ids do not).
//! An approval re-checks the guard rails that still apply to a person's decision
//! (protected machine without an override, an isolation already in force, the hard
//! ceiling) and commits its job in the same transaction as the verdict.

use std::sync::Arc;

use chrono::{Duration, Utc};

use super::decide::is_protected;
use super::{Automation, AutomationEvent};
use crate::dto::automation::{
    HARD_CEILING_PER_HOUR, Proposal, ProposalRequest, ProposalState, ProposalVerdict,
    VerdictOutcome,
};
use crate::dto::jobs::JobKind;
use crate::error::{CoreError, Result};
use crate::store::{Decider, NewItem, NewJob, Verdict, off_runtime};
use crate::time::rfc3339;

/// The `source` prefix of the jobs approvals start.
pub const APPROVAL_SOURCE: &str = "approval:";

impl Automation {
    /// The approval queue: waiting proposals, or all of them (expired ones are marked
    /// first).
    pub async fn proposals(&self, all: bool) -> Result<Vec<Proposal>> {
        let store = Arc::clone(&self.store);
        off_runtime(move || {
            store.expire_proposals(Utc::now())?;
            store.proposals(all)
        })
        .await
        .unwrap_or_else(|| Err(CoreError::Storage("the store task ended".into())))
    }

    /// A person's request for an isolation or release by a second pair of eyes.
    pub async fn propose(&self, req: ProposalRequest) -> Result<Proposal> {
        let me = self.principal().await?;
        let comment = req.comment.trim();
        if comment.is_empty() {
            return Err(CoreError::EmptyComment);
        }
        let kind = match req.action.as_str() {
            "isolate" => JobKind::Isolate,
            "release" => JobKind::Release,
            _ => {
                return Err(CoreError::Invalid {
                    field: "action".into(),
                    message: "Propose `isolate` or `release`.".into(),
                });
            }
        };
        let m = self.fleet.find_machine(&req.machine).await?;
        let id = m.id.to_ascii_lowercase();
        let settings = self.store.rule_settings()?;
        let override_reason = req
            .override_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        let protected = kind == JobKind::Isolate && is_protected(&settings, &id);
        if protected && override_reason.is_none() {
            return Err(CoreError::Refused(format!(
                "{} is a protected machine: isolating it needs an override with a reason, named in the audit log.",
                m.name
            )));
        }
        let now = Utc::now();
        let p = Proposal {
            id: uuid::Uuid::new_v4().to_string(),
            machine_id: id,
            machine_name: Some(m.name.clone()),
            action: req.action.clone(),
            isolation_type: (kind == JobKind::Isolate)
                .then(|| req.isolation_type.unwrap_or(settings.isolation_type)),
            comment: comment.to_owned(),
            reason: match override_reason {
                Some(r) if protected => format!("override of a protected machine: {r}"),
                _ => format!("requested by {} for a second pair of eyes", me.name),
            },
            alert_id: None,
            proposed_by: me.name.clone(),
            proposed_at: rfc3339(now),
            expires_at: rfc3339(
                now + Duration::hours(i64::from(settings.approval_expiry_hours.max(1))),
            ),
            state: ProposalState::Waiting,
            decided_by: None,
            decided_at: None,
            decision_comment: None,
            job_id: None,
            overrides_protection: protected,
        };
        self.store.propose(&p, &me.object_id, now)?;
        let waiting = self.store.proposals(false)?.len() as u32;
        let _ = self
            .events
            .send(AutomationEvent::ApprovalsWaiting { waiting });
        Ok(p)
    }

    /// Approves or rejects each proposal of `v`; one outcome per id (a refused one
    /// says why and changes nothing).
    pub async fn decide(&self, v: ProposalVerdict) -> Result<Vec<VerdictOutcome>> {
        let me = self.principal().await?;
        if me.application {
            return Err(CoreError::Refused(
                "An application identity may propose but never approve or reject: sign in as yourself (delegated sign-in) to decide.".into(),
            ));
        }
        if v.approve && !crate::dto::may_isolate(self.fleet.permissions().as_deref()) {
            return Err(CoreError::Refused(
                "This sign-in may read and request but not approve: approving needs the Machine.Isolate permission.".into(),
            ));
        }
        let comment = v.comment.trim().to_owned();
        if comment.is_empty() {
            return Err(CoreError::EmptyComment);
        }
        if v.ids.is_empty() {
            return Err(CoreError::Invalid {
                field: "ids".into(),
                message: "Choose at least one proposal.".into(),
            });
        }
        let by = Decider {
            name: me.name.clone(),
            oid: me.object_id.clone(),
        };
        let mut out = Vec::new();
        for id in &v.ids {
            let outcome = self.decide_one(id, v.approve, &by, &comment).await?;
            if let Some(job) = &outcome.job_id {
                self.jobs.launch(job);
            }
            out.push(outcome);
        }
        Ok(out)
    }

    async fn decide_one(
        &self,
        id: &str,
        approve: bool,
        by: &Decider,
        comment: &str,
    ) -> Result<VerdictOutcome> {
        let refused = |state, why: String| VerdictOutcome {
            id: id.to_owned(),
            state,
            job_id: None,
            refused: Some(why),
        };
        let Some((p, proposer_oid)) = self.store.proposal(id)? else {
            return Err(CoreError::Invalid {
                field: "ids".into(),
                message: format!("No proposal “{id}”: `cordon approvals list` shows the queue."),
            });
        };
        if p.state != ProposalState::Waiting {
            return Ok(refused(p.state, format!("already {}", p.state.as_str())));
        }
        let job = if approve {
            if let Some(why) = self.recheck(&p)? {
                return Ok(refused(p.state, why));
            }
            let kind = if p.action == "release" {
                JobKind::Release
            } else {
                JobKind::Isolate
            };
            Some((
                NewJob {
                    id: uuid::Uuid::new_v4().to_string(),
                    kind,
                    comment: p.comment.clone(),
                    isolation_type: p.isolation_type,
                    requested_by: by.name.clone(),
                    source: Some(format!("{APPROVAL_SOURCE}{}", p.id)),
                    // On a team store the rule's proposals are the automation's work
                    // (its leader, the agent, sends them); on this computer's store any
                    // of its Cordon processes may. A person's go with the approver.
                    sender: if proposer_oid != super::evaluate::RULE_PROPOSER {
                        Some(by.oid.clone())
                    } else if self.store.pg().is_some() {
                        Some(crate::team::AUTOMATION.to_owned())
                    } else {
                        None
                    },
                },
                NewItem {
                    machine_id: p.machine_id.clone(),
                    machine_name: p.machine_name.clone(),
                },
            ))
        } else {
            None
        };
        let job_id = job.as_ref().map(|(j, _)| j.id.clone());
        Ok(
            match self
                .store
                .decide_proposal(id, approve, by, comment, job, Utc::now())?
            {
                Verdict::Decided(state) => VerdictOutcome {
                    id: id.to_owned(),
                    state,
                    job_id: if state == ProposalState::Approved {
                        job_id
                    } else {
                        None
                    },
                    refused: None,
                },
                Verdict::Refused(why) => {
                    let state = self.store.proposal(id)?.map_or(p.state, |(p, _)| p.state);
                    refused(state, why)
                }
            },
        )
    }

    /// The guard rails an approval still answers to; `Some(why)` refuses it.
    fn recheck(&self, p: &Proposal) -> Result<Option<String>> {
        let settings = self.store.rule_settings()?;
        let row = self
            .fleet
            .snapshot()
            .machines
            .into_iter()
            .find(|r| r.id.eq_ignore_ascii_case(&p.machine_id));
        if p.action == "isolate" {
            if is_protected(&settings, &p.machine_id) && !p.overrides_protection {
                return Ok(Some(
                    "protected machine: only a proposal with a named override may isolate it"
                        .into(),
                ));
            }
            if row
                .as_ref()
                .is_some_and(|r| r.isolated_now || r.state == crate::dto::IsolationState::Isolating)
            {
                return Ok(Some("already isolated or isolating: nothing to approve (reject it to clear the queue)".into()));
            }
            let hour = Utc::now() - Duration::hours(1);
            let used = self.store.rule_isolations_since(hour)?.len() as u32
                + self.store.approved_isolations_since(hour)?;
            if used >= HARD_CEILING_PER_HOUR {
                return Ok(Some(format!(
                    "{used} automatic or approved isolations in the last hour reached the hard ceiling of {HARD_CEILING_PER_HOUR}: approve later"
                )));
            }
        } else if row.as_ref().is_some_and(|r| !r.isolated_now) {
            return Ok(Some(
                "the machine is not isolated: nothing to release".into(),
            ));
        }
        Ok(None)
    }
}
