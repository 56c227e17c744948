//! `GET /metrics` in the Prometheus text format: responses by status class, token issuance,
//! cache effectiveness and the change feed. Counting is a few atomic increments per request,
//! in a layer that adds no allocation.

use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

/// Responses by status class: 1xx..5xx, and 429 on its own.
#[derive(Default)]
pub struct HttpCounters {
    by_class: [AtomicU64; 6],
}

impl HttpCounters {
    fn count(&self, status: u16) {
        let i = if status == 429 {
            5
        } else {
            (status / 100).clamp(1, 5) as usize - 1
        };
        self.by_class[i].fetch_add(1, Ordering::Relaxed);
    }
}

/// The layer that counts responses.
#[derive(Clone)]
pub struct CountLayer(pub Arc<HttpCounters>);

impl<S> tower::Layer<S> for CountLayer {
    type Service = Count<S>;
    fn layer(&self, inner: S) -> Count<S> {
        Count {
            inner,
            counters: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Count<S> {
    inner: S,
    counters: Arc<HttpCounters>,
}

impl<S, B> tower::Service<axum::http::Request<B>> for Count<S>
where
    S: tower::Service<axum::http::Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Counted<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: axum::http::Request<B>) -> Self::Future {
        Counted {
            inner: self.inner.call(req),
            counters: self.counters.clone(),
        }
    }
}

pin_project! {
    pub struct Counted<F> {
        #[pin]
        inner: F,
        counters: Arc<HttpCounters>,
    }
}

impl<F, E> Future for Counted<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let out = std::task::ready!(this.inner.poll(cx));
        if let Ok(res) = &out {
            this.counters.count(res.status().as_u16());
        }
        Poll::Ready(out)
    }
}

pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let s = state.core.stats();
    let c = &state.http_counters.by_class;
    let load = |i: usize| c[i].load(Ordering::Relaxed);
    let mut out = String::with_capacity(1024);
    out.push_str("# HELP trestle_http_responses_total HTTP responses by status class.\n");
    out.push_str("# TYPE trestle_http_responses_total counter\n");
    for (i, class) in ["1xx", "2xx", "3xx", "4xx", "5xx", "429"].iter().enumerate() {
        out.push_str(&format!(
            "trestle_http_responses_total{{class=\"{class}\"}} {}\n",
            load(i)
        ));
    }
    out.push_str(
        "# HELP trestle_tokens_issued_total Access tokens issued.\n# TYPE trestle_tokens_issued_total counter\n",
    );
    out.push_str(&format!("trestle_tokens_issued_total {}\n", s.tokens_issued));
    out.push_str(
        "# HELP trestle_token_failures_total Token requests refused.\n# TYPE trestle_token_failures_total counter\n",
    );
    out.push_str(&format!("trestle_token_failures_total {}\n", s.token_failures));
    out.push_str("# HELP trestle_cache_lookups_total Hot-path answers from memory (hit) or storage (miss).\n");
    out.push_str("# TYPE trestle_cache_lookups_total counter\n");
    out.push_str(&format!(
        "trestle_cache_lookups_total{{result=\"hit\"}} {}\n",
        s.cache_hits
    ));
    out.push_str(&format!(
        "trestle_cache_lookups_total{{result=\"miss\"}} {}\n",
        s.cache_misses
    ));
    out.push_str("# HELP trestle_change_feed_up Whether this node receives other nodes' changes (1) or bypasses its caches (0).\n");
    out.push_str("# TYPE trestle_change_feed_up gauge\n");
    out.push_str(&format!("trestle_change_feed_up {}\n", u8::from(s.change_feed_ok)));
    let mut res = out.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}
