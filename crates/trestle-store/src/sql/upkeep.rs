//! [`PurgeStore`] (the janitor's batched purge of expired rows) and [`HealthStore`] (ping).

use super::*;

macro_rules! impl_upkeep {
    ($store:ident, $db:ty) => {
        #[async_trait]
        impl PurgeStore for $store {
            async fn purge_expired(&self, cutoffs: &PurgeCutoffs, batch: i64) -> Result<PurgeCounts> {
                // Neither backend has DELETE … LIMIT: each batch is a keyed subquery. Rows another
                // node deleted first are simply not there (0 rows), so concurrent purges agree.
                let mut deleted = [0u64; 6];
                for (n, (sql, cutoff)) in [
                    (
                        "DELETE FROM web_sessions WHERE session_hash IN \
                         (SELECT session_hash FROM web_sessions WHERE expires_at <= $1 LIMIT $2)",
                        cutoffs.expired,
                    ),
                    (
                        "DELETE FROM auth_codes WHERE code_hash IN \
                         (SELECT code_hash FROM auth_codes WHERE expires_at <= $1 LIMIT $2)",
                        cutoffs.expired,
                    ),
                    (
                        "DELETE FROM revoked_tokens WHERE token_id IN \
                         (SELECT token_id FROM revoked_tokens WHERE expires_at <= $1 LIMIT $2)",
                        // Kept a grace period past the token's expiry: a clock set back must not
                        // bring a revoked token back to life.
                        cutoffs.expired.saturating_sub(REVOCATION_GRACE),
                    ),
                    (
                        "DELETE FROM refresh_tokens WHERE token_hash IN (SELECT r.token_hash FROM refresh_tokens r \
                         JOIN grants g ON g.id = r.grant_id WHERE g.created_at <= $1 LIMIT $2)",
                        cutoffs.refresh_granted,
                    ),
                    (
                        "DELETE FROM grants WHERE id IN (SELECT g.id FROM grants g WHERE g.created_at <= $1 \
                         AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.grant_id = g.id) \
                         AND NOT EXISTS (SELECT 1 FROM auth_codes c WHERE c.grant_id = g.id) LIMIT $2)",
                        cutoffs.granted,
                    ),
                    (
                        "DELETE FROM idempotency WHERE (company_id, principal, method, path, token) IN \
                         (SELECT company_id, principal, method, path, token FROM idempotency WHERE created_at <= $1 LIMIT $2)",
                        cutoffs.remembered,
                    ),
                ]
                .into_iter()
                .enumerate()
                {
                    deleted[n] = sqlx::query(sql)
                        .bind(cutoff)
                        .bind(batch)
                        .execute(self.write.unrecorded())
                        .await?
                        .rows_affected();
                }
                let [sessions, codes, revocations, refresh_tokens, grants, remembered] = deleted;
                Ok(PurgeCounts {
                    sessions,
                    codes,
                    revocations,
                    refresh_tokens,
                    grants,
                    remembered,
                })
            }
        }

        #[async_trait]
        impl HealthStore for $store {
            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(&self.read).await?;
                Ok(())
            }
        }
    };
}

impl_upkeep!(SqliteStore, sqlx::Sqlite);
impl_upkeep!(PgStore, sqlx::Postgres);
