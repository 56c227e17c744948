//! [`RequestLogStore`]: the request log in `app_requests`. Every write is bookkeeping through
//! [`tx::WritePool::unrecorded`]: one multi-row insert per batch, batched deletes for pruning.

use super::*;
use sqlx::FromRow;
use trestle_domain::request_log::*;

const COLUMNS: &str = "id, app_id, at, method, path, template, company_id, status, duration_us, request_id";

#[derive(FromRow)]
struct Row {
    id: i64,
    app_id: i64,
    at: i64,
    method: String,
    path: String,
    template: Option<String>,
    company_id: Option<i64>,
    status: i32,
    duration_us: i64,
    request_id: Option<String>,
}

impl From<Row> for RequestEntry {
    fn from(r: Row) -> RequestEntry {
        RequestEntry {
            id: r.id,
            app: AppId(r.app_id),
            at: r.at,
            method: r.method,
            path: r.path,
            template: r.template,
            company: r.company_id.map(CompanyId),
            status: u16::try_from(r.status).unwrap_or(0),
            duration_us: r.duration_us,
            request_id: r.request_id,
        }
    }
}

/// The filter as SQL: an absent field is written as a value that takes everything (`''`,
/// `-1`, the whole range), so one statement serves every filter.
const COND: &str = "app_id = $1 AND ($2 = '' OR method = $2) \
     AND ($3 = '' OR substr(path, 1, length($3)) = $3) \
     AND status >= $4 AND status <= $5 AND ($6 = -1 OR company_id = $6) AND at >= $7 AND at <= $8";

macro_rules! impl_request_log {
    ($store:ident, $db:ty) => {
        #[async_trait]
        impl RequestLogStore for $store {
            async fn append_requests(&self, entries: &[NewRequestEntry]) -> Result<()> {
                for chunk in entries.chunks(APPEND_BATCH) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO app_requests (app_id, at, method, path, template, company_id, status, \
                         duration_us, request_id) ",
                    );
                    q.push_values(chunk, |mut b, e| {
                        b.push_bind(e.app.0)
                            .push_bind(e.at)
                            .push_bind(e.method.clone())
                            .push_bind(e.path.clone())
                            .push_bind(e.template.clone())
                            .push_bind(e.company.map(|c| c.0))
                            .push_bind(i32::from(e.status))
                            .push_bind(e.duration_us)
                            .push_bind(e.request_id.clone());
                    });
                    q.build().execute(self.write.unrecorded()).await?;
                }
                Ok(())
            }

            async fn list_requests(
                &self,
                app: AppId,
                filter: &RequestFilter,
                page: PageRequest,
            ) -> Result<Page<RequestEntry>> {
                let method = filter
                    .method
                    .as_deref()
                    .map(str::to_ascii_uppercase)
                    .unwrap_or_default();
                let prefix = filter.path_prefix.clone().unwrap_or_default();
                let (lo, hi) = filter.status.map_or((0, 999), |s| s.range());
                let company = filter.company.map_or(-1, |c| c.0);
                let since = filter.since.unwrap_or(i64::MIN);
                let until = filter.until.unwrap_or(i64::MAX);
                let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM app_requests WHERE {COND}"))
                    .bind(app.0)
                    .bind(&method)
                    .bind(&prefix)
                    .bind(i32::from(lo))
                    .bind(i32::from(hi))
                    .bind(company)
                    .bind(since)
                    .bind(until)
                    .fetch_one(&self.read)
                    .await?;
                let rows: Vec<Row> = sqlx::query_as(&format!(
                    "SELECT {COLUMNS} FROM app_requests WHERE {COND} ORDER BY id DESC LIMIT $9 OFFSET $10"
                ))
                .bind(app.0)
                .bind(&method)
                .bind(&prefix)
                .bind(i32::from(lo))
                .bind(i32::from(hi))
                .bind(company)
                .bind(since)
                .bind(until)
                .bind(page.limit())
                .bind(page.offset())
                .fetch_all(&self.read)
                .await?;
                Ok(Page {
                    items: rows.into_iter().map(Into::into).collect(),
                    total,
                })
            }

            async fn prune_requests(&self, older_than: i64, per_app_cap: i64, batch: i64) -> Result<PrunedRequests> {
                let batch = batch.max(1);
                let mut pruned = PrunedRequests::default();
                loop {
                    let n = sqlx::query(
                        "DELETE FROM app_requests WHERE id IN (SELECT id FROM app_requests WHERE at <= $1 LIMIT $2)",
                    )
                    .bind(older_than)
                    .bind(batch)
                    .execute(self.write.unrecorded())
                    .await?
                    .rows_affected();
                    pruned.expired += n;
                    if n < batch as u64 {
                        break;
                    }
                }
                let cap = per_app_cap.max(0);
                let over: Vec<i64> = sqlx::query_scalar(
                    "SELECT app_id FROM app_requests GROUP BY app_id HAVING COUNT(*) > $1 ORDER BY app_id",
                )
                .bind(cap)
                .fetch_all(&self.read)
                .await?;
                for app in over {
                    // The newest `cap` entries stay: everything older than the cap-th newest goes
                    // (everything, with a cap of 0).
                    let keep_from: Option<i64> = if cap == 0 {
                        None
                    } else {
                        sqlx::query_scalar(
                            "SELECT id FROM app_requests WHERE app_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2",
                        )
                        .bind(app)
                        .bind(cap - 1)
                        .fetch_optional(&self.read)
                        .await?
                    };
                    let keep_from = keep_from.unwrap_or(i64::MAX);
                    loop {
                        let n = sqlx::query(
                            "DELETE FROM app_requests WHERE id IN \
                             (SELECT id FROM app_requests WHERE app_id = $1 AND id < $2 LIMIT $3)",
                        )
                        .bind(app)
                        .bind(keep_from)
                        .bind(batch)
                        .execute(self.write.unrecorded())
                        .await?
                        .rows_affected();
                        pruned.over_cap += n;
                        if n < batch as u64 {
                            break;
                        }
                    }
                }
                Ok(pruned)
            }
        }
    };
}

impl_request_log!(SqliteStore, sqlx::Sqlite);
impl_request_log!(PgStore, sqlx::Postgres);
