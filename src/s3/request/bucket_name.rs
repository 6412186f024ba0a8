//! S3's general-purpose bucket naming rules.
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html>

use crate::s3::error::S3Error;

/// Prefixes AWS reserves for its own buckets and aliases.
const RESERVED_PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];
/// Suffixes AWS reserves for access point aliases, directory and table buckets.
const RESERVED_SUFFIXES: [&str; 5] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/// `InvalidBucketName` unless `name` follows the naming rules.
pub fn validate(name: &str) -> Result<(), S3Error> {
    let reason = if !(3..=63).contains(&name.len()) {
        Some("must be 3 to 63 characters long")
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        Some("may contain only lowercase letters, digits, dots and hyphens")
    } else if !starts_and_ends_alphanumeric(name) {
        Some("must begin and end with a letter or digit")
    } else if name.contains("..") {
        Some("must not contain two adjacent periods")
    } else if looks_like_ipv4(name) {
        Some("must not be formatted as an IP address")
    } else if RESERVED_PREFIXES.iter().any(|p| name.starts_with(p)) {
        Some("uses a prefix reserved by AWS")
    } else if RESERVED_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        Some("uses a suffix reserved by AWS")
    } else {
        None
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(S3Error::InvalidBucketName {
            bucket: name.to_owned(),
            reason,
        }),
    }
}

fn starts_and_ends_alphanumeric(name: &str) -> bool {
    let alphanumeric = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    alphanumeric(name.bytes().next()) && alphanumeric(name.bytes().last())
}

/// Four dot-separated groups of digits, like `192.168.5.4`.
fn looks_like_ipv4(name: &str) -> bool {
    let groups: Vec<&str> = name.split('.').collect();
    groups.len() == 4
        && groups
            .iter()
            .all(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        let cases = [
            ("simple", "my-bucket", true),
            (
                "workshop_default",
                "eksworkshop-111122223333-us-west-2",
                true,
            ),
            ("dots", "my.bucket.name", true),
            ("three_chars", "abc", true),
            ("sixty_three", &"a".repeat(63), true),
            ("digits_only", "123", true),
            ("two_chars", "ab", false),
            ("sixty_four", &"a".repeat(64), false),
            ("uppercase", "My-Bucket", false),
            ("underscore", "my_bucket", false),
            ("leading_hyphen", "-bucket", false),
            ("trailing_hyphen", "bucket-", false),
            ("leading_dot", ".bucket", false),
            ("adjacent_dots", "my..bucket", false),
            ("ip_address", "192.168.5.4", false),
            ("ip_like_with_letters", "192.168.5.a4", true),
            ("reserved_xn", "xn--bucket", false),
            ("reserved_sthree", "sthree-bucket", false),
            ("reserved_alias", "bucket-s3alias", false),
            ("reserved_express", "bucket--x-s3", false),
            ("unicode", "bücket", false),
            ("slash", "a/b", false),
            ("empty", "", false),
        ];
        for (name, bucket, valid) in cases {
            assert_eq!(validate(bucket).is_ok(), valid, "case {name}");
        }
    }
}
