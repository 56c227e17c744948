//! [`DocumentStore`]: the Documents tool's folders and files.

use super::rows::*;
use super::tx::*;
use super::*;

macro_rules! impl_documents {
    ($store:ident, $db:ty) => {
        #[async_trait]
        impl DocumentStore for $store {
            async fn list_documents(
                &self,
                company: CompanyId,
                project: ProjectId,
                parent: Option<DocumentId>,
            ) -> Result<Vec<Document>> {
                let rows: Vec<DocumentRow> = sqlx::query_as(&format!(
                    "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE company_id = $1 AND project_id = $2 \
                     AND (($3 = -1 AND parent_id IS NULL) OR parent_id = $3) ORDER BY kind DESC, name, id"
                ))
                .bind(company.0)
                .bind(project.0)
                .bind(parent.map_or(-1, |p| p.0))
                .fetch_all(&self.read)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn find_document(&self, company: CompanyId, project: ProjectId, id: DocumentId) -> Result<Option<Document>> {
                let row: Option<DocumentRow> = sqlx::query_as(&format!(
                    "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = $1 AND company_id = $2 AND project_id = $3"
                ))
                .bind(id.0)
                .bind(company.0)
                .bind(project.0)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn create_document(
                &self,
                company: CompanyId,
                project: ProjectId,
                new: &NewDocument,
                audit: &EventContext,
            ) -> Result<Document> {
                let mut tx = self.begin(audit).await?;
                if let Some(parent) = new.parent_id {
                    let ok: Option<String> = sqlx::query_scalar(
                        "SELECT kind FROM documents WHERE id = $1 AND company_id = $2 AND project_id = $3",
                    )
                    .bind(parent.0)
                    .bind(company.0)
                    .bind(project.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if ok.as_deref() != Some("folder") {
                        return Err(StoreError::NotFound);
                    }
                }
                let row: DocumentRow = sqlx::query_as(&format!(
                    "INSERT INTO documents (company_id, project_id, parent_id, kind, name, data, created_by, created_at, updated_at) \
                     SELECT $1, id, $3, $4, $5, $6, $7, $8, $8 FROM projects WHERE id = $2 AND company_id = $1 \
                     RETURNING {DOCUMENT_COLUMNS}"
                ))
                .bind(company.0)
                .bind(project.0)
                .bind(new.parent_id.map(|p| p.0))
                .bind(new.kind.as_str())
                .bind(&new.name)
                .bind(&new.data)
                .bind(new.created_by.map(|u| u.0))
                .bind(audit.at)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
                tx.record(
                    Event::new(Action::DocumentCreate, TargetKind::from(new.kind), row.id)
                        .in_company(company)
                        .in_project(project)
                        .after(json_of(&[("name", new.name.clone().into()), ("project_id", project.0.into())])),
                );
                tx.commit().await?;
                Ok(row.into())
            }

            async fn update_document(
                &self,
                company: CompanyId,
                project: ProjectId,
                id: DocumentId,
                name: Option<&str>,
                data: Option<&str>,
                audit: &EventContext,
            ) -> Result<Document> {
                let mut tx = self.begin(audit).await?;
                let before: Option<DocumentRow> = sqlx::query_as(&format!(
                    "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = $1 AND company_id = $2 AND project_id = $3"
                ))
                .bind(id.0)
                .bind(company.0)
                .bind(project.0)
                .fetch_optional(&mut *tx)
                .await?;
                let before = before.ok_or(StoreError::NotFound)?;
                let row: DocumentRow = sqlx::query_as(&format!(
                    "UPDATE documents SET name = COALESCE($1, name), data = COALESCE($2, data), updated_at = $3 \
                     WHERE id = $4 RETURNING {DOCUMENT_COLUMNS}"
                ))
                .bind(name)
                .bind(data)
                .bind(audit.at)
                .bind(id.0)
                .fetch_one(&mut *tx)
                .await?;
                let target = if before.kind == "folder" { TargetKind::Folder } else { TargetKind::File };
                tx.record(
                    Event::new(Action::DocumentUpdate, target, id)
                        .in_company(company)
                        .in_project(project)
                        .before(json_of(&[("name", before.name.into())]))
                        .after(json_of(&[("name", row.name.clone().into())])),
                );
                tx.commit().await?;
                Ok(row.into())
            }

            async fn delete_document(&self, company: CompanyId, project: ProjectId, id: DocumentId, audit: &EventContext) -> Result<()> {
                let mut tx = self.begin(audit).await?;
                let done = sqlx::query("DELETE FROM documents WHERE id = $1 AND company_id = $2 AND project_id = $3 RETURNING name")
                    .bind(id.0)
                    .bind(company.0)
                    .bind(project.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                if done.is_none() {
                    return Err(StoreError::NotFound);
                }
                tx.record(
                    Event::new(Action::DocumentDelete, TargetKind::Document, id)
                        .in_company(company)
                        .in_project(project),
                );
                tx.commit().await
            }
        }
    };
}

impl_documents!(SqliteStore, sqlx::Sqlite);
impl_documents!(PgStore, sqlx::Postgres);
