//! Which permission each S3 operation needs: the IAM action, the resource ARN and S3's
//! condition keys the policy engine evaluates.
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html>

use super::S3Operation;

impl S3Operation {
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
            Self::PutObject { .. } => "s3:PutObject",
            Self::GetObject { .. } | Self::HeadObject { .. } => "s3:GetObject",
            Self::DeleteObject { .. } => "s3:DeleteObject",
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
            | Self::ListObjectsV2 { bucket, .. } => format!("arn:aws:s3:::{bucket}"),
            Self::PutObject { bucket, key, .. }
            | Self::GetObject { bucket, key, .. }
            | Self::HeadObject { bucket, key, .. }
            | Self::DeleteObject { bucket, key } => format!("arn:aws:s3:::{bucket}/{key}"),
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
            Self::PutObject { options, .. } => {
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
