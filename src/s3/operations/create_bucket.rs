//! CreateBucket: a bucket in the store's region, with S3's location-constraint rules
//! (REFERENCE 3.3): a missing constraint is only valid in us-east-1, an explicit
//! `us-east-1` is never valid, and any other constraint must name this region.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html>

use crate::s3::store::Creation;
use crate::s3::{S3Error, S3Response, S3Store};

/// The region whose buckets take no location constraint.
const US_EAST_1: &str = "us-east-1";

/// Runs CreateBucket.
pub fn run(
    store: &S3Store,
    bucket: &str,
    location_constraint: Option<&str>,
    now: u64,
) -> Result<S3Response, S3Error> {
    let region = store.region();
    check_location(region, location_constraint)?;
    match store.create_bucket(bucket, now)? {
        Creation::Created => {}
        // S3's legacy behaviour in us-east-1: re-creating your own bucket is a 200.
        Creation::AlreadyOwned if region == US_EAST_1 => {}
        Creation::AlreadyOwned => {
            return Err(S3Error::BucketAlreadyOwnedByYou {
                bucket: bucket.to_owned(),
            })
        }
    }
    let location = if region == US_EAST_1 {
        format!("/{bucket}")
    } else {
        format!("http://{bucket}.s3.amazonaws.com/")
    };
    Ok(S3Response::empty(200).with_header("location", location))
}

/// S3's location-constraint rules for an endpoint in `region`.
fn check_location(region: &str, constraint: Option<&str>) -> Result<(), S3Error> {
    match constraint {
        None if region == US_EAST_1 => Ok(()),
        None => Err(S3Error::IllegalLocationConstraint {
            constraint: None,
            region: region.to_owned(),
        }),
        Some(constraint) if constraint == US_EAST_1 || !looks_like_region(constraint) => {
            Err(S3Error::InvalidLocationConstraint {
                constraint: constraint.to_owned(),
            })
        }
        Some(constraint)
            if constraint == region || (constraint == "EU" && region == "eu-west-1") =>
        {
            Ok(())
        }
        Some(constraint) => Err(S3Error::IllegalLocationConstraint {
            constraint: Some(constraint.to_owned()),
            region: region.to_owned(),
        }),
    }
}

/// `EU` (the legacy name of eu-west-1) or the shape of a region code: lowercase
/// hyphen-separated words ending in a number (`us-west-2`, `us-gov-east-1`).
fn looks_like_region(constraint: &str) -> bool {
    let parts: Vec<&str> = constraint.split('-').collect();
    constraint == "EU"
        || (parts.len() >= 3
            && parts.iter().all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
            && parts
                .last()
                .is_some_and(|last| last.bytes().all(|b| b.is_ascii_digit())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::s3::test_support::{execute, TestStore};

    fn body(constraint: &str) -> Vec<u8> {
        format!("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>{constraint}</LocationConstraint></CreateBucketConfiguration>").into_bytes()
    }

    #[test]
    fn creates_buckets_in_us_west_2() {
        let store = TestStore::in_region("us-west-2", &["seeded"]);
        let cases = [
            ("matching_constraint", "/new-1", body("us-west-2"), Ok(200)),
            (
                "recreate_is_owned_by_you",
                "/new-1",
                body("us-west-2"),
                Err("BucketAlreadyOwnedByYou"),
            ),
            (
                "seeded_is_owned_by_you",
                "/seeded",
                body("us-west-2"),
                Err("BucketAlreadyOwnedByYou"),
            ),
            (
                "missing_constraint",
                "/new-2",
                Vec::new(),
                Err("IllegalLocationConstraintException"),
            ),
            (
                "other_region",
                "/new-3",
                body("eu-west-1"),
                Err("IllegalLocationConstraintException"),
            ),
            (
                "explicit_us_east_1",
                "/new-4",
                body("us-east-1"),
                Err("InvalidLocationConstraint"),
            ),
            (
                "not_a_region",
                "/new-5",
                body("moon"),
                Err("InvalidLocationConstraint"),
            ),
            (
                "malformed_body",
                "/new-6",
                b"<CreateBucketConfiguration>".to_vec(),
                Err("MalformedXML"),
            ),
            (
                "bad_name",
                "/New_Bucket",
                body("us-west-2"),
                Err("InvalidBucketName"),
            ),
        ];
        for (name, path, request_body, want) in cases {
            let got = execute(&store, "PUT", path, None, &[], &request_body);
            assert_eq!(
                got.as_ref().map(|r| r.status).map_err(|e| e.code()),
                want,
                "case {name}"
            );
        }
        let created = execute(&store, "PUT", "/new-7", None, &[], &body("us-west-2")).unwrap();
        assert_eq!(
            created.header("location"),
            Some("http://new-7.s3.amazonaws.com/")
        );
        assert_eq!(store.bucket("new-7").unwrap().region, "us-west-2");
    }

    #[test]
    fn creates_buckets_in_us_east_1() {
        let store = TestStore::in_region(US_EAST_1, &[]);
        let cases = [
            ("no_constraint", "/new-1", Vec::new(), Ok(200)),
            ("recreate_is_legacy_200", "/new-1", Vec::new(), Ok(200)),
            (
                "explicit_us_east_1",
                "/new-2",
                body("us-east-1"),
                Err("InvalidLocationConstraint"),
            ),
            (
                "other_region",
                "/new-3",
                body("us-west-2"),
                Err("IllegalLocationConstraintException"),
            ),
        ];
        for (name, path, request_body, want) in cases {
            let got = execute(&store, "PUT", path, None, &[], &request_body);
            assert_eq!(
                got.as_ref().map(|r| r.status).map_err(|e| e.code()),
                want,
                "case {name}"
            );
        }
        let again = execute(&store, "PUT", "/new-1", None, &[], b"").unwrap();
        assert_eq!(again.header("location"), Some("/new-1"));
    }

    #[test]
    fn region_shapes() {
        let cases = [
            ("standard", "eu-west-1", true),
            ("gov", "us-gov-west-1", true),
            ("legacy_eu", "EU", true),
            ("word", "moon", false),
            ("uppercase", "US-WEST-2", false),
            ("no_number", "us-west-x", false),
            ("empty_part", "us--1", false),
        ];
        for (name, constraint, want) in cases {
            assert_eq!(looks_like_region(constraint), want, "case {name}");
        }
    }
}
