//! S3's flexible checksums on PutObject: `x-amz-checksum-crc32`, `-crc32c`, `-crc64nvme`
//! and `-sha256`, each the base64 of the big-endian digest of the whole body.
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html>

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::error::S3Error;

/// A checksum algorithm this emulator can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumAlgorithm {
    Crc32,
    Crc32c,
    Crc64Nvme,
    Sha256,
}

impl ChecksumAlgorithm {
    /// Every verifiable algorithm.
    pub const ALL: [Self; 4] = [Self::Crc32, Self::Crc32c, Self::Crc64Nvme, Self::Sha256];

    /// The request and response header that carries it.
    pub fn header(self) -> &'static str {
        match self {
            Self::Crc32 => "x-amz-checksum-crc32",
            Self::Crc32c => "x-amz-checksum-crc32c",
            Self::Crc64Nvme => "x-amz-checksum-crc64nvme",
            Self::Sha256 => "x-amz-checksum-sha256",
        }
    }

    /// S3's name for it, as error messages spell it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Crc32 => "CRC32",
            Self::Crc32c => "CRC32C",
            Self::Crc64Nvme => "CRC64NVME",
            Self::Sha256 => "SHA256",
        }
    }

    /// The digest of `data`, big-endian.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Crc32 => crc32(&CRC32_TABLE, data).to_be_bytes().to_vec(),
            Self::Crc32c => crc32(&CRC32C_TABLE, data).to_be_bytes().to_vec(),
            Self::Crc64Nvme => crc64(&CRC64NVME_TABLE, data).to_be_bytes().to_vec(),
            Self::Sha256 => Sha256::digest(data).to_vec(),
        }
    }

    fn digest_len(self) -> usize {
        match self {
            Self::Crc32 | Self::Crc32c => 4,
            Self::Crc64Nvme => 8,
            Self::Sha256 => 32,
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

    /// `BadDigest` unless `body` has this checksum.
    pub fn verify(&self, body: &[u8]) -> Result<(), S3Error> {
        if STANDARD.encode(self.algorithm.digest(body)) == self.value {
            Ok(())
        } else {
            Err(S3Error::BadDigest {
                algorithm: self.algorithm.name(),
            })
        }
    }
}

/// Reflected CRC-32 (polynomial 0x04C11DB7), as zlib computes it.
static CRC32_TABLE: [u32; 256] = crc32_table(0xEDB8_8320);
/// Reflected CRC-32C (Castagnoli, polynomial 0x1EDC6F41).
static CRC32C_TABLE: [u32; 256] = crc32_table(0x82F6_3B78);
/// Reflected CRC-64/NVME (polynomial 0xAD93D23594C93659).
static CRC64NVME_TABLE: [u64; 256] = crc64_table(0x9A6C_9329_AC4B_C9B5);

const fn crc32_table(reflected_polynomial: u32) -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut index = 0;
    while index < 256 {
        let mut value = index as u32;
        let mut bit = 0;
        while bit < 8 {
            value = if value & 1 == 1 {
                (value >> 1) ^ reflected_polynomial
            } else {
                value >> 1
            };
            bit += 1;
        }
        table[index] = value;
        index += 1;
    }
    table
}

const fn crc64_table(reflected_polynomial: u64) -> [u64; 256] {
    let mut table = [0u64; 256];
    let mut index = 0;
    while index < 256 {
        let mut value = index as u64;
        let mut bit = 0;
        while bit < 8 {
            value = if value & 1 == 1 {
                (value >> 1) ^ reflected_polynomial
            } else {
                value >> 1
            };
            bit += 1;
        }
        table[index] = value;
        index += 1;
    }
    table
}

fn crc32(table: &[u32; 256], data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |crc, &byte| {
        table[usize::from((crc as u8) ^ byte)] ^ (crc >> 8)
    })
}

fn crc64(table: &[u64; 256], data: &[u8]) -> u64 {
    !data.iter().fold(!0u64, |crc, &byte| {
        table[usize::from((crc as u8) ^ byte)] ^ (crc >> 8)
    })
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
