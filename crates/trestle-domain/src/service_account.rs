//! Traditional service accounts (legacy).

use crate::ids::{AppId, CompanyId, ServiceAccountId, UserId};

/// A traditional service account (legacy): one company, its own client id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceAccount {
    pub id: ServiceAccountId,
    pub company_id: CompanyId,
    /// Its directory contact (a bot user).
    pub user_id: UserId,
    pub name: String,
    /// `custom` or `marketplace`.
    pub app_type: String,
    pub app_id: Option<AppId>,
    pub client_id: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}
