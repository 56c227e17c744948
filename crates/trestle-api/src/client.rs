//! The typed client of the management API (feature `client`): one method per endpoint, every
//! path written once, here. Requests go in as this crate's request types and answers come
//! back as its response types (or [`Done`] for the endpoints that answer 204, a `String` for
//! CSV), so the server and its clients share one definition of each shape.
//!
//! Every refusal is one typed error, [`ClientError::Refused`], carrying the status and the
//! server's answer (and its [`ErrorBody`](crate::error::ErrorBody) when it is one).

use crate::apps::*;
use crate::audit::AuditOut;
use crate::companies::*;
use crate::credentials::*;
use crate::endpoints::*;
use crate::installs::*;
use crate::invitations::*;
use crate::mail::{AcceptTokenIn, MailOut};
use crate::metrics::MetricsOut;
use crate::operator::*;
use crate::people::*;
use crate::projects::*;
use crate::sandbox::{AdvanceClock, ClockOut, FaultIn, FaultOut, ResetOut, SnapshotOut};
use crate::service_accounts::{
    CreateServiceAccount, MigrationRowOut, PermissionsIn, ProjectIn, RetireIn, SecretOut as AccountSecretOut,
    ServiceAccountCreated, ServiceAccountOut,
};
use crate::versions::*;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

mod answer;
mod query;

use answer::{read_json, refused};
pub use answer::{ClientError, Done};
use query::listing;
pub use query::{MetricsTable, Page, Period};

type Answer<T> = Result<T, ClientError>;

/// No request body.
const NO_BODY: Option<&()> = None;

/// A client of one Trestle server, with an API token or without one (then only
/// [`Client::token`] works).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Client {
    pub fn new(base_url: &str, token: Option<String>) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base_url.trim_end_matches('/').to_string(),
            token,
        }
    }

    /// The same server with another API token.
    pub fn with_token(&self, token: impl Into<String>) -> Self {
        Self {
            http: self.http.clone(),
            base: self.base.clone(),
            token: Some(token.into()),
        }
    }

    async fn send<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Answer<reqwest::Response> {
        let url = format!("{}{path}", self.base);
        let token = self.token.as_deref().ok_or(ClientError::NoToken)?;
        let mut req = self.http.request(method, &url).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send()
            .await
            .map_err(|source| ClientError::Transport { url, source })
    }

    /// An endpoint that answers JSON.
    async fn json<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Answer<T> {
        read_json(self.send(method, path, body).await?).await
    }

    /// An endpoint that answers 204.
    async fn done<B: Serialize + ?Sized>(&self, method: Method, path: &str, body: Option<&B>) -> Answer<Done> {
        let res = self.send(method.clone(), path, body).await?;
        let status = res.status();
        if !status.is_success() {
            return Err(refused(res, true).await);
        }
        Ok(Done::new(method, path, status))
    }

    /// A `GET` of an endpoint that answers CSV.
    async fn csv(&self, path: &str) -> Answer<String> {
        let res = self.send(Method::GET, path, NO_BODY).await?;
        if !res.status().is_success() {
            return Err(refused(res, false).await);
        }
        let url = res.url().to_string();
        res.text()
            .await
            .map_err(|source| ClientError::Transport { url, source })
    }

    // Account

    /// `GET /api/v1/me`: who the token belongs to.
    pub async fn me(&self) -> Answer<WhoAmI> {
        self.json(Method::GET, "/api/v1/me", NO_BODY).await
    }

    /// `POST /oauth/token` with client credentials (no API token needed). The OAuth answer
    /// (RFC 6749 §5.1) is not a management-API type, so it comes back as JSON.
    pub async fn token(&self, client_id: &str, client_secret: &str) -> Answer<Value> {
        let url = format!("{}/oauth/token", self.base);
        let res = self
            .http
            .post(&url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", client_secret),
            ])
            .send()
            .await
            .map_err(|source| ClientError::Transport { url, source })?;
        read_json(res).await
    }

    /// `GET /schemas/manifest.json`: the JSON Schema of app manifests.
    pub async fn manifest_schema(&self) -> Answer<Value> {
        self.json(Method::GET, "/schemas/manifest.json", NO_BODY).await
    }

    // People

    pub async fn create_person(&self, body: &CreatePerson) -> Answer<PersonCreated> {
        self.json(Method::POST, "/api/v1/people", Some(body)).await
    }

    pub async fn list_people(&self, page: &Page) -> Answer<Vec<UserOut>> {
        let path = listing("/api/v1/people", &page.params(None));
        self.json(Method::GET, &path, NO_BODY).await
    }

    pub async fn create_api_token(&self, user: i64, body: &CreateApiToken) -> Answer<ApiTokenCreated> {
        let path = format!("/api/v1/people/{user}/api_tokens");
        self.json(Method::POST, &path, Some(body)).await
    }

    pub async fn set_password(&self, user: i64, body: &SetPassword) -> Answer<Done> {
        let path = format!("/api/v1/people/{user}/password");
        self.done(Method::PUT, &path, Some(body)).await
    }

    // Companies and their directory

    pub async fn create_company(&self, body: &CreateCompany) -> Answer<CompanyOut> {
        self.json(Method::POST, "/api/v1/companies", Some(body)).await
    }

    pub async fn list_companies(&self, page: &Page) -> Answer<Vec<CompanyOut>> {
        let path = listing("/api/v1/companies", &page.params(None));
        self.json(Method::GET, &path, NO_BODY).await
    }

    pub async fn company(&self, company: i64) -> Answer<CompanyOut> {
        let path = format!("/api/v1/companies/{company}");
        self.json(Method::GET, &path, NO_BODY).await
    }

    pub async fn list_company_users(&self, company: i64) -> Answer<Vec<DirectoryUserOut>> {
        let path = format!("/api/v1/companies/{company}/users");
        self.json(Method::GET, &path, NO_BODY).await
    }

    /// `POST /api/v1/companies/{id}/users`: the same as [`Client::invite`].
    pub async fn add_member(&self, company: i64, body: &InviteIn) -> Answer<InvitationOut> {
        let path = format!("/api/v1/companies/{company}/users");
        self.json(Method::POST, &path, Some(body)).await
    }

    pub async fn update_member(&self, company: i64, user: i64, body: &UpdateMember) -> Answer<Done> {
        let path = format!("/api/v1/companies/{company}/users/{user}");
        self.done(Method::PUT, &path, Some(body)).await
    }

    pub async fn add_project_member(&self, company: i64, project: i64, body: &ProjectMemberIn) -> Answer<Done> {
        let path = format!("/api/v1/companies/{company}/projects/{project}/users");
        self.done(Method::POST, &path, Some(body)).await
    }

    pub async fn remove_project_member(&self, company: i64, project: i64, user: i64) -> Answer<Done> {
        let path = format!("/api/v1/companies/{company}/projects/{project}/users/{user}");
        self.done(Method::DELETE, &path, NO_BODY).await
    }

    pub async fn company_audit(&self, company: i64) -> Answer<Vec<AuditOut>> {
        let path = format!("/api/v1/companies/{company}/audit");
        self.json(Method::GET, &path, NO_BODY).await
    }

    pub async fn company_audit_csv(&self, company: i64) -> Answer<String> {
        self.csv(&format!("/api/v1/companies/{company}/audit.csv")).await
    }

    /// Operator: the whole platform's audit log.
    pub async fn platform_audit(&self) -> Answer<Vec<AuditOut>> {
        self.json(Method::GET, "/api/v1/audit", NO_BODY).await
    }

    pub async fn marketplace(&self) -> Answer<Vec<MarketplaceApp>> {
        self.json(Method::GET, "/api/v1/marketplace", NO_BODY).await
    }

    // Projects

    pub async fn create_project(&self, company: i64, body: &CreateProject) -> Answer<ProjectOut> {
        let path = format!("/api/v1/companies/{company}/projects");
        self.json(Method::POST, &path, Some(body)).await
    }

    pub async fn bulk_create_projects(&self, company: i64, body: &BulkProjects) -> Answer<BulkCreated> {
        let path = format!("/api/v1/companies/{company}/projects/bulk");
        self.json(Method::POST, &path, Some(body)).await
    }

    /// `status`: active (the server's default), inactive or all.
    pub async fn list_projects(&self, company: i64, status: Option<String>, page: &Page) -> Answer<Vec<ProjectOut>> {
        let path = listing(
            &format!("/api/v1/companies/{company}/projects"),
            &page.params(Some(("status", status))),
        );
        self.json(Method::GET, &path, NO_BODY).await
    }

    pub async fn project(&self, company: i64, project: i64) -> Answer<ProjectOut> {
        let path = format!("/api/v1/companies/{company}/projects/{project}");
        self.json(Method::GET, &path, NO_BODY).await
    }

    pub async fn update_project(&self, company: i64, project: i64, body: &UpdateProject) -> Answer<ProjectOut> {
        let path = format!("/api/v1/companies/{company}/projects/{project}");
        self.json(Method::PATCH, &path, Some(body)).await
    }

    pub async fn delete_project(&self, company: i64, project: i64) -> Answer<Done> {
        let path = format!("/api/v1/companies/{company}/projects/{project}");
        self.done(Method::DELETE, &path, NO_BODY).await
    }

    // Invitations

    pub async fn invite(&self, company: i64, body: &InviteIn) -> Answer<InvitationOut> {
        let path = format!("/api/v1/companies/{company}/invitations");
        self.json(Method::POST, &path, Some(body)).await
    }

    pub async fn list_invitations(&self, company: i64) -> Answer<Vec<InvitationOut>> {
        let path = format!("/api/v1/companies/{company}/invitations");
        self.json(Method::GET, &path, NO_BODY).await
    }

    pub async fn cancel_invitation(&self, company: i64, invitation: i64) -> Answer<Done> {
        let path = format!("/api/v1/companies/{company}/invitations/{invitation}");
        self.done(Method::DELETE, &path, NO_BODY).await
    }

    pub async fn my_invitations(&self) -> Answer<Vec<InvitationOut>> {
        self.json(Method::GET, "/api/v1/me/invitations", NO_BODY).await
    }

    pub async fn accept_invitation(&self, invitation: i64) -> Answer<InvitationOut> {
        let path = format!("/api/v1/me/invitations/{invitation}/accept");
        self.json(Method::POST, &path, Some(&serde_json::json!({}))).await
    }

    /// Accepts an invitation with the token of its e-mail's accept link (no API token needed).
    pub async fn accept_invitation_token(&self, token: &str) -> Answer<InvitationOut> {
        let body = AcceptTokenIn { token: token.into() };
        self.json(Method::POST, "/api/v1/invitations/accept", Some(&body)).await
    }

    // Mail

    /// The operator: every message, optionally of one recipient or status.
    pub async fn list_mail(&self, recipient: Option<i64>, status: Option<String>, page: &Page) -> Answer<Vec<MailOut>> {
        let mut params = page.params(Some(("status", status)));
        params.push(("recipient", recipient.map(|r| r.to_string())));
        let path = listing("/api/v1/mail", &params);
        self.json(Method::GET, &path, NO_BODY).await
    }

    /// A person: my messages.
    pub async fn my_mail(&self, status: Option<String>, page: &Page) -> Answer<Vec<MailOut>> {
        let path = listing("/api/v1/me/mail", &page.params(Some(("status", status))));
        self.json(Method::GET, &path, NO_BODY).await
    }

    /// One message (its recipient or the operator).
    pub async fn mail(&self, id: i64) -> Answer<MailOut> {
        let path = format!("/api/v1/mail/{id}");
        self.json(Method::GET, &path, NO_BODY).await
    }

    // Apps

    pub async fn create_app(&self, body: &CreateApp) -> Answer<AppCreated> {
        self.json(Method::POST, "/api/v1/apps", Some(body)).await
    }

    pub async fn list_apps(&self) -> Answer<Vec<AppOut>> {
        self.json(Method::GET, "/api/v1/apps", NO_BODY).await
    }

    pub async fn app(&self, app: i64) -> Answer<AppOut> {
        self.json(Method::GET, &format!("/api/v1/apps/{app}"), NO_BODY).await
    }

    pub async fn rename_app(&self, app: i64, body: &RenameApp) -> Answer<AppOut> {
        self.json(Method::PATCH, &format!("/api/v1/apps/{app}"), Some(body))
            .await
    }

    pub async fn delete_app(&self, app: i64, body: &DeleteApp) -> Answer<Done> {
        self.done(Method::DELETE, &format!("/api/v1/apps/{app}"), Some(body))
            .await
    }

    pub async fn app_updates(&self, app: i64) -> Answer<Vec<UpdateOut>> {
        self.json(Method::GET, &format!("/api/v1/apps/{app}/updates"), NO_BODY)
            .await
    }

    pub async fn add_redirect_uri(&self, app: i64, body: &RedirectUriIn) -> Answer<RedirectUrisOut> {
        let path = format!("/api/v1/apps/{app}/redirect_uris");
        self.json(Method::POST, &path, Some(body)).await
    }

    pub async fn list_redirect_uris(&self, app: i64) -> Answer<RedirectUrisOut> {
        let path = format!("/api/v1/apps/{app}/redirect_uris");
        self.json(Method::GET, &path, NO_BODY).await
    }

    pub async fn publish_app(&self, app: i64) -> Answer<AppOut> {
        self.json(Method::POST, &format!("/api/v1/apps/{app}/publish"), NO_BODY)
            .await
    }

    pub async fn app_audit(&self, app: i64) -> Answer<Vec<AuditOut>> {
        self.json(Method::GET, &format!("/api/v1/apps/{app}/audit"), NO_BODY)
            .await
    }

    pub async fn suspend_app(&self, app: i64, body: &SuspendIn) -> Answer<SuspensionOut> {
        let path = format!("/api/v1/apps/{app}/suspend");
        self.json(Method::POST, &path, Some(body)).await
    }

    pub async fn resume_app(&self, app: i64) -> Answer<SuspensionOut> {
        self.json(Method::POST, &format!("/api/v1/apps/{app}/resume"), NO_BODY)
            .await
    }

    // Sandbox clock

    pub async fn clock(&self) -> Answer<ClockOut> {
        self.json(Method::GET, "/api/v1/clock", NO_BODY).await
    }

    pub async fn advance_clock(&self, body: &AdvanceClock) -> Answer<ClockOut> {
        self.json(Method::POST, "/api/v1/clock/advance", Some(body)).await
    }

    // Sandbox snapshot and reset

    pub async fn snapshot(&self) -> Answer<SnapshotOut> {
        self.json(Method::GET, "/api/v1/sandbox/snapshot", NO_BODY).await
    }

    pub async fn take_snapshot(&self) -> Answer<SnapshotOut> {
        self.json(Method::POST, "/api/v1/sandbox/snapshot", NO_BODY).await
    }

    pub async fn reset_sandbox(&self) -> Answer<ResetOut> {
        self.json(Method::POST, "/api/v1/sandbox/reset", NO_BODY).await
    }

    // Scripted faults

    pub async fn add_fault(&self, body: &FaultIn) -> Answer<FaultOut> {
        self.json(Method::POST, "/api/v1/faults", Some(body)).await
    }

    pub async fn faults(&self) -> Answer<Vec<FaultOut>> {
        self.json(Method::GET, "/api/v1/faults", NO_BODY).await
    }

    pub async fn remove_fault(&self, id: i64) -> Answer<FaultOut> {
        self.json(Method::DELETE, &format!("/api/v1/faults/{id}"), NO_BODY)
            .await
    }

    // Versions

    pub async fn create_version(&self, app: i64, body: &CreateVersion) -> Answer<VersionOut> {
        let path = format!("/api/v1/apps/{app}/versions");
        self.json(Method::POST, &path, Some(body)).await
    }

    pub async fn list_versions(&self, app: i64) -> Answer<Vec<VersionOut>> {
        self.json(Method::GET, &format!("/api/v1/apps/{app}/versions"), NO_BODY)
            .await
    }

    pub async fn version(&self, app: i64, version: i64) -> Answer<VersionOut> {
        let path = format!("/api/v1/apps/{app}/versions/{version}");
        self.json(Method::GET, &path, NO_BODY).await
    }

    pub async fn update_version(&self, app: i64, version: i64, body: &UpdateVersion) -> Answer<VersionOut> {
        let path = format!("/api/v1/apps/{app}/versions/{version}");
        self.json(Method::PATCH, &path, Some(body)).await
    }

    pub async fn diff_versions(&self, app: i64, from: i64, to: i64) -> Answer<DiffOut> {
        let path = format!("/api/v1/apps/{app}/versions/diff?from={from}&to={to}");
        self.json(Method::GET, &path, NO_BODY).await
    }

    pub async fn promote_version(&self, app: i64, version: i64) -> Answer<PromotionOut> {
        let path = format!("/api/v1/apps/{app}/versions/{version}/promote");
        self.json(Method::POST, &path, NO_BODY).await
    }

    // Credentials

    pub async fn list_credentials(&self, app: i64) -> Answer<Vec<ClientOut>> {
        let path = format!("/api/v1/apps/{app}/credentials");
        self.json(Method::GET, &path, NO_BODY).await
    }

    /// `environment`: `production` or `sandbox`.
    pub async fn rotate_secret(&self, app: i64, environment: &str, body: &RotateSecret) -> Answer<RotatedOut> {
        let path = format!("/api/v1/apps/{app}/credentials/{environment}/secrets");
        self.json(Method::POST, &path, Some(body)).await
    }

    pub async fn retire_secret(&self, app: i64, environment: &str, secret: i64) -> Answer<Done> {
        let path = format!("/api/v1/apps/{app}/credentials/{environment}/secrets/{secret}");
        self.done(Method::DELETE, &path, NO_BODY).await
    }

    // Lifecycle endpoints

    pub async fn list_endpoints(&self, app: i64) -> Answer<Vec<EndpointOut>> {
        self.json(Method::GET, &endpoints(app, None), NO_BODY).await
    }

    /// The answer carries the signing secret, once.
    pub async fn create_endpoint(&self, app: i64, body: &EndpointIn) -> Answer<EndpointOut> {
        self.json(Method::POST, &endpoints(app, None), Some(body)).await
    }

    pub async fn endpoint(&self, app: i64, endpoint: i64) -> Answer<EndpointOut> {
        self.json(Method::GET, &endpoints(app, Some(endpoint)), NO_BODY).await
    }

    pub async fn update_endpoint(&self, app: i64, endpoint: i64, body: &EndpointIn) -> Answer<EndpointOut> {
        self.json(Method::PATCH, &endpoints(app, Some(endpoint)), Some(body))
            .await
    }

    pub async fn delete_endpoint(&self, app: i64, endpoint: i64) -> Answer<Done> {
        self.done(Method::DELETE, &endpoints(app, Some(endpoint)), NO_BODY)
            .await
    }

    /// A new signing secret (in the answer, once); the old one stops signing at once.
    pub async fn rotate_endpoint_secret(&self, app: i64, endpoint: i64) -> Answer<EndpointOut> {
        let path = format!("{}/rotate_secret", endpoints(app, Some(endpoint)));
        self.json(Method::POST, &path, NO_BODY).await
    }

    /// Newest first; `status` one of queued, successful, failing, discarded.
    pub async fn endpoint_deliveries(
        &self,
        app: i64,
        endpoint: i64,
        status: Option<&str>,
    ) -> Answer<Vec<EndpointDeliveryOut>> {
        let base = format!("{}/deliveries", endpoints(app, Some(endpoint)));
        let path = listing(&base, &[("status", status.map(String::from))]);
        self.json(Method::GET, &path, NO_BODY).await
    }

    pub async fn redeliver_endpoint_delivery(
        &self,
        app: i64,
        endpoint: i64,
        delivery: i64,
    ) -> Answer<EndpointDeliveryOut> {
        let path = format!("{}/deliveries/{delivery}/redeliver", endpoints(app, Some(endpoint)));
        self.json(Method::POST, &path, NO_BODY).await
    }

    /// Operator: queue a hook's delivery again.
    pub async fn redeliver_hook_delivery(&self, delivery: i64) -> Answer<HookDeliveryOut> {
        let path = format!("/api/v1/webhooks/deliveries/{delivery}/redeliver");
        self.json(Method::POST, &path, NO_BODY).await
    }

    // Metrics

    pub async fn app_metrics(&self, app: i64, period: &Period) -> Answer<MetricsOut> {
        let path = format!("/api/v1/apps/{app}/metrics{}", period.query());
        self.json(Method::GET, &path, NO_BODY).await
    }

    pub async fn app_metrics_csv(&self, app: i64, table: MetricsTable, period: &Period) -> Answer<String> {
        let table = match table {
            MetricsTable::Daily => "daily",
            MetricsTable::Companies => "companies",
        };
        self.csv(&format!("/api/v1/apps/{app}/metrics/{table}.csv{}", period.query()))
            .await
    }

    // Installs and permitted projects

    pub async fn install_app(&self, company: i64, body: &InstallIn) -> Answer<InstallOut> {
        let path = format!("/api/v1/companies/{company}/installs");
        self.json(Method::POST, &path, Some(body)).await
    }

    pub async fn list_installs(&self, company: i64) -> Answer<Vec<InstallOut>> {
        let path = format!("/api/v1/companies/{company}/installs");
        self.json(Method::GET, &path, NO_BODY).await
    }

    pub async fn install(&self, company: i64, install: i64) -> Answer<InstallOut> {
        let path = format!("/api/v1/companies/{company}/installs/{install}");
        self.json(Method::GET, &path, NO_BODY).await
    }

    pub async fn update_install(&self, company: i64, install: i64, body: &UpdateInstall) -> Answer<InstallOut> {
        let path = format!("/api/v1/companies/{company}/installs/{install}");
        self.json(Method::PATCH, &path, Some(body)).await
    }

    pub async fn uninstall(&self, company: i64, install: i64) -> Answer<InstallOut> {
        let path = format!("/api/v1/companies/{company}/installs/{install}");
        self.json(Method::DELETE, &path, NO_BODY).await
    }

    pub async fn permitted_projects(&self, company: i64, install: i64) -> Answer<PermittedOut> {
        let path = format!("/api/v1/companies/{company}/installs/{install}/permitted_projects");
        self.json(Method::GET, &path, NO_BODY).await
    }

    pub async fn add_permitted_projects(&self, company: i64, install: i64, body: &ProjectIds) -> Answer<PermittedOut> {
        let path = format!("/api/v1/companies/{company}/installs/{install}/permitted_projects");
        self.json(Method::POST, &path, Some(body)).await
    }

    pub async fn add_all_permitted_projects(&self, company: i64, install: i64) -> Answer<AddAllOut> {
        let path = format!("/api/v1/companies/{company}/installs/{install}/permitted_projects/add_all");
        self.json(Method::POST, &path, NO_BODY).await
    }

    pub async fn remove_permitted_project(&self, company: i64, install: i64, project: i64) -> Answer<Done> {
        let path = format!("/api/v1/companies/{company}/installs/{install}/permitted_projects/{project}");
        self.done(Method::DELETE, &path, NO_BODY).await
    }

    pub async fn install_updates(&self, company: i64, install: i64) -> Answer<Vec<UpdateOut>> {
        let path = format!("/api/v1/companies/{company}/installs/{install}/updates");
        self.json(Method::GET, &path, NO_BODY).await
    }

    pub async fn approve_update(&self, company: i64, install: i64, update: i64) -> Answer<InstallOut> {
        let path = format!("/api/v1/companies/{company}/installs/{install}/updates/{update}/approve");
        self.json(Method::POST, &path, NO_BODY).await
    }

    // Traditional service accounts

    pub async fn create_service_account(
        &self,
        company: i64,
        body: &CreateServiceAccount,
    ) -> Answer<ServiceAccountCreated> {
        let path = format!("/api/v1/companies/{company}/service_accounts");
        self.json(Method::POST, &path, Some(body)).await
    }

    pub async fn list_service_accounts(&self, company: i64) -> Answer<Vec<ServiceAccountOut>> {
        let path = format!("/api/v1/companies/{company}/service_accounts");
        self.json(Method::GET, &path, NO_BODY).await
    }

    pub async fn set_service_account_permissions(
        &self,
        company: i64,
        account: i64,
        body: &PermissionsIn,
    ) -> Answer<Done> {
        let path = format!("/api/v1/companies/{company}/service_accounts/{account}/permissions");
        self.done(Method::PUT, &path, Some(body)).await
    }

    pub async fn add_service_account_project(&self, company: i64, account: i64, body: &ProjectIn) -> Answer<Done> {
        let path = format!("/api/v1/companies/{company}/service_accounts/{account}/projects");
        self.done(Method::POST, &path, Some(body)).await
    }

    pub async fn reset_service_account_secret(&self, company: i64, account: i64) -> Answer<AccountSecretOut> {
        let path = format!("/api/v1/companies/{company}/service_accounts/{account}/reset_secret");
        self.json(Method::POST, &path, NO_BODY).await
    }

    pub async fn retire_service_account(&self, company: i64, account: i64, body: &RetireIn) -> Answer<Done> {
        let path = format!("/api/v1/companies/{company}/service_accounts/{account}/retire");
        self.done(Method::POST, &path, Some(body)).await
    }

    /// A company's migration report, or every company's (operator) without one.
    pub async fn migration_report(&self, company: Option<i64>) -> Answer<Vec<MigrationRowOut>> {
        self.json(Method::GET, &migration_report(company), NO_BODY).await
    }

    pub async fn migration_report_csv(&self, company: Option<i64>) -> Answer<String> {
        self.csv(&format!("{}.csv", migration_report(company))).await
    }
}

fn endpoints(app: i64, endpoint: Option<i64>) -> String {
    match endpoint {
        Some(e) => format!("/api/v1/apps/{app}/endpoints/{e}"),
        None => format!("/api/v1/apps/{app}/endpoints"),
    }
}

fn migration_report(company: Option<i64>) -> String {
    match company {
        Some(c) => format!("/api/v1/companies/{c}/service_accounts/migration_report"),
        None => "/api/v1/service_accounts/migration_report".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operator_report_has_its_own_path() {
        assert_eq!(
            migration_report(Some(7)),
            "/api/v1/companies/7/service_accounts/migration_report"
        );
        assert_eq!(migration_report(None), "/api/v1/service_accounts/migration_report");
    }

    #[tokio::test]
    async fn no_token_is_refused_before_any_request() {
        // Port 1 answers nothing: the error must come before a connection is tried.
        let client = Client::new("http://127.0.0.1:1/", None);
        let err = client.list_apps().await.unwrap_err();
        assert!(matches!(err, ClientError::NoToken), "{err:?}");
        assert_eq!(err.to_string(), "no API token: pass --token or set TRESTLE_TOKEN");
    }
}
