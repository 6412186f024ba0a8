//! The query string of an S3 request: its parameters, minus the ones that belong to
//! authentication (presigned-URL `X-Amz-*`, SigV2's `AWSAccessKeyId`) or to SDK routing
//! hints (`x-id`), and the names of the sub-resources we do not implement.

/// Parameters that never change the operation: SigV4 and SigV2 presigning (botocore
/// spells SigV2's token `x-amz-security-token`) and the `x-id` hint that newer SDKs add
/// (`?x-id=PutObject`).
const IGNORED: [&str; 12] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
    "AWSAccessKeyId",
    "Signature",
    "Expires",
    "x-amz-security-token",
    "x-id",
];

/// Decoded query parameters in request order.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Decodes `raw` (`a=b&c`); `+` is a space, as S3 reads query strings.
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .filter(|(name, _)| !name.is_empty() && !IGNORED.contains(&name.as_ref()))
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        Self { pairs }
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(candidate, _)| candidate == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first parameter not in `allowed`.
    pub fn unexpected(&self, allowed: &[&str]) -> Option<&str> {
        self.pairs
            .iter()
            .map(|(name, _)| name.as_str())
            .find(|name| !allowed.contains(name))
    }
}

/// The S3 operation a sub-resource parameter selects, for the `NotImplemented` message,
/// e.g. `GetBucketAcl (GET /{bucket}?acl)`.
pub fn describe_subresource(method: &str, on_object: bool, name: &str) -> String {
    let verb = match method {
        "GET" | "HEAD" => "Get",
        "PUT" => "Put",
        "DELETE" => "Delete",
        _ => "",
    };
    let level = if on_object { "Object" } else { "Bucket" };
    let resource = if on_object {
        "/{bucket}/{key}"
    } else {
        "/{bucket}"
    };
    let operation = match (method, on_object, name) {
        ("GET", false, "versions") => Some("ListObjectVersions".to_owned()),
        ("GET", false, "uploads") => Some("ListMultipartUploads".to_owned()),
        ("POST", true, "uploads") => Some("CreateMultipartUpload".to_owned()),
        ("PUT", true, "uploadId" | "partNumber") => Some("UploadPart".to_owned()),
        ("POST", true, "uploadId") => Some("CompleteMultipartUpload".to_owned()),
        ("DELETE", true, "uploadId") => Some("AbortMultipartUpload".to_owned()),
        ("GET", true, "uploadId") => Some("ListParts".to_owned()),
        ("GET" | "HEAD", true, "partNumber") => Some(format!("{verb}Object by part number")),
        (_, true, "versionId") => Some(format!("{verb}Object on a version")),
        ("POST", true, "restore") => Some("RestoreObject".to_owned()),
        ("POST", true, "select") => Some("SelectObjectContent".to_owned()),
        _ if verb.is_empty() => None,
        _ => resource_name(name).map(|resource_name| format!("{verb}{level}{resource_name}")),
    };
    match operation {
        Some(operation) => format!("{operation} ({method} {resource}?{name})"),
        None => format!("{method} {resource}?{name}"),
    }
}

/// The operation-name suffix of a sub-resource (`acl` → `Acl`).
fn resource_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "acl" => "Acl",
        "policy" => "Policy",
        "policyStatus" => "PolicyStatus",
        "tagging" => "Tagging",
        "versioning" => "Versioning",
        "cors" => "Cors",
        "lifecycle" => "Lifecycle",
        "website" => "Website",
        "encryption" => "Encryption",
        "notification" => "NotificationConfiguration",
        "logging" => "Logging",
        "replication" => "Replication",
        "ownershipControls" => "OwnershipControls",
        "publicAccessBlock" => "PublicAccessBlock",
        "accelerate" => "AccelerateConfiguration",
        "requestPayment" => "RequestPayment",
        "object-lock" => "ObjectLockConfiguration",
        "retention" => "Retention",
        "legal-hold" => "LegalHold",
        "attributes" => "Attributes",
        "torrent" => "Torrent",
        "analytics" => "AnalyticsConfiguration",
        "inventory" => "InventoryConfiguration",
        "metrics" => "MetricsConfiguration",
        "intelligent-tiering" => "IntelligentTieringConfiguration",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_filters() {
        let query = Query::parse(Some(
            "list-type=2&prefix=a+b%2Fc&acl&x-id=ListObjectsV2&X-Amz-Signature=ff&&=x&AWSAccessKeyId=k&Signature=s&Expires=1&x-amz-security-token=t",
        ));
        assert_eq!(query.get("prefix"), Some("a b/c"), "plus_is_space");
        assert_eq!(query.get("acl"), Some(""), "flag_without_value");
        assert_eq!(query.get("x-id"), None, "routing_hint_dropped");
        assert_eq!(query.get("X-Amz-Signature"), None, "presign_dropped");
        for name in [
            "AWSAccessKeyId",
            "Signature",
            "Expires",
            "x-amz-security-token",
        ] {
            assert_eq!(query.get(name), None, "sigv2_presign_dropped: {name}");
        }
        assert_eq!(query.unexpected(&["list-type", "prefix"]), Some("acl"));
    }

    #[test]
    fn describes_subresources() {
        let cases = [
            (
                "bucket_acl",
                "GET",
                false,
                "acl",
                "GetBucketAcl (GET /{bucket}?acl)",
            ),
            (
                "object_tagging",
                "PUT",
                true,
                "tagging",
                "PutObjectTagging (PUT /{bucket}/{key}?tagging)",
            ),
            (
                "multipart",
                "POST",
                true,
                "uploads",
                "CreateMultipartUpload (POST /{bucket}/{key}?uploads)",
            ),
            (
                "unknown",
                "GET",
                false,
                "frobnicate",
                "GET /{bucket}?frobnicate",
            ),
        ];
        for (name, method, on_object, parameter, want) in cases {
            assert_eq!(
                describe_subresource(method, on_object, parameter),
                want,
                "case {name}"
            );
        }
    }
}
