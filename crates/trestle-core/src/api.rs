//! The Procore-compatible REST reads: companies, projects, me.

use crate::cache::{CompanyActor, Shared, Who};
use crate::{Caller, CoreError, Result, Trestle};
use std::sync::Arc;
use trestle_domain::entities::{Company, Environment, Project, User};
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::policy::{decide, Actor, CompanyMembership, Request};
use trestle_domain::*;

/// The message Procore gives when a DMSA call lacks the company header.
pub const MISSING_COMPANY_HEADER: &str = "Missing Procore-Company-Id header! Each call your application makes \
     on behalf of a service account or DMSA must name the company it acts in, with the Procore-Company-Id header \
     (or a company_id parameter).";

impl Trestle {
    /// Who the caller is inside `company`: a DMSA app acts as its bot there (if installed), a
    /// person as themself. Also returns their current membership (never taken from the token),
    /// so an uninstall or removal takes effect on the next request.
    pub async fn company_actor(
        &self,
        caller: &Caller,
        company: CompanyId,
    ) -> Result<(Actor, Option<Arc<CompanyMembership>>)> {
        let gens = &self.caches.gens;
        let (key, stamp) = match caller {
            Caller::App { app, sandbox, .. } => (
                Who::App(*app, *sandbox),
                gens.stamp_directory(Some(company), Some(*app)),
            ),
            Caller::Person(u) => (Who::Person(*u), gens.stamp_directory(Some(company), None)),
            // A traditional service account acts only in its own company (legacy path, uncached).
            Caller::Service { company: own, user, .. } => {
                policy::service_account_company(*own, company).map_err(CoreError::Forbidden)?;
                let m = self.store.company_membership(company, *user).await?.map(Arc::new);
                return Ok((Actor::Bot(*user), m));
            }
        };
        let found = self
            .caches
            .actors
            .get_or_load(gens, &(key, company), stamp, || self.load_company_actor(key, company))
            .await?;
        // Only an app's bot can be missing: the app is not installed there (in this environment).
        found.ok_or(CoreError::Forbidden(policy::Denied::NotInstalled))
    }

    async fn load_company_actor(&self, who: Who, company: CompanyId) -> Result<CompanyActor> {
        match who {
            Who::App(app, sandbox) => {
                // Tokens never cross environments: sandbox tokens act only in the app's own
                // development sandbox, production tokens only in real companies.
                let Some(found) = self.store.find_company(company).await? else {
                    return Ok(None);
                };
                if policy::token_environment(app, sandbox, found.sandbox_of_app).is_err() {
                    return Ok(None);
                }
                self.load_bot(company, app).await
            }
            Who::Person(user) => {
                let m = self.store.company_membership(company, user).await?.map(Arc::new);
                Ok(Some((Actor::Person(user), m)))
            }
        }
    }

    async fn load_bot(&self, company: CompanyId, app: AppId) -> Result<CompanyActor> {
        match self.store.find_active_install(company, app).await? {
            Some(install) => {
                let m = self
                    .store
                    .company_membership(company, install.bot_user_id)
                    .await?
                    .map(Arc::new);
                Ok(Some((Actor::Bot(install.bot_user_id), m)))
            }
            None => Ok(None),
        }
    }

    /// `GET /rest/v1.0/companies`: for a DMSA app, the companies where it is installed; for a
    /// person, their companies. A company named by the header must be one of them.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, company = ?company))]
    pub async fn list_companies(
        &self,
        caller: &Caller,
        company: Option<CompanyId>,
        page: PageRequest,
        after: Option<CompanyId>,
    ) -> Result<Arc<Shared<Page<Company>>>> {
        if let Some(c) = company {
            let (actor, m) = self.company_actor(caller, c).await?;
            self.require(actor, Request::ViewCompany { company: m.as_deref() })?;
        }
        Ok(match caller {
            Caller::App { app, sandbox, .. } => {
                let gens = &self.caches.gens;
                let env = if *sandbox {
                    Environment::Sandbox
                } else {
                    Environment::Production
                };
                self.caches
                    .app_companies
                    .get_or_load(
                        gens,
                        &(*app, *sandbox, page.page(), page.per_page(), after.map_or(0, |a| a.0)),
                        gens.stamp(None, Some(*app)),
                        || async {
                            Ok::<_, CoreError>(Arc::new(Shared::new(
                                self.store.list_app_companies(*app, env, page, after).await?,
                            )))
                        },
                    )
                    .await?
            }
            Caller::Person(user) => Arc::new(Shared::new(self.store.list_user_companies(*user, page, after).await?)),
            Caller::Service { company, .. } => {
                let found = self.store.find_company(*company).await?.filter(|c| c.is_active);
                let items: Vec<Company> = found.into_iter().collect();
                let total = items.len() as i64;
                let start = if after.is_some() {
                    0
                } else {
                    (page.offset() as usize).min(items.len())
                };
                let items = items
                    .into_iter()
                    .filter(|c| after.is_none_or(|a| c.id > a))
                    .skip(start)
                    .take(page.limit() as usize)
                    .collect();
                Arc::new(Shared::new(Page { items, total }))
            }
        })
    }

    /// Projects of `company` the caller may see: a bot its permitted projects, a person their
    /// projects, a company admin all of them. With `after` (the last id of the previous page),
    /// the page is read by keyset from that id; without, at the page number's offset.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, company = %company))]
    pub async fn list_projects(
        &self,
        caller: &Caller,
        company: CompanyId,
        page: PageRequest,
        after: Option<ProjectId>,
    ) -> Result<Arc<Shared<Page<Project>>>> {
        let (actor, m) = self.company_actor(caller, company).await?;
        self.require(actor, Request::ViewCompany { company: m.as_deref() })?;
        let member = match decide(actor, Request::SeeAllProjects { company: m.as_deref() }) {
            Ok(()) => None,
            Err(_) => actor.user_id(),
        };
        let gens = &self.caches.gens;
        let key = (
            actor.user_id().map_or(0, |u| u.0),
            company,
            member.is_some(),
            page.page(),
            page.per_page(),
            after.map_or(0, |a| a.0),
        );
        self.caches
            .projects
            .get_or_load(gens, &key, gens.stamp_directory(Some(company), None), || async {
                Ok(Arc::new(Shared::new(
                    self.store.list_projects(company, member, page, after).await?,
                )))
            })
            .await
    }

    /// `GET /rest/v1.0/me`: a DMSA app must name the company, and gets that company's bot.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, company = ?company))]
    pub async fn me(&self, caller: &Caller, company: Option<CompanyId>) -> Result<User> {
        let user = match (caller, company) {
            (Caller::App { .. } | Caller::Service { .. }, None) => {
                return Err(CoreError::BadRequest(MISSING_COMPANY_HEADER.into()))
            }
            (_, Some(c)) => {
                let (actor, m) = self.company_actor(caller, c).await?;
                self.require(actor, Request::ViewCompany { company: m.as_deref() })?;
                actor.user_id().expect("company actors are users")
            }
            (Caller::Person(u), None) => *u,
        };
        self.store
            .find_user(user)
            .await?
            .ok_or(CoreError::Unauthenticated("The access token is invalid".into()))
    }
}
