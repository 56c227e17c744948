//! The Documents tool's folders and files.

use crate::ids::{CompanyId, DocumentId, ProjectId, UserId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    Folder,
    File,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Folder => "folder",
            DocumentKind::File => "file",
        }
    }
}

/// A folder or file of a project's Documents tool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub id: DocumentId,
    pub company_id: CompanyId,
    pub project_id: ProjectId,
    pub parent_id: Option<DocumentId>,
    pub kind: DocumentKind,
    pub name: String,
    pub data: Option<String>,
    pub created_by: Option<UserId>,
    pub created_at: i64,
    pub updated_at: i64,
}
