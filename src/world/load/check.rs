//! The checks that span entities (uniqueness, references) and those a field's type cannot
//! make, each written once per entity. A loaded world runs them on everything; a change
//! runs them on what it touched ([`Diff`]), so a write's checks cost the same however
//! large the world is.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use crate::world::diff::{Diff, Entity, Kind};
use crate::world::model::{
    Cluster, ManagedPolicy, PodIdentityAssociation, Role, ServiceAccount, World,
};

/// A cross-entity problem and the JSON path where it shows.
pub(super) struct Problem {
    pub path: String,
    pub problem: String,
}

impl Problem {
    fn at(path: impl fmt::Display, problem: impl Into<String>) -> Self {
        Self {
            path: format!("$.{path}"),
            problem: problem.into(),
        }
    }
}

/// Checks the whole world.
pub(super) fn everything(world: &World) -> Result<(), Problem> {
    clusters(world)?;
    for (index, cluster) in world.clusters.iter().enumerate() {
        unique(
            &format!("clusters[{index}].serviceAccounts"),
            "namespace/name",
            cluster
                .service_accounts
                .iter()
                .map(|sa| format!("{}/{}", sa.namespace, sa.name)),
        )?;
        for (sa_index, sa) in cluster.service_accounts.iter().enumerate() {
            service_account(
                &|| format!("clusters[{index}].serviceAccounts[{sa_index}]"),
                sa,
            )?;
        }
        associations(index, cluster)?;
    }
    admin_credentials(world)?;
    providers(world)?;
    unique(
        "managedPolicies",
        "arn",
        world.managed_policies.iter().map(|p| p.arn.clone()),
    )?;
    for (index, policy) in world.managed_policies.iter().enumerate() {
        managed_policy(world, &|| format!("managedPolicies[{index}]"), policy)?;
    }
    // IAM role names are unique regardless of case.
    unique(
        "roles",
        "name (compared case-insensitively, as IAM does)",
        world
            .roles
            .iter()
            .map(|r| r.name.as_str().to_ascii_lowercase()),
    )?;
    for (index, role) in world.roles.iter().enumerate() {
        self::role(world, &|| format!("roles[{index}]"), role)?;
    }
    buckets(world)
}

/// Checks what `diff` says changed in `world`: the changed entities against the rest,
/// and the references to removed ones. A table that gained a second row for a key is
/// checked whole, to name the repeat.
pub(super) fn changed(world: &World, diff: &Diff<'_>) -> Result<(), Problem> {
    if diff.touches(Kind::Cluster) {
        clusters(world)?;
    }
    if diff.touches(Kind::AdminCredential) {
        admin_credentials(world)?;
    }
    if diff.touches(Kind::OidcProvider) {
        providers(world)?;
    }
    if diff.touches(Kind::Bucket) {
        buckets(world)?;
    }
    if world.managed_policies.has_duplicates() || world.roles.has_duplicates() {
        return everything(world);
    }
    for entity in &diff.changed {
        match *entity {
            Entity::ServiceAccount(cluster, sa) => {
                if cluster.service_accounts.has_duplicates() {
                    return everything(world);
                }
                service_account(
                    &|| {
                        format!(
                            "clusters[{}].serviceAccounts[{}]",
                            position(world.clusters.iter(), cluster),
                            position(cluster.service_accounts.iter().map(Arc::as_ref), sa)
                        )
                    },
                    sa,
                )?;
            }
            Entity::PodIdentityAssociation(cluster, association) => {
                let index = position(world.clusters.iter(), cluster);
                if cluster.pod_identity_associations.has_duplicates()
                    || cluster
                        .pod_identity_associations
                        .iter()
                        .filter(|a| a.association_id == association.association_id)
                        .count()
                        > 1
                {
                    return associations(index, cluster);
                }
                self::association(
                    &|| {
                        format!(
                            "clusters[{index}].podIdentityAssociations[{}]",
                            position(
                                cluster.pod_identity_associations.iter().map(Arc::as_ref),
                                association
                            )
                        )
                    },
                    association,
                )?;
            }
            Entity::ManagedPolicy(policy) => managed_policy(
                world,
                &|| {
                    format!(
                        "managedPolicies[{}]",
                        position(world.managed_policies.iter().map(Arc::as_ref), policy)
                    )
                },
                policy,
            )?,
            Entity::Role(role) => self::role(
                world,
                &|| {
                    format!(
                        "roles[{}]",
                        position(world.roles.iter().map(Arc::as_ref), role)
                    )
                },
                role,
            )?,
            _ => {}
        }
    }
    for (kind, arn) in &diff.removed {
        if *kind != Kind::ManagedPolicy {
            continue;
        }
        for (index, role) in world.roles.iter().enumerate() {
            if let Some(at) = role.attached_policy_arns.iter().position(|a| a == arn) {
                return Err(Problem::at(
                    format!("roles[{index}].attachedPolicyArns[{at}]"),
                    format!(
                        "policy {arn} is declared neither in managedPolicies nor in the bundled catalogue"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The index of `item` (by address) among `items`, for the path of a problem.
fn position<'a, T: 'a>(items: impl Iterator<Item = &'a T>, item: &T) -> usize {
    items
        .enumerate()
        .find(|(_, other)| std::ptr::eq(*other, item))
        .map_or(0, |(index, _)| index)
}

fn clusters(world: &World) -> Result<(), Problem> {
    if world.clusters.is_empty() {
        return Err(Problem::at("clusters", "at least one cluster is required"));
    }
    unique(
        "clusters",
        "name",
        world.clusters.iter().map(|c| c.name.as_str().to_owned()),
    )?;
    unique(
        "clusters",
        "oidcIssuer",
        world
            .clusters
            .iter()
            .map(|c| c.oidc_issuer.as_str().to_owned()),
    )?;
    unique(
        "clusters",
        "oidcIssuer (its last path segment, which names its discovery path /id/<segment>/)",
        world
            .clusters
            .iter()
            .filter_map(|c| c.oidc_issuer.path_id().map(str::to_owned)),
    )?;
    for (index, cluster) in world.clusters.iter().enumerate() {
        audiences(index, cluster)?;
    }
    Ok(())
}

fn audiences(index: usize, cluster: &Cluster) -> Result<(), Problem> {
    if cluster.api_audiences.is_empty() || cluster.api_audiences.iter().any(String::is_empty) {
        return Err(Problem::at(
            format!("clusters[{index}].apiAudiences"),
            "must list at least one non-empty audience",
        ));
    }
    Ok(())
}

/// `at` gives the entity's path, such as `roles[3]`, when a problem needs it.
type At<'a> = &'a dyn Fn() -> String;

fn service_account(at: At<'_>, sa: &ServiceAccount) -> Result<(), Problem> {
    if sa
        .uid
        .as_ref()
        .is_some_and(|uid| uid.is_empty() || uid.len() > 128)
    {
        return Err(Problem::at(
            format!("{}.uid", at()),
            "must be 1 to 128 characters",
        ));
    }
    Ok(())
}

/// A cluster's associations: one per namespace/service account, ids unique, each well-formed.
fn associations(index: usize, cluster: &Cluster) -> Result<(), Problem> {
    let list = format!("clusters[{index}].podIdentityAssociations");
    let all = || cluster.pod_identity_associations.iter();
    unique(
        &list,
        "namespace/serviceAccount",
        all().map(|a| format!("{}/{}", a.namespace, a.service_account)),
    )?;
    unique(
        &list,
        "associationId",
        all().map(|a| a.association_id.clone()),
    )?;
    for (at, association) in all().enumerate() {
        self::association(&|| format!("{list}[{at}]"), association)?;
    }
    Ok(())
}

/// An id as EKS makes them (`a-` and 17 lowercase letters and digits) and a role ARN.
fn association(at: At<'_>, association: &PodIdentityAssociation) -> Result<(), Problem> {
    let id_ok = association
        .association_id
        .strip_prefix("a-")
        .is_some_and(|rest| {
            rest.len() == 17
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if !id_ok {
        return Err(Problem::at(
            format!("{}.associationId", at()),
            "must be a- followed by 17 lowercase letters and digits",
        ));
    }
    for (field, arn) in [
        ("roleArn", Some(&association.role_arn)),
        ("targetRoleArn", association.target_role_arn.as_ref()),
    ] {
        if arn.is_some_and(|arn| !arn.starts_with("arn:aws:iam::") || !arn.contains(":role/")) {
            return Err(Problem::at(
                format!("{}.{field}", at()),
                "must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
            ));
        }
    }
    Ok(())
}

fn admin_credentials(world: &World) -> Result<(), Problem> {
    unique(
        "adminCredentials",
        "accessKeyId",
        world
            .admin_credentials
            .iter()
            .map(|c| c.access_key_id.as_str().to_owned()),
    )
}

fn buckets(world: &World) -> Result<(), Problem> {
    unique(
        "buckets",
        "name",
        world.buckets.iter().map(|b| b.name.as_str().to_owned()),
    )
}

fn providers(world: &World) -> Result<(), Problem> {
    unique(
        "oidcProviders",
        "url",
        world
            .oidc_providers
            .iter()
            .map(|p| p.url.as_str().to_owned()),
    )?;
    for (index, provider) in world.oidc_providers.iter().enumerate() {
        let ids = &provider.client_ids;
        // IAM allows a provider without client ids (CreateOpenIDConnectProvider without
        // ClientIDList, or after RemoveClientID), so a stored world may hold one.
        if ids.len() > 100 || ids.iter().any(|id| id.is_empty() || id.len() > 255) {
            return Err(Problem::at(
                format!("oidcProviders[{index}].clientIds"),
                "must list at most 100 client ids of 1 to 255 characters",
            ));
        }
        if provider.jwks.is_some() && provider.jwks_file.is_some() {
            return Err(Problem::at(
                format!("oidcProviders[{index}]"),
                "give the JWKS inline (jwks) or as a file (jwksFile), not both",
            ));
        }
        let hex40 = |t: &String| t.len() == 40 && t.bytes().all(|b| b.is_ascii_hexdigit());
        if provider.thumbprints.len() > 5 || !provider.thumbprints.iter().all(hex40) {
            return Err(Problem::at(
                format!("oidcProviders[{index}].thumbprints"),
                "must list at most 5 thumbprints of 40 hex digits",
            ));
        }
    }
    Ok(())
}

fn managed_policy(world: &World, at: At<'_>, policy: &ManagedPolicy) -> Result<(), Problem> {
    crate::world::split_policy_arn(&policy.arn, world.account.id.as_str())
        .map_err(|problem| Problem::at(format!("{}.arn", at()), problem))?;
    let id = &policy.policy_id;
    if !id.starts_with("ANPA") || id.len() < 16 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Problem::at(
            format!("{}.policyId", at()),
            format!("{id:?} is not an IAM policy id (ANPA followed by letters and digits)"),
        ));
    }
    for (field, date) in [
        ("createDate", &policy.create_date),
        ("updateDate", &policy.update_date),
    ] {
        if date
            .as_deref()
            .is_some_and(|date| crate::clock::parse_rfc3339(date).is_none())
        {
            return Err(Problem::at(
                format!("{}.{field}", at()),
                "must be a UTC timestamp like 2015-02-06T18:40:59Z",
            ));
        }
    }
    let version = &policy.default_version_id;
    if !(version.starts_with('v')
        && version.len() > 1
        && version[1..].bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(Problem::at(
            format!("{}.defaultVersionId", at()),
            format!("{version:?} is not a version id like v1"),
        ));
    }
    Ok(())
}

fn role(world: &World, at: At<'_>, role: &Role) -> Result<(), Problem> {
    if !(3600..=43_200).contains(&role.max_session_duration) {
        return Err(Problem::at(
            format!("{}.maxSessionDuration", at()),
            "must be between 3600 and 43200 seconds",
        ));
    }
    if role.attached_policy_arns.len() > 20 {
        return Err(Problem::at(
            format!("{}.attachedPolicyArns", at()),
            "a role can have at most 20 managed policies attached",
        ));
    }
    for (arn_index, arn) in role.attached_policy_arns.iter().enumerate() {
        if world.managed_policies.get(arn).is_none() {
            return Err(Problem::at(
                format!("{}.attachedPolicyArns[{arn_index}]", at()),
                format!(
                    "policy {arn} is declared neither in managedPolicies nor in the bundled catalogue"
                ),
            ));
        }
    }
    for name in role.inline_policies.keys() {
        crate::world::names::iam_name(name, 128)
            .map_err(|problem| Problem::at(format!("{}.inlinePolicies.{name}", at()), problem))?;
    }
    Ok(())
}

/// Refuses the first value that repeats, naming the entry where it repeats.
fn unique(list: &str, field: &str, values: impl Iterator<Item = String>) -> Result<(), Problem> {
    let mut seen = HashSet::new();
    for (index, value) in values.enumerate() {
        if !seen.insert(value.clone()) {
            return Err(Problem::at(
                format!("{list}[{index}]"),
                format!("duplicate {field} {value:?}"),
            ));
        }
    }
    Ok(())
}
