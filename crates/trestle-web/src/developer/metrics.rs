//! An app's metrics: active installs per day as a chart and a table.

use super::shared::*;
use crate::error::WebError;
use crate::forms::{WebPath as Path, WebQuery as Query};
use crate::layout::{page, when, Section};
use crate::session::WebSession;
use crate::state::WebState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use trestle_core::AppMetrics;
use trestle_domain::*;

pub(super) fn routes() -> Router<WebState> {
    Router::new().route("/ui/apps/{app}/metrics", get(metrics))
}

#[derive(serde::Deserialize)]
struct Range {
    from: Option<String>,
    to: Option<String>,
}

/// Active installs per day as an SVG line chart (no script, readable by screen readers through
/// its title and the table beside it).
fn chart(m: &AppMetrics) -> Markup {
    let (w, h, left, bottom, top) = (720.0_f64, 220.0_f64, 40.0_f64, 28.0_f64, 12.0_f64);
    let n = m.daily.len().max(1);
    let max = m.daily.iter().map(|d| d.active).max().unwrap_or(0).max(1) as f64;
    let x = |i: usize| left + (w - left - 8.0) * if n == 1 { 0.5 } else { i as f64 / (n - 1) as f64 };
    let y = |v: u32| top + (h - top - bottom) * (1.0 - v as f64 / max);
    let points: Vec<String> = m
        .daily
        .iter()
        .enumerate()
        .map(|(i, d)| format!("{:.1},{:.1}", x(i), y(d.active)))
        .collect();
    let area = if points.is_empty() {
        String::new()
    } else {
        format!(
            "{:.1},{:.1} {} {:.1},{:.1}",
            x(0),
            y(0),
            points.join(" "),
            x(n - 1),
            y(0)
        )
    };
    let ticks = [0.0, 0.5, 1.0].map(|f| (f * max).round() as u32);
    let label_every = n.div_ceil(6).max(1);
    html! {
        svg.chart viewBox={ "0 0 " (w) " " (h) } role="img" aria-labelledby="chart-title" {
            title #chart-title { "Active installs per day from " (m.from) " to " (m.to) }
            @for t in ticks {
                line.grid x1=(left) x2=(w - 8.0) y1=(y(t)) y2=(y(t)) {}
                text x=(left - 6.0) y=(y(t) + 4.0) text-anchor="end" { (t) }
            }
            line.axis x1=(left) x2=(w - 8.0) y1=(y(0)) y2=(y(0)) {}
            @if !area.is_empty() {
                polygon.area points=(area) {}
                polyline.line points=(points.join(" ")) {}
            }
            @if n <= 62 {
                @for (i, d) in m.daily.iter().enumerate() {
                    circle.dot cx=(x(i)) cy=(y(d.active)) r="3.5" {
                        title { (d.date) ": " (d.active) " active, " (d.installs) " installed, " (d.uninstalls) " uninstalled" }
                    }
                }
            }
            @for (i, d) in m.daily.iter().enumerate() {
                @if i % label_every == 0 || i + 1 == n {
                    text x=(x(i)) y=(h - 8.0) text-anchor="middle" { (d.date.get(5..).unwrap_or(&d.date)) }
                }
            }
        }
    }
}

async fn metrics(
    State(s): State<WebState>,
    session: WebSession,
    Path(app): Path<AppId>,
    Query(r): Query<Range>,
) -> Page {
    let actor = session.actor();
    let back = app_path(app);
    let found = s
        .core
        .get_app(actor, app)
        .await
        .map_err(|e| WebError::new(e, "/ui/apps"))?;
    let m = s
        .core
        .app_metrics(actor, app, r.from.as_deref(), r.to.as_deref())
        .await
        .map_err(|e| WebError::new(e, format!("{back}/metrics")))?;
    let body = html! {
        p.crumbs { a href="/ui/apps" { "My apps" } " / " a href=(back) { (found.name) } }
        h1 { "Metrics" }
        section.card {
            form.row method="get" {
                div { label for="from" { "From" } input #from type="date" name="from" value=(m.from); }
                div { label for="to" { "To" } input #to type="date" name="to" value=(m.to); }
                button.secondary type="submit" { "Show" }
            }
        }
        section.card {
            div.stats {
                div.stat { b { (m.active_installs) } "active installs" }
                div.stat { b { (m.installs) } "installs in range" }
                div.stat { b { (m.uninstalls) } "uninstalls in range" }
            }
            h2 { "Active installs over time" }
            (chart(&m))
        }
        section.card {
            h2 { "Companies" }
            @if m.companies.is_empty() {
                p.empty { "No company has installed this app yet." }
            } @else {
                div.table-wrap { table {
                    thead { tr { th { "Company" } th.num { "Installs" } th.num { "Uninstalls" } th { "State" } th { "First installed" } } }
                    tbody {
                        @for c in &m.companies {
                            tr {
                                td { (c.company_name) }
                                td.num { (c.installs) } td.num { (c.uninstalls) }
                                td { @if c.active { span.badge.ok { "Installed" } } @else { span.badge { "Uninstalled" } } }
                                td { (when(c.first_installed_at)) }
                            }
                        }
                    }
                } }
            }
        }
    };
    Ok(page(&session.chrome(Section::Apps), StatusCode::OK, "Metrics", body))
}
