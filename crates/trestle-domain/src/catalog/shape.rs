//! An operation's shape from its method and path.
//!
//! The rules: `GET` ending in a parameter → Show, other `GET` → List; `…/sync` (`PATCH`, or the
//! older `POST` of `budget_line_items/sync`) → Sync; `POST` to a path ending in a collection
//! segment → Create; `PATCH`/`PUT` ending in a parameter → Update; `DELETE` ending in a
//! parameter → Delete; everything else → Action. A static segment is a collection unless it
//! reads as a verb ([`is_collection`]): Procore names collections with plural nouns and actions
//! with verbs (`…/{id}/close`, `…/bulk_create`, `…/send_unsent`).

use super::{Method, Shape};

/// Segments that end a path naming an action rather than a collection.
const VERBS: &[&str] = &[
    "actions",
    "add",
    "associate",
    "batch",
    "bulk",
    "change_history",
    "clone",
    "clones",
    "duplicate",
    "initial_setup",
    "list",
    "lock",
    "move",
    "pdf",
    "publish",
    "query",
    "reorder",
    "reposition",
    "restart",
    "restore",
    "revise",
    "revoke",
    "search",
    "signature",
    "stats",
    "sync",
    "terminate",
    "token",
    "urgent_error",
    "validate",
    "validations",
];

/// Prefixes of verb segments (`bulk_create`, `send_unsent`, `copy_from_standard_list`, …).
const VERB_PREFIXES: &[&str] = &[
    "add_", "bulk_", "convert_", "copy_", "create_", "draft_", "find_or_", "get_or_", "remove_", "send_", "setup_",
    "toggle_", "update_", "use_",
];

/// Singular nouns Procore uses as collections.
const UNCOUNTABLE: &[&str] = &[
    "equipment",
    "equipment_register",
    "equipment_unmanaged",
    "managed_equipment",
];

/// Whether a static path segment names a collection of records (not an action).
pub(super) fn is_collection(segment: &str) -> bool {
    if VERBS.contains(&segment) || VERB_PREFIXES.iter().any(|p| segment.starts_with(p)) {
        return false;
    }
    UNCOUNTABLE.contains(&segment) || segment.ends_with('s')
}

/// Whether a template segment is a parameter (`{id}`).
pub(super) fn is_param(segment: &str) -> bool {
    segment.len() > 2 && segment.starts_with('{') && segment.ends_with('}')
}

/// The parameter a template segment names, whole (`{id}`) or with a static suffix
/// (`{id}.pdf`, as in `…/rfis/{id}.pdf`), and that suffix.
pub(super) fn param_parts(segment: &str) -> Option<(&str, &str)> {
    let rest = segment.strip_prefix('{')?;
    let (name, suffix) = rest.split_once('}')?;
    (!name.is_empty() && !suffix.contains(['{', '}'])).then_some((name, suffix))
}

/// The shape of the operation `method path` (a template, e.g. `/rest/v1.0/rfis/{id}`).
pub fn derive_shape(method: Method, path: &str) -> Shape {
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let ends_in_param = is_param(last);
    match method {
        Method::Get if ends_in_param => Shape::Show,
        // `…/{id}.pdf`: a rendering of one record.
        Method::Get if param_parts(last).is_some() => Shape::Action,
        Method::Get => Shape::List,
        Method::Patch | Method::Post if last == "sync" => Shape::Sync,
        Method::Post if !ends_in_param && is_collection(last) => Shape::Create,
        Method::Patch | Method::Put if ends_in_param => Shape::Update,
        Method::Delete if ends_in_param => Shape::Delete,
        _ => Shape::Action,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Method::{Delete as Del, Get, Patch, Post, Put};
    use Shape::*;

    #[test]
    fn shapes_of_real_paths() {
        let table: &[(Method, &str, Shape)] = &[
            (Get, "/rest/v1.0/projects/{project_id}/rfis", List),
            (Get, "/rest/v1.0/projects/{project_id}/rfis/{id}", Show),
            (Post, "/rest/v1.0/projects/{project_id}/rfis", Create),
            (Patch, "/rest/v1.0/projects/{project_id}/rfis/{id}", Update),
            (Del, "/rest/v1.0/projects/{project_id}/rfis/{id}", Delete),
            (Post, "/rest/v1.0/projects/{project_id}/rfis/{rfi_id}/replies", Create),
            (Get, "/rest/v1.0/projects/{project_id}/rfis/{rfi_id}/replies/{id}", Show),
            (Get, "/rest/v1.1/punch_items", List),
            (Post, "/rest/v1.1/punch_items", Create),
            (Patch, "/rest/v1.1/punch_items/{id}", Update),
            (Patch, "/rest/v1.0/coordination_issues/sync", Sync),
            (Patch, "/rest/v1.0/companies/{company_id}/users/sync", Sync),
            (Post, "/rest/v1.0/budget_line_items/sync", Sync),
            (
                Patch,
                "/rest/v1.0/prime_contracts/{prime_contract_id}/line_items/sync",
                Sync,
            ),
            (
                Post,
                "/rest/v1.0/projects/{project_id}/checklist/lists/bulk_create",
                Action,
            ),
            (Post, "/rest/v1.0/projects/{project_id}/submittals/send_unsent", Action),
            (Patch, "/rest/v1.0/companies/{company_id}/users/{id}/invite", Action),
            (
                Patch,
                "/rest/v1.0/companies/{company_id}/managed_equipment/{id}/restore",
                Action,
            ),
            (Del, "/rest/v1.0/procore_item_associations/bulk_destroy", Action),
            (Del, "/rest/v1.0/bim_viewpoints/{bim_viewpoint_id}/associations", Action),
            (Patch, "/rest/v1.0/companies/{company_id}/concierge", Action),
            (Put, "/rest/v1.0/companies/{company_id}/settings/logo", Action),
            (Put, "/rest/v1.0/projects/{project_id}/schedule/tasks/{id}", Update),
            (Post, "/rest/v1.0/companies/{company_id}/managed_equipment", Create),
            (Post, "/oauth/token", Action),
            (Post, "/oauth/revoke", Action),
            (Get, "/rest/v1.0/me", List),
            (
                Post,
                "/rest/v2.0/companies/{company_id}/projects/{project_id}/equipment_register",
                Create,
            ),
            (Post, "/rest/v1.0/rfis/{id}/actions/close", Action),
            (Get, "/rest/v1.0/projects/{project_id}/rfis/{id}.pdf", Action),
        ];
        for (method, path, shape) in table {
            assert_eq!(derive_shape(*method, path), *shape, "{method:?} {path}");
        }
    }

    #[test]
    fn collections_and_verbs() {
        for c in ["rfis", "replies", "managed_equipment", "punch_items", "uploads"] {
            assert!(is_collection(c), "{c}");
        }
        for v in [
            "sync",
            "bulk_create",
            "send_unsent",
            "close",
            "copy_from_standard_list",
            "pdf",
            "restore",
        ] {
            assert!(!is_collection(v), "{v}");
        }
        assert!(is_param("{id}") && !is_param("{}") && !is_param("id"));
        assert_eq!(param_parts("{id}"), Some(("id", "")));
        assert_eq!(param_parts("{id}.pdf"), Some(("id", ".pdf")));
        assert_eq!(param_parts("id"), None);
        assert_eq!(param_parts("{}"), None);
    }
}
