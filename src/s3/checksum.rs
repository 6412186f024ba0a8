//! S3's flexible checksums: `x-amz-checksum-crc32`, `-crc32c`, `-crc64nvme`, `-sha1` and
//! `-sha256`, each the base64 of the big-endian digest of the whole body, and the MD5 that
//! ETags and `Content-MD5` are made of. Digests are computed as the body streams by
//! ([`Hasher`], [`Digests`]); the CRCs come from `crc-fast` (the crate the AWS Rust SDK's
//! own checksums use), SHA-1 and SHA-256 from aws-lc, MD5 from RustCrypto's `md-5`.
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html>

use aws_lc_rs::digest;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use crc_fast::CrcAlgorithm;
use md5::{Digest as _, Md5};

use super::error::S3Error;

/// A checksum algorithm this emulator can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ChecksumAlgorithm {
    Crc32,
    Crc32c,
    Crc64Nvme,
    Sha1,
    Sha256,
}

impl ChecksumAlgorithm {
    /// Every verifiable algorithm.
    pub const ALL: [Self; 5] = [
        Self::Crc32,
        Self::Crc32c,
        Self::Crc64Nvme,
        Self::Sha1,
        Self::Sha256,
    ];

    /// The request and response header that carries it.
    pub fn header(self) -> &'static str {
        match self {
            Self::Crc32 => "x-amz-checksum-crc32",
            Self::Crc32c => "x-amz-checksum-crc32c",
            Self::Crc64Nvme => "x-amz-checksum-crc64nvme",
            Self::Sha1 => "x-amz-checksum-sha1",
            Self::Sha256 => "x-amz-checksum-sha256",
        }
    }

    /// S3's name for it, as `x-amz-checksum-algorithm` and error messages spell it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Crc32 => "CRC32",
            Self::Crc32c => "CRC32C",
            Self::Crc64Nvme => "CRC64NVME",
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
        }
    }

    /// The algorithm S3 names `name` (case-insensitive, as S3 reads it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|algorithm| algorithm.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The algorithm whose header is `header` (lowercase or not).
    pub fn from_header(header: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|algorithm| algorithm.header().eq_ignore_ascii_case(header.trim()))
    }

    /// The digest of `data`, big-endian.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut hasher = Hasher::new(self);
        hasher.update(data);
        hasher.finish()
    }

    fn digest_len(self) -> usize {
        match self {
            Self::Crc32 | Self::Crc32c => 4,
            Self::Crc64Nvme => 8,
            Self::Sha1 => 20,
            Self::Sha256 => 32,
        }
    }
}

/// One algorithm's digest, computed over a body that arrives in pieces.
pub struct Hasher {
    algorithm: ChecksumAlgorithm,
    state: HasherState,
}

enum HasherState {
    Crc(Box<crc_fast::Digest>),
    Sha(digest::Context),
}

impl Hasher {
    /// An empty digest of `algorithm`.
    pub fn new(algorithm: ChecksumAlgorithm) -> Self {
        let crc = |algorithm| HasherState::Crc(Box::new(crc_fast::Digest::new(algorithm)));
        let state = match algorithm {
            ChecksumAlgorithm::Crc32 => crc(CrcAlgorithm::Crc32IsoHdlc),
            ChecksumAlgorithm::Crc32c => crc(CrcAlgorithm::Crc32Iscsi),
            ChecksumAlgorithm::Crc64Nvme => crc(CrcAlgorithm::Crc64Nvme),
            ChecksumAlgorithm::Sha1 => {
                HasherState::Sha(digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY))
            }
            ChecksumAlgorithm::Sha256 => HasherState::Sha(digest::Context::new(&digest::SHA256)),
        };
        Self { algorithm, state }
    }

    /// Adds the next piece of the body.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            HasherState::Crc(crc) => crc.update(data),
            HasherState::Sha(context) => context.update(data),
        }
    }

    /// The digest, big-endian.
    pub fn finish(self) -> Vec<u8> {
        match self.state {
            HasherState::Crc(crc) => {
                let value = crc.finalize();
                match self.algorithm.digest_len() {
                    4 => u32::try_from(value)
                        .unwrap_or(u32::MAX)
                        .to_be_bytes()
                        .to_vec(),
                    _ => value.to_be_bytes().to_vec(),
                }
            }
            HasherState::Sha(context) => context.finish().as_ref().to_vec(),
        }
    }
}

/// What a stored body's bytes were found to be, computed as they streamed: the MD5 its
/// ETag is made of, and the flexible checksums asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyDigests {
    pub size: u64,
    pub md5: [u8; 16],
    /// (algorithm, big-endian digest) for each algorithm computed.
    pub checksums: Vec<(ChecksumAlgorithm, Vec<u8>)>,
}

impl BodyDigests {
    /// The digest computed for `algorithm`, if it was.
    pub fn checksum(&self, algorithm: ChecksumAlgorithm) -> Option<&[u8]> {
        self.checksums
            .iter()
            .find(|(candidate, _)| *candidate == algorithm)
            .map(|(_, digest)| digest.as_slice())
    }

    /// The digests of `data`, with `algorithms`' checksums.
    pub fn of(data: &[u8], algorithms: &[ChecksumAlgorithm]) -> Self {
        let mut digests = Digests::new(algorithms);
        digests.update(data);
        digests.finish()
    }
}

/// The running digests of a body: its size, MD5 and the checksums asked for.
pub struct Digests {
    size: u64,
    md5: Md5,
    checksums: Vec<Hasher>,
}

impl Digests {
    /// MD5 and the checksums of `algorithms` (each once).
    pub fn new(algorithms: &[ChecksumAlgorithm]) -> Self {
        let mut checksums: Vec<Hasher> = Vec::new();
        for algorithm in algorithms {
            if !checksums
                .iter()
                .any(|hasher| hasher.algorithm == *algorithm)
            {
                checksums.push(Hasher::new(*algorithm));
            }
        }
        Self {
            size: 0,
            md5: Md5::new(),
            checksums,
        }
    }

    /// Adds the next piece of the body.
    pub fn update(&mut self, data: &[u8]) {
        self.size = self.size.saturating_add(data.len() as u64);
        self.md5.update(data);
        for hasher in &mut self.checksums {
            hasher.update(data);
        }
    }

    /// The size seen so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The finished digests.
    pub fn finish(self) -> BodyDigests {
        BodyDigests {
            size: self.size,
            md5: self.md5.finalize().into(),
            checksums: self
                .checksums
                .into_iter()
                .map(|hasher| (hasher.algorithm, hasher.finish()))
                .collect(),
        }
    }
}

/// A checksum the client sent, its value already checked to be well-formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum {
    pub algorithm: ChecksumAlgorithm,
    /// Base64, as sent.
    pub value: String,
}

impl Checksum {
    /// Checks the header value's shape: base64 of a digest of the algorithm's length.
    pub fn parse(algorithm: ChecksumAlgorithm, value: &str) -> Result<Self, S3Error> {
        match STANDARD.decode(value.trim()) {
            Ok(bytes) if bytes.len() == algorithm.digest_len() => Ok(Self {
                algorithm,
                value: value.trim().to_owned(),
            }),
            _ => Err(S3Error::InvalidRequest {
                message: format!("Value for {} header is invalid.", algorithm.header()),
            }),
        }
    }

    /// The checksum of a digest computed here.
    pub fn of_digest(algorithm: ChecksumAlgorithm, digest: &[u8]) -> Self {
        Self {
            algorithm,
            value: STANDARD.encode(digest),
        }
    }

    /// `BadDigest` unless `body` has this checksum.
    pub fn verify(&self, body: &[u8]) -> Result<(), S3Error> {
        self.verify_digest(&self.algorithm.digest(body))
    }

    /// `BadDigest` unless `digest` (computed over the body) is this checksum's.
    pub fn verify_digest(&self, digest: &[u8]) -> Result<(), S3Error> {
        if STANDARD.encode(digest) == self.value {
            Ok(())
        } else {
            Err(S3Error::BadDigest {
                algorithm: self.algorithm.name(),
            })
        }
    }
}

/// `Content-MD5`: the base64 of the body's 16-byte MD5.
pub fn parse_content_md5(value: &str) -> Result<[u8; 16], S3Error> {
    STANDARD
        .decode(value.trim())
        .ok()
        .and_then(|bytes| <[u8; 16]>::try_from(bytes).ok())
        .ok_or(S3Error::InvalidDigest)
}

/// The MD5 of `data`.
pub fn md5(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_values_of_the_catalogue() {
        // The "check" of each CRC in the CRC RevEng catalogue is its digest of "123456789".
        let cases = [
            ("crc32", ChecksumAlgorithm::Crc32, "cbf43926"),
            ("crc32c", ChecksumAlgorithm::Crc32c, "e3069283"),
            (
                "crc64nvme",
                ChecksumAlgorithm::Crc64Nvme,
                "ae8b14860a799888",
            ),
            (
                "sha1",
                ChecksumAlgorithm::Sha1,
                "f7c3bc1d808e04732adf679965ccc34ca7ae3441",
            ),
            (
                "sha256",
                ChecksumAlgorithm::Sha256,
                "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225",
            ),
        ];
        for (name, algorithm, want) in cases {
            let hex = crate::hex::encode(&algorithm.digest(b"123456789"));
            assert_eq!(hex, want, "case {name}");
        }
    }

    #[test]
    fn parse_and_verify() {
        let body = b"hello";
        let good = STANDARD.encode(ChecksumAlgorithm::Crc32.digest(body));
        let cases = [
            (
                "matching",
                ChecksumAlgorithm::Crc32,
                good.as_str(),
                Ok(Ok(())),
            ),
            (
                "other_body",
                ChecksumAlgorithm::Crc32,
                "AAAAAA==",
                Ok(Err("BadDigest")),
            ),
            (
                "not_base64",
                ChecksumAlgorithm::Crc32,
                "***",
                Err("InvalidRequest"),
            ),
            (
                "wrong_length",
                ChecksumAlgorithm::Crc64Nvme,
                good.as_str(),
                Err("InvalidRequest"),
            ),
        ];
        for (name, algorithm, value, want) in cases {
            let got = Checksum::parse(algorithm, value)
                .map(|checksum| checksum.verify(body).map_err(|err| err.code()))
                .map_err(|err| err.code());
            assert_eq!(got, want, "case {name}");
        }
    }
}
