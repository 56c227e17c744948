//! Traditional service accounts (legacy).

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::*;

/// Traditional service accounts (legacy).
#[async_trait]
pub trait ServiceAccountStore: Send + Sync {
    /// Creates the account, its directory contact (no permissions) and its first secret.
    async fn create_service_account(&self, new: &NewServiceAccount, audit: &EventContext) -> Result<ServiceAccount>;
    async fn list_service_accounts(&self, company: Option<CompanyId>) -> Result<Vec<ServiceAccount>>;
    async fn find_service_account(&self, company: CompanyId, id: ServiceAccountId) -> Result<Option<ServiceAccount>>;
    /// An account and its live secrets (id, hash), by client id.
    async fn find_service_account_by_client_id(
        &self,
        client_id: &str,
    ) -> Result<Option<(ServiceAccount, Vec<(SecretId, String)>)>>;
    /// The account of a live secret.
    async fn find_service_account_by_secret(&self, secret_id: SecretId) -> Result<Option<ServiceAccount>>;
    /// New secret; every old one is revoked and every permission and project membership reset.
    async fn reset_service_account(
        &self,
        company: CompanyId,
        id: ServiceAccountId,
        secret_hash: &str,
        audit: &EventContext,
    ) -> Result<()>;
    /// Retires the account: secrets revoked, directory contact deactivated.
    async fn retire_service_account(
        &self,
        company: CompanyId,
        id: ServiceAccountId,
        audit: &EventContext,
    ) -> Result<()>;
}
