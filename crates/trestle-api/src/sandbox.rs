//! The sandbox kit: the movable clock, the snapshot and reset.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How far to move the clock.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceClock {
    /// Seconds forward, 1 to 315360000 (ten years). The clock never moves back.
    #[schema(minimum = 1, maximum = 315360000)]
    pub seconds: i64,
}

/// The server's clock.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ClockOut {
    /// Now, in Unix seconds: what every expiry is judged against.
    pub now: i64,
    /// Now, as RFC 3339 (UTC).
    pub now_iso: String,
    /// Whether `POST /api/v1/clock/advance` moves it (`trestle up`, `serve --manual-clock`).
    pub movable: bool,
}

/// The kept snapshot: the stored world a reset returns to.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct SnapshotOut {
    /// When it was taken, in Unix seconds on the server's clock.
    pub taken_at: i64,
    /// The same, as RFC 3339 (UTC).
    pub taken_at_iso: String,
    /// The schema migration it was taken under; a reset needs the database at the same one.
    pub schema_version: i64,
    /// Tables and rows it holds.
    pub tables: i64,
    pub rows: i64,
}

/// A reset done: the world is back as the snapshot kept it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ResetOut {
    /// The snapshot the world is back to (`rows`: the rows written back).
    pub snapshot: SnapshotOut,
    /// How long the reset took on the server, in milliseconds.
    pub took_ms: u64,
}

/// Which calls a fault rule matches: every field given must match; none given matches every
/// call to `/oauth/…` and `/rest/…`. With `destination`, webhook deliveries instead.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FaultMatchIn {
    /// `GET`, `POST`, … (any case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// A path or path template under `/oauth/` or `/rest/`: `/oauth/token`,
    /// `/rest/v1.0/projects/{project_id}/rfis` (`{…}` matches any one segment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The app's client id (production or sandbox): at `/oauth/…`, and on the calls made with
    /// the access tokens issued to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The company the call names (`Procore-Company-Id`, `company_id`, or the path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<i64>,
    /// A webhook destination URL, or its beginning: the rule then strikes Trestle's deliveries
    /// to it (company hooks and app endpoints) instead of calls — the attempt fails with the
    /// status, the cut connection or (latency of 5000 ms or more) a timeout, nothing is sent,
    /// and the delivery's back-off proceeds. Alone: no other match field, no `retry_after`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
}

/// A scripted fault rule to add: what matching calls get instead of their answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FaultIn {
    /// Which calls (all of `/oauth/…` and `/rest/…` when left out).
    #[serde(rename = "match", default)]
    pub matching: FaultMatchIn,
    /// Answer 429 (Procore's message and `Retry-After`), 500, 502, 503 or 504.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Wait this many milliseconds first (at most 30000); alone, the call is then served.
    #[serde(default)]
    pub latency_ms: u32,
    /// Cut the connection instead of answering.
    #[serde(default)]
    pub drop_connection: bool,
    /// Strike the next this many matching calls, then go away (no limit when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Strike this percentage of the matching calls (1–100; all when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<u8>,
    /// A 429's `Retry-After` in seconds (default 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u32>,
}

/// A fault rule of this node.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct FaultOut {
    pub id: i64,
    #[serde(rename = "match")]
    pub matching: FaultMatchIn,
    pub status: Option<u16>,
    pub latency_ms: u32,
    pub drop_connection: bool,
    pub count: Option<u32>,
    pub percent: Option<u8>,
    pub retry_after: Option<u32>,
    /// Strikes left (null: no limit).
    pub left: Option<i64>,
    /// Calls struck so far.
    pub struck: u64,
    /// When it was added (Unix seconds).
    pub created_at: i64,
}
