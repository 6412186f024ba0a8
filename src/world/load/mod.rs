//! Reading and checking a world file. Field-level checks happen as the JSON deserializes
//! (every name is a checked newtype); this file adds the checks that span entities and
//! names the JSON path of whatever is wrong.

use std::path::Path;

mod check;
mod saved;

use check::Problem;

use super::model::{ManagedPolicy, World};
#[cfg(test)]
pub use saved::saved_json;
pub use saved::{fingerprint, parse_saved, parse_saved_value};

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
    check::everything(&world).map_err(|Problem { path, problem }| LoadError::Invalid {
        file: file.to_owned(),
        path,
        problem,
    })?;
    let resolve = |path: &mut std::path::PathBuf| {
        if path.is_relative() {
            *path = base_dir.join(&*path);
        }
    };
    world
        .clusters
        .iter_mut()
        .flat_map(|cluster| cluster.signing_keys.iter_mut())
        .for_each(resolve);
    world
        .oidc_providers
        .for_each_mut(|provider| provider.jwks_file.as_mut().into_iter().for_each(resolve));
    Ok(world)
}

/// The cross-entity checks `load` runs, for a world changed through the API: `Err` names
/// the JSON path and the problem.
pub fn validate(world: &World) -> Result<(), String> {
    check::everything(world).map_err(|Problem { path, problem }| format!("at {path}: {problem}"))
}

/// Checks what `diff` says a change did to `world`, as [`validate`] checks the whole.
pub fn validate_changed(world: &World, diff: &super::diff::Diff<'_>) -> Result<(), String> {
    check::changed(world, diff).map_err(|Problem { path, problem }| format!("at {path}: {problem}"))
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
        if world.managed_policies.get(&policy.arn).is_none() {
            world.managed_policies.push(policy);
        }
    }
    Ok(())
}

fn json_path(serde_path: &str) -> String {
    if serde_path == "." || serde_path == "?" {
        "$".to_owned()
    } else {
        format!("$.{serde_path}")
    }
}

#[cfg(test)]
mod tests;
