//! What one change did to the world: the entities it added or changed and those it
//! removed, found without looking at the rest. The store saves only these and checks only
//! these, so a write costs the same in a world of ten roles as in one of a thousand.
//!
//! The large lists are [`Table`]s, which remember the keys a change touched: only those
//! are looked at. The few small lists (between their common head and tail) and the
//! clusters' own fields are compared by value.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::Value;

use super::model::{
    Account, AdminCredential, Bucket, Cluster, ManagedPolicy, Namespace, OidcProvider,
    PodIdentityAssociation, Role, ServiceAccount, World,
};
use super::table::{Keyed, Table};

/// The kinds of entity the world is saved as, one row each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Account,
    AdminCredential,
    /// A cluster's own fields, without its service accounts, namespaces and pods.
    Cluster,
    ServiceAccount,
    Namespace,
    Pod,
    PodIdentityAssociation,
    OidcProvider,
    ManagedPolicy,
    Role,
    Bucket,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::Account,
        Kind::AdminCredential,
        Kind::Cluster,
        Kind::ServiceAccount,
        Kind::Namespace,
        Kind::Pod,
        Kind::PodIdentityAssociation,
        Kind::OidcProvider,
        Kind::ManagedPolicy,
        Kind::Role,
        Kind::Bucket,
    ];

    /// The name rows carry.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Account => "account",
            Kind::AdminCredential => "adminCredential",
            Kind::Cluster => "cluster",
            Kind::ServiceAccount => "serviceAccount",
            Kind::Namespace => "namespace",
            Kind::Pod => "pod",
            Kind::PodIdentityAssociation => "podIdentityAssociation",
            Kind::OidcProvider => "oidcProvider",
            Kind::ManagedPolicy => "managedPolicy",
            Kind::Role => "role",
            Kind::Bucket => "bucket",
        }
    }

    /// The kind a row names.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Whether the entity lives inside a cluster (its key starts with `<cluster>/`).
    pub fn in_cluster(self) -> bool {
        matches!(
            self,
            Kind::ServiceAccount | Kind::Namespace | Kind::Pod | Kind::PodIdentityAssociation
        )
    }
}

/// One entity the change added or changed, as it now is.
#[derive(Debug, Clone, Copy)]
pub enum Entity<'w> {
    Account(&'w Account),
    AdminCredential(&'w AdminCredential),
    Cluster(&'w Cluster),
    ServiceAccount(&'w Cluster, &'w ServiceAccount),
    Namespace(&'w Cluster, &'w Namespace),
    Pod(&'w Cluster, &'w Value),
    PodIdentityAssociation(&'w Cluster, &'w PodIdentityAssociation),
    OidcProvider(&'w OidcProvider),
    ManagedPolicy(&'w ManagedPolicy),
    Role(&'w Role),
    Bucket(&'w Bucket),
}

impl Entity<'_> {
    pub fn kind(&self) -> Kind {
        match self {
            Entity::Account(_) => Kind::Account,
            Entity::AdminCredential(_) => Kind::AdminCredential,
            Entity::Cluster(_) => Kind::Cluster,
            Entity::ServiceAccount(..) => Kind::ServiceAccount,
            Entity::Namespace(..) => Kind::Namespace,
            Entity::Pod(..) => Kind::Pod,
            Entity::PodIdentityAssociation(..) => Kind::PodIdentityAssociation,
            Entity::OidcProvider(_) => Kind::OidcProvider,
            Entity::ManagedPolicy(_) => Kind::ManagedPolicy,
            Entity::Role(_) => Kind::Role,
            Entity::Bucket(_) => Kind::Bucket,
        }
    }

    /// The entity's key among those of its kind: a name, an ARN, a URL, or
    /// `<cluster>/<namespace>/<name>` inside a cluster.
    pub fn key(&self) -> String {
        match self {
            Entity::Account(_) => String::new(),
            Entity::AdminCredential(c) => c.access_key_id.to_string(),
            Entity::Cluster(c) => c.name.to_string(),
            Entity::ServiceAccount(c, sa) => format!("{}/{}/{}", c.name, sa.namespace, sa.name),
            Entity::Namespace(c, ns) => format!("{}/{ns}", c.name),
            Entity::Pod(c, pod) => format!("{}/{}", c.name, pod_key(pod)),
            Entity::PodIdentityAssociation(c, a) => {
                format!("{}/{}/{}", c.name, a.namespace, a.service_account)
            }
            Entity::OidcProvider(p) => p.url.to_string(),
            Entity::ManagedPolicy(p) => p.arn.clone(),
            Entity::Role(r) => r.name.to_string(),
            Entity::Bucket(b) => b.name.to_string(),
        }
    }

    /// The entity as JSON, in the world file's form; a cluster without its service
    /// accounts, namespaces and pods, which are rows of their own.
    pub fn to_json(&self) -> Result<Value, serde_json::Error> {
        match self {
            Entity::Account(a) => serde_json::to_value(a),
            Entity::AdminCredential(c) => serde_json::to_value(c),
            Entity::Cluster(c) => {
                let mut json = serde_json::to_value(own_fields(c))?;
                if let Some(fields) = json.as_object_mut() {
                    for child in [
                        "serviceAccounts",
                        "namespaces",
                        "pods",
                        "podIdentityAssociations",
                    ] {
                        fields.remove(child);
                    }
                }
                Ok(json)
            }
            Entity::ServiceAccount(_, sa) => serde_json::to_value(sa),
            Entity::Namespace(_, ns) => serde_json::to_value(ns),
            Entity::Pod(_, pod) => Ok(Value::clone(pod)),
            Entity::PodIdentityAssociation(_, a) => serde_json::to_value(a),
            Entity::OidcProvider(p) => serde_json::to_value(p),
            Entity::ManagedPolicy(p) => serde_json::to_value(p),
            Entity::Role(r) => serde_json::to_value(r),
            Entity::Bucket(b) => serde_json::to_value(b),
        }
    }
}

/// `<namespace>/<name>` of a stored pod.
fn pod_key(pod: &Value) -> String {
    let text = |pointer| pod.pointer(pointer).and_then(Value::as_str).unwrap_or("");
    format!("{}/{}", text("/metadata/namespace"), text("/metadata/name"))
}

/// The cluster's own fields. Every field is named, so a field added to `Cluster` must be
/// placed here (saved with the cluster) or among the children (saved as rows).
fn own_fields(cluster: &Cluster) -> Cluster {
    let Cluster {
        name,
        oidc_issuer,
        api_audiences,
        signing_keys,
        service_accounts: _,
        create_date,
        version,
        role_arn,
        tags,
        namespaces: _,
        pods: _,
        pod_identity_associations: _,
        events: _,
        resource_version: _,
    } = cluster;
    Cluster {
        name: name.clone(),
        oidc_issuer: oidc_issuer.clone(),
        api_audiences: api_audiences.clone(),
        signing_keys: signing_keys.clone(),
        service_accounts: Table::new(),
        create_date: create_date.clone(),
        version: version.clone(),
        role_arn: role_arn.clone(),
        tags: tags.clone(),
        namespaces: Vec::new(),
        pods: Table::new(),
        pod_identity_associations: Table::new(),
        events: Vec::new(),
        resource_version: 0,
    }
}

/// What a change did: entities added or changed (as they now are), and the kind and key
/// of those removed.
#[derive(Debug, Default)]
pub struct Diff<'w> {
    pub changed: Vec<Entity<'w>>,
    pub removed: Vec<(Kind, String)>,
}

impl<'w> Diff<'w> {
    /// Every entity of `world`, as a first save writes them.
    pub fn everything(world: &'w World) -> Self {
        let mut diff = Diff::default();
        diff.changed.push(Entity::Account(&world.account));
        diff.changed
            .extend(world.admin_credentials.iter().map(Entity::AdminCredential));
        for cluster in &world.clusters {
            diff.add_cluster(cluster);
        }
        diff.changed
            .extend(world.oidc_providers.iter().map(|p| Entity::OidcProvider(p)));
        diff.changed.extend(
            world
                .managed_policies
                .iter()
                .map(|p| Entity::ManagedPolicy(p)),
        );
        diff.changed
            .extend(world.roles.iter().map(|r| Entity::Role(r)));
        diff.changed
            .extend(world.buckets.iter().map(Entity::Bucket));
        diff
    }

    /// What turned `before` into `after`.
    pub fn between(before: &'w World, after: &'w World) -> Self {
        let mut diff = Diff::default();
        if !same_json(&before.account, &after.account) {
            diff.changed.push(Entity::Account(&after.account));
        }
        diff.list(
            &before.admin_credentials,
            &after.admin_credentials,
            same_json,
            Entity::AdminCredential,
        );
        diff.clusters(before, after);
        diff.table(
            &before.oidc_providers,
            &after.oidc_providers,
            Entity::OidcProvider,
        );
        diff.table(
            &before.managed_policies,
            &after.managed_policies,
            Entity::ManagedPolicy,
        );
        diff.table(&before.roles, &after.roles, Entity::Role);
        diff.list(&before.buckets, &after.buckets, Bucket::eq, Entity::Bucket);
        diff
    }

    /// Whether the change touched nothing.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.removed.is_empty()
    }

    /// Whether the change touched an entity of `kind`.
    pub fn touches(&self, kind: Kind) -> bool {
        self.changed.iter().any(|entity| entity.kind() == kind)
            || self.removed.iter().any(|(removed, _)| *removed == kind)
    }

    fn add_cluster(&mut self, cluster: &'w Cluster) {
        self.changed.push(Entity::Cluster(cluster));
        self.changed.extend(
            cluster
                .service_accounts
                .iter()
                .map(|sa| Entity::ServiceAccount(cluster, sa)),
        );
        self.changed.extend(
            cluster
                .namespaces
                .iter()
                .map(|ns| Entity::Namespace(cluster, ns)),
        );
        self.changed
            .extend(cluster.pods.iter().map(|pod| Entity::Pod(cluster, pod)));
        self.changed.extend(
            cluster
                .pod_identity_associations
                .iter()
                .map(|a| Entity::PodIdentityAssociation(cluster, a)),
        );
    }

    fn clusters(&mut self, before: &'w World, after: &'w World) {
        for old in &before.clusters {
            if after.cluster(old.name.as_str()).is_none() {
                let mut gone = Diff::default();
                gone.add_cluster(old);
                self.removed.extend(
                    gone.changed
                        .iter()
                        .map(|entity| (entity.kind(), entity.key())),
                );
            }
        }
        for new in &after.clusters {
            let Some(old) = before.cluster(new.name.as_str()) else {
                self.add_cluster(new);
                continue;
            };
            if !same_json(&own_fields(old), &own_fields(new)) {
                self.changed.push(Entity::Cluster(new));
            }
            self.table(&old.service_accounts, &new.service_accounts, |sa| {
                Entity::ServiceAccount(new, sa)
            });
            self.list(&old.namespaces, &new.namespaces, Namespace::eq, |ns| {
                Entity::Namespace(new, ns)
            });
            self.table(&old.pods, &new.pods, |pod| Entity::Pod(new, pod));
            self.table(
                &old.pod_identity_associations,
                &new.pod_identity_associations,
                |a| Entity::PodIdentityAssociation(new, a),
            );
        }
    }

    /// Adds what changed between two versions of a table: the rows its touched keys name
    /// (as they now are, or as removed). A table made anew is compared row by row, and so
    /// is one that now repeats a key (its second row has no key of its own to touch; the
    /// checks then refuse the change).
    fn table<T: Keyed>(
        &mut self,
        before: &'w Table<T>,
        after: &'w Table<T>,
        entity: impl Fn(&'w T) -> Entity<'w>,
    ) {
        if !after.descends_from(before) || after.has_duplicates() {
            let kept: HashSet<String> = after.iter().map(|row| row.key()).collect();
            for old in before.iter().filter(|old| !kept.contains(&old.key())) {
                let e = entity(old);
                self.removed.push((e.kind(), e.key()));
            }
            self.changed.extend(after.iter().map(|row| entity(row)));
            return;
        }
        let mut seen = HashSet::new();
        for key in after.touched() {
            if !seen.insert(key.as_str()) {
                continue;
            }
            match (before.get(key), after.get(key)) {
                (Some(old), Some(new)) if Arc::ptr_eq(old, new) => {}
                (_, Some(new)) => self.changed.push(entity(new)),
                (Some(old), None) => {
                    let e = entity(old);
                    self.removed.push((e.kind(), e.key()));
                }
                (None, None) => {}
            }
        }
    }

    /// Adds what changed between two versions of one list: what lies between their common
    /// head and their common tail, new entries as changed and vanished keys as removed.
    fn list<T>(
        &mut self,
        before: &'w [T],
        after: &'w [T],
        same: impl Fn(&T, &T) -> bool,
        entity: impl Fn(&'w T) -> Entity<'w>,
    ) {
        let head = before
            .iter()
            .zip(after)
            .take_while(|(old, new)| same(old, new))
            .count();
        let tail = before[head..]
            .iter()
            .rev()
            .zip(after[head..].iter().rev())
            .take_while(|(old, new)| same(old, new))
            .count();
        let old = &before[head..before.len() - tail];
        let new = &after[head..after.len() - tail];
        if old.is_empty() && new.is_empty() {
            return;
        }
        let kept: HashSet<(Kind, String)> = new
            .iter()
            .map(|item| {
                let e = entity(item);
                (e.kind(), e.key())
            })
            .collect();
        for item in old {
            let e = entity(item);
            let key = (e.kind(), e.key());
            if !kept.contains(&key) {
                self.removed.push(key);
            }
        }
        self.changed.extend(new.iter().map(entity));
    }
}

/// Whether two values serialize alike (for the few small entities that are not shared).
fn same_json<T: serde::Serialize>(a: &T, b: &T) -> bool {
    match (serde_json::to_value(a), serde_json::to_value(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests;
