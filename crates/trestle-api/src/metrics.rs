//! An app's install metrics.

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct DayOut {
    pub date: String,
    pub installs: u32,
    pub uninstalls: u32,
    pub active: u32,
}

#[derive(Serialize, ToSchema)]
pub struct CompanyMetricsOut {
    pub company_id: i64,
    pub company_name: String,
    pub installs: u32,
    pub uninstalls: u32,
    pub active: bool,
    pub first_installed_at: i64,
    pub last_uninstalled_at: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct MetricsOut {
    pub installs: u32,
    pub uninstalls: u32,
    pub active_installs: u32,
    pub from: String,
    pub to: String,
    pub daily: Vec<DayOut>,
    pub companies: Vec<CompanyMetricsOut>,
}
