//! The generated certificate: a local CA and a server certificate it signs, under
//! `<data-dir>/tls/`. Keys are written 0600. The CA is made once and kept, so the
//! `caBundle` a user pasted into a webhook configuration stays valid; the server
//! certificate is reissued by the same CA when the names asked for change or it nears
//! its end.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::TlsError;
use crate::persist;

/// The folder under the data dir.
pub const TLS_DIR: &str = "tls";
/// The CA certificate to trust (a webhook's `caBundle`).
pub const CA_FILE: &str = "ca.crt";
/// Names every generated server certificate carries.
pub const DEFAULT_SANS: &[&str] = &["localhost", "127.0.0.1"];

const CA_KEY_FILE: &str = "ca.key";
const CERT_FILE: &str = "server.crt";
const KEY_FILE: &str = "server.key";
const META_FILE: &str = "server.json";
const CA_NAME: &str = "irsa-local local CA";
const DAY: u64 = 86_400;
/// The CA outlives many server certificates.
const CA_DAYS: u64 = 3650;
/// Within what clients accept for a server certificate (398 days).
const SERVER_DAYS: u64 = 397;
/// A server certificate closer to its end than this is reissued at start.
const RENEW_DAYS: u64 = 30;

/// The files of a generated identity.
#[derive(Debug, Clone)]
pub struct Generated {
    pub ca_file: PathBuf,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

/// What the server certificate was issued for, to tell whether it still fits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Issued {
    subject_alt_names: Vec<String>,
    not_after: u64,
    /// SHA-256 of the CA certificate that signed it: a new CA means a new certificate.
    ca_sha256: String,
}

/// Loads the identity under `dir`, creating or reissuing what is missing or stale.
pub fn load_or_create(dir: &Path, extra_sans: &[String], now: u64) -> Result<Generated, TlsError> {
    let mut sans: Vec<String> = DEFAULT_SANS.iter().map(|s| (*s).to_owned()).collect();
    for name in extra_sans {
        if !sans.contains(name) {
            sans.push(name.clone());
        }
    }
    let alt_names = sans
        .iter()
        .map(|name| san(name))
        .collect::<Result<Vec<_>, _>>()?;
    persist::ensure_private_dir(dir).map_err(io("create", dir))?;
    let (issuer, ca_sha256) = load_or_create_ca(dir, now)?;

    let generated = Generated {
        ca_file: dir.join(CA_FILE),
        cert_file: dir.join(CERT_FILE),
        key_file: dir.join(KEY_FILE),
    };
    let meta_path = dir.join(META_FILE);
    let current = match std::fs::read(&meta_path) {
        Ok(bytes) => serde_json::from_slice::<Issued>(&bytes).ok(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(io("read", &meta_path)(err)),
    };
    let fits = current.is_some_and(|issued| {
        issued.subject_alt_names == sans
            && issued.not_after > now + RENEW_DAYS * DAY
            && issued.ca_sha256 == ca_sha256
    }) && generated.cert_file.exists()
        && generated.key_file.exists();
    if fits {
        return Ok(generated);
    }

    let key = KeyPair::generate()?;
    let mut params = CertificateParams::default();
    params.subject_alt_names = alt_names;
    params.distinguished_name = name("irsa-local");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let not_after = now + SERVER_DAYS * DAY;
    validity(&mut params, now, not_after)?;
    let cert = params.signed_by(&key, &issuer)?;
    // The key first: a certificate on disk always has its key beside it.
    persist::replace_atomic(&generated.key_file, key.serialize_pem().as_bytes(), 0o600)
        .map_err(io("write", &generated.key_file))?;
    persist::replace_atomic(&generated.cert_file, cert.pem().as_bytes(), 0o644)
        .map_err(io("write", &generated.cert_file))?;
    let issued = Issued {
        subject_alt_names: sans,
        not_after,
        ca_sha256,
    };
    let meta = serde_json::to_vec_pretty(&issued).map_err(|err| TlsError::Corrupt {
        path: meta_path.display().to_string(),
        reason: err.to_string(),
    })?;
    persist::replace_atomic(&meta_path, &meta, 0o644).map_err(io("write", &meta_path))?;
    Ok(generated)
}

/// The CA's key and parameters: made on the first start, read back after.
fn load_or_create_ca(dir: &Path, now: u64) -> Result<(Issuer<'static, KeyPair>, String), TlsError> {
    let key_path = dir.join(CA_KEY_FILE);
    let cert_path = dir.join(CA_FILE);
    // Another process starting on the same data dir may publish first: its files win.
    if !key_path.exists() {
        let key = KeyPair::generate()?;
        persist::create_new_atomic(&key_path, key.serialize_pem().as_bytes(), 0o600)
            .map_err(io("write", &key_path))?;
    }
    let pem = std::fs::read_to_string(&key_path).map_err(io("read", &key_path))?;
    let key = KeyPair::from_pem(&pem).map_err(|err| TlsError::Corrupt {
        path: key_path.display().to_string(),
        reason: err.to_string(),
    })?;
    if !cert_path.exists() {
        let cert = ca_params(now)?.self_signed(&key)?;
        persist::create_new_atomic(&cert_path, cert.pem().as_bytes(), 0o644)
            .map_err(io("write", &cert_path))?;
    }
    let cert = std::fs::read(&cert_path).map_err(io("read", &cert_path))?;
    let fingerprint = crate::hex::encode(&Sha256::digest(&cert));
    // The issuer needs only the CA's name and key: the same name and key as the saved
    // certificate, so what it signs chains to that certificate.
    Ok((Issuer::new(ca_params(now)?, key), fingerprint))
}

fn ca_params(now: u64) -> Result<CertificateParams, TlsError> {
    let mut params = CertificateParams::default();
    params.distinguished_name = name(CA_NAME);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    validity(&mut params, now, now + CA_DAYS * DAY)?;
    Ok(params)
}

fn name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name.push(DnType::OrganizationName, "irsa-local");
    name
}

/// From an hour before `now` (clock skew) to `not_after`, with a random serial.
fn validity(params: &mut CertificateParams, now: u64, not_after: u64) -> Result<(), TlsError> {
    let time = |seconds: u64| {
        i64::try_from(seconds)
            .ok()
            .and_then(|seconds| OffsetDateTime::from_unix_timestamp(seconds).ok())
            .ok_or_else(|| TlsError::Corrupt {
                path: "the clock".to_owned(),
                reason: format!("{seconds} is not a time a certificate can carry"),
            })
    };
    params.not_before = time(now.saturating_sub(3600))?;
    params.not_after = time(not_after)?;
    let mut serial: [u8; 16] = rand::random();
    serial[0] &= 0x7f;
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    Ok(())
}

fn san(name: &str) -> Result<SanType, TlsError> {
    if let Ok(address) = name.parse::<IpAddr>() {
        return Ok(SanType::IpAddress(address));
    }
    let refused = |reason: String| TlsError::SubjectAltName {
        name: name.to_owned(),
        reason,
    };
    let valid = name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'*')
        });
    if !valid {
        return Err(refused("not a DNS name or an IP address".to_owned()));
    }
    name.to_owned()
        .try_into()
        .map(SanType::DnsName)
        .map_err(|err: rcgen::Error| refused(err.to_string()))
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl Fn(std::io::Error) -> TlsError + 'a {
    move |source| TlsError::Io {
        action,
        path: path.display().to_string(),
        source,
    }
}
