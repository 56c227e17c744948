//! A list request's query as a [`RecordQuery`]: Procore's paging (`page`/`per_page`; v2
//! defaults to 10 a page and at most 100), `filters[id]` (one, several comma-separated, `[…]`,
//! or repeated `filters[id][]`), `filters[created_at]`/`filters[updated_at]` ranges (`a...b`,
//! dates or RFC 3339 datetimes, quoted or not), `filters[include_deleted]` (`only`, `with`,
//! `true`), equality and array filters on the fields the operation declares as `filters[x]`
//! (typed as declared; undeclared keys are ignored), `search`/`filters[search]`/
//! `filters[query]`, and `sort=a,-b` or `sort[attribute]`+`sort[direction]`. [`CURSOR_PARAM`]
//! is the keyset cursor the engine writes into `Link` next URLs.

use crate::CoreError;
use serde_json::Value;
use trestle_domain::catalog::{CatalogOp, ParamIn, ParamType};
use trestle_domain::page::PageRequest;
use trestle_domain::record::*;
use trestle_domain::RecordId;

/// The keyset cursor of next-page links: the id of the previous page's last record.
pub const CURSOR_PARAM: &str = "after_id";

type Result<T> = std::result::Result<T, CoreError>;

fn bad(m: String) -> CoreError {
    CoreError::BadRequest(m)
}

fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// The paging of a list: v1 as the rest of the REST API, v2 by Procore's v2 rules.
pub(crate) fn page_of(pairs: &[(String, String)], v2: bool) -> Result<PageRequest> {
    let per_page = first(pairs, "per_page");
    let mut req = PageRequest::parse(first(pairs, "page"), per_page).map_err(bad)?;
    if v2 {
        if per_page.is_none_or(|p| p.trim().is_empty()) {
            req = req.with_per_page(10);
        }
        req = req.with_per_page(req.per_page().min(100));
    }
    Ok(req)
}

/// `filters[name]…` → (`name`, the rest of the key: `""`, `"[]"`, `"[x]"`).
fn filter_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix("filters[")?;
    let (name, after) = rest.split_once(']')?;
    Some((name, after))
}

/// The values of one filter: every pair for it, each split at commas, brackets and quotes off.
fn values<'a>(pairs: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    pairs
        .iter()
        .filter(move |(k, _)| filter_key(k).is_some_and(|(n, _)| n == name))
        .flat_map(|(_, v)| v.trim().trim_start_matches('[').trim_end_matches(']').split(','))
        .map(|v| v.trim().trim_matches(|c| c == '"' || c == '\''))
        .filter(|v| !v.is_empty())
}

/// Whether the list includes deleted records.
pub(crate) fn deleted_of(pairs: &[(String, String)]) -> Result<Deleted> {
    match pairs
        .iter()
        .find(|(k, _)| filter_key(k).is_some_and(|(n, _)| n == "include_deleted"))
        .map(|(_, v)| v.trim())
    {
        None | Some("" | "false") => Ok(Deleted::Exclude),
        Some("only") => Ok(Deleted::Only),
        Some("with" | "true") => Ok(Deleted::With),
        Some(other) => Err(bad(format!(
            "filters[include_deleted] must be only, with, true or false, got {:?}",
            crate::answer::shorten(other, 40)
        ))),
    }
}

/// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` → Unix seconds; a date is its first
/// second, or with `end` its last.
pub(crate) fn parse_time(s: &str, end: bool) -> Option<i64> {
    let s = s.trim().trim_matches(|c| c == '"' || c == '\'');
    let day = crate::parse_day(s.get(..10)?)?;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(day * 86_400 + if end { 86_399 } else { 0 });
    }
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let b = rest.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| rest.get(r)?.parse::<i64>().ok();
    let (h, m, sec) = (num(0..2)?, num(3..5)?, num(6..8)?);
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let mut zone = &rest[8..];
    if let Some(frac) = zone.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        zone = &frac[digits..];
    }
    let offset = match zone {
        "" | "Z" | "z" => 0,
        z if z.len() == 6 && (z.starts_with('+') || z.starts_with('-')) && &z[3..4] == ":" => {
            let oh: i64 = z[1..3].parse().ok()?;
            let om: i64 = z[4..6].parse().ok()?;
            let o = oh * 3600 + om * 60;
            if z.starts_with('-') {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    Some(day * 86_400 + h * 3600 + m * 60 + sec - offset)
}

fn range_of(name: &str, v: &str) -> Result<TimeRange> {
    let refuse = || {
        bad(format!(
            "filters[{name}] must be a range start...end of dates (YYYY-MM-DD) or datetimes (ISO 8601), got {:?}",
            crate::answer::shorten(v, 60)
        ))
    };
    let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
    let (a, b) = v.split_once("...").unwrap_or((v, v));
    let from = parse_time(a, false).ok_or_else(refuse)?;
    let to = parse_time(b, true).ok_or_else(refuse)?;
    Ok(TimeRange { from, to })
}

fn typed(name: &str, ty: &ParamType, v: &str) -> Result<Value> {
    let refuse = |what: &str| {
        bad(format!(
            "filters[{name}] must be {what}, got {:?}",
            crate::answer::shorten(v, 40)
        ))
    };
    Ok(match ty {
        ParamType::Array(inner) => return typed(name, inner, v),
        ParamType::Integer => Value::from(v.parse::<i64>().map_err(|_| refuse("an integer"))?),
        ParamType::Number => v
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| refuse("a number"))?,
        // Any case: Python clients (ProPyCore) send `str(False)`, i.e. `False`.
        ParamType::Boolean if v.eq_ignore_ascii_case("true") => Value::Bool(true),
        ParamType::Boolean if v.eq_ignore_ascii_case("false") => Value::Bool(false),
        ParamType::Boolean => return Err(refuse("true or false")),
        ParamType::String | ParamType::Object => Value::String(v.to_string()),
    })
}

fn sort_key(name: &str) -> Result<SortKey> {
    Ok(match name {
        "id" => SortKey::Id,
        "created_at" => SortKey::CreatedAt,
        "updated_at" => SortKey::UpdatedAt,
        f if !f.is_empty() && f.len() <= 64 && f.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
            SortKey::Field(f.to_string())
        }
        other => {
            return Err(bad(format!(
                "sort takes field names (letters, digits, _), got {:?}",
                crate::answer::shorten(other, 40)
            )))
        }
    })
}

fn sorts(pairs: &[(String, String)]) -> Result<Vec<Sort>> {
    let mut out = Vec::new();
    if let Some(attr) = first(pairs, "sort[attribute]") {
        let descending = match first(pairs, "sort[direction]").map(str::trim) {
            None | Some("" | "asc" | "ASC") => false,
            Some("desc" | "DESC") => true,
            Some(other) => {
                return Err(bad(format!(
                    "sort[direction] must be asc or desc, got {:?}",
                    crate::answer::shorten(other, 20)
                )))
            }
        };
        out.push(Sort {
            key: sort_key(attr.trim())?,
            descending,
        });
    }
    if let Some(s) = first(pairs, "sort") {
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (descending, name) = match part.strip_prefix('-') {
                Some(n) => (true, n),
                None => (false, part),
            };
            out.push(Sort {
                key: sort_key(name)?,
                descending,
            });
        }
    }
    Ok(out)
}

/// The whole list query of `op` from the request's query pairs.
pub(crate) fn list_query(op: &CatalogOp, pairs: &[(String, String)], v2: bool) -> Result<RecordQuery> {
    if pairs.iter().any(|(k, v)| k.contains('\0') || v.contains('\0')) {
        return Err(bad("query parameters must not contain the NUL character".into()));
    }
    let page = page_of(pairs, v2)?;
    let mut filter = RecordFilter {
        deleted: deleted_of(pairs)?,
        ..Default::default()
    };
    let mut seen: Vec<&str> = Vec::new();
    for (key, _) in pairs {
        let Some((name, _)) = filter_key(key) else { continue };
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        match name {
            "id" => {
                let ids = values(pairs, "id")
                    .map(|v| {
                        v.parse::<i64>().map(RecordId).map_err(|_| {
                            bad(format!(
                                "filters[id] takes ids, got {:?}",
                                crate::answer::shorten(v, 40)
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                if !ids.is_empty() {
                    filter.ids = Some(ids);
                }
            }
            "created_at" | "updated_at" => {
                let v = pairs.iter().find(|(k, _)| k == key).map_or("", |(_, v)| v.as_str());
                if v.trim().is_empty() {
                    continue;
                }
                let r = range_of(name, v)?;
                if name == "created_at" {
                    filter.created = Some(r);
                } else {
                    filter.updated = Some(r);
                }
            }
            "include_deleted" => {}
            "search" | "query" => {
                filter.search = values(pairs, name).next().map(str::to_string).or(filter.search);
            }
            field => {
                let declared = op
                    .param(ParamIn::Query, &format!("filters[{field}]"))
                    .or_else(|| op.param(ParamIn::Query, &format!("filters[{field}][]")));
                let Some(param) = declared else { continue };
                if !field.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    continue;
                }
                let any_of = values(pairs, field)
                    .map(|v| typed(field, &param.ty, v))
                    .collect::<Result<Vec<_>>>()?;
                if !any_of.is_empty() {
                    filter.fields.push(FieldFilter {
                        field: field.to_string(),
                        any_of,
                    });
                }
            }
        }
    }
    if let Some(s) = first(pairs, "search").filter(|s| !s.trim().is_empty()) {
        filter.search = Some(s.trim().to_string());
    }
    let sort = sorts(pairs)?;
    let after = match first(pairs, CURSOR_PARAM) {
        None => None,
        Some(_) if !sort.is_empty() => {
            return Err(bad(format!("{CURSOR_PARAM} pages only the default order; drop sort")))
        }
        Some(v) => Some(RecordId(v.trim().parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(
            || {
                bad(format!(
                    "{CURSOR_PARAM} must be a record id, got {:?}",
                    crate::answer::shorten(v, 40)
                ))
            },
        )?)),
    };
    Ok(RecordQuery {
        filter,
        sort,
        page,
        after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &str) -> Vec<(String, String)> {
        q.split('&')
            .filter(|s| !s.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    #[test]
    fn times_parse_as_dates_and_datetimes() {
        assert_eq!(parse_time("1970-01-02", false), Some(86_400));
        assert_eq!(parse_time("1970-01-02", true), Some(2 * 86_400 - 1));
        assert_eq!(parse_time("1970-01-01T01:00:00Z", false), Some(3600));
        assert_eq!(parse_time("\"1970-01-01T01:00:00.123+01:00\"", false), Some(0));
        assert_eq!(parse_time("1970-01-01T00:00:00-00:30", false), Some(1800));
        for bad in ["", "1970-13-01", "1970-01-01T25:00:00Z", "yesterday", "1970-01-01Tx"] {
            assert_eq!(parse_time(bad, false), None, "{bad}");
        }
    }

    #[test]
    fn ranges_ids_deleted_search_and_sort() {
        let op = empty_op();
        let q = list_query(
            &op,
            &pairs("filters[id]=1,2&filters[id][]=3&filters[created_at]=1970-01-01...1970-01-02&filters[include_deleted]=only&search=pump&sort=-created_at,subject"),
            false,
        )
        .unwrap();
        assert_eq!(q.filter.ids, Some(vec![RecordId(1), RecordId(2), RecordId(3)]));
        assert_eq!(
            q.filter.created,
            Some(TimeRange {
                from: 0,
                to: 2 * 86_400 - 1
            })
        );
        assert_eq!(q.filter.deleted, Deleted::Only);
        assert_eq!(q.filter.search.as_deref(), Some("pump"));
        assert_eq!(
            q.sort,
            [
                Sort {
                    key: SortKey::CreatedAt,
                    descending: true
                },
                Sort {
                    key: SortKey::Field("subject".into()),
                    descending: false
                }
            ]
        );
        let q = list_query(&op, &pairs("sort[attribute]=updated_at&sort[direction]=desc"), true).unwrap();
        assert_eq!(
            q.sort,
            [Sort {
                key: SortKey::UpdatedAt,
                descending: true
            }]
        );
        assert_eq!(q.page.per_page(), 10);
        assert_eq!(
            list_query(&op, &pairs("per_page=500"), true).unwrap().page.per_page(),
            100
        );
        assert_eq!(
            list_query(&op, &pairs("filters[id]=[]"), false).unwrap().filter.ids,
            None
        );
        assert_eq!(
            list_query(&op, &pairs("after_id=5"), false).unwrap().after,
            Some(RecordId(5))
        );
    }

    #[test]
    fn bad_values_are_400s_and_unknown_filters_are_ignored() {
        let op = empty_op();
        for q in [
            "filters[id]=x",
            "filters[created_at]=soon",
            "filters[include_deleted]=maybe",
            "sort=a;drop",
            "sort[attribute]=id&sort[direction]=up",
            "after_id=-1",
            "after_id=3&sort=id",
            "page=0",
        ] {
            assert!(
                matches!(list_query(&op, &pairs(q), false), Err(CoreError::BadRequest(_))),
                "{q}"
            );
        }
        assert!(list_query(&op, &pairs("filters[whatever]=1"), false)
            .unwrap()
            .filter
            .fields
            .is_empty());
    }

    #[test]
    fn declared_filters_are_typed() {
        let mut op = empty_op();
        op.params.push(trestle_domain::catalog::Param {
            name: "filters[status_id][]".into(),
            location: ParamIn::Query,
            required: false,
            ty: ParamType::Array(Box::new(ParamType::Integer)),
            allowed: vec![],
        });
        let q = list_query(&op, &pairs("filters[status_id][]=1&filters[status_id][]=2"), false).unwrap();
        assert_eq!(
            q.filter.fields,
            [FieldFilter {
                field: "status_id".into(),
                any_of: vec![Value::from(1), Value::from(2)]
            }]
        );
        assert!(list_query(&op, &pairs("filters[status_id][]=open"), false).is_err());
    }

    #[test]
    fn boolean_filters_take_any_case() {
        let mut op = empty_op();
        op.params.push(trestle_domain::catalog::Param {
            name: "filters[private]".into(),
            location: ParamIn::Query,
            required: false,
            ty: ParamType::Boolean,
            allowed: vec![],
        });
        for (text, want) in [("false", false), ("False", false), ("TRUE", true), ("true", true)] {
            let q = list_query(&op, &pairs(&format!("filters[private]={text}")), false).unwrap();
            assert_eq!(q.filter.fields[0].any_of, vec![Value::Bool(want)], "{text}");
        }
        assert!(list_query(&op, &pairs("filters[private]=no"), false).is_err());
    }

    fn empty_op() -> CatalogOp {
        use trestle_domain::catalog::*;
        CatalogOp {
            index: 0,
            id: "t".into(),
            method: Method::Get,
            path: "/rest/v1.0/projects/{project_id}/rfis".into(),
            version: Some(ApiVersion::V1_0),
            summary: String::new(),
            tag: String::new(),
            tool: None,
            scope: OpScope::Project,
            need: trestle_domain::policy::Operation::Read,
            shape: Shape::List,
            resource: "rfis".into(),
            parents: vec![],
            record_param: None,
            params: vec![],
            body: None,
            responses: vec![],
            success: 200,
        }
    }
}
