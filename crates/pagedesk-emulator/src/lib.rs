//! An in-memory stand-in for the Graph API on loopback, for tests and the demo. It serves the
//! wire shapes of `shared/graph-api.md` and nothing Facebook would not do; the control API under
//! [`CONTROL_PREFIX`] plays the world around it (buyers, staff in Facebook, faults, the clock).
//! See `docs/emulator.md`.

mod api;
mod client;
mod control;
mod control_posts;
mod faults;
mod feed;
pub mod fields;
mod folder;
mod posts;
mod scenario;
mod webhooks;
pub mod world;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::{get, post};
use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use client::Control;
pub use faults::{Fault, FaultRule, RequestRecord};
pub use folder::Folder;
pub use scenario::{PRODUCT_PHOTOS, Scenario};
pub use world::World;

pub const CONTROL_PREFIX: &str = "/_emulator";

pub(crate) struct Shared {
    world: Mutex<World>,
    faults: Mutex<Vec<FaultRule>>,
    requests: Mutex<Vec<RequestRecord>>,
    base_url: String,
    /// Where webhooks go, once subscribed.
    webhook_url: Mutex<Option<String>>,
    /// What each webhook delivery carried and how the subscriber answered.
    webhook_deliveries: Mutex<Vec<serde_json::Value>>,
}

/// A running emulator; dropping it stops the server.
pub struct Emulator {
    pub url: String,
    shared: Arc<Shared>,
    _stop: oneshot::Sender<()>,
}

impl Emulator {
    /// Starts serving `scenario` on `listen` (port 0 picks a free one). Only loopback addresses
    /// are accepted unless `public` is set, so customer data is never served to the network by
    /// accident.
    pub async fn start(
        scenario: Scenario,
        listen: SocketAddr,
        public: bool,
    ) -> anyhow::Result<Emulator> {
        if !public && !listen.ip().is_loopback() {
            anyhow::bail!(
                "the emulator listens on loopback only; {listen} is not a loopback address (pass --public to allow it)"
            );
        }
        let world = scenario
            .into_world(Utc::now())
            .map_err(anyhow::Error::msg)?;
        let listener = TcpListener::bind(listen).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let shared = Arc::new(Shared {
            world: Mutex::new(world),
            faults: Mutex::new(Vec::new()),
            requests: Mutex::new(Vec::new()),
            base_url: url.clone(),
            webhook_url: Mutex::new(None),
            webhook_deliveries: Mutex::new(Vec::new()),
        });
        let deliverer = tokio::spawn(webhooks::deliver(shared.clone()));
        let app = router(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let server = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = server.await {
                tracing::error!(error = %e, "emulator stopped");
            }
            deliverer.abort();
        });
        Ok(Emulator {
            url,
            shared,
            _stop: stop,
        })
    }

    /// The pages served, with their names and tokens: `(id, name, token)`.
    pub fn pages(&self) -> Vec<(String, String, String)> {
        let world = self.shared.world.lock().expect("world");
        world
            .pages
            .values()
            .map(|p| (p.id.clone(), p.name.clone(), p.token.clone()))
            .collect()
    }

    /// The app's id and secret.
    pub fn app(&self) -> (String, String) {
        let world = self.shared.world.lock().expect("world");
        (world.app.id.clone(), world.app.secret.clone())
    }

    /// The control API of this emulator, each route a method.
    pub fn control(&self) -> Control {
        Control::new(&self.url)
    }

    /// New ids (conversations, people, messages, posts) count from `start` on: Facebook never
    /// gives an id twice, so a demo started again on the data it kept must not either.
    pub fn count_ids_from(&self, start: u64) {
        self.shared
            .world
            .lock()
            .expect("world")
            .count_ids_from(start);
    }

    pub fn user_token(&self) -> String {
        self.shared.world.lock().expect("world").user_token.clone()
    }
}

fn router(shared: Arc<Shared>) -> Router {
    let control = Router::new()
        .route("/", get(control::summary))
        .route("/pages/{page}/buyer_messages", post(control::buyer_message))
        .route("/pages/{page}/token", post(control::token))
        .route("/pages/{page}/usage", post(control::usage))
        .route("/pages/{page}/data_limit", post(control::data_limit))
        .route("/pages/{page}/human_agent", post(control::human_agent))
        .route(
            "/pages/{page}/sending_restricted",
            post(control::sending_restricted),
        )
        .route("/pages/{page}/referrals", post(control::referral))
        .route("/messages/{mid}/edit", post(control::edit_message))
        .route("/messages/{mid}/unsend", post(control::unsend_message))
        .route("/messages/{mid}/reaction", post(control::react))
        .route("/conversations/{id}/routing", post(control::routing))
        .route("/app", post(control::app))
        .route("/pages/{page}/tasks", post(control::tasks))
        .route("/conversations/{id}/can_reply", post(control::can_reply))
        .route("/pages/{page}/generate", post(control::generate))
        .route("/pages/{page}/name", post(control::rename_page))
        .route("/conversations/{id}", get(control::conversation))
        .route(
            "/conversations/{id}/page_messages",
            post(control::page_message),
        )
        .route(
            "/conversations/{id}/folder",
            post(control::move_conversation),
        )
        .route("/conversations/{id}/age", post(control::age))
        .route("/pages/{page}/posts", post(control_posts::publish))
        .route(
            "/pages/{page}/permissions",
            post(control_posts::permissions),
        )
        .route("/posts/{post}", get(control_posts::post))
        .route("/posts/{post}/comments", post(control_posts::comment))
        .route("/comments/{id}/edit", post(control_posts::edit))
        .route("/comments/{id}/remove", post(control_posts::remove))
        .route("/feed_shape", post(control_posts::feed_shape))
        .route("/media", post(control::media))
        .route("/cdn/expire", post(control::expire_cdn_links))
        .route(
            "/webhooks",
            post(webhooks::subscribe)
                .get(webhooks::deliveries)
                .delete(webhooks::unsubscribe),
        )
        .route(
            "/faults",
            post(control::add_fault).delete(control::clear_faults),
        )
        .route(
            "/requests",
            get(control::requests).delete(control::clear_requests),
        )
        // A test may have a buyer write a message of megabytes, to see what pagedesk keeps.
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024));
    Router::new()
        .nest(CONTROL_PREFIX, control)
        .route("/{version}/{node}", get(api::get_node).post(api::post_node))
        .route(
            "/{version}/{node}/{edge}",
            get(api::get_edge).post(api::post_edge),
        )
        // Facebook's CDN (scontent) serves the files of messages; here on the same address.
        .route("/scontent/{id}/{name}", get(api::cdn))
        // Uploads up to Facebook's 25 MB and a little over, so that the limit is Facebook's
        // answer (code 2018294) and not the server's.
        .layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            faults::inject,
        ))
        .with_state(shared)
}
