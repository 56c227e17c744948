//! Scripted faults (issue #17): the rules of this node, and the one question the request path
//! asks — does a rule strike this call? With `--faults` off (the default of `trestle serve`)
//! no rule can be added; with no rule the question costs one atomic load.
//!
//! Rules live in the node's memory, as its clock does: each node of a cluster has its own
//! (`trestle up` is one node). Adding and removing one is an audited event; a rule that ran
//! out of its count goes by itself.

use crate::{CoreError, Result, Trestle};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use trestle_domain::credential::Environment;
use trestle_domain::fault::{CallFacts, FaultSpec, MAX_RULES};
use trestle_domain::policy::{Actor, Request};
use trestle_domain::AppId;

/// One rule, as added.
pub struct FaultRule {
    pub id: i64,
    pub spec: FaultSpec,
    /// The app and environment of `spec.matching.client_id`, when it names a known client
    /// (to match the access tokens issued to it).
    client: Option<(AppId, Environment)>,
    /// Strikes left (-1: no limit).
    left: AtomicI64,
    /// Calls struck so far.
    struck: AtomicU64,
    pub created_at: i64,
}

impl FaultRule {
    /// Strikes left (`None`: no limit).
    pub fn left(&self) -> Option<i64> {
        Some(self.left.load(Ordering::Acquire)).filter(|n| *n >= 0)
    }

    pub fn struck(&self) -> u64 {
        self.struck.load(Ordering::Acquire)
    }

    /// Takes one strike; false when none is left.
    fn take(&self) -> bool {
        let taken = self
            .left
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| match n {
                -1 => Some(-1),
                n if n > 0 => Some(n - 1),
                _ => None,
            })
            .is_ok();
        if taken {
            self.struck.fetch_add(1, Ordering::AcqRel);
        }
        taken
    }
}

/// What a rule does to the call it strikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Strike {
    pub rule: i64,
    pub status: Option<u16>,
    pub latency_ms: u32,
    pub drop_connection: bool,
    pub retry_after: u32,
}

/// A node's rules.
#[derive(Default)]
pub struct Faults {
    enabled: bool,
    armed: AtomicBool,
    next_id: AtomicI64,
    rules: RwLock<Vec<Arc<FaultRule>>>,
}

/// The token of a call, as far as a rule's client needs it: the app it was issued to and
/// through which client (production or sandbox).
pub type TokenClient = Option<(AppId, Environment)>;

impl Faults {
    pub fn new(enabled: bool) -> Faults {
        Faults {
            enabled,
            ..Default::default()
        }
    }

    /// Whether any rule may strike (one atomic load: the request path asks this first).
    pub fn armed(&self) -> bool {
        self.armed.load(Ordering::Acquire)
    }

    /// Whether some rule matches on a client id (the request path then reads it from an
    /// `/oauth/` call's form body).
    pub fn wants_client_id(&self) -> bool {
        self.read().iter().any(|r| r.spec.matching.client_id.is_some())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Arc<FaultRule>>> {
        self.rules.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Vec<Arc<FaultRule>>> {
        self.rules.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The first rule (in the order added) that matches `call` and strikes it — by its
    /// percentage, then by its count — if any. A rule whose count runs out goes.
    pub fn strike(&self, call: &CallFacts<'_>, token: impl Fn() -> TokenClient) -> Option<Strike> {
        self.strike_first(|r| {
            let token_client = || r.client.is_some() && token() == r.client;
            r.spec.matching.matches(call, token_client)
        })
    }

    /// The first destination rule that matches a webhook delivery to `url` and strikes it,
    /// as [`Faults::strike`] does for calls.
    pub fn strike_delivery(&self, url: &str) -> Option<Strike> {
        self.strike_first(|r| r.spec.matching.matches_destination(url))
    }

    fn strike_first(&self, matches: impl Fn(&FaultRule) -> bool) -> Option<Strike> {
        let found = {
            let rules = self.read();
            rules
                .iter()
                .find(|r| matches(r) && r.spec.percent.is_none_or(|p| rand::random::<u8>() % 100 < p) && r.take())
                .cloned()
        }?;
        if found.left() == Some(0) {
            let mut rules = self.write();
            rules.retain(|r| r.id != found.id);
            self.armed.store(!rules.is_empty(), Ordering::Release);
        }
        Some(Strike {
            rule: found.id,
            status: found.spec.status,
            latency_ms: found.spec.latency_ms,
            drop_connection: found.spec.drop_connection,
            retry_after: found.spec.retry_after.unwrap_or(60),
        })
    }
}

/// A rule as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultView {
    pub id: i64,
    pub spec: FaultSpec,
    pub left: Option<i64>,
    pub struck: u64,
    pub created_at: i64,
}

fn view(r: &FaultRule) -> FaultView {
    FaultView {
        id: r.id,
        spec: r.spec.clone(),
        left: r.left(),
        struck: r.struck(),
        created_at: r.created_at,
    }
}

/// The audit log's record of a rule.
fn audited(v: &FaultView) -> serde_json::Value {
    let m = &v.spec.matching;
    serde_json::json!({
        "match": {"method": m.method, "path": m.path, "client_id": m.client_id, "company_id": m.company_id.map(|c| c.0), "destination": m.destination},
        "status": v.spec.status, "latency_ms": v.spec.latency_ms, "drop_connection": v.spec.drop_connection,
        "count": v.spec.count, "percent": v.spec.percent, "retry_after": v.spec.retry_after,
    })
}

const OFF: &str = "scripted faults are off on this server: start it with --faults (trestle up always has them)";

impl Trestle {
    /// This node's rules (the request path asks them).
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Operator: adds a rule to this node; every problem of it is listed (422).
    pub async fn add_fault(&self, actor: Actor, spec: FaultSpec) -> Result<FaultView> {
        self.require(actor, Request::OperatePlatform)?;
        if !self.faults.enabled {
            return Err(CoreError::Conflict(OFF.into()));
        }
        let problems = spec.problems();
        if !problems.is_empty() {
            let message = problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; ");
            return Err(CoreError::invalid(message, problems));
        }
        if self.faults.read().len() >= MAX_RULES {
            return Err(CoreError::Conflict(format!(
                "this node has {MAX_RULES} fault rules already: remove some first"
            )));
        }
        let client = match &spec.matching.client_id {
            Some(c) => self
                .store
                .find_client_by_client_id(c)
                .await?
                .map(|found| (found.client.app_id, found.client.environment)),
            None => None,
        };
        let rule = Arc::new(FaultRule {
            id: self.faults.next_id.fetch_add(1, Ordering::AcqRel) + 1,
            left: AtomicI64::new(spec.count.map_or(-1, i64::from)),
            struck: AtomicU64::new(0),
            spec,
            client,
            created_at: self.now(),
        });
        let shown = view(&rule);
        self.store
            .record_fault_rule(&self.audit(actor), true, rule.id, audited(&shown))
            .await?;
        let mut rules = self.faults.write();
        rules.push(rule);
        self.faults.armed.store(true, Ordering::Release);
        Ok(shown)
    }

    /// Operator: this node's rules, in the order they are tried.
    pub fn list_faults(&self, actor: Actor) -> Result<Vec<FaultView>> {
        self.require(actor, Request::OperatePlatform)?;
        Ok(self.faults.read().iter().map(|r| view(r)).collect())
    }

    /// Operator: removes a rule (404 when there is none such: it may have run out).
    pub async fn remove_fault(&self, actor: Actor, id: i64) -> Result<FaultView> {
        self.require(actor, Request::OperatePlatform)?;
        let removed = {
            let mut rules = self.faults.write();
            let at = rules
                .iter()
                .position(|r| r.id == id)
                .ok_or(CoreError::NotFound("fault rule"))?;
            let r = rules.remove(at);
            self.faults.armed.store(!rules.is_empty(), Ordering::Release);
            view(&r)
        };
        self.store
            .record_fault_rule(&self.audit(actor), false, id, audited(&removed))
            .await?;
        Ok(removed)
    }
}
