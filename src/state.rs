//! `AppState`: the cheap-to-clone handle every service edge gets. It holds the world store
//! (world and signing keys), the credential secret, the clock and the configuration;
//! nothing global. S3's object store is the S3 edge's own, beside it in the router.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::broadcast;

use crate::clock::Clock;
use crate::config::Config;
use crate::credentials::CredentialSecret;
use crate::oidc::http::IssuerSource;
use crate::oidc::keyring::Keyring;
use crate::policy::SessionPolicies;
use crate::store::{Snapshot, Store, UpdateError};
use crate::world::World;

/// How many object changes a slow watcher may fall behind before it misses some, and how
/// many recent ones a watch from an older resourceVersion can be sent.
const EVENT_BACKLOG: usize = 1024;

/// A change to a Kubernetes object, as watches stream it: `ADDED`, `MODIFIED` or
/// `DELETED`, with the object as it is (or was, for a deletion).
#[derive(Debug, Clone)]
pub struct ObjectEvent {
    pub cluster: String,
    /// The resource (`pods`).
    pub resource: &'static str,
    pub kind: &'static str,
    pub object: Arc<serde_json::Value>,
}

/// A watcher's view of the changes: the recent ones, oldest first, and those to come.
/// Taken together, so no change falls between the two or is in both.
#[derive(Debug)]
pub struct Subscription {
    pub recent: Vec<ObjectEvent>,
    pub live: broadcast::Receiver<ObjectEvent>,
}

/// Shared application state.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    secret: CredentialSecret,
    clock: Arc<dyn Clock>,
    config: Config,
    started_at: u64,
    session_policies: SessionPolicies,
    events: broadcast::Sender<ObjectEvent>,
    /// The last [`EVENT_BACKLOG`] changes; its lock also orders each publish against
    /// each subscribe.
    recent: Mutex<VecDeque<ObjectEvent>>,
}

impl AppState {
    /// Bundles the loaded parts.
    pub fn new(
        store: Store,
        secret: CredentialSecret,
        clock: Arc<dyn Clock>,
        config: Config,
    ) -> Self {
        let started_at = clock.now();
        Self {
            inner: Arc::new(Inner {
                store,
                secret,
                clock,
                config,
                started_at,
                session_policies: SessionPolicies::default(),
                events: broadcast::channel(EVENT_BACKLOG).0,
                recent: Mutex::new(VecDeque::with_capacity(EVENT_BACKLOG)),
            }),
        }
    }

    /// The current world and keys. Hold the snapshot for the whole request, so every
    /// read in it sees one consistent world.
    pub fn current(&self) -> Arc<Snapshot> {
        self.inner.store.current()
    }

    /// Applies `change` to the world and saves it before returning (see
    /// [`Store::update`]); runs on the blocking pool because it fsyncs.
    pub async fn update<T, E, F>(&self, change: F) -> Result<T, UpdateError<E>>
    where
        F: FnOnce(&mut World) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || state.inner.store.update(change))
            .await
            .unwrap_or_else(|err| Err(UpdateError::Failed(format!("the update stopped: {err}"))))
    }

    /// The secret that seals and opens temporary credentials.
    pub fn credential_secret(&self) -> &CredentialSecret {
        &self.inner.secret
    }

    /// Seconds since the Unix epoch, from the configured clock.
    pub fn now(&self) -> u64 {
        self.inner.clock.now()
    }

    /// When the server started (the creation time it reports for world objects).
    pub fn started_at(&self) -> u64 {
        self.inner.started_at
    }

    /// `--public-url`, if given.
    pub fn public_url(&self) -> Option<&str> {
        self.inner.config.public_url.as_deref()
    }

    /// The server's configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }
}

impl AppState {
    /// Tells every watcher of `event.resource` about a change that has been saved.
    pub fn publish(&self, event: ObjectEvent) {
        let mut recent = self.recent();
        if recent.len() == EVENT_BACKLOG {
            recent.pop_front();
        }
        recent.push_back(event.clone());
        // No receiver is no watcher: nothing to tell.
        let _ = self.inner.events.send(event);
    }

    /// The recent changes and those published from now on.
    pub fn subscribe(&self) -> Subscription {
        let recent = self.recent();
        Subscription {
            live: self.inner.events.subscribe(),
            recent: recent.iter().cloned().collect(),
        }
    }

    fn recent(&self) -> std::sync::MutexGuard<'_, VecDeque<ObjectEvent>> {
        // A panic while holding the lock leaves a whole deque behind: keep using it.
        self.inner
            .recent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Session policies parsed once per policy (see [`SessionPolicies`]).
    pub fn session_policies(&self) -> &SessionPolicies {
        &self.inner.session_policies
    }
}

impl IssuerSource for AppState {
    fn read_issuers<R>(&self, read: impl FnOnce(&World, &Keyring) -> R) -> R {
        let snapshot = self.current();
        read(snapshot.world(), snapshot.keyring())
    }

    fn public_url(&self) -> Option<&str> {
        AppState::public_url(self)
    }
}
