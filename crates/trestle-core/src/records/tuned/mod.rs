//! Hand-tuned tool resources (issue #15 item 4): for the collections real clients read most,
//! what a record shows beyond its body — defaults (an RFI's `status` "open", a submittal's
//! `{id, name: "Draft"}` status, a vendor's `is_active`), referenced ids expanded to the objects
//! Procore returns (a person `{id, name, login}` from the directory, a vendor `{id, name}` from
//! the vendors collection) — and their related lookups (`rfis/potential_rfi_managers`,
//! `…/filter_options/<field>`), answered from the same data (`lookups.rs`).
//!
//! It is one table, [`SPECS`], keyed by the op's `resource`; `render::record` applies it through
//! its `tune` hook with the [`Refs`] loaded for the records shown. References are resolved only
//! inside the record's company (a person must be a member of it, a vendor one of its company or
//! project vendors), so an id of another company never expands: it shows as `null`.

mod lookups;

use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use trestle_domain::record::Record;

/// What a referenced id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A person (or bot) of the company's directory: `{id, name, login}`.
    Person,
    /// A company or project vendor: `{id, name}`.
    Vendor,
    /// A record of another collection of the same project (else company): `{id, name}`.
    Named(&'static str),
}

/// One expanded reference: `field` (an id, or an array of ids when `many`) shown as `shown`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Expand {
    pub(crate) field: &'static str,
    pub(crate) shown: &'static str,
    pub(crate) kind: Kind,
    pub(crate) many: bool,
}

const fn one(field: &'static str, shown: &'static str, kind: Kind) -> Expand {
    Expand {
        field,
        shown,
        kind,
        many: false,
    }
}

const fn many(field: &'static str, shown: &'static str, kind: Kind) -> Expand {
    Expand {
        field,
        shown,
        kind,
        many: true,
    }
}

/// How one collection is tuned.
#[derive(Debug)]
pub(crate) struct Spec {
    /// The op's `resource` key.
    pub(crate) resource: &'static str,
    /// `number` is shown as text, from the record's sequence number unless the body has one.
    pub(crate) number: bool,
    /// Fields shown when the body lacks them (JSON text).
    pub(crate) defaults: &'static [(&'static str, &'static str)],
    pub(crate) expand: &'static [Expand],
    /// Write keys Procore shows under another name (punch items take `due`, show `due_date`).
    pub(crate) renames: &'static [(&'static str, &'static str)],
    /// Values of `status` shown capitalised (punch items: `open` → `Open`).
    pub(crate) capitalise_status: bool,
    /// Filter-option names that read another shown field (`assigned_id` → `assignees`).
    pub(crate) option_fields: &'static [(&'static str, &'static str)],
    /// Filter values that also match a stored one (`filters[status]=0` of observations finds
    /// `initiated`; a punch item's shown `Open` finds the written `open`).
    pub(crate) filter_values: &'static [(&'static str, &'static [(&'static str, &'static str)])],
}

const fn spec(resource: &'static str) -> Spec {
    Spec {
        resource,
        number: false,
        defaults: &[],
        expand: &[],
        renames: &[],
        capitalise_status: false,
        option_fields: &[],
        filter_values: &[],
    }
}

use Kind::{Named, Person, Vendor};

/// The tuned collections (see the module documentation and the reference §2).
pub(crate) static SPECS: &[Spec] = &[
    Spec {
        number: true,
        defaults: &[
            ("status", r#""open""#),
            ("due_date", "null"),
            ("private", "false"),
            ("draft", "false"),
            ("prefix", r#""""#),
            ("cost_impact", r#"{"status": null, "value": null}"#),
            ("schedule_impact", r#"{"status": null, "value": null}"#),
        ],
        expand: &[
            one("rfi_manager_id", "rfi_manager", Person),
            many("assignee_ids", "assignees", Person),
            one("assignee_id", "assignee", Person),
            one("received_from_id", "received_from", Person),
            one("ball_in_court_id", "ball_in_court", Person),
            one("responsible_contractor_id", "responsible_contractor", Vendor),
        ],
        option_fields: &[
            ("assigned_id", "assignees"),
            ("received_from_login_information_id", "received_from"),
        ],
        ..spec("rfis")
    },
    Spec {
        defaults: &[
            ("status", r#"{"id": 1, "name": "Draft"}"#),
            ("type", "null"),
            ("revision", r#""0""#),
            ("private", "false"),
            ("due_date", "null"),
        ],
        expand: &[
            one("submittal_manager_id", "submittal_manager", Person),
            one("received_from_id", "received_from", Person),
            many("approver_ids", "approvers", Person),
            one("responsible_contractor_id", "responsible_contractor", Vendor),
        ],
        option_fields: &[("approver_id", "approvers")],
        ..spec("submittals")
    },
    Spec {
        defaults: &[("status", r#""open""#), ("priority", "null")],
        expand: &[
            one("punch_item_manager_id", "punch_item_manager", Person),
            one("final_approver_id", "final_approver", Person),
            many("assignee_ids", "assignees", Person),
            one("vendor_id", "vendor", Vendor),
        ],
        renames: &[("due", "due_date")],
        capitalise_status: true,
        filter_values: &[(
            "status",
            &[
                ("Open", "open"),
                ("Closed", "closed"),
                ("Pending", "pending"),
                ("Overdue", "overdue"),
            ],
        )],
        ..spec("punch_items")
    },
    Spec {
        defaults: &[("status", r#""initiated""#), ("priority", "null"), ("due_date", "null")],
        expand: &[
            one("assignee_id", "assignee", Person),
            many("distribution_member_ids", "distribution_members", Person),
        ],
        // Reference §2.4: the filter takes integer codes, records carry the strings.
        filter_values: &[(
            "status",
            &[
                ("0", "initiated"),
                ("1", "ready_for_review"),
                ("2", "not_accepted"),
                ("3", "closed"),
            ],
        )],
        ..spec("observations/items")
    },
    Spec {
        defaults: &[
            ("status", r#"{"id": 1, "name": "Open", "mapped_to_status": "open"}"#),
            ("scope", r#""tbd""#),
            ("deletable", "true"),
            ("in_recycle_bin", "false"),
        ],
        ..spec("change_events")
    },
    Spec {
        defaults: &[("status", r#""draft""#), ("direct_cost_type", r#""invoice""#)],
        expand: &[
            one("vendor_id", "vendor", Vendor),
            one("employee_id", "employee", Person),
        ],
        ..spec("direct_costs")
    },
    Spec {
        defaults: &[("is_active", "true")],
        ..spec("vendors")
    },
    Spec {
        defaults: &[("percentage", "0")],
        ..spec("tasks")
    },
    Spec {
        defaults: &[("status", r#""initiated""#), ("private", "false")],
        expand: &[
            one("assigned_id", "assignee", Person),
            many("assignee_ids", "assignees", Person),
        ],
        ..spec("task_items")
    },
    Spec {
        expand: &[one("party_id", "party", Person)],
        ..spec("timecard_entries")
    },
    Spec {
        defaults: &[("is_private", "false"), ("is_draft", "false"), ("occurred", "false")],
        ..spec("meetings")
    },
    Spec {
        defaults: &[("count", "0"), ("private", "false"), ("cover_photo", "null")],
        ..spec("image_categories")
    },
    Spec {
        defaults: &[("private", "false"), ("starred", "false")],
        expand: &[
            one("uploader_id", "uploader", Person),
            one("image_category_id", "image_category", Named("image_categories")),
        ],
        ..spec("images")
    },
    Spec {
        defaults: &[("status", r#""Open""#)],
        expand: &[
            one("inspector_id", "inspector", Person),
            one("responsible_contractor_id", "responsible_contractor", Vendor),
        ],
        ..spec("checklist/lists")
    },
    Spec {
        defaults: &[("num_workers", "0"), ("num_hours", "0")],
        expand: &[
            one("vendor_id", "vendor", Vendor),
            one("user_id", "user", Person),
            one("contact_id", "contact", Person),
        ],
        ..spec("manpower_logs")
    },
    // The other main daily log types (reference §2.5): their vendor is shown as an object.
    Spec {
        expand: LOG_REFS,
        ..spec("notes_logs")
    },
    Spec {
        expand: LOG_REFS,
        ..spec("delivery_logs")
    },
    Spec {
        expand: LOG_REFS,
        ..spec("delay_logs")
    },
    Spec {
        expand: LOG_REFS,
        ..spec("equipment_logs")
    },
    Spec {
        expand: LOG_REFS,
        ..spec("accident_logs")
    },
    Spec {
        expand: LOG_REFS,
        ..spec("call_logs")
    },
    Spec {
        expand: LOG_REFS,
        ..spec("visitor_logs")
    },
    Spec {
        expand: LOG_REFS,
        ..spec("inspection_logs")
    },
    Spec {
        expand: LOG_REFS,
        ..spec("productivity_logs")
    },
    Spec {
        defaults: CONTRACT_DEFAULTS,
        expand: &[one("vendor_id", "vendor", Vendor)],
        ..spec("work_order_contracts")
    },
    Spec {
        defaults: CONTRACT_DEFAULTS,
        expand: &[one("vendor_id", "vendor", Vendor)],
        ..spec("purchase_order_contracts")
    },
    Spec {
        defaults: CONTRACT_DEFAULTS,
        expand: &[one("vendor_id", "vendor", Vendor)],
        ..spec("commitment_contracts")
    },
    Spec {
        defaults: CONTRACT_DEFAULTS,
        expand: &[one("vendor_id", "vendor", Vendor)],
        ..spec("prime_contract")
    },
    Spec {
        defaults: CONTRACT_DEFAULTS,
        expand: &[one("vendor_id", "vendor", Vendor)],
        ..spec("prime_contracts")
    },
];

const LOG_REFS: &[Expand] = &[one("vendor_id", "vendor", Vendor)];

/// Reference §2.9–2.10: contracts start as drafts.
const CONTRACT_DEFAULTS: &[(&str, &str)] = &[("status", r#""Draft""#), ("executed", "false"), ("private", "false")];

/// Lists Procore answers from other collections (reference §2.9–2.10): the mixed, read-only
/// commitments list reads both contract kinds; prime contracts are created at the singular
/// `prime_contract` path and listed at `prime_contracts`.
pub(crate) static UNION_LISTS: &[(&str, &[&str])] = &[
    ("commitments", &["work_order_contracts", "purchase_order_contracts"]),
    ("prime_contracts", &["prime_contract"]),
];

/// The spec of a collection, if it is tuned.
pub(crate) fn spec_of(resource: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.resource == resource)
}

/// A spec's defaults, parsed once (a default that is not JSON is skipped; a test checks none is).
fn defaults_of(spec: &'static Spec) -> &'static [(&'static str, Value)] {
    static PARSED: std::sync::OnceLock<HashMap<&'static str, Vec<(&'static str, Value)>>> = std::sync::OnceLock::new();
    let all = PARSED.get_or_init(|| {
        SPECS
            .iter()
            .map(|s| {
                let parsed = s
                    .defaults
                    .iter()
                    .filter_map(|(f, d)| serde_json::from_str(d).ok().map(|v| (*f, v)))
                    .collect();
                (s.resource, parsed)
            })
            .collect()
    });
    all.get(spec.resource).map_or(&[], Vec::as_slice)
}

/// The ids a set of bodies refers to, by kind.
#[derive(Debug, Default)]
pub(crate) struct Wanted {
    pub(crate) people: HashSet<i64>,
    pub(crate) vendors: HashSet<i64>,
    pub(crate) named: HashMap<&'static str, HashSet<i64>>,
}

fn id_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|n| *n > 0)
}

impl Wanted {
    /// Adds the references `body` makes under `resource`'s spec.
    pub(crate) fn add(&mut self, resource: &str, body: &Map<String, Value>) {
        let Some(spec) = spec_of(resource) else { return };
        for e in spec.expand {
            let set = match e.kind {
                Person => &mut self.people,
                Vendor => &mut self.vendors,
                Named(c) => self.named.entry(c).or_default(),
            };
            match (body.get(e.field), e.many) {
                (Some(Value::Array(items)), true) => set.extend(items.iter().filter_map(id_of)),
                (Some(v), false) => set.extend(id_of(v)),
                _ => {}
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.people.is_empty() && self.vendors.is_empty() && self.named.values().all(HashSet::is_empty)
    }
}

/// The referenced objects found inside the records' company, as they are shown.
#[derive(Debug, Default)]
pub(crate) struct Refs {
    pub(crate) people: HashMap<i64, Value>,
    pub(crate) vendors: HashMap<i64, Value>,
    pub(crate) named: HashMap<(&'static str, i64), Value>,
}

impl Refs {
    fn get(&self, kind: Kind, v: &Value) -> Value {
        let found = id_of(v).and_then(|id| match kind {
            Person => self.people.get(&id),
            Vendor => self.vendors.get(&id),
            Named(c) => self.named.get(&(c, id)),
        });
        found.cloned().unwrap_or(Value::Null)
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Status ids that name an entry of a default status list: a submittal's `status_id`, a v1.0
/// change event's `change_event_status_id`.
const STATUS_IDS: &[(&str, &str, &str)] = &[
    ("submittals", "status_id", "submittal_statuses"),
    ("change_events", "change_event_status_id", "change_event/statuses"),
];

/// Status lists Procore answers with its defaults while the collection holds none of its own
/// (their first entries are the defaults `SPECS` shows: change event 1 Open, submittal 1 Draft).
pub(super) const STATUS_DEFAULTS: &[(&str, &str)] = &[
    (
        "change_event/statuses",
        r#"[{"id": 1, "name": "Open", "mapped_to_status": "open", "default_status": true, "show_in_select": true},
            {"id": 2, "name": "Closed", "mapped_to_status": "closed", "default_status": false, "show_in_select": true},
            {"id": 3, "name": "Pending", "mapped_to_status": "pending", "default_status": false, "show_in_select": true}]"#,
    ),
    (
        "submittal_statuses",
        r#"[{"id": 1, "name": "Draft", "status": "draft"},
            {"id": 2, "name": "Open", "status": "open"},
            {"id": 3, "name": "Closed", "status": "closed"}]"#,
    ),
];

/// The `status` object a body's status id names in the default list, when it names one and
/// the body has no `status`.
fn status_of_id(resource: &str, body: &Map<String, Value>) -> Option<Value> {
    if body.get("status").is_some_and(|s| !s.is_null()) {
        return None;
    }
    let (_, field, list) = STATUS_IDS.iter().find(|(r, _, _)| *r == resource)?;
    let id = id_of(body.get(*field)?)?;
    let (_, text) = STATUS_DEFAULTS.iter().find(|(r, _)| r == list)?;
    let entries: Value = serde_json::from_str(text).ok()?;
    // An id the list does not hold (a status of the client's own) shows without a name.
    let Some(entry) = entries.as_array()?.iter().find(|e| e["id"] == id) else {
        return Some(json!({"id": id, "name": null}));
    };
    let mut status = Map::new();
    for k in ["id", "name", "mapped_to_status"] {
        if let Some(v) = entry.get(k) {
            status.insert(k.into(), v.clone());
        }
    }
    Some(Value::Object(status))
}

/// The defaults a new record of `resource` is stored with, so that filters find them too
/// (`filters[status]=open` finds an RFI created without a status).
pub(crate) fn fill_defaults(resource: &str, body: &mut Map<String, Value>) {
    let Some(spec) = spec_of(resource) else { return };
    if let Some(status) = status_of_id(resource, body) {
        body.insert("status".into(), status);
    }
    for (field, default) in defaults_of(spec) {
        if !body.contains_key(*field) && !default.is_null() {
            body.insert((*field).to_string(), default.clone());
        }
    }
}

/// Widens a list's field filters by the spec's `filter_values`.
pub(crate) fn tune_filter(resource: &str, filter: &mut trestle_domain::record::RecordFilter) {
    let Some(spec) = spec_of(resource) else { return };
    for f in &mut filter.fields {
        let Some((_, pairs)) = spec.filter_values.iter().find(|(name, _)| *name == f.field) else {
            continue;
        };
        let mut more = Vec::new();
        for v in &f.any_of {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            more.extend(pairs.iter().filter(|(from, _)| *from == text).map(|(_, to)| json!(to)));
        }
        f.any_of.extend(more);
    }
}

/// Applies `resource`'s spec to a record being shown (`shown` already holds its body and the
/// server fields).
pub(crate) fn apply(resource: &str, r: &Record, shown: &mut Map<String, Value>, refs: &Refs) {
    let Some(spec) = spec_of(resource) else { return };
    for (from, to) in spec.renames {
        if !shown.contains_key(*to) {
            if let Some(v) = shown.get(*from).cloned() {
                shown.insert((*to).to_string(), v);
            }
        }
    }
    if spec.number {
        let number = match shown.get("number") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => r.number.to_string(),
        };
        let full = match shown.get("prefix").and_then(Value::as_str) {
            Some(p) if !p.is_empty() => format!("{p}-{number}"),
            _ => number.clone(),
        };
        shown.insert("number".into(), json!(number));
        shown.entry("full_number").or_insert(json!(full));
    }
    if let Some(status) = status_of_id(resource, shown) {
        shown.insert("status".into(), status);
    }
    // Defaults are copied only where they are shown.
    for (field, default) in defaults_of(spec) {
        match (shown.get_mut(*field), default) {
            (None | Some(Value::Null), d) => {
                shown.insert((*field).to_string(), d.clone());
            }
            // `{id}` of the default status gains its other fields (`name`, …).
            (Some(Value::Object(given)), Value::Object(d)) if given.get("id") == d.get("id") => {
                for (k, v) in d {
                    if !given.contains_key(k) {
                        given.insert(k.clone(), v.clone());
                    }
                }
            }
            _ => {}
        }
    }
    if spec.capitalise_status {
        if let Some(Value::String(s)) = shown.get("status") {
            let c = capitalised(s);
            shown.insert("status".into(), json!(c));
        }
    }
    for e in spec.expand {
        let value = match (shown.get(e.field), e.many) {
            (Some(Value::Array(items)), true) => Value::Array(
                items
                    .iter()
                    .map(|i| refs.get(e.kind, i))
                    .filter(|v| !v.is_null())
                    .collect(),
            ),
            (None | Some(Value::Null), true) => json!([]),
            (Some(v), false) => refs.get(e.kind, v),
            _ => Value::Null,
        };
        // An object the client sent under the shown name stays only when nothing expanded.
        if !value.is_null() || !shown.contains_key(e.shown) {
            shown.insert(e.shown.to_string(), value);
        }
    }
    if spec.resource == "rfis" {
        rfi_question(shown);
    }
    if spec.resource == "manpower_logs" && !shown.contains_key("man_hours") {
        let n = |k: &str| {
            shown
                .get(k)
                .and_then(|v| v.as_f64().or_else(|| v.as_str()?.trim().parse().ok()))
        };
        if let (Some(w), Some(h)) = (n("num_workers"), n("num_hours")) {
            shown.insert("man_hours".into(), json!(w * h));
        }
    }
    if spec.resource == "images" {
        let name = shown.get("image_category").and_then(|v| v.get("name")).cloned();
        shown
            .entry("image_category_name")
            .or_insert(name.unwrap_or(Value::Null));
    }
    if spec.resource == "direct_costs" {
        let name = shown.get("vendor").and_then(|v| v.get("name")).cloned();
        if let Some(name) = name {
            shown.entry("vendor_name").or_insert(name);
        }
    }
}

/// An RFI's `question` is `{body, …}` (n8n sends a bare string), and `questions[]` lists it
/// with its attachments, as pyprocore reads them.
fn rfi_question(shown: &mut Map<String, Value>) {
    let question = match shown.get("question") {
        Some(Value::String(s)) => json!({ "body": s }),
        Some(Value::Object(q)) => Value::Object(q.clone()),
        _ => Value::Null,
    };
    if question.is_null() {
        shown.entry("questions").or_insert(json!([]));
        return;
    }
    let mut q = question.as_object().cloned().unwrap_or_default();
    q.entry("attachments").or_insert(json!([]));
    let q = Value::Object(q);
    shown.insert("question".into(), q.clone());
    if !matches!(shown.get("questions"), Some(Value::Array(_))) {
        shown.insert("questions".into(), json!([q]));
    }
}

/// A list Procore answers grouped rather than flat, by the op's path template.
#[derive(Debug)]
pub(crate) struct Group {
    pub(crate) path: &'static str,
    /// The body field records are grouped by, and the key it is shown under in a group.
    pub(crate) by: &'static str,
    pub(crate) shown_as: &'static str,
    /// A group's title: from this body field of its first record, else `default_title`.
    pub(crate) title_from: &'static str,
    pub(crate) title_as: &'static str,
    pub(crate) default_title: &'static str,
    /// The key holding a group's records.
    pub(crate) items: &'static str,
}

/// Reference §2.18 and §2.19: meetings grouped by their group title, inspections by template.
pub(crate) static GROUPED: &[Group] = &[
    Group {
        path: "/rest/v1.0/meetings",
        by: "group_title",
        shown_as: "group_title",
        title_from: "group_title",
        title_as: "group_title",
        default_title: "Meetings",
        items: "meetings",
    },
    Group {
        path: "/rest/v1.0/checklist/lists",
        by: "list_template_id",
        shown_as: "template_id",
        title_from: "list_template_name",
        title_as: "name",
        default_title: "Inspections",
        items: "lists",
    },
];

/// The grouped shape of a list of shown records, when the op's list is grouped.
pub(crate) fn grouped(op_path: &str, items: &[Value]) -> Option<Value> {
    let g = GROUPED.iter().find(|g| g.path == op_path)?;
    let mut groups: Vec<(Value, Map<String, Value>)> = Vec::new();
    for item in items {
        let key = item.get(g.by).cloned().unwrap_or(Value::Null);
        let at = match groups.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                let title = item
                    .get(g.title_from)
                    .filter(|t| t.is_string())
                    .cloned()
                    .unwrap_or_else(|| json!(g.default_title));
                let mut group = Map::new();
                group.insert(g.shown_as.into(), key.clone());
                group.insert(g.title_as.into(), title);
                group.insert(g.items.into(), json!([]));
                groups.push((key, group));
                groups.len() - 1
            }
        };
        if let Some(Value::Array(list)) = groups[at].1.get_mut(g.items) {
            list.push(item.clone());
        }
    }
    Some(Value::Array(
        groups.into_iter().map(|(_, g)| Value::Object(g)).collect(),
    ))
}

#[cfg(test)]
mod tests;
