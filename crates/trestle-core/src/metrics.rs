//! App metrics for developers: installs, uninstalls and active installs per day and per
//! company, computed from the install history. Development sandboxes are not counted.

use crate::{CoreError, Result, Trestle};
use trestle_domain::entities::InstallStatus;
use trestle_domain::policy::Actor;
use trestle_domain::{AppId, CompanyId};

const DAY: i64 = 86_400;
/// Longest range one request may cover.
pub const MAX_DAYS: i64 = 5 * 366;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayMetrics {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    pub installs: u32,
    pub uninstalls: u32,
    /// Installs active at the end of the day.
    pub active: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompanyMetrics {
    pub company_id: CompanyId,
    pub company_name: String,
    pub installs: u32,
    pub uninstalls: u32,
    pub active: bool,
    pub first_installed_at: i64,
    pub last_uninstalled_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppMetrics {
    pub installs: u32,
    pub uninstalls: u32,
    pub active_installs: u32,
    pub from: String,
    pub to: String,
    pub daily: Vec<DayMetrics>,
    pub companies: Vec<CompanyMetrics>,
}

/// Days since 1970-01-01 → `YYYY-MM-DD` (proleptic Gregorian, UTC).
pub fn format_day(days: i64) -> String {
    let (y, m, d) = civil(days);
    if !(0..=9999).contains(&y) {
        return format!("{y:04}-{m:02}-{d:02}");
    }
    let mut out = [0u8; 10];
    put_day(&mut out, y, m, d);
    String::from_utf8_lossy(&out).into_owned()
}

/// Days since 1970-01-01 → (year, month, day) of the proleptic Gregorian calendar.
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

/// `n` (0..10^width) as `width` ASCII digits into `out`.
fn put_digits(out: &mut [u8], mut n: i64) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// `YYYY-MM-DD` into the first 10 bytes of `out` (a year of 0..=9999).
fn put_day(out: &mut [u8], y: i64, m: i64, d: i64) {
    put_digits(&mut out[0..4], y);
    out[4] = b'-';
    put_digits(&mut out[5..7], m);
    out[7] = b'-';
    put_digits(&mut out[8..10], d);
}

/// Unix seconds → `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, UTC).
pub fn format_timestamp(t: i64) -> String {
    let (day, secs) = (t.div_euclid(DAY), t.rem_euclid(DAY));
    let (y, m, d) = civil(day);
    if !(0..=9999).contains(&y) {
        return format!(
            "{}T{:02}:{:02}:{:02}Z",
            format_day(day),
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
    }
    let mut out = *b"0000-00-00T00:00:00Z";
    put_day(&mut out, y, m, d);
    put_digits(&mut out[11..13], secs / 3600);
    put_digits(&mut out[14..16], secs / 60 % 60);
    put_digits(&mut out[17..19], secs % 60);
    String::from_utf8_lossy(&out).into_owned()
}

/// `YYYY-MM-DD` → days since 1970-01-01; `None` when not a real date.
pub fn parse_day(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i64 = s[0..4].parse().ok()?;
    let m: i64 = s[5..7].parse().ok()?;
    let d: i64 = s[8..10].parse().ok()?;
    if !(1..=12).contains(&m) || d < 1 {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let dim = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(m - 1) as usize];
    if d > dim {
        return None;
    }
    let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

impl Trestle {
    /// Metrics of one app over `[from, to]` (UTC days; default: from the first install to today).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app, from = ?from, to = ?to))]
    pub async fn app_metrics(
        &self,
        actor: Actor,
        app: AppId,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<AppMetrics> {
        self.owned_app(actor, app).await?;
        let mut installs = Vec::new();
        let mut names = std::collections::HashMap::new();
        for i in self.store.list_app_installs(app).await? {
            let Some(company) = self.store.find_company(i.company_id).await? else {
                continue;
            };
            if company.sandbox_of_app.is_some() {
                continue;
            }
            names.insert(company.id, company.name);
            installs.push(i);
        }
        let today = self.now().div_euclid(DAY);
        let first = installs
            .iter()
            .map(|i| i.installed_at.div_euclid(DAY))
            .min()
            .unwrap_or(today);
        let day_of = |what: &str, v: Option<&str>, default: i64| -> Result<i64> {
            match v {
                None | Some("") => Ok(default),
                Some(s) => parse_day(s).ok_or_else(|| {
                    CoreError::invalid_field(&format!("$.{what}"), format!("{s:?} is not a date (YYYY-MM-DD)"))
                }),
            }
        };
        let from_day = day_of("from", from, first.min(today))?;
        let to_day = day_of("to", to, today)?;
        if to_day < from_day {
            return Err(CoreError::invalid_field("$.to", "must not be before from"));
        }
        if to_day - from_day >= MAX_DAYS {
            return Err(CoreError::invalid_field(
                "$.to",
                format!("a range covers at most {MAX_DAYS} days"),
            ));
        }
        let mut daily = Vec::new();
        for day in from_day..=to_day {
            let (start, end) = (day * DAY, (day + 1) * DAY);
            let count = |f: &dyn Fn(&trestle_domain::entities::Install) -> bool| {
                installs.iter().filter(|i| f(i)).count() as u32
            };
            daily.push(DayMetrics {
                date: format_day(day),
                installs: count(&|i| i.installed_at >= start && i.installed_at < end),
                uninstalls: count(&|i| i.uninstalled_at.is_some_and(|u| u >= start && u < end)),
                active: count(&|i| i.installed_at < end && i.uninstalled_at.is_none_or(|u| u >= end)),
            });
        }
        let mut companies: Vec<CompanyMetrics> = Vec::new();
        for i in &installs {
            let entry = match companies.iter_mut().find(|c| c.company_id == i.company_id) {
                Some(e) => e,
                None => {
                    companies.push(CompanyMetrics {
                        company_id: i.company_id,
                        company_name: names.get(&i.company_id).cloned().unwrap_or_default(),
                        installs: 0,
                        uninstalls: 0,
                        active: false,
                        first_installed_at: i.installed_at,
                        last_uninstalled_at: None,
                    });
                    companies.last_mut().expect("just pushed")
                }
            };
            entry.installs += 1;
            entry.first_installed_at = entry.first_installed_at.min(i.installed_at);
            if let Some(u) = i.uninstalled_at {
                entry.uninstalls += 1;
                entry.last_uninstalled_at = Some(entry.last_uninstalled_at.map_or(u, |l| l.max(u)));
            }
            if i.status == InstallStatus::Installed {
                entry.active = true;
            }
        }
        companies.sort_by_key(|c| c.company_id);
        Ok(AppMetrics {
            installs: installs.len() as u32,
            uninstalls: installs.iter().filter(|i| i.uninstalled_at.is_some()).count() as u32,
            active_installs: installs.iter().filter(|i| i.status == InstallStatus::Installed).count() as u32,
            from: format_day(from_day),
            to: format_day(to_day),
            daily,
            companies,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digit-writing forms write what `format!` writes, on both sides of the epoch and
    /// at the ends of the four-digit years.
    #[test]
    fn timestamps_are_written_as_format_writes_them() {
        let slow = |t: i64| {
            let (day, secs) = (t.div_euclid(DAY), t.rem_euclid(DAY));
            let (y, m, d) = civil(day);
            format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
                secs / 3600,
                secs / 60 % 60,
                secs % 60
            )
        };
        let mut t = -62_167_219_200 - 3 * DAY; // a few days before 0000-01-01
        while t < 253_402_300_800 + 3 * DAY {
            // past 9999-12-31
            assert_eq!(format_timestamp(t), slow(t), "{t}");
            assert_eq!(format_day(t.div_euclid(DAY)), slow(t)[..slow(t).len() - 10], "{t}");
            t += 86_399 * 7 + 3_607;
        }
        for t in [0, 1, 59, 60, 3_599, 3_600, 86_399, 86_400, -1, 1_700_000_000] {
            assert_eq!(format_timestamp(t), slow(t), "{t}");
        }
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn days_round_trip_through_the_calendar() {
        assert_eq!(format_day(0), "1970-01-01");
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(format_day(20_776), "2026-11-19");
        for d in [-1000, 0, 59, 60, 365, 11_016, 20_000, 30_000] {
            assert_eq!(parse_day(&format_day(d)), Some(d), "{d}");
        }
        assert_eq!(parse_day("2024-02-29").map(format_day).as_deref(), Some("2024-02-29"));
        assert_eq!(parse_day("2023-02-29"), None);
        assert_eq!(parse_day("2023-13-01"), None);
        assert_eq!(parse_day("2023-1-01"), None);
        assert_eq!(parse_day("yesterday"), None);
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_timestamp(1_795_431_515), "2026-11-23T10:58:35Z");
    }
}
