//! An app's install metrics.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DayOut {
    pub date: String,
    pub installs: u32,
    pub uninstalls: u32,
    pub active: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CompanyMetricsOut {
    pub company_id: i64,
    pub company_name: String,
    pub installs: u32,
    pub uninstalls: u32,
    pub active: bool,
    pub first_installed_at: i64,
    pub last_uninstalled_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MetricsOut {
    pub installs: u32,
    pub uninstalls: u32,
    pub active_installs: u32,
    pub from: String,
    pub to: String,
    pub daily: Vec<DayOut>,
    pub companies: Vec<CompanyMetricsOut>,
}
