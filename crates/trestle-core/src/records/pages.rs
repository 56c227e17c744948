//! The page cache: list answers as sent (the JSON body as shared bytes, and how the list was
//! paged for `Total`, `Per-Page` and `Link`), shared by every request that asks the same
//! question of the same collection, kept correct by generations (`cache.rs`).
//!
//! **Key** ([`PageKey`]): everything a list answer depends on — the catalog operation (by
//! identity: its method, path template, API version, resource collection, declared filters and
//! grouping), the company, the project, the parent ids, and the query as decoded, in order.
//! Nothing of the caller: the engine shows a record the same to every caller who may see the
//! collection (the renderer reads no actor), and *whether* the caller may see it is decided
//! before the cache is asked — [`Trestle::serve_operation`]'s `place()` (the one policy
//! decision, with project and company visibility) and its parent checks run on every request,
//! hit or miss. A request with a body is not cached (a GET's body may name the project).
//!
//! **Stamp**: the company's generation. Every record write (create, update, delete, sync)
//! records its event in the record's company (`trestle-store` `sql/records.rs`), which bumps
//! that generation on this node after the commit and on every other node through the change
//! feed; so does every change of what an expansion or lookup reads: memberships (which people
//! are shown), vendors and other named records (records of the company), project users (the
//! people lookups). People themselves (name, e-mail) never change once created.
//!
//! Bounded by bytes (`cache::Weighed`: `CoreConfig::page_cache_bytes`, 0 turns it off), a page
//! over a sixteenth of that is not kept, and nothing older than the five-minute backstop is
//! used.

use super::{ListPage, OpAnswer, OpBody, OpRequest, Place};
use crate::cache::{Shared, Weighed, Weight};
use crate::{CoreError, Result, Trestle};
use bytes::Bytes;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use trestle_domain::catalog::{CatalogOp, Method, Shape};
use trestle_domain::{CompanyId, ProjectId};

/// An answer as sent: its status, its JSON body and, for a list, how it was paged.
#[derive(Debug, PartialEq)]
pub struct Rendered {
    pub status: u16,
    pub body: Bytes,
    pub list: Option<ListPage>,
}

impl Weight for Rendered {
    fn weight(&self) -> u64 {
        self.body.len() as u64 + 64
    }
}

/// A rendered answer shared by the cache and every request it answers (an outer layer may
/// attach its headers to it, see [`Shared::rendering`]).
pub type SharedAnswer = Arc<Shared<Rendered>>;

/// The page cache.
pub(crate) type PageCache = Weighed<PageKey, SharedAnswer>;

/// A cached list's key (see the module documentation).
#[derive(Debug)]
pub(crate) struct PageKey {
    op: &'static CatalogOp,
    company: CompanyId,
    project: Option<ProjectId>,
    parent: String,
    query: Box<[(String, String)]>,
}

/// A request's key, borrowed from the request (a hit allocates nothing).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PageKeyRef<'a> {
    op: &'static CatalogOp,
    company: CompanyId,
    project: Option<ProjectId>,
    parent: &'a str,
    query: &'a [(String, String)],
}

/// The one hash of both forms of a key.
fn hash_key<H: Hasher>(k: PageKeyRef<'_>, state: &mut H) {
    std::ptr::hash(k.op, state);
    k.company.hash(state);
    k.project.hash(state);
    k.parent.hash(state);
    k.query.hash(state);
}

impl PageKey {
    fn borrowed(&self) -> PageKeyRef<'_> {
        PageKeyRef {
            op: self.op,
            company: self.company,
            project: self.project,
            parent: &self.parent,
            query: &self.query,
        }
    }
}

impl PageKeyRef<'_> {
    fn same(&self, other: &PageKeyRef<'_>) -> bool {
        std::ptr::eq(self.op, other.op)
            && self.company == other.company
            && self.project == other.project
            && self.parent == other.parent
            && self.query == other.query
    }

    pub(crate) fn to_key(self) -> PageKey {
        PageKey {
            op: self.op,
            company: self.company,
            project: self.project,
            parent: self.parent.to_string(),
            query: self.query.into(),
        }
    }
}

impl Hash for PageKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_key(self.borrowed(), state)
    }
}

impl Hash for PageKeyRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_key(*self, state)
    }
}

impl PartialEq for PageKey {
    fn eq(&self, other: &Self) -> bool {
        self.borrowed().same(&other.borrowed())
    }
}

impl Eq for PageKey {}

impl quick_cache::Equivalent<PageKey> for PageKeyRef<'_> {
    fn equivalent(&self, key: &PageKey) -> bool {
        self.same(&key.borrowed())
    }
}

impl Weight for PageKey {
    fn weight(&self) -> u64 {
        let query: usize = self.query.iter().map(|(k, v)| k.len() + v.len() + 48).sum();
        (self.parent.len() + query + 64) as u64
    }
}

/// The key of a request the page cache answers — a GET of a list, without a body — in the
/// scope `place` resolved for it; `None` for any other request.
pub(crate) fn key_of<'a>(place: &'a Place, req: &'a OpRequest<'_>) -> Option<PageKeyRef<'a>> {
    let list = req.op.method == Method::Get && req.op.shape == Shape::List && req.body.is_empty();
    list.then_some(PageKeyRef {
        op: req.op,
        company: place.scope.company,
        project: place.scope.project,
        parent: &place.scope.parent,
        query: req.query,
    })
}

/// The answer that carries a shared rendering.
fn shared(r: SharedAnswer) -> OpAnswer {
    OpAnswer {
        status: r.value.status,
        body: OpBody::Shared(r),
        list: None,
    }
}

impl Trestle {
    /// A list answer (`key` from [`key_of`]) from the page cache, else read, rendered once and
    /// remembered under the company's generation taken before the read. `place` was decided
    /// for this very request by the caller.
    pub(super) async fn cached_list(
        &self,
        place: &Place,
        req: &OpRequest<'_>,
        key: PageKeyRef<'_>,
    ) -> Result<OpAnswer> {
        let gens = &self.caches.gens;
        let ticket = match self
            .pages
            .lookup(gens, &key, gens.stamp(Some(place.scope.company), None))
        {
            Ok(hit) => return Ok(shared(hit)),
            Err(ticket) => ticket,
        };
        let answer = match self.tuned_lookup(place, req).await? {
            Some(answer) => answer,
            None => self.op_list(place, req).await?,
        };
        let OpBody::Json(v) = &answer.body else {
            return Ok(answer);
        };
        let body = serde_json::to_vec(v).map_err(|e| CoreError::Internal(format!("rendering a list: {e}")))?;
        let rendered = Arc::new(Shared::new(Rendered {
            status: answer.status,
            body: body.into(),
            list: answer.list,
        }));
        if rendered.value.status == 200 {
            self.pages.remember(gens, ticket, key.to_key(), rendered.clone());
        }
        Ok(shared(rendered))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::DefaultHasher;
    use trestle_domain::catalog::{catalog, Method, Resolved};

    fn op(path: &str) -> &'static CatalogOp {
        match catalog().resolve(Method::Get, path) {
            Resolved::Found(op, _) => op,
            _ => panic!("{path} is no catalog operation"),
        }
    }

    fn hash(k: &impl Hash) -> u64 {
        let mut h = DefaultHasher::new();
        k.hash(&mut h);
        h.finish()
    }

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// A borrowed key finds its owned copy (same hash, equivalent), and a key that differs in
    /// any one part — operation, company, project, parent, query value, query order — is
    /// another key.
    #[test]
    fn a_key_is_everything_a_list_depends_on() {
        let rfis = op("/rest/v1.0/projects/1/rfis");
        let costs = op("/rest/v1.0/projects/1/direct_costs");
        let costs_v11 = op("/rest/v1.1/projects/1/direct_costs");
        assert!(!std::ptr::eq(costs, costs_v11));
        let replies = op("/rest/v1.0/projects/1/rfis/5/replies");
        let open = pairs(&[("per_page", "100"), ("filters[status]", "open")]);
        let closed = pairs(&[("per_page", "100"), ("filters[status]", "closed")]);
        let reordered = pairs(&[("filters[status]", "open"), ("per_page", "100")]);
        let base = PageKeyRef {
            op: rfis,
            company: CompanyId(1),
            project: Some(ProjectId(2)),
            parent: "",
            query: &open,
        };
        let owned = base.to_key();
        assert_eq!(hash(&base), hash(&owned));
        assert!(quick_cache::Equivalent::equivalent(&base, &owned));
        assert_eq!(owned, base.to_key());
        let others = [
            PageKeyRef { op: costs, ..base },
            PageKeyRef { op: replies, ..base },
            PageKeyRef {
                company: CompanyId(3),
                ..base
            },
            PageKeyRef {
                project: Some(ProjectId(4)),
                ..base
            },
            PageKeyRef { project: None, ..base },
            PageKeyRef { parent: "5", ..base },
            PageKeyRef { query: &closed, ..base },
            PageKeyRef {
                query: &reordered,
                ..base
            },
            PageKeyRef { query: &[], ..base },
        ];
        for other in others {
            assert!(
                !quick_cache::Equivalent::equivalent(&other, &owned),
                "{other:?} is not {owned:?}"
            );
            assert_ne!(other.to_key(), owned);
        }
        // another API version of one collection is another operation, so another key
        let v10 = PageKeyRef { op: costs, ..base };
        let v11 = PageKeyRef { op: costs_v11, ..base };
        assert!(!quick_cache::Equivalent::equivalent(&v11, &v10.to_key()));
        assert!(owned.weight() > 64, "the query is weighed");
    }

    /// A cached page of one query or project is never the answer to another, and the key
    /// looks up without allocating an owned copy.
    #[test]
    fn the_cache_answers_only_its_own_key() {
        use crate::clock::SystemClock;
        let caches = crate::cache::Caches::new(Arc::new(SystemClock));
        let g = &caches.gens;
        let cache: PageCache = Weighed::new(1 << 20, Arc::new(SystemClock));
        let rfis = op("/rest/v1.0/projects/1/rfis");
        let open = pairs(&[("filters[status]", "open")]);
        let closed = pairs(&[("filters[status]", "closed")]);
        let key = PageKeyRef {
            op: rfis,
            company: CompanyId(1),
            project: Some(ProjectId(2)),
            parent: "",
            query: &open,
        };
        let stamp = g.stamp(Some(CompanyId(1)), None);
        let page = |b: &'static str| {
            Arc::new(Shared::new(Rendered {
                status: 200,
                body: Bytes::from_static(b.as_bytes()),
                list: None,
            }))
        };
        let ticket = cache.lookup(g, &key, stamp).expect_err("empty");
        cache.remember(g, ticket, key.to_key(), page("[1]"));
        assert_eq!(cache.lookup(g, &key, stamp).unwrap().value.body, "[1]");
        let other_query = PageKeyRef { query: &closed, ..key };
        let other_project = PageKeyRef {
            project: Some(ProjectId(3)),
            ..key
        };
        assert!(cache.lookup(g, &other_query, stamp).is_err());
        assert!(cache.lookup(g, &other_project, stamp).is_err());
    }
}
