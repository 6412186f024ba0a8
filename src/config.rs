//! Server configuration: where the world comes from, where state persists, and the URL
//! the server is reached at. Defaults are part of the public contract (DESIGN.md).

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use crate::world::{self, LoadError, SecretString, World};

/// `--listen` default.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4772";
/// `--data-dir` default, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = ".irsa-local";
/// `--s3-max-object-bytes` default: 5 GiB, S3's own limit for a single PUT (bodies stream
/// to disk, so the limit costs no memory; a multipart object may be larger).
pub const DEFAULT_MAX_OBJECT_BYTES: u64 = 5 * 1024 * 1024 * 1024;
/// `--s3-virtual-host-suffix` default: `bucket.localhost:4772` addresses `bucket`.
pub const DEFAULT_VIRTUAL_HOST_SUFFIX: &str = "localhost";

/// Everything `App::build` needs.
#[derive(Debug, Clone)]
pub struct Config {
    pub world: WorldSource,
    pub data_dir: PathBuf,
    /// The base URL clients reach this server at, without a trailing slash.
    pub public_url: Option<String>,
    /// The address the server listens on: a loopback one serves loopback Host names only.
    pub listen: SocketAddr,
    /// `--allow-host`: further Host names a loopback listener serves.
    pub allow_hosts: Vec<String>,
    /// `--kube-token`: the bearer token the Kubernetes API then requires.
    pub kube_token: Option<SecretString>,
    /// The largest object PutObject accepts.
    pub max_object_bytes: u64,
    /// Host suffix for virtual-host-style S3 (`<bucket>.<suffix>`).
    pub s3_virtual_host_suffix: String,
    /// `serve --reset`: forget the saved world state and the S3 data, and start from the
    /// world file again (keys and the credential secret stay).
    pub reset: bool,
    /// Whether a node runs the pods on a container engine (`serve --container-runtime`):
    /// then a pod bound to it is deleted gracefully, through the node.
    pub runs_pods: bool,
}

/// Where the world is read from.
#[derive(Debug, Clone)]
pub enum WorldSource {
    /// The embedded EKS-workshop world.
    Default,
    /// A world file.
    File(PathBuf),
}

impl WorldSource {
    /// `--config PATH` or, without it, the embedded default.
    pub fn from_option(path: Option<PathBuf>) -> Self {
        path.map_or(Self::Default, Self::File)
    }

    /// Reads and checks the world.
    pub fn load(&self) -> Result<World, LoadError> {
        match self {
            Self::Default => world::load_default(),
            Self::File(path) => world::load_file(path),
        }
    }
}

impl Config {
    /// The embedded world with state under `data_dir`.
    pub fn with_default_world(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            world: WorldSource::Default,
            data_dir: data_dir.into(),
            public_url: None,
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 4772)),
            allow_hosts: Vec::new(),
            kube_token: None,
            max_object_bytes: DEFAULT_MAX_OBJECT_BYTES,
            s3_virtual_host_suffix: DEFAULT_VIRTUAL_HOST_SUFFIX.to_owned(),
            reset: false,
            runs_pods: false,
        }
    }
}

/// Checks `--public-url` (`http(s)://host[:port][/prefix]`) and drops a trailing slash.
pub fn parse_public_url(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("public URL {url:?} must start with http:// or https://"))?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || url.contains(['?', '#']) || !url.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "public URL {url:?} must be http(s)://host[:port][/path] without query or fragment"
        ));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls() {
        let cases = [
            (
                "plain",
                "http://localhost:4772",
                Some("http://localhost:4772"),
            ),
            (
                "trailing_slash_dropped",
                "https://irsa.example/",
                Some("https://irsa.example"),
            ),
            (
                "path_prefix",
                "https://proxy.example/irsa/",
                Some("https://proxy.example/irsa"),
            ),
            ("no_scheme", "localhost:4772", None),
            ("no_host", "http:///x", None),
            ("query", "http://a/?b", None),
            ("space", "http://a b", None),
        ];
        for (name, input, want) in cases {
            assert_eq!(parse_public_url(input).ok().as_deref(), want, "case {name}");
        }
    }
}
