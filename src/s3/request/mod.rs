//! From the request line, headers and body to a typed [`S3Operation`]: addressing, the
//! method × target × query dispatch, and every parameter checked once here so operations
//! take only valid input. Unimplemented requests become [`S3Operation::Unsupported`].
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html>

mod addressing;
pub mod bucket_name;
mod create_bucket_configuration;
mod delete_objects;
mod headers;
mod query;
mod xml_body;

use self::addressing::Target;
use self::headers::Headers;
use self::query::{describe_subresource, Query};
use super::error::{S3Error, MAX_KEY_BYTES};
use super::input::EncodingType;
use super::{S3Operation, Unimplemented};

/// Query parameters of ListBuckets.
const LIST_BUCKETS_PARAMETERS: [&str; 4] = [
    "prefix",
    "continuation-token",
    "max-buckets",
    "bucket-region",
];
/// Query parameters of ListObjectsV2.
const LIST_OBJECTS_V2_PARAMETERS: [&str; 8] = [
    "list-type",
    "prefix",
    "delimiter",
    "continuation-token",
    "start-after",
    "max-keys",
    "encoding-type",
    "fetch-owner",
];
/// Query parameters of ListObjects (v1).
const LIST_OBJECTS_V1_PARAMETERS: [&str; 5] =
    ["prefix", "delimiter", "marker", "max-keys", "encoding-type"];
/// Query parameters of GetObject and HeadObject.
const READ_PARAMETERS: [&str; 6] = [
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
];

/// Parses one request. `path` is the raw (percent-encoded) path, `query` the raw query
/// string, `headers` the request headers (lowercase names), `body` the decoded body
/// (read only by CreateBucket). `virtual_host_suffix` (for example `localhost`) enables
/// virtual-host addressing for `Host: bucket.localhost[:port]`.
pub fn parse_operation(
    method: &str,
    path: &str,
    query: Option<&str>,
    host: Option<&str>,
    headers: &[(String, String)],
    body: &[u8],
    virtual_host_suffix: Option<&str>,
) -> Result<S3Operation, S3Error> {
    let request = Request {
        method,
        query: Query::parse(query),
        headers: Headers(headers),
        body,
    };
    let target = addressing::resolve(path, host, virtual_host_suffix)?;
    let existing_bucket = match &target {
        Target::Service => None,
        Target::Bucket(_) if request.creates_bucket() => None,
        Target::Bucket(bucket) | Target::Object { bucket, .. } => Some(bucket.clone()),
    };
    let parsed = match target {
        Target::Service => request.service(),
        Target::Bucket(bucket) => request.bucket(bucket),
        Target::Object { bucket, key } => request.object(bucket, key),
    };
    // Helpers signal "not implemented" as an error; it leaves here as an operation.
    match parsed {
        Err(S3Error::NotImplemented { description }) => Ok(S3Operation::Unsupported {
            description: Unimplemented {
                feature: description,
                bucket: existing_bucket,
            },
        }),
        other => other,
    }
}

/// The not-implemented signal of the parse helpers.
fn unsupported(description: &str) -> S3Error {
    S3Error::NotImplemented {
        description: description.to_owned(),
    }
}

/// One request's parts, for the per-target parsers.
struct Request<'a> {
    method: &'a str,
    query: Query,
    headers: Headers<'a>,
    body: &'a [u8],
}

impl Request<'_> {
    /// Whether this is CreateBucket (`PUT /{bucket}` without a sub-resource), the one
    /// bucket request whose bucket need not exist.
    fn creates_bucket(&self) -> bool {
        self.method == "PUT" && self.query.unexpected(&[]).is_none()
    }

    /// `/`: only ListBuckets.
    fn service(&self) -> Result<S3Operation, S3Error> {
        match self.method {
            "GET" => {
                if let Some(name) = self.query.unexpected(&LIST_BUCKETS_PARAMETERS) {
                    return Err(unsupported(&format!("GET /?{name}")));
                }
                Ok(S3Operation::ListBuckets {
                    prefix: self.text("prefix"),
                    continuation_token: self.text("continuation-token"),
                    max_buckets: self.number(
                        "max-buckets",
                        1,
                        10_000,
                        "Argument max-buckets must be an integer between 1 and 10000",
                    )?,
                    bucket_region: self.text("bucket-region"),
                })
            }
            method => Err(self.method_not_allowed(method, "SERVICE")),
        }
    }

    /// `/{bucket}`: the method and the sub-resource choose the operation.
    fn bucket(&self, bucket: String) -> Result<S3Operation, S3Error> {
        let has = |name: &str| self.query.get(name).is_some();
        let allowed: &[&str] = match self.method {
            "GET" if has("location") => &["location"],
            "GET" if has("list-type") => &LIST_OBJECTS_V2_PARAMETERS,
            "GET" => &LIST_OBJECTS_V1_PARAMETERS,
            "POST" if has("delete") => &["delete"],
            "HEAD" | "PUT" | "DELETE" | "POST" => &[],
            method => return Err(self.method_not_allowed(method, "BUCKET")),
        };
        if let Some(name) = self.query.unexpected(allowed) {
            return Err(unsupported(&describe_subresource(self.method, false, name)));
        }
        headers::refuse_common(self.headers)?;
        match self.method {
            "GET" if has("location") => Ok(S3Operation::GetBucketLocation { bucket }),
            "GET" => self.list_objects(bucket),
            "HEAD" => Ok(S3Operation::HeadBucket { bucket }),
            "PUT" => Ok(S3Operation::CreateBucket {
                acl: headers::create_bucket_acl(self.headers)?,
                location_constraint: create_bucket_configuration::location_constraint(self.body)?,
                bucket,
            }),
            "DELETE" => Ok(S3Operation::DeleteBucket { bucket }),
            "POST" if has("delete") => delete_objects::parse(bucket, self.headers, self.body),
            _ => Err(unsupported(
                "PostObject (browser-based upload, POST /{bucket})",
            )),
        }
    }

    /// `GET /{bucket}`: ListObjectsV2 when `list-type=2`, else ListObjects (v1).
    fn list_objects(&self, bucket: String) -> Result<S3Operation, S3Error> {
        let prefix = self.text("prefix");
        let delimiter = self.text("delimiter");
        let max_keys = self.number(
            "max-keys",
            0,
            2_147_483_647,
            "Provided max-keys not an integer or within integer range",
        )?;
        let encoding_type = match self.query.get("encoding-type") {
            None => None,
            Some("url") => Some(EncodingType::Url),
            Some(other) => {
                return Err(invalid_argument(
                    "encoding-type",
                    other,
                    "Invalid Encoding Method specified in Request",
                ))
            }
        };
        match self.query.get("list-type") {
            None => Ok(S3Operation::ListObjects {
                bucket,
                prefix,
                delimiter,
                marker: self.text("marker"),
                max_keys,
                encoding_type,
            }),
            Some("2") => Ok(S3Operation::ListObjectsV2 {
                bucket,
                prefix,
                delimiter,
                continuation_token: self.text("continuation-token"),
                start_after: self.text("start-after"),
                max_keys,
                encoding_type,
                fetch_owner: match self.query.get("fetch-owner") {
                    None => false,
                    Some(flag) if flag.eq_ignore_ascii_case("true") => true,
                    Some(flag) if flag.eq_ignore_ascii_case("false") => false,
                    Some(other) => {
                        return Err(invalid_argument("fetch-owner", other, "Invalid Argument"))
                    }
                },
            }),
            Some(other) => Err(invalid_argument(
                "list-type",
                other,
                "Invalid List Type specified in Request",
            )),
        }
    }

    /// `/{bucket}/{key}`.
    fn object(&self, bucket: String, key: String) -> Result<S3Operation, S3Error> {
        let allowed: &[&str] = match self.method {
            "GET" | "HEAD" => &READ_PARAMETERS,
            "PUT" | "DELETE" | "POST" => &[],
            method => return Err(self.method_not_allowed(method, "OBJECT")),
        };
        if let Some(name) = self.query.unexpected(allowed) {
            return Err(unsupported(&describe_subresource(self.method, true, name)));
        }
        headers::refuse_common(self.headers)?;
        if key.len() > MAX_KEY_BYTES {
            return Err(S3Error::KeyTooLong { length: key.len() });
        }
        let range = self.headers.get("range").map(str::to_owned);
        match self.method {
            "PUT" => {
                let put = headers::put_object(self.headers)?;
                Ok(S3Operation::PutObject {
                    bucket,
                    key,
                    content_type: put.content_type,
                    metadata: put.metadata,
                    options: put.options,
                })
            }
            "GET" => Ok(S3Operation::GetObject {
                options: headers::read_options(self.headers, &self.query)?,
                bucket,
                key,
                range,
            }),
            "HEAD" => Ok(S3Operation::HeadObject {
                options: headers::read_options(self.headers, &self.query)?,
                bucket,
                key,
                range,
            }),
            "DELETE" => {
                headers::refuse_delete_conditions(self.headers)?;
                Ok(S3Operation::DeleteObject { bucket, key })
            }
            _ => Err(unsupported(
                "POST /{bucket}/{key} without a supported sub-resource",
            )),
        }
    }

    /// A query parameter's text, as sent.
    fn text(&self, name: &str) -> Option<String> {
        self.query.get(name).map(str::to_owned)
    }

    /// A decimal query parameter in `min..=max`, else `InvalidArgument` with `message`.
    fn number(
        &self,
        name: &'static str,
        min: u32,
        max: u32,
        message: &'static str,
    ) -> Result<Option<u32>, S3Error> {
        let Some(text) = self.query.get(name) else {
            return Ok(None);
        };
        match text.parse::<u32>() {
            Ok(value)
                if (min..=max).contains(&value) && text.bytes().all(|b| b.is_ascii_digit()) =>
            {
                Ok(Some(value))
            }
            _ => Err(invalid_argument(name, text, message)),
        }
    }

    /// `MethodNotAllowed` for a method S3 has no operation for; `NotImplemented` for the
    /// S3 methods we route nowhere.
    fn method_not_allowed(&self, method: &str, resource_type: &'static str) -> S3Error {
        match method {
            "GET" | "HEAD" | "PUT" | "POST" | "DELETE" => unsupported(&format!(
                "{method} on the {} resource",
                resource_type.to_ascii_lowercase()
            )),
            _ => S3Error::MethodNotAllowed {
                method: method.to_owned(),
                resource_type,
            },
        }
    }
}

/// `InvalidArgument` naming the parameter and its value.
fn invalid_argument(name: &'static str, value: &str, message: &'static str) -> S3Error {
    S3Error::InvalidArgument {
        name,
        value: value.to_owned(),
        message,
    }
}

#[cfg(test)]
mod tests;
