//! Which permissions each S3 operation needs: the IAM action, the resource ARN and S3's
//! condition keys the policy engine evaluates. Most operations need one, checked before
//! they run ([`S3Operation::request_check`]); DeleteObjects needs one per key, checked
//! while it runs, a refused key being an `AccessDenied` entry in its result.
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html>

use super::S3Operation;

/// One permission: an IAM action on a resource, with S3's condition keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessCheck {
    pub action: &'static str,
    pub resource: String,
    pub condition_keys: Vec<(String, String)>,
}

impl AccessCheck {
    /// `s3:DeleteObject` on one key, as DeleteObjects checks each of its keys.
    pub fn delete_object(bucket: &str, key: &str) -> Self {
        Self {
            action: "s3:DeleteObject",
            resource: format!("arn:aws:s3:::{bucket}/{key}"),
            condition_keys: Vec::new(),
        }
    }
}

impl S3Operation {
    /// The permission S3 checks before running the request. `None` where it checks none
    /// up front: `Unsupported` (its answer, `NoSuchBucket` or `NotImplemented`, touches
    /// nothing) and DeleteObjects (each key is checked while it runs, through
    /// [`execute_authorized`](super::execute_authorized)).
    pub fn request_check(&self) -> Option<AccessCheck> {
        match self {
            Self::Unsupported { .. } | Self::DeleteObjects { .. } => None,
            _ => Some(AccessCheck {
                action: self.iam_action(),
                resource: self.resource_arn(),
                condition_keys: self.condition_keys(),
            }),
        }
    }

    /// What a copy also needs: `s3:GetObject` on the object it reads, as S3 checks it.
    pub fn copy_source_check(&self) -> Option<AccessCheck> {
        match self {
            Self::CopyObject { source, .. } | Self::UploadPartCopy { source, .. } => {
                Some(AccessCheck {
                    action: "s3:GetObject",
                    resource: format!("arn:aws:s3:::{}/{}", source.bucket, source.key),
                    condition_keys: Vec::new(),
                })
            }
            _ => None,
        }
    }

    /// The IAM action the caller needs.
    /// <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html>
    pub fn iam_action(&self) -> &'static str {
        match self {
            Self::ListBuckets { .. } => "s3:ListAllMyBuckets",
            Self::CreateBucket { .. } => "s3:CreateBucket",
            Self::HeadBucket { .. } | Self::ListObjects { .. } | Self::ListObjectsV2 { .. } => {
                "s3:ListBucket"
            }
            Self::DeleteBucket { .. } => "s3:DeleteBucket",
            Self::GetBucketLocation { .. } => "s3:GetBucketLocation",
            Self::PutObject { .. }
            | Self::CreateMultipartUpload { .. }
            | Self::CopyObject { .. }
            | Self::UploadPartCopy { .. }
            | Self::UploadPart { .. }
            | Self::CompleteMultipartUpload { .. } => "s3:PutObject",
            Self::AbortMultipartUpload { .. } => "s3:AbortMultipartUpload",
            Self::ListParts { .. } => "s3:ListMultipartUploadParts",
            Self::ListMultipartUploads { .. } => "s3:ListBucketMultipartUploads",
            Self::GetObject { .. } | Self::HeadObject { .. } => "s3:GetObject",
            // For an edge that checks only this one action (see resource_arn).
            Self::DeleteObject { .. } | Self::DeleteObjects { .. } => "s3:DeleteObject",
            // Never authorized: execute answers NoSuchBucket or NotImplemented, touching
            // nothing.
            Self::Unsupported { .. } => "s3:Unsupported",
        }
    }

    /// `arn:aws:s3:::bucket`, `arn:aws:s3:::bucket/key`, or `*` where S3 has no resource.
    pub fn resource_arn(&self) -> String {
        match self {
            Self::ListBuckets { .. } | Self::Unsupported { .. } => "*".to_owned(),
            Self::CreateBucket { bucket, .. }
            | Self::HeadBucket { bucket }
            | Self::DeleteBucket { bucket }
            | Self::GetBucketLocation { bucket }
            | Self::ListObjects { bucket, .. }
            | Self::ListObjectsV2 { bucket, .. }
            | Self::ListMultipartUploads { bucket, .. } => format!("arn:aws:s3:::{bucket}"),
            Self::PutObject { bucket, key, .. }
            | Self::GetObject { bucket, key, .. }
            | Self::HeadObject { bucket, key, .. }
            | Self::DeleteObject { bucket, key }
            | Self::CreateMultipartUpload { bucket, key, .. }
            | Self::CopyObject { bucket, key, .. }
            | Self::UploadPartCopy { bucket, key, .. }
            | Self::UploadPart { bucket, key, .. }
            | Self::CompleteMultipartUpload { bucket, key, .. }
            | Self::AbortMultipartUpload { bucket, key, .. }
            | Self::ListParts { bucket, key, .. } => format!("arn:aws:s3:::{bucket}/{key}"),
            // An edge that checks only this one resource lets the caller delete a key only
            // if it may delete any key: `Resource: bucket/*` matches, and a Deny narrower
            // than the bucket does not. Exact per-key checks need request_check and
            // execute_authorized.
            Self::DeleteObjects { bucket, .. } => format!("arn:aws:s3:::{bucket}/*"),
        }
    }

    /// S3's service condition keys present in this request, for the policy engine.
    pub fn condition_keys(&self) -> Vec<(String, String)> {
        let mut keys: Vec<(&str, Option<String>)> = Vec::new();
        match self {
            Self::ListObjects {
                prefix,
                delimiter,
                max_keys,
                ..
            }
            | Self::ListObjectsV2 {
                prefix,
                delimiter,
                max_keys,
                ..
            } => {
                keys.push(("s3:prefix", prefix.clone()));
                keys.push(("s3:delimiter", delimiter.clone()));
                keys.push(("s3:max-keys", max_keys.map(|n| n.to_string())));
            }
            Self::CreateBucket {
                location_constraint,
                acl,
                ..
            } => {
                keys.push(("s3:LocationConstraint", location_constraint.clone()));
                keys.push(("s3:x-amz-acl", acl.clone()));
            }
            Self::PutObject { options, .. }
            | Self::CreateMultipartUpload { options, .. }
            | Self::CopyObject { options, .. } => {
                keys.push(("s3:x-amz-acl", options.acl.clone()));
                keys.push((
                    "s3:x-amz-server-side-encryption",
                    options.server_side_encryption.clone(),
                ));
                keys.push(("s3:x-amz-storage-class", options.storage_class.clone()));
            }
            _ => {}
        }
        keys.into_iter()
            .filter_map(|(name, value)| Some((name.to_owned(), value?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::s3::Unimplemented;

    #[test]
    fn request_checks() {
        let check = |action, resource: &str, keys: &[(&str, &str)]| {
            Some(AccessCheck {
                action,
                resource: resource.to_owned(),
                condition_keys: keys
                    .iter()
                    .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                    .collect(),
            })
        };
        #[rustfmt::skip]
        let cases = [
            ("location_checked_up_front", S3Operation::GetBucketLocation { bucket: "b-1".into() }, check("s3:GetBucketLocation", "arn:aws:s3:::b-1", &[])),
            ("list_v1_with_its_keys", S3Operation::ListObjects { bucket: "b-1".into(), prefix: Some("p/".into()), delimiter: Some("/".into()), marker: None, max_keys: None, encoding_type: None }, check("s3:ListBucket", "arn:aws:s3:::b-1", &[("s3:prefix", "p/"), ("s3:delimiter", "/")])),
            ("delete_object_checked_up_front", S3Operation::DeleteObject { bucket: "b-1".into(), key: "k".into() }, check("s3:DeleteObject", "arn:aws:s3:::b-1/k", &[])),
            ("delete_objects_checked_per_key", S3Operation::DeleteObjects { bucket: "b-1".into(), keys: vec!["k".into()], quiet: false }, None),
            ("copy_checked_on_its_target", S3Operation::CopyObject { bucket: "b-2".into(), key: "k".into(), source: crate::s3::CopySource { bucket: "b-1".into(), key: "s".into() }, replace_metadata: false, content_type: None, metadata: Vec::new(), options: crate::s3::PutOptions::default(), conditions: crate::s3::Preconditions::default(), checksum_algorithm: None }, check("s3:PutObject", "arn:aws:s3:::b-2/k", &[])),
            ("abort_upload", S3Operation::AbortMultipartUpload { bucket: "b-1".into(), key: "k".into(), upload_id: "u".into() }, check("s3:AbortMultipartUpload", "arn:aws:s3:::b-1/k", &[])),
            ("unsupported_needs_no_permission", S3Operation::Unsupported { description: Unimplemented { feature: "GetBucketAcl".into(), bucket: Some("b-1".into()) } }, None),
        ];
        for (name, operation, want) in cases {
            assert_eq!(operation.request_check(), want, "case {name}");
        }
        assert_eq!(
            AccessCheck::delete_object("b-1", "a/b c"),
            AccessCheck {
                action: "s3:DeleteObject",
                resource: "arn:aws:s3:::b-1/a/b c".into(),
                condition_keys: Vec::new(),
            },
            "case per_key_check"
        );
    }
}
