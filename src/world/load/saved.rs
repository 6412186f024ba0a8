//! The saved world, checked on load as a world file is: as the state database puts it
//! together, and as versions before it saved it whole (`state/world.json`, the world with
//! the fingerprint of the world file it grew from), which the store moves into the database.

use std::path::Path;

use super::{deserialize, finish, LoadError};
#[cfg(test)]
use crate::world::ManagedPolicy;
use crate::world::World;

/// The state file's version; a different one is refused rather than misread.
const SAVED_FORMAT: u32 = 1;

/// The world as the server saved it in the data dir, with the fingerprint of the world
/// file it started from.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Saved<W> {
    format: u32,
    base_fingerprint: String,
    world: W,
}

/// Serializes `world` as the state file versions before the state database saved
/// (`state/world.json`); kept to test that such a file moves into the database. Managed policies for which `omit` is true (the
/// bundled catalogue's, unchanged) are left out: every load adds them back.
#[cfg(test)]
pub fn saved_json(
    world: &World,
    base_fingerprint: &str,
    omit: impl Fn(&ManagedPolicy) -> bool,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut value = serde_json::to_value(world)?;
    if let Some(policies) = value
        .get_mut("managedPolicies")
        .and_then(serde_json::Value::as_array_mut)
    {
        let keep: Vec<bool> = world.managed_policies.iter().map(|p| !omit(p)).collect();
        let mut index = 0;
        policies.retain(|_| {
            let kept = keep.get(index).copied().unwrap_or(true);
            index += 1;
            kept
        });
    }
    serde_json::to_vec_pretty(&Saved {
        format: SAVED_FORMAT,
        base_fingerprint: base_fingerprint.to_owned(),
        world: value,
    })
}

/// Parses a state file written by [`saved_json`]: the world, checked as a world file is,
/// and the fingerprint of the world file it grew from.
pub fn parse_saved(file: &str, text: &str) -> Result<(World, String), LoadError> {
    let saved: Saved<World> = deserialize(file, text)?;
    if saved.format != SAVED_FORMAT {
        return Err(LoadError::Invalid {
            file: file.to_owned(),
            path: "$.format".to_owned(),
            problem: format!(
                "state format {} is not the {SAVED_FORMAT} this version writes",
                saved.format
            ),
        });
    }
    let world = finish(file, saved.world, Path::new("/"))?;
    Ok((world, saved.base_fingerprint))
}

/// Checks a world the state database put together (the store's rows) as a world
/// file is checked; `file` names the database in errors.
pub fn parse_saved_value(file: &str, world: serde_json::Value) -> Result<World, LoadError> {
    let world: World =
        serde_path_to_error::deserialize(world).map_err(|err| LoadError::Invalid {
            file: file.to_owned(),
            path: super::json_path(&err.path().to_string()),
            problem: err.inner().to_string(),
        })?;
    finish(file, world, Path::new("/"))
}

/// A fingerprint of a loaded world: SHA-256 over its JSON form.
pub fn fingerprint(world: &World) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(world).unwrap_or_default();
    crate::hex::encode(&Sha256::digest(&json))
}
