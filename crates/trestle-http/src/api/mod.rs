//! The management API (`/api/v1`, plus the manifest's JSON Schema): one module per resource,
//! each holding its handlers; this file holds the one route table. Every route is added with
//! `routes!`, which reads the path and method from the handler's `#[utoipa::path]`, so the
//! routes and the OpenAPI document (`/openapi.json`) are written once and cannot disagree.
//! Authenticated by API tokens (`Authorization: Bearer trs_…`).
//!
//! Modules: `shared` (response helpers, permission parsing) and `convert` (use-case values to
//! `trestle_api` types) import no resource module; resource modules import only those two.

mod apps;
mod audit;
mod companies;
mod convert;
mod credentials;
mod endpoints;
mod installs;
mod invitations;
mod mail;
mod metrics;
mod operator;
mod people;
mod projects;
mod request_log;
mod sandbox;
pub(crate) mod service_accounts;
pub(crate) mod shared;
mod versions;

use crate::AppState;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The route table of the management API, with its OpenAPI document.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        // account and people
        .routes(routes!(people::whoami))
        .routes(routes!(people::create_person, people::list_people))
        .routes(routes!(people::create_api_token))
        .routes(routes!(people::set_password))
        .routes(routes!(invitations::my_invitations))
        .routes(routes!(invitations::accept_invitation))
        .routes(routes!(mail::accept_with_token))
        // the mail outbox
        .routes(routes!(mail::list_mail))
        .routes(routes!(mail::my_mail))
        .routes(routes!(mail::get_mail))
        // companies and their directories
        .routes(routes!(companies::create_company, companies::list_companies))
        .routes(routes!(companies::get_company))
        .routes(routes!(invitations::add_member, companies::list_directory))
        .routes(routes!(companies::update_member))
        .routes(routes!(invitations::invite, invitations::list_invitations))
        .routes(routes!(invitations::cancel_invitation))
        // projects
        .routes(routes!(projects::create_project, projects::list_company_projects))
        .routes(routes!(projects::bulk_create))
        .routes(routes!(
            projects::get_project,
            projects::update_project,
            projects::delete_project
        ))
        .routes(routes!(projects::add_project_member))
        .routes(routes!(projects::remove_project_member))
        // installs
        .routes(routes!(installs::install_app, installs::list_installs))
        .routes(routes!(
            installs::get_install,
            installs::uninstall,
            installs::update_install
        ))
        .routes(routes!(installs::list_permitted, installs::add_permitted))
        .routes(routes!(installs::add_all_permitted))
        .routes(routes!(installs::remove_permitted))
        .routes(routes!(installs::list_install_updates))
        .routes(routes!(installs::approve_update))
        // apps
        .routes(routes!(apps::create_app, apps::list_apps))
        .routes(routes!(apps::get_app, apps::rename_app, apps::delete_app))
        .routes(routes!(apps::add_redirect_uri, apps::list_redirect_uris))
        .routes(routes!(apps::publish_app))
        .routes(routes!(apps::marketplace))
        .routes(routes!(apps::manifest_schema))
        // versions
        .routes(routes!(versions::create_version, versions::list_versions))
        .routes(routes!(versions::diff_versions))
        .routes(routes!(versions::get_version, versions::update_version))
        .routes(routes!(versions::promote_version))
        .routes(routes!(versions::list_app_updates))
        // credentials
        .routes(routes!(credentials::list_credentials))
        .routes(routes!(credentials::rotate_secret))
        .routes(routes!(credentials::retire_secret))
        // lifecycle endpoints and redelivery
        .routes(routes!(endpoints::create_endpoint, endpoints::list_endpoints))
        .routes(routes!(
            endpoints::get_endpoint,
            endpoints::update_endpoint,
            endpoints::delete_endpoint
        ))
        .routes(routes!(endpoints::rotate_endpoint_secret))
        .routes(routes!(endpoints::list_endpoint_deliveries))
        .routes(routes!(endpoints::redeliver_endpoint_delivery))
        .routes(routes!(endpoints::redeliver_hook_delivery))
        // metrics
        .routes(routes!(metrics::metrics))
        .routes(routes!(metrics::metrics_daily_csv))
        .routes(routes!(metrics::metrics_companies_csv))
        // audit
        .routes(routes!(audit::platform_audit))
        .routes(routes!(audit::company_audit))
        .routes(routes!(audit::company_audit_csv))
        .routes(routes!(audit::app_audit))
        .routes(routes!(request_log::app_requests))
        // operator
        .routes(routes!(operator::suspend_app))
        .routes(routes!(operator::resume_app))
        // the sandbox kit
        .routes(routes!(sandbox::clock))
        .routes(routes!(sandbox::advance_clock))
        .routes(routes!(sandbox::snapshot, sandbox::take_snapshot))
        .routes(routes!(sandbox::reset))
        .routes(routes!(sandbox::add_fault, sandbox::list_faults))
        .routes(routes!(sandbox::remove_fault))
        // traditional service accounts
        .routes(routes!(service_accounts::create, service_accounts::list))
        .routes(routes!(service_accounts::company_report))
        .routes(routes!(service_accounts::company_report_csv))
        .routes(routes!(service_accounts::set_permissions))
        .routes(routes!(service_accounts::add_project))
        .routes(routes!(service_accounts::reset_secret))
        .routes(routes!(service_accounts::retire))
        .routes(routes!(service_accounts::operator_report))
        .routes(routes!(service_accounts::operator_report_csv))
}

/// The OpenAPI document of the management API, as the route table makes it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Trestle management API", description = "Operator, developer portal and company admin actions. \
        Authenticate with an API token: `Authorization: Bearer trs_…`. The Procore-compatible OAuth and REST \
        endpoints (`/oauth/token`, `/rest/v1.0/…`) are described in the README. \
        Every error is an `ErrorBody`: 400 for a body that is not well-formed JSON or not of the documented \
        shape (wrong types, unknown or missing fields; each problem named by its JSONPath, e.g. `$.name`) and \
        for a path parameter that is not a number (named `{app_id}` and so on), 404 for no route, 405 for a \
        method the path does not take, 413 for a body over 2 MiB (2097152 bytes), 415 for a body that is not \
        `application/json`, 422 for values the rules refuse (lengths are the `maxLength` of each field; \
        single-line text refuses control characters)."),
    components(schemas(crate::error::ErrorBody, crate::error::ProblemSchema)),
    modifiers(&SecurityAddon)
)]
pub struct ApiDoc;

struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
