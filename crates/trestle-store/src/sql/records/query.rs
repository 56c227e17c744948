//! The SQL of a record list, built from a [`RecordQuery`] for one backend's [`Dialect`]. Every
//! value is a bound parameter; the only text taken from the query into the SQL is fixed
//! fragments chosen by it (field names are checked to be `[A-Za-z0-9_]+` and bound as well).

use crate::error::{Result, StoreError};
use serde_json::{Map, Value};
use trestle_domain::record::{Deleted, Record, RecordFilter, RecordQuery, RecordScope, Sort, SortKey};

/// A bound value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Bind {
    Int(i64),
    Text(String),
}

/// What differs between the backends: how the body is stored and how a body field is read.
/// `{p}` stands for a bound field path, `{q}` for a bound `LIKE` pattern.
pub(crate) struct Dialect {
    /// The body column as JSON text.
    pub(crate) body_out: &'static str,
    /// Appended to the placeholder of a body written as JSON text.
    pub(crate) body_in: &'static str,
    /// Appended to a statement that reads a row it is about to change.
    pub(crate) lock: &'static str,
    /// The bound path of a top-level body field.
    pub(crate) path: fn(&str) -> String,
    /// A scalar field as text (strings as themselves, numbers and booleans as JSON writes
    /// them); NULL when absent, `null`, an object or an array.
    pub(crate) field_text: &'static str,
    /// A field as the sort compares it (JSON scalars).
    pub(crate) field_sort: &'static str,
    /// Whether some string anywhere in the body matches the lower-case pattern.
    pub(crate) search: &'static str,
}

pub(crate) const SQLITE: Dialect = Dialect {
    body_out: "body",
    body_in: "",
    lock: "",
    path: sqlite_path,
    field_text: "CASE json_type(body, {p}) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' \
                 WHEN 'null' THEN NULL WHEN 'object' THEN NULL WHEN 'array' THEN NULL \
                 ELSE CAST(json_extract(body, {p}) AS TEXT) END",
    field_sort: "json_extract(body, {p})",
    search: "EXISTS (SELECT 1 FROM json_tree(records.body) t WHERE t.type = 'text' \
             AND lower(t.value) LIKE {q} ESCAPE '\\')",
};

pub(crate) const POSTGRES: Dialect = Dialect {
    body_out: "body::text",
    body_in: "::jsonb",
    lock: " FOR UPDATE",
    path: pg_path,
    field_text: "CASE WHEN jsonb_typeof(body -> {p}) IN ('string', 'number', 'boolean') THEN body ->> {p} END",
    field_sort: "(body -> {p})",
    search: "EXISTS (SELECT 1 FROM jsonb_path_query(records.body, 'strict $.**') AS v(j) \
             WHERE jsonb_typeof(v.j) = 'string' AND lower(v.j #>> '{}') LIKE {q} ESCAPE '\\')",
};

fn sqlite_path(field: &str) -> String {
    format!("$.{field}")
}

fn pg_path(field: &str) -> String {
    field.to_string()
}

/// Most items one sync may carry.
pub(crate) const MAX_SYNC: usize = 1000;

/// A statement under construction: its text and its parameters in order.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) binds: Vec<Bind>,
}

impl Sql {
    /// Binds `value` and returns its placeholder.
    pub(crate) fn param(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    fn text(&mut self, s: impl Into<String>) -> String {
        self.param(Bind::Text(s.into()))
    }

    /// The condition that a row is in `scope` (written so the `(company, project, resource,
    /// parent, …)` indexes serve it: `project_id IS NULL` for a company-level collection).
    pub(crate) fn scope(&mut self, scope: &RecordScope) -> String {
        let company = self.param(Bind::Int(scope.company.0));
        let project = match scope.project {
            Some(p) => format!("project_id = {}", self.param(Bind::Int(p.0))),
            None => "project_id IS NULL".to_string(),
        };
        let resource = self.text(&scope.resource);
        let parent = self.text(&scope.parent);
        format!("company_id = {company} AND {project} AND resource = {resource} AND parent = {parent}")
    }
}

/// The columns of a record row, with the body as JSON text.
pub(crate) fn columns(d: &Dialect) -> String {
    format!(
        "id, company_id, project_id, resource, parent, {} AS body, origin_id, number, created_at, updated_at, \
         deleted_at, created_by",
        d.body_out
    )
}

/// A body field a filter or sort names: letters, digits and `_` only.
pub(crate) fn field_name(name: &str) -> Result<&str> {
    if !name.is_empty() && name.len() <= 100 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(name)
    } else {
        Err(StoreError::Conflict(format!(
            "invalid record field name {:?}: letters, digits and _ only",
            name.chars().take(100).collect::<String>()
        )))
    }
}

/// The text a filter value matches (see [`Dialect::field_text`]); `None` for `null`, and for
/// objects and arrays, which match nothing.
fn filter_text(value: &Value) -> Option<Option<String>> {
    match value {
        Value::String(s) => Some(Some(s.clone())),
        Value::Number(n) => Some(Some(n.to_string())),
        Value::Bool(b) => Some(Some(b.to_string())),
        Value::Null => Some(None),
        Value::Object(_) | Value::Array(_) => None,
    }
}

/// A `LIKE` pattern for a case-insensitive substring, its own wildcards escaped.
pub(crate) fn contains(query: &str) -> String {
    format!(
        "%{}%",
        query
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

/// The `WHERE` condition of a filter in a scope.
fn condition(d: &Dialect, sql: &mut Sql, scope: &RecordScope, f: &RecordFilter) -> Result<Vec<String>> {
    let mut cond = vec![sql.scope(scope)];
    match f.deleted {
        Deleted::Exclude => cond.push("deleted_at IS NULL".into()),
        Deleted::Only => cond.push("deleted_at IS NOT NULL".into()),
        Deleted::With => {}
    }
    if let Some(ids) = &f.ids {
        if ids.is_empty() {
            cond.push("1 = 0".into());
        } else {
            let list: Vec<String> = ids.iter().map(|id| sql.param(Bind::Int(id.0))).collect();
            cond.push(format!("id IN ({})", list.join(", ")));
        }
    }
    for (column, range) in [("created_at", f.created), ("updated_at", f.updated)] {
        if let Some(r) = range {
            let (from, to) = (sql.param(Bind::Int(r.from)), sql.param(Bind::Int(r.to)));
            cond.push(format!("{column} BETWEEN {from} AND {to}"));
        }
    }
    for filter in &f.fields {
        let name = field_name(&filter.field)?;
        let values: Vec<Option<String>> = filter.any_of.iter().filter_map(filter_text).collect();
        if values.is_empty() {
            // Bind nothing that the statement would not use (PostgreSQL refuses that).
            cond.push("1 = 0".into());
            continue;
        }
        let path = sql.text((d.path)(name));
        let expr = d.field_text.replace("{p}", &path);
        let mut any = Vec::new();
        let mut texts = Vec::new();
        for v in values {
            match v {
                Some(text) => texts.push(sql.text(text)),
                None => any.push(format!("{expr} IS NULL")),
            }
        }
        if !texts.is_empty() {
            any.push(format!("{expr} IN ({})", texts.join(", ")));
        }
        cond.push(format!("({})", any.join(" OR ")));
    }
    if let Some(q) = &f.search {
        let q = sql.text(contains(q));
        cond.push(d.search.replace("{q}", &q));
    }
    Ok(cond)
}

/// Whether the sort is by id only, and which way (`None`: some other key).
fn by_id(sort: &[Sort]) -> Option<bool> {
    match sort {
        [] => Some(false),
        [Sort {
            key: SortKey::Id,
            descending,
        }] => Some(*descending),
        _ => None,
    }
}

/// The `ORDER BY` list: the keys in order, then the id (the way the first key goes) for ties.
fn order(d: &Dialect, sql: &mut Sql, sort: &[Sort]) -> Result<String> {
    let mut keys = Vec::new();
    for s in sort {
        let dir = if s.descending { "DESC" } else { "ASC" };
        match &s.key {
            SortKey::Id => {
                keys.push(format!("id {dir}"));
                return Ok(keys.join(", "));
            }
            SortKey::CreatedAt => keys.push(format!("created_at {dir}")),
            SortKey::UpdatedAt => keys.push(format!("updated_at {dir}")),
            SortKey::Field(f) => {
                let path = sql.text((d.path)(field_name(f)?));
                // Absent fields (and JSON null) sort first ascending, last descending.
                let nulls = if s.descending { "NULLS LAST" } else { "NULLS FIRST" };
                keys.push(format!("{} {dir} {nulls}", d.field_sort.replace("{p}", &path)));
            }
        }
    }
    let tie = if sort.first().is_some_and(|s| s.descending) {
        "DESC"
    } else {
        "ASC"
    };
    keys.push(format!("id {tie}"));
    Ok(keys.join(", "))
}

/// The statement of one page, and the count of all matches — `None` when the filter is the
/// default one (live records, nothing else), whose count the collection's counter holds.
/// The count of a list filtered on `status` alone (live records, given status texts): read
/// from `record_status_counts` (migration 0012), whatever the collection's size.
fn status_count(scope: &RecordScope, f: &RecordFilter) -> Option<Sql> {
    let [only] = f.fields.as_slice() else { return None };
    let plain = RecordFilter {
        fields: vec![],
        ..f.clone()
    };
    if only.field != "status" || plain != RecordFilter::default() {
        return None;
    }
    // `null` (absent), objects and arrays are not counted there: such a filter is counted the
    // long way.
    let mut seen: Vec<String> = Vec::new();
    for v in &only.any_of {
        match filter_text(v) {
            Some(Some(t)) if !seen.contains(&t) => seen.push(t),
            Some(Some(_)) => {}
            _ => return None,
        }
    }
    if seen.is_empty() {
        return None;
    }
    let mut sql = Sql::default();
    let company = sql.param(Bind::Int(scope.company.0));
    let project = sql.param(Bind::Int(scope.project.map_or(0, |p| p.0)));
    let resource = sql.text(&scope.resource);
    let parent = sql.text(&scope.parent);
    let list: Vec<String> = seen.into_iter().map(|t| sql.text(t)).collect();
    sql.text = format!(
        "SELECT CAST(COALESCE(SUM(live_count), 0) AS BIGINT) FROM record_status_counts \
         WHERE company_id = {company} AND project_id = {project} AND resource = {resource} \
         AND parent = {parent} AND status IN ({})",
        list.join(", ")
    );
    Some(sql)
}

pub(crate) fn list(d: &Dialect, scope: &RecordScope, q: &RecordQuery) -> Result<(Sql, Option<Sql>)> {
    let count = if q.filter == RecordFilter::default() {
        None
    } else if let Some(sql) = status_count(scope, &q.filter) {
        Some(sql)
    } else {
        let mut sql = Sql::default();
        let cond = condition(d, &mut sql, scope, &q.filter)?;
        sql.text = format!("SELECT COUNT(*) FROM records WHERE {}", cond.join(" AND "));
        Some(sql)
    };
    let mut sql = Sql::default();
    let mut cond = condition(d, &mut sql, scope, &q.filter)?;
    let skip = match q.after {
        None => sql.param(Bind::Int(q.page.offset().max(0))),
        Some(after) => {
            let descending = by_id(&q.sort)
                .ok_or_else(|| StoreError::Conflict("a record cursor (after) needs the default sort, by id".into()))?;
            let op = if descending { "<" } else { ">" };
            cond.push(format!("id {op} {}", sql.param(Bind::Int(after.0))));
            sql.param(Bind::Int(0))
        }
    };
    let order = order(d, &mut sql, &q.sort)?;
    let limit = sql.param(Bind::Int(q.page.limit()));
    sql.text = format!(
        "SELECT {} FROM records WHERE {} ORDER BY {order} LIMIT {limit} OFFSET {skip}",
        columns(d),
        cond.join(" AND ")
    );
    Ok((sql, count))
}

/// Refuses a body that holds the NUL character in a key or a string: PostgreSQL's JSONB cannot
/// store it, so neither backend accepts it.
pub(crate) fn storable(body: &Map<String, Value>) -> Result<()> {
    fn nul(v: &Value) -> bool {
        match v {
            Value::String(s) => s.contains('\0'),
            Value::Array(items) => items.iter().any(nul),
            Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || nul(v)),
            _ => false,
        }
    }
    if body.iter().any(|(k, v)| k.contains('\0') || nul(v)) {
        return Err(StoreError::Conflict(
            "a record cannot hold the NUL character (\\u0000)".into(),
        ));
    }
    Ok(())
}

/// A record as its events show it: the body with the server fields over it.
pub(crate) fn record_json(r: &Record) -> Value {
    let mut out = r.body.clone();
    for (k, v) in [
        ("id", Value::from(r.id.0)),
        ("number", r.number.into()),
        ("origin_id", r.origin_id.clone().into()),
        ("created_at", r.created_at.into()),
        ("updated_at", r.updated_at.into()),
        ("deleted_at", r.deleted_at.into()),
        ("created_by", r.created_by.map(|u| u.0).into()),
    ] {
        out.insert(k.to_string(), v);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use trestle_domain::page::PageRequest;
    use trestle_domain::record::{FieldFilter, TimeRange};
    use trestle_domain::{CompanyId, ProjectId, RecordId};

    fn scope(project: Option<i64>) -> RecordScope {
        RecordScope {
            company: CompanyId(1),
            project: project.map(ProjectId),
            resource: "rfis".into(),
            parent: "".into(),
        }
    }

    fn query(filter: RecordFilter, sort: Vec<Sort>, after: Option<i64>) -> RecordQuery {
        RecordQuery {
            filter,
            sort,
            page: PageRequest::new(3, 10),
            after: after.map(RecordId),
        }
    }

    #[test]
    fn a_list_filtered_on_status_alone_is_counted_from_the_status_counts() {
        let status = |values: Vec<Value>| RecordFilter {
            fields: vec![FieldFilter {
                field: "status".into(),
                any_of: values,
            }],
            ..Default::default()
        };
        for d in [&SQLITE, &POSTGRES] {
            let (_, count) = list(
                d,
                &scope(Some(2)),
                &query(status(vec![json!("open"), json!(3)]), vec![], None),
            )
            .unwrap();
            let count = count.expect("a filtered list is counted");
            assert!(count.text.contains("FROM record_status_counts"), "{}", count.text);
            assert!(!count.text.contains("FROM records"), "{}", count.text);
            assert_eq!(count.binds[4..], [Bind::Text("open".into()), Bind::Text("3".into())]);
        }
        // Anything more, or a null value, or another field: counted over the rows.
        let mut more = status(vec![json!("open")]);
        more.search = Some("x".into());
        let other = RecordFilter {
            fields: vec![FieldFilter {
                field: "priority".into(),
                any_of: vec![json!("high")],
            }],
            ..Default::default()
        };
        for f in [more, status(vec![Value::Null]), other] {
            let (_, count) = list(&SQLITE, &scope(Some(2)), &query(f.clone(), vec![], None)).unwrap();
            assert!(count.unwrap().text.starts_with("SELECT COUNT(*) FROM records"), "{f:?}");
        }
    }

    #[test]
    fn the_default_list_is_keyed_on_the_scope_and_counted_by_the_counter() {
        let (page, count) = list(&SQLITE, &scope(Some(2)), &query(RecordFilter::default(), vec![], None)).unwrap();
        assert!(count.is_none(), "the default filter's total comes from record_counters");
        assert!(
            page.text
                .contains("company_id = $1 AND project_id = $2 AND resource = $3 AND parent = $4"),
            "{}",
            page.text
        );
        assert!(
            page.text.contains("ORDER BY id ASC LIMIT $6 OFFSET $5"),
            "{}",
            page.text
        );
        assert_eq!(page.binds[4], Bind::Int(20));
        let (page, _) = list(&SQLITE, &scope(None), &query(RecordFilter::default(), vec![], Some(7))).unwrap();
        assert!(page.text.contains("project_id IS NULL"), "{}", page.text);
        assert!(
            page.text.contains("id > $4"),
            "a cursor replaces the offset: {}",
            page.text
        );
    }

    #[test]
    fn user_input_is_bound_never_written_into_the_sql() {
        let evil = "x'); DROP TABLE records; --";
        let filter = RecordFilter {
            fields: vec![FieldFilter {
                field: "status".into(),
                any_of: vec![json!(evil), json!(3), json!(null)],
            }],
            search: Some(evil.into()),
            created: Some(TimeRange { from: 1, to: 2 }),
            ..Default::default()
        };
        for d in [&SQLITE, &POSTGRES] {
            let (page, count) = list(d, &scope(Some(2)), &query(filter.clone(), vec![], None)).unwrap();
            for sql in [&page, count.as_ref().unwrap()] {
                assert!(!sql.text.contains("DROP"), "{}", sql.text);
                assert!(sql.binds.contains(&Bind::Text(evil.into())));
                assert!(sql.binds.contains(&Bind::Text("3".into())));
            }
        }
        let bad = RecordFilter {
            fields: vec![FieldFilter {
                field: "a'b".into(),
                any_of: vec![json!(1)],
            }],
            ..Default::default()
        };
        assert!(matches!(
            list(&POSTGRES, &scope(None), &query(bad, vec![], None)),
            Err(StoreError::Conflict(_))
        ));
        let bad_sort = vec![Sort {
            key: SortKey::Field("x y".into()),
            descending: false,
        }];
        assert!(list(&SQLITE, &scope(None), &query(RecordFilter::default(), bad_sort, None)).is_err());
    }

    #[test]
    fn a_cursor_needs_the_id_sort() {
        let by = |key, descending| vec![Sort { key, descending }];
        let (page, _) = list(
            &SQLITE,
            &scope(None),
            &query(RecordFilter::default(), by(SortKey::Id, true), Some(9)),
        )
        .unwrap();
        assert!(
            page.text.contains("id < $4") && page.text.contains("ORDER BY id DESC"),
            "{}",
            page.text
        );
        assert!(matches!(
            list(
                &SQLITE,
                &scope(None),
                &query(RecordFilter::default(), by(SortKey::CreatedAt, false), Some(9))
            ),
            Err(StoreError::Conflict(_))
        ));
        let (page, _) = list(
            &SQLITE,
            &scope(None),
            &query(RecordFilter::default(), by(SortKey::UpdatedAt, true), None),
        )
        .unwrap();
        assert!(page.text.contains("ORDER BY updated_at DESC, id DESC"), "{}", page.text);
    }

    #[test]
    fn bodies_with_nul_characters_are_refused() {
        assert!(storable(&json!({"a": "x", "b": [{"c": "y"}]}).as_object().unwrap().clone()).is_ok());
        for bad in [
            json!({"a": "x\u{0}"}),
            json!({"a": [{"b\u{0}": 1}]}),
            json!({"\u{0}": 1}),
        ] {
            assert!(
                matches!(storable(bad.as_object().unwrap()), Err(StoreError::Conflict(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn search_patterns_escape_wildcards() {
        assert_eq!(contains("50%_A\\"), "%50\\%\\_a\\\\%");
    }
}
