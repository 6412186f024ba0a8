//! TLS for the server's one port, so that a real kube-apiserver can call the admission
//! webhook (it only calls webhooks over HTTPS). rustls on the aws-lc-rs provider the crate
//! already builds; HTTP/1.1 only, as the router serves.
//!
//! The certificate comes from PEM files (`--tls-cert`/`--tls-key`) or is generated into
//! `<data-dir>/tls/` (`--tls`): a local CA, whose `ca.crt` is what a
//! MutatingWebhookConfiguration's `caBundle` trusts, and a server certificate it signs.

mod generate;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

pub use generate::{CA_FILE, DEFAULT_SANS, TLS_DIR};

/// Where the server's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSource {
    /// A certificate chain and its key, as PEM files.
    Files { cert: PathBuf, key: PathBuf },
    /// A certificate generated under the data dir for `localhost`, `127.0.0.1` and these
    /// extra names or addresses.
    Generated { extra_sans: Vec<String> },
}

/// `serve`'s TLS flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TlsFlags {
    /// Serve HTTPS beside HTTP on the same port, with a certificate generated into
    /// `<data-dir>/tls/` (trust its ca.crt; a webhook's caBundle is that file in base64).
    #[arg(long = "tls", conflicts_with = "tls_cert")]
    pub generate: bool,
    /// Serve HTTPS beside HTTP with this PEM certificate chain (needs --tls-key).
    #[arg(long, env = "IRSA_LOCAL_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "IRSA_LOCAL_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Another DNS name or IP address for the generated certificate (repeatable), such as
    /// the address a kind cluster's nodes reach this machine at.
    #[arg(long = "tls-san", requires = "generate")]
    pub tls_sans: Vec<String>,
}

impl TlsFlags {
    /// The source the flags name: `--tls`, or `--tls-cert` with `--tls-key`; `None`
    /// without TLS.
    pub fn source(self) -> Option<TlsSource> {
        match (self.generate, self.tls_cert, self.tls_key) {
            (true, _, _) => Some(TlsSource::Generated {
                extra_sans: self.tls_sans,
            }),
            (false, Some(cert), Some(key)) => Some(TlsSource::Files { cert, key }),
            _ => None,
        }
    }
}

/// The TLS side of the server, ready to accept.
#[derive(Debug, Clone)]
pub struct Tls {
    pub config: Arc<ServerConfig>,
    /// The CA certificate clients should trust, for a generated certificate.
    pub ca_file: Option<PathBuf>,
}

impl Tls {
    /// Logs that `address` serves HTTPS too, and which CA file clients trust.
    pub fn log_serving(&self, address: &str) {
        match &self.ca_file {
            Some(ca) => tracing::info!(
                ca_file = %ca.display(),
                "and on https://{address}; clients trust {} (a webhook's caBundle is its base64)",
                ca.display()
            ),
            None => tracing::info!("and on https://{address}"),
        }
    }
}

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the TLS certificate {path}: {source}")]
    Certificate {
        path: String,
        #[source]
        source: rustls::pki_types::pem::Error,
    },
    #[error("the TLS certificate file {0} holds no certificate")]
    NoCertificate(String),
    #[error("cannot read the TLS key {path}: {source}")]
    Key {
        path: String,
        #[source]
        source: rustls::pki_types::pem::Error,
    },
    #[error("the TLS certificate and key do not make a server identity: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("cannot generate the TLS certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("{name:?} cannot be a name of the certificate: {reason}")]
    SubjectAltName { name: String, reason: String },
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the saved TLS file {path} is corrupt: {reason}")]
    Corrupt { path: String, reason: String },
}

impl TlsError {
    /// 2 for files or names the user must fix, 1 otherwise (as [`crate::StartError`]).
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Certificate { .. }
            | Self::NoCertificate(_)
            | Self::Key { .. }
            | Self::Rustls(_)
            | Self::SubjectAltName { .. } => 2,
            Self::Generate(_) | Self::Io { .. } | Self::Corrupt { .. } => 1,
        }
    }
}

/// Loads or generates the certificate and builds the server configuration. `now` is the
/// time in Unix seconds, which a generated certificate's validity starts from.
pub fn load(source: &TlsSource, data_dir: &Path, now: u64) -> Result<Tls, TlsError> {
    let (chain, key, ca_file) = match source {
        TlsSource::Files { cert, key } => (read_chain(cert)?, read_key(key)?, None),
        TlsSource::Generated { extra_sans } => {
            let generated = generate::load_or_create(&data_dir.join(TLS_DIR), extra_sans, now)?;
            let chain = read_chain(&generated.cert_file)?;
            let key = read_key(&generated.key_file)?;
            (chain, key, Some(generated.ca_file))
        }
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        config: Arc::new(config),
        ca_file,
    })
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let display = path.display().to_string();
    let error = |source| TlsError::Certificate {
        path: display.clone(),
        source,
    };
    let chain = CertificateDer::pem_file_iter(path)
        .map_err(&error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(&error)?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate(display));
    }
    Ok(chain)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|source| TlsError::Key {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests;
