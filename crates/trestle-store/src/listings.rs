//! The operator's listings.

use crate::entities::*;
use crate::error::Result;
use async_trait::async_trait;
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::*;

/// The operator's listings of companies and people.
#[async_trait]
pub trait ListingStore: Send + Sync {
    /// Every company, or (with `member`) the active ones the user actively belongs to; by a
    /// case-insensitive substring of the name.
    async fn list_companies(&self, member: Option<UserId>, query: &str, page: PageRequest) -> Result<Page<Company>>;
    /// People (not bots) by a case-insensitive substring of the name or e-mail address.
    async fn list_people(&self, query: &str, page: PageRequest) -> Result<Page<User>>;
}
