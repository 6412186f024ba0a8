//! Reading and checking a world file. Field-level checks happen as the JSON deserializes
//! (every name is a checked newtype); this file adds the checks that span entities and
//! names the JSON path of whatever is wrong.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

mod saved;

use super::model::{ManagedPolicy, World};
pub use saved::{fingerprint, parse_saved, saved_json};

/// The default world (the EKS workshop), compiled in from `fixtures/`.
pub const DEFAULT_WORLD_JSON: &str = include_str!("../../../fixtures/default-world.json");

/// AWS managed policies with their real documents and ids, present in every world.
pub const MANAGED_POLICY_CATALOGUE_JSON: &str =
    include_str!("../../../fixtures/managed-policies.json");

/// Why a world file was refused: which file, where in it, and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: at {path}: {problem}")]
    Invalid {
        file: String,
        path: String,
        problem: String,
    },
}

/// Loads and checks the world file at `path`; relative signing-key paths are resolved
/// against the file's directory.
pub fn load_file(path: &Path) -> Result<World, LoadError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        file: file.clone(),
        source,
    })?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    parse(&file, &text, base_dir)
}

/// The embedded default world.
pub fn load_default() -> Result<World, LoadError> {
    parse(
        "<embedded default world>",
        DEFAULT_WORLD_JSON,
        Path::new("."),
    )
}

/// Parses and checks world JSON; `file` names the source in errors.
pub fn parse(file: &str, text: &str, base_dir: &Path) -> Result<World, LoadError> {
    let world: World = deserialize(file, text)?;
    finish(file, world, base_dir)
}

/// Deserializes `text`, naming the JSON path of the first problem.
fn deserialize<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, LoadError> {
    let deserializer = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer).map_err(|err| LoadError::Invalid {
        file: file.to_owned(),
        path: json_path(&err.path().to_string()),
        problem: err.inner().to_string(),
    })
}

/// Adds the catalogue, checks the whole, and resolves relative file paths against
/// `base_dir`.
fn finish(file: &str, mut world: World, base_dir: &Path) -> Result<World, LoadError> {
    add_catalogue(&mut world)?;
    check(&world).map_err(|Problem { path, problem }| LoadError::Invalid {
        file: file.to_owned(),
        path,
        problem,
    })?;
    let relative_paths = world
        .clusters
        .iter_mut()
        .flat_map(|cluster| cluster.signing_keys.iter_mut())
        .chain(
            world
                .oidc_providers
                .iter_mut()
                .filter_map(|p| p.jwks_file.as_mut()),
        );
    for path in relative_paths {
        if path.is_relative() {
            *path = base_dir.join(&*path);
        }
    }
    Ok(world)
}

/// The cross-entity checks `load` runs, for a world changed through the API: `Err` names
/// the JSON path and the problem.
pub fn validate(world: &World) -> Result<(), String> {
    check(world).map_err(|Problem { path, problem }| format!("at {path}: {problem}"))
}

/// Adds the bundled AWS managed policies that the world does not declare itself (a world
/// entry with the same ARN wins), then checks role attachments against the result.
fn add_catalogue(world: &mut World) -> Result<(), LoadError> {
    let catalogue_error = |path: String, problem: String| LoadError::Invalid {
        file: "<bundled managed-policy catalogue>".to_owned(),
        path,
        problem,
    };
    let deserializer = &mut serde_json::Deserializer::from_str(MANAGED_POLICY_CATALOGUE_JSON);
    let catalogue: Vec<ManagedPolicy> =
        serde_path_to_error::deserialize(deserializer).map_err(|err| {
            catalogue_error(json_path(&err.path().to_string()), err.inner().to_string())
        })?;
    for policy in catalogue {
        if !world
            .managed_policies
            .iter()
            .any(|known| known.arn == policy.arn)
        {
            world.managed_policies.push(policy);
        }
    }
    Ok(())
}

/// A cross-entity problem and the JSON path where it shows.
struct Problem {
    path: String,
    problem: String,
}

impl Problem {
    fn at(path: impl fmt::Display, problem: impl Into<String>) -> Self {
        Self {
            path: format!("$.{path}"),
            problem: problem.into(),
        }
    }
}

fn json_path(serde_path: &str) -> String {
    if serde_path == "." || serde_path == "?" {
        "$".to_owned()
    } else {
        format!("$.{serde_path}")
    }
}

fn check(world: &World) -> Result<(), Problem> {
    if world.clusters.is_empty() {
        return Err(Problem::at("clusters", "at least one cluster is required"));
    }
    check_clusters(world)?;
    unique(
        "adminCredentials",
        "accessKeyId",
        world
            .admin_credentials
            .iter()
            .map(|c| c.access_key_id.as_str().to_owned()),
    )?;
    check_providers(world)?;
    check_policies(world)?;
    check_roles(world)?;
    unique(
        "buckets",
        "name",
        world.buckets.iter().map(|b| b.name.as_str().to_owned()),
    )
}

fn check_clusters(world: &World) -> Result<(), Problem> {
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
        if cluster.api_audiences.is_empty() || cluster.api_audiences.iter().any(String::is_empty) {
            return Err(Problem::at(
                format!("clusters[{index}].apiAudiences"),
                "must list at least one non-empty audience",
            ));
        }
        unique(
            &format!("clusters[{index}].serviceAccounts"),
            "namespace/name",
            cluster
                .service_accounts
                .iter()
                .map(|sa| format!("{}/{}", sa.namespace, sa.name)),
        )?;
        for (sa_index, sa) in cluster.service_accounts.iter().enumerate() {
            if sa
                .uid
                .as_ref()
                .is_some_and(|uid| uid.is_empty() || uid.len() > 128)
            {
                return Err(Problem::at(
                    format!("clusters[{index}].serviceAccounts[{sa_index}].uid"),
                    "must be 1 to 128 characters",
                ));
            }
        }
    }
    Ok(())
}

fn check_providers(world: &World) -> Result<(), Problem> {
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

fn check_policies(world: &World) -> Result<(), Problem> {
    unique(
        "managedPolicies",
        "arn",
        world.managed_policies.iter().map(|p| p.arn.clone()),
    )?;
    for (index, policy) in world.managed_policies.iter().enumerate() {
        super::split_policy_arn(&policy.arn, world.account.id.as_str())
            .map_err(|problem| Problem::at(format!("managedPolicies[{index}].arn"), problem))?;
        let id = &policy.policy_id;
        if !id.starts_with("ANPA")
            || id.len() < 16
            || !id.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(Problem::at(
                format!("managedPolicies[{index}].policyId"),
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
                    format!("managedPolicies[{index}].{field}"),
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
                format!("managedPolicies[{index}].defaultVersionId"),
                format!("{version:?} is not a version id like v1"),
            ));
        }
    }
    Ok(())
}

fn check_roles(world: &World) -> Result<(), Problem> {
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
        if !(3600..=43_200).contains(&role.max_session_duration) {
            return Err(Problem::at(
                format!("roles[{index}].maxSessionDuration"),
                "must be between 3600 and 43200 seconds",
            ));
        }
        if role.attached_policy_arns.len() > 20 {
            return Err(Problem::at(
                format!("roles[{index}].attachedPolicyArns"),
                "a role can have at most 20 managed policies attached",
            ));
        }
        for (arn_index, arn) in role.attached_policy_arns.iter().enumerate() {
            if !world.managed_policies.iter().any(|p| &p.arn == arn) {
                return Err(Problem::at(
                    format!("roles[{index}].attachedPolicyArns[{arn_index}]"),
                    format!(
                        "policy {arn} is declared neither in managedPolicies nor in the bundled catalogue"
                    ),
                ));
            }
        }
        for name in role.inline_policies.keys() {
            super::names::iam_name(name, 128).map_err(|problem| {
                Problem::at(format!("roles[{index}].inlinePolicies.{name}"), problem)
            })?;
        }
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

#[cfg(test)]
mod tests;
