//! From a request's method and path to its operation.
//!
//! A segment trie built once from the templates: each node has its static children (sorted,
//! found by binary search), at most one parameter child, and the operation per method that
//! ends there. A parameter matches one non-empty segment; a static child is tried first, then a
//! parameter with a static suffix (`{id}.pdf`, matching `7.pdf`), then the plain parameter, each
//! only when the one before does not lead to a match, so the more static template wins. One trailing slash is tolerated
//! (`/rest/v1.0/me/` is `/rest/v1.0/me`); empty segments elsewhere match nothing. Resolving
//! allocates nothing but the matched parameters' names and values.

use super::shape::param_parts;
use super::{CatalogOp, Method};

/// The values of a matched path's parameters, by the template's names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathParams(pub Vec<(String, String)>);

impl PathParams {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// What a method and path select.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved<'c> {
    Found(&'c CatalogOp, PathParams),
    /// The path is in the catalog, but not with this method; these are its methods.
    MethodNotAllowed(Vec<Method>),
    NotFound,
}

/// The deepest path the router looks at; the catalog's deepest template is far shorter.
const MAX_SEGMENTS: usize = 32;
const METHODS: [Method; 5] = [Method::Get, Method::Post, Method::Put, Method::Patch, Method::Delete];

#[derive(Default)]
struct Node {
    statics: Vec<(Box<str>, usize)>,
    /// Parameters followed by a static suffix in their segment (`{id}.pdf`), by suffix.
    suffixed: Vec<(Box<str>, usize)>,
    param: Option<usize>,
    /// The operation's index per method, in the order of [`METHODS`].
    ops: [Option<usize>; 5],
}

impl Node {
    fn is_terminal(&self) -> bool {
        self.ops.iter().any(Option::is_some)
    }
}

pub(super) struct Router {
    nodes: Vec<Node>,
    /// Each operation's parameter names, in order (by the operation's index).
    names: Vec<Box<[Box<str>]>>,
}

fn slot(method: Method) -> usize {
    match method {
        Method::Get => 0,
        Method::Post => 1,
        Method::Put => 2,
        Method::Patch => 3,
        Method::Delete => 4,
    }
}

/// The parameter names of a template, in order.
fn param_names(template: &str) -> impl Iterator<Item = &str> {
    template.split('/').filter_map(param_parts).map(|(name, _)| name)
}

impl Router {
    pub(super) fn new(ops: &[CatalogOp]) -> Router {
        let mut nodes = vec![Node::default()];
        for (i, op) in ops.iter().enumerate() {
            let mut at = 0;
            for seg in op.path.split('/').filter(|s| !s.is_empty()) {
                at = if let Some((_, suffix)) = param_parts(seg).filter(|(_, s)| !s.is_empty()) {
                    match nodes[at].suffixed.iter().find(|(s, _)| **s == *suffix) {
                        Some((_, n)) => *n,
                        None => {
                            nodes.push(Node::default());
                            let n = nodes.len() - 1;
                            nodes[at].suffixed.push((suffix.into(), n));
                            n
                        }
                    }
                } else if param_parts(seg).is_some() {
                    match nodes[at].param {
                        Some(n) => n,
                        None => {
                            nodes.push(Node::default());
                            let n = nodes.len() - 1;
                            nodes[at].param = Some(n);
                            n
                        }
                    }
                } else {
                    match nodes[at].statics.binary_search_by(|(s, _)| (**s).cmp(seg)) {
                        Ok(k) => nodes[at].statics[k].1,
                        Err(k) => {
                            nodes.push(Node::default());
                            let n = nodes.len() - 1;
                            nodes[at].statics.insert(k, (seg.into(), n));
                            n
                        }
                    }
                };
            }
            // The first operation of a (method, template) wins; the catalog has no duplicates.
            nodes[at].ops[slot(op.method)].get_or_insert(i);
        }
        let names = ops
            .iter()
            .map(|op| param_names(&op.path).map(Into::into).collect())
            .collect();
        Router { nodes, names }
    }

    pub(super) fn resolve<'c>(&self, ops: &'c [CatalogOp], method: Method, path: &str) -> Resolved<'c> {
        let Some(trimmed) = path.strip_prefix('/') else {
            return Resolved::NotFound;
        };
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        let mut segs = [""; MAX_SEGMENTS];
        let mut n = 0;
        let mut start = 0;
        for end in trimmed
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'/')
            .map(|(i, _)| i)
            .chain([trimmed.len()])
        {
            // `/` is ASCII, so both ends are on character boundaries.
            let seg = &trimmed[start..end];
            if seg.is_empty() || n == MAX_SEGMENTS {
                return Resolved::NotFound;
            }
            segs[n] = seg;
            n += 1;
            start = end + 1;
        }
        let segs = &segs[..n];
        let mut values = [""; MAX_SEGMENTS];
        let want = slot(method);
        if let Some(node) = self.walk(0, segs, &mut values, 0, &|n: &Node| n.ops[want].is_some()) {
            let Some(i) = self.nodes[node].ops[want] else {
                return Resolved::NotFound;
            };
            let op = &ops[i];
            let params = self.names[i]
                .iter()
                .zip(values.iter())
                .map(|(name, value)| (name.to_string(), (*value).to_string()))
                .collect();
            return Resolved::Found(op, PathParams(params));
        }
        match self.walk(0, segs, &mut values, 0, &Node::is_terminal) {
            Some(node) => Resolved::MethodNotAllowed(
                METHODS
                    .into_iter()
                    .filter(|m| self.nodes[node].ops[slot(*m)].is_some())
                    .collect(),
            ),
            None => Resolved::NotFound,
        }
    }

    /// The node that `segs` reaches from `at` and that `accept`s, static children first;
    /// parameter values are written to `values` from `taken` on.
    fn walk<'p>(
        &self,
        at: usize,
        segs: &[&'p str],
        values: &mut [&'p str; MAX_SEGMENTS],
        taken: usize,
        accept: &dyn Fn(&Node) -> bool,
    ) -> Option<usize> {
        let node = &self.nodes[at];
        let Some((first, rest)) = segs.split_first() else {
            return accept(node).then_some(at);
        };
        if let Ok(k) = node.statics.binary_search_by(|(s, _)| (**s).cmp(first)) {
            if let Some(found) = self.walk(node.statics[k].1, rest, values, taken, accept) {
                return Some(found);
            }
        }
        for (suffix, child) in &node.suffixed {
            if let Some(value) = first.strip_suffix(&**suffix).filter(|v| !v.is_empty()) {
                values[taken] = value;
                if let Some(found) = self.walk(*child, rest, values, taken + 1, accept) {
                    return Some(found);
                }
            }
        }
        let child = node.param?;
        values[taken] = first;
        self.walk(child, rest, values, taken + 1, accept)
    }
}

#[cfg(test)]
mod tests {
    use super::super::catalog;
    use super::*;

    /// The template with every parameter replaced by `123`.
    fn instantiate(template: &str) -> String {
        template
            .split('/')
            .map(|s| match param_parts(s) {
                Some((_, suffix)) => format!("123{suffix}"),
                None => s.to_string(),
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    fn is_param(segment: &str) -> bool {
        param_parts(segment).is_some()
    }

    #[test]
    fn every_operation_resolves_to_itself_or_a_more_static_twin() {
        let cat = catalog();
        let mut shadowed = Vec::new();
        for op in cat.ops() {
            let path = instantiate(&op.path);
            match cat.resolve(op.method, &path) {
                Resolved::Found(found, params) if found.path == op.path => {
                    assert_eq!(found.method, op.method);
                    for name in param_names(&op.path) {
                        assert_eq!(params.get(name), Some("123"), "{path}");
                    }
                    assert_eq!(params.0.len(), param_names(&op.path).count(), "{path}");
                }
                Resolved::Found(found, _) => {
                    // Another template of the same method matches the same concrete path: it
                    // must be the more static one (a static segment where this one has a param).
                    assert_eq!(found.method, op.method);
                    let more_static = found
                        .path
                        .split('/')
                        .zip(op.path.split('/'))
                        .find(|(a, b)| is_param(a) != is_param(b))
                        .is_some_and(|(a, _)| !is_param(a));
                    assert!(
                        more_static,
                        "{} {} resolved to {}",
                        op.method.as_str(),
                        op.path,
                        found.path
                    );
                    shadowed.push(op.path.clone());
                }
                other => panic!("{} {} → {other:?}", op.method.as_str(), op.path),
            }
        }
        // With `123` for every parameter no template is shadowed; a path whose parameter value
        // spells a static segment is, as the next test shows.
        assert!(shadowed.is_empty(), "{shadowed:?}");
    }

    #[test]
    fn the_more_static_template_wins() {
        let cat = catalog();
        let found = |m: Method, p: &str| match cat.resolve(m, p) {
            Resolved::Found(op, params) => (op.path.clone(), params),
            other => panic!("{p} → {other:?}"),
        };
        let (path, _) = found(Method::Patch, "/rest/v1.0/coordination_issues/sync");
        assert_eq!(path, "/rest/v1.0/coordination_issues/sync");
        let (path, params) = found(Method::Patch, "/rest/v1.0/coordination_issues/42");
        assert_eq!(path, "/rest/v1.0/coordination_issues/{id}");
        assert_eq!(params.get("id"), Some("42"));
        let (path, _) = found(Method::Patch, "/rest/v1.0/companies/7/users/sync");
        assert_eq!(path, "/rest/v1.0/companies/{company_id}/users/sync");
        let (path, params) = found(Method::Get, "/rest/v1.0/projects/5/rfis/9/replies/11");
        assert_eq!(path, "/rest/v1.0/projects/{project_id}/rfis/{rfi_id}/replies/{id}");
        assert_eq!(
            params.0,
            [("project_id", "5"), ("rfi_id", "9"), ("id", "11")].map(|(a, b)| (a.to_string(), b.to_string()))
        );
        // A parameter with a suffix: the PDF of an RFI, beside the RFI itself.
        let (path, params) = found(Method::Get, "/rest/v1.0/projects/5/rfis/9.pdf");
        assert_eq!(path, "/rest/v1.0/projects/{project_id}/rfis/{id}.pdf");
        assert_eq!(params.get("id"), Some("9"));
        let (path, params) = found(Method::Get, "/rest/v1.0/projects/5/rfis/9");
        assert_eq!(path, "/rest/v1.0/projects/{project_id}/rfis/{id}");
        assert_eq!(params.get("id"), Some("9"));
        // `.pdf` alone is no id: the plain parameter takes it whole.
        let (path, params) = found(Method::Get, "/rest/v1.0/projects/5/rfis/.pdf");
        assert_eq!(path, "/rest/v1.0/projects/{project_id}/rfis/{id}");
        assert_eq!(params.get("id"), Some(".pdf"));
        // A trailing slash is tolerated.
        let (path, _) = found(Method::Get, "/rest/v1.0/me/");
        assert_eq!(path, "/rest/v1.0/me");
    }

    #[test]
    fn unknown_paths_and_wrong_methods() {
        let cat = catalog();
        for p in [
            "/rest/v1.0/teleporters",
            "/rest/v9.9/rfis",
            "/rest/v1.0/projects/1/rfis/2/nope",
            "/rest/v1.0//rfis",
            "rest/v1.0/me",
            "",
            "/",
        ] {
            assert_eq!(cat.resolve(Method::Get, p), Resolved::NotFound, "{p}");
        }
        assert_eq!(
            cat.resolve(Method::Put, "/rest/v1.0/me"),
            Resolved::MethodNotAllowed(vec![Method::Get])
        );
        match cat.resolve(Method::Put, "/rest/v1.0/projects/1/rfis") {
            Resolved::MethodNotAllowed(m) => assert!(m.contains(&Method::Get) && m.contains(&Method::Post)),
            other => panic!("{other:?}"),
        }
        let deep = "/a".repeat(MAX_SEGMENTS + 1);
        assert_eq!(cat.resolve(Method::Get, &deep), Resolved::NotFound);
    }
}
