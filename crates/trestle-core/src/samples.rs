//! Sample tool records for a development sandbox and the `trestle up` demo: a few coherent
//! records of the main tools in one project — company vendors, RFIs whose manager and assignees
//! are people of the project, submittals, punch items, observations, change events, direct
//! costs and a commitment whose vendor exists, tasks, timecard entries, image categories, a
//! daily notes log and a meeting. Each collection is written in one transaction (a sync of new
//! items), with its events, as the system.
//!
//! The collections are named by the catalog operation that creates them, so a sample record is
//! exactly where the REST API lists it.

use crate::{CoreError, Result, Trestle};
use serde_json::{json, Map, Value};
use trestle_domain::catalog::{catalog, Method};
use trestle_domain::directory::UserKind;
use trestle_domain::page::PageRequest;
use trestle_domain::record::{RecordQuery, RecordScope, SyncItem, SyncOutcome};
use trestle_domain::*;

/// The collection a catalog `POST` to `template` creates records in.
pub(crate) fn collection(template: &str) -> Result<String> {
    catalog()
        .ops()
        .iter()
        .find(|op| op.method == Method::Post && op.path == template)
        .map(|op| op.resource.clone())
        .ok_or_else(|| CoreError::Internal(format!("no catalog operation POST {template}")))
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// `days` days after `at` (Unix seconds) as `YYYY-MM-DD`.
fn day(at: i64, days: i64) -> String {
    crate::format_timestamp(at + days * 86_400)[..10].to_string()
}

impl Trestle {
    /// Writes the sample records of one project (and the company's vendors), referring to
    /// `people` (at least one person of the project). Returns how many records were written.
    #[tracing::instrument(level = "debug", skip_all, fields(company = %company, project = %project))]
    pub async fn seed_sample_records(
        &self,
        company: CompanyId,
        project: ProjectId,
        people: &[UserId],
    ) -> Result<usize> {
        let Some(&manager) = people.first() else {
            return Err(CoreError::Internal(
                "sample records need a person of the project".into(),
            ));
        };
        let other = people.get(1).copied().unwrap_or(manager);
        let at = self.clock.now();
        let mut written = 0;

        // The vendors belong to the company: the first project seeded writes them, the others
        // (every demo project) refer to the same ones.
        let vendors = match self.company_vendors(company).await? {
            known if !known.is_empty() => known,
            _ => {
                let made = self
            .seed(
                company,
                None,
                "/rest/v1.0/vendors",
                vec![
                    json!({"name": "Granite Concrete Co.", "abbreviated_name": "GCC", "trade_name": "Concrete",
                           "is_active": true, "business_phone": "+1 555 0100", "email_address": "office@granite.example",
                           "address": "12 Quarry Road", "city": "Springfield", "state_code": "IL", "country_code": "US"}),
                    json!({"name": "Brightline Electric", "abbreviated_name": "BLE", "trade_name": "Electrical",
                           "is_active": true, "business_phone": "+1 555 0101", "email_address": "bids@brightline.example",
                           "city": "Springfield", "state_code": "IL", "country_code": "US"}),
                    json!({"name": "Summit Steel Erectors", "abbreviated_name": "SSE", "trade_name": "Structural Steel",
                           "is_active": true, "city": "Peoria", "state_code": "IL", "country_code": "US"}),
                ],
            )
            .await?;
                written += made.len();
                made
            }
        };
        let vendor = |i: usize| vendors.get(i).or(vendors.first()).copied().unwrap_or_default();

        let p = Some(project);
        let collections: Vec<(&str, Vec<Value>)> = vec![
            (
                "/rest/v1.0/projects/{project_id}/rfis",
                vec![
                    json!({"subject": "Footing depth at grid C-4", "status": "open", "rfi_manager_id": manager.0,
                           "assignee_ids": [other.0], "responsible_contractor_id": vendor(0), "due_date": day(at, 7),
                           "question": {"body": "Drawings S-101 and S-201 disagree on the footing depth at C-4. Which governs?"},
                           "private": false, "draft": false}),
                    json!({"subject": "Panel schedule for level 2", "status": "open", "rfi_manager_id": manager.0,
                           "assignee_ids": [other.0], "responsible_contractor_id": vendor(1), "due_date": day(at, 10),
                           "question": {"body": "Please confirm the breaker sizes for panel L2-A."},
                           "private": false, "draft": false}),
                    json!({"subject": "Embed plate finish", "status": "closed", "rfi_manager_id": manager.0,
                           "assignee_ids": [manager.0], "responsible_contractor_id": vendor(2), "due_date": day(at, -3),
                           "question": {"body": "Galvanized or primed embed plates at the canopy?"},
                           "private": false, "draft": false}),
                ],
            ),
            (
                "/rest/v1.1/projects/{project_id}/submittals",
                vec![
                    json!({"number": "03 30 00-1", "title": "Cast-in-place concrete mix design", "description": "4000 psi mix",
                           "due_date": day(at, 14), "responsible_contractor_id": vendor(0), "submittal_manager_id": manager.0}),
                    json!({"number": "26 24 16-1", "title": "Panelboards", "due_date": day(at, 21),
                           "responsible_contractor_id": vendor(1), "submittal_manager_id": manager.0}),
                ],
            ),
            (
                "/rest/v1.1/punch_items",
                vec![
                    json!({"name": "Touch up paint at door 104", "status": "open", "priority": "low", "due": day(at, 5),
                           "punch_item_manager_id": manager.0, "assignee_ids": [other.0]}),
                    json!({"name": "Missing cover plate in corridor", "status": "open", "priority": "medium",
                           "due": day(at, 3), "punch_item_manager_id": manager.0, "assignee_ids": [other.0]}),
                ],
            ),
            (
                "/rest/v1.0/observations/items",
                vec![
                    json!({"name": "Guardrail missing at stair 2", "type_id": 1, "status": "initiated", "priority": "High",
                           "assignee_id": other.0, "due_date": day(at, 1), "description": "Install a temporary guardrail."}),
                ],
            ),
            (
                "/rest/v1.1/change_events",
                vec![
                    json!({"title": "Owner-requested canopy extension", "number": "001", "scope": "out_of_scope",
                           "status": {"id": 1, "name": "Open"}, "description": "Extend the entrance canopy by 2 m."}),
                ],
            ),
            (
                "/rest/v1.1/projects/{project_id}/direct_costs",
                vec![
                    json!({"direct_cost_type": "invoice", "invoice_number": "INV-1042", "vendor_id": vendor(0),
                           "status": "draft", "direct_cost_date": day(at, -2), "description": "Concrete pump rental"}),
                    json!({"direct_cost_type": "expense", "invoice_number": "EXP-7", "vendor_id": vendor(1),
                           "status": "approved", "direct_cost_date": day(at, -5), "description": "Temporary lighting"}),
                ],
            ),
            (
                "/rest/v1.0/work_order_contracts",
                vec![
                    json!({"number": "SC-001", "title": "Structural steel", "vendor_id": vendor(2),
                            "status": "Draft", "accounting_method": "amount", "contract_date": day(at, -10)}),
                ],
            ),
            (
                "/rest/v1.0/tasks",
                vec![
                    json!({"name": "Pour level 2 slab", "start": day(at, 2), "finish": day(at, 3), "percentage": 0}),
                    json!({"name": "Set steel at grid C", "start": day(at, 4), "finish": day(at, 9), "percentage": 10}),
                ],
            ),
            (
                "/rest/v1.0/projects/{project_id}/timecard_entries",
                vec![
                    json!({"hours": "8.0", "lunch_time": "30", "time_in": "07:00", "time_out": "15:30",
                            "date": day(at, -1), "party_id": other.0, "description": "Formwork"}),
                ],
            ),
            (
                "/rest/v1.0/image_categories",
                vec![json!({"name": "Progress photos", "private": false})],
            ),
            (
                "/rest/v1.0/projects/{project_id}/notes_logs",
                vec![json!({"date": day(at, 0), "comment": "Crane inspection passed.", "is_issue_day": false})],
            ),
            (
                "/rest/v1.0/meetings",
                vec![
                    json!({"title": "Weekly OAC meeting", "position": 1, "location": "Site trailer",
                            "meeting_date": day(at, 2), "is_private": false, "is_draft": false}),
                ],
            ),
        ];
        for (template, bodies) in collections {
            written += self.seed(company, p, template, bodies).await?.len();
        }
        Ok(written)
    }

    /// Sample records in a new development sandbox: in its first project, naming that
    /// project's sample people.
    pub(crate) async fn seed_sandbox_records(&self, company: CompanyId) -> Result<usize> {
        let first = PageRequest::new(1, 1);
        let Some(project) = self
            .store
            .list_projects(company, None, first, None)
            .await?
            .items
            .into_iter()
            .next()
        else {
            return Ok(0);
        };
        let all = PageRequest::new(1, 100);
        let people: Vec<UserId> = self
            .store
            .list_project_users(company, project.id, all)
            .await?
            .items
            .into_iter()
            .filter(|e| e.user.kind == UserKind::Person)
            .map(|e| e.user.id)
            .collect();
        if people.is_empty() {
            return Ok(0);
        }
        self.seed_sample_records(company, project.id, &people).await
    }

    /// The ids of (up to three of) the company's vendors, oldest first.
    async fn company_vendors(&self, company: CompanyId) -> Result<Vec<i64>> {
        let scope = RecordScope {
            company,
            project: None,
            resource: collection("/rest/v1.0/vendors")?,
            parent: String::new(),
        };
        let query = RecordQuery {
            filter: Default::default(),
            sort: Vec::new(),
            page: PageRequest::new(1, 3),
            after: None,
        };
        let page = self.store.list_records(&scope, &query).await?;
        Ok(page.items.into_iter().map(|r| r.id.0).collect())
    }

    /// Creates `bodies` in the collection of `template`, in one transaction; their ids.
    async fn seed(
        &self,
        company: CompanyId,
        project: Option<ProjectId>,
        template: &str,
        bodies: Vec<Value>,
    ) -> Result<Vec<i64>> {
        let scope = RecordScope {
            company,
            project,
            resource: collection(template)?,
            parent: String::new(),
        };
        let items: Vec<SyncItem> = bodies
            .into_iter()
            .map(|b| {
                // Stored with the tuned defaults, as a create through the API would be.
                let mut body = object(b);
                crate::records::fill_defaults(&scope.resource, &mut body);
                SyncItem {
                    id: None,
                    origin_id: None,
                    body,
                }
            })
            .collect();
        let outcomes = self.store.sync_records(&scope, &items, &self.system_audit()).await?;
        Ok(outcomes
            .into_iter()
            .filter_map(|o| match o {
                SyncOutcome::Created(r) => Some(r.id.0),
                _ => None,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_sample_collection_is_created_by_a_catalog_operation() {
        for t in [
            "/rest/v1.0/vendors",
            "/rest/v1.0/projects/{project_id}/rfis",
            "/rest/v1.1/projects/{project_id}/submittals",
            "/rest/v1.1/punch_items",
            "/rest/v1.0/observations/items",
            "/rest/v1.1/change_events",
            "/rest/v1.1/projects/{project_id}/direct_costs",
            "/rest/v1.0/work_order_contracts",
            "/rest/v1.0/tasks",
            "/rest/v1.0/projects/{project_id}/timecard_entries",
            "/rest/v1.0/image_categories",
            "/rest/v1.0/projects/{project_id}/notes_logs",
            "/rest/v1.0/meetings",
        ] {
            let c = super::collection(t).unwrap();
            assert!(!c.is_empty() && !c.contains("{}"), "{t} → {c:?}");
        }
        assert_eq!(
            super::collection("/rest/v1.0/projects/{project_id}/rfis").unwrap(),
            "rfis"
        );
        assert!(super::collection("/rest/v1.0/nowhere").is_err());
    }
}
