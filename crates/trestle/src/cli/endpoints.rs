//! `trestle endpoints`: an app's lifecycle webhook endpoints, their deliveries and redelivery
//! (also of a hook's delivery, for the operator).

use super::args::Conn;
use super::output;
use anyhow::Result;
use clap::Subcommand;
use trestle_api::endpoints::EndpointIn;

#[derive(Subcommand)]
pub enum EndpointsCmd {
    /// The app's endpoints (never their signing secrets).
    List {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
    },
    /// Add an endpoint; its signing secret is printed once.
    Create {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// Where lifecycle events are POSTed (http or https; `--url` is the server's).
        #[arg(long)]
        destination: String,
        /// What the endpoint is for (shown in lists).
        #[arg(long)]
        description: Option<String>,
    },
    /// Change an endpoint's URL, description or active flag.
    Update {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// Endpoint id (as `endpoints list` prints it).
        #[arg(long)]
        endpoint: i64,
        /// A new destination URL.
        #[arg(long)]
        destination: Option<String>,
        /// An empty description clears it.
        #[arg(long)]
        description: Option<String>,
        /// `true` or `false` (paused: nothing is queued for it).
        #[arg(long)]
        active: Option<bool>,
    },
    /// Delete an endpoint with its deliveries.
    Delete {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// Endpoint id (as `endpoints list` prints it).
        #[arg(long)]
        endpoint: i64,
    },
    /// A new signing secret (printed once); the old one stops signing at once.
    Rotate {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// Endpoint id (as `endpoints list` prints it).
        #[arg(long)]
        endpoint: i64,
    },
    /// An endpoint's deliveries, newest first.
    Deliveries {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long)]
        app: i64,
        /// Endpoint id (as `endpoints list` prints it).
        #[arg(long)]
        endpoint: i64,
        /// queued, successful, failing or discarded.
        #[arg(long)]
        status: Option<String>,
    },
    /// Queue a delivery again (the same body and delivery id). With --hook-delivery, the
    /// operator redelivers a webhook hook's delivery instead.
    Redeliver {
        #[command(flatten)]
        conn: Conn,
        /// App id (a number, as `apps list` prints it; `app_id` in demo.json).
        #[arg(long, required_unless_present = "hook_delivery")]
        app: Option<i64>,
        /// Endpoint id (as `endpoints list` prints it).
        #[arg(long, required_unless_present = "hook_delivery")]
        endpoint: Option<i64>,
        /// The endpoint delivery's id (as `endpoints deliveries` prints it).
        #[arg(long, required_unless_present = "hook_delivery")]
        delivery: Option<i64>,
        /// Operator: a hook delivery's id (its `Trestle-Delivery-Id`).
        #[arg(long, conflicts_with_all = ["app", "endpoint", "delivery"])]
        hook_delivery: Option<i64>,
    },
}

pub async fn run(cmd: EndpointsCmd) -> Result<()> {
    use EndpointsCmd as E;
    match cmd {
        E::List { conn, app } => output::json(&conn.client().list_endpoints(app).await?),
        E::Create {
            conn,
            app,
            destination,
            description,
        } => {
            let body = EndpointIn {
                url: Some(destination),
                description,
                active: None,
            };
            output::json(&conn.client().create_endpoint(app, &body).await?)
        }
        E::Update {
            conn,
            app,
            endpoint,
            destination,
            description,
            active,
        } => {
            let body = EndpointIn {
                url: destination,
                description,
                active,
            };
            output::json(&conn.client().update_endpoint(app, endpoint, &body).await?)
        }
        E::Delete { conn, app, endpoint } => {
            output::done(&conn.client().delete_endpoint(app, endpoint).await?);
            Ok(())
        }
        E::Rotate { conn, app, endpoint } => output::json(&conn.client().rotate_endpoint_secret(app, endpoint).await?),
        E::Deliveries {
            conn,
            app,
            endpoint,
            status,
        } => output::json(
            &conn
                .client()
                .endpoint_deliveries(app, endpoint, status.as_deref())
                .await?,
        ),
        E::Redeliver {
            conn,
            app,
            endpoint,
            delivery,
            hook_delivery,
        } => match (hook_delivery, app, endpoint, delivery) {
            (Some(id), ..) => output::json(&conn.client().redeliver_hook_delivery(id).await?),
            (None, Some(app), Some(endpoint), Some(delivery)) => output::json(
                &conn
                    .client()
                    .redeliver_endpoint_delivery(app, endpoint, delivery)
                    .await?,
            ),
            _ => anyhow::bail!("pass --app, --endpoint and --delivery, or --hook-delivery"),
        },
    }
}
