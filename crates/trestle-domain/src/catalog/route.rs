//! From a request's method and path to its operation.
//! STUB (interface commit): the catalog helper replaces this with the real router.

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

pub(super) struct Router;

impl Router {
    pub(super) fn new(_ops: &[CatalogOp]) -> Router {
        Router
    }

    pub(super) fn resolve<'c>(&self, _ops: &'c [CatalogOp], _method: Method, _path: &str) -> Resolved<'c> {
        Resolved::NotFound
    }
}
