//! The Documents tool.

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::*;

/// The Documents tool: folders and files per project. Every method is scoped to one company
/// and project; ids from elsewhere are "not found".
#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// Children of `parent` (the project's root when `None`), folders first.
    async fn list_documents(
        &self,
        company: CompanyId,
        project: ProjectId,
        parent: Option<DocumentId>,
    ) -> Result<Vec<Document>>;
    async fn find_document(&self, company: CompanyId, project: ProjectId, id: DocumentId) -> Result<Option<Document>>;
    /// `NotFound` when the parent is not a folder of the same project.
    async fn create_document(
        &self,
        company: CompanyId,
        project: ProjectId,
        new: &NewDocument,
        audit: &EventContext,
    ) -> Result<Document>;
    async fn update_document(
        &self,
        company: CompanyId,
        project: ProjectId,
        id: DocumentId,
        name: Option<&str>,
        data: Option<&str>,
        audit: &EventContext,
    ) -> Result<Document>;
    /// Deletes a file, or a folder with everything in it.
    async fn delete_document(
        &self,
        company: CompanyId,
        project: ProjectId,
        id: DocumentId,
        audit: &EventContext,
    ) -> Result<()>;
}
