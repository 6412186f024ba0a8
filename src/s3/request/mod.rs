//! From the request line, headers and body to a typed [`S3Operation`]: addressing, the
//! method × target × query dispatch, and every parameter checked once here so operations
//! take only valid input. Unimplemented requests become [`S3Operation::Unsupported`].
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html>

mod addressing;
pub mod bucket_name;
mod complete_multipart_upload;
mod create_bucket_configuration;
mod delete_objects;
mod headers;
mod query;
mod xml_body;

pub(crate) use self::addressing::virtual_host_bucket;
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
/// Query parameters of ListParts.
const LIST_PARTS_PARAMETERS: [&str; 4] = [
    "uploadId",
    "max-parts",
    "part-number-marker",
    "encoding-type",
];
/// Query parameters of ListMultipartUploads.
const LIST_UPLOADS_PARAMETERS: [&str; 7] = [
    "uploads",
    "prefix",
    "delimiter",
    "key-marker",
    "upload-id-marker",
    "max-uploads",
    "encoding-type",
];
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
            "GET" if has("uploads") => &LIST_UPLOADS_PARAMETERS,
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
            "GET" if has("uploads") => Ok(S3Operation::ListMultipartUploads {
                bucket,
                prefix: self.text("prefix"),
                delimiter: self.text("delimiter"),
                key_marker: self.text("key-marker"),
                upload_id_marker: self.text("upload-id-marker"),
                max_uploads: self.number(
                    "max-uploads",
                    1,
                    2_147_483_647,
                    "Argument max-uploads must be an integer between 1 and 2147483647",
                )?,
                encoding_type: self.encoding_type()?,
            }),
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
        let encoding_type = self.encoding_type()?;
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
            "GET" if self.query.get("uploadId").is_some() => &LIST_PARTS_PARAMETERS,
            "GET" | "HEAD" => &READ_PARAMETERS,
            "PUT" => &["partNumber", "uploadId"],
            "POST" => &["uploads", "uploadId"],
            "DELETE" => &["uploadId"],
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
        if let Some(operation) = self.multipart(&bucket, &key)? {
            return Ok(operation);
        }
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

    /// The multipart operations on `/{bucket}/{key}`, by method and sub-resource; `None`
    /// for the plain object operations.
    fn multipart(&self, bucket: &str, key: &str) -> Result<Option<S3Operation>, S3Error> {
        let upload_id = self.query.get("uploadId").map(str::to_owned);
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        let operation = match (self.method, upload_id) {
            ("POST", None) if self.query.get("uploads").is_some() => {
                let put = headers::put_object(self.headers)?;
                let (checksum_algorithm, full_object_checksum) =
                    headers::upload_checksum(self.headers)?;
                S3Operation::CreateMultipartUpload {
                    bucket,
                    key,
                    content_type: put.content_type,
                    metadata: put.metadata,
                    options: put.options,
                    checksum_algorithm,
                    full_object_checksum,
                }
            }
            ("PUT", Some(upload_id)) if self.headers.get("x-amz-copy-source").is_some() => {
                let part_number = self.part_number()?;
                S3Operation::UploadPartCopy {
                    bucket,
                    key,
                    upload_id,
                    part_number,
                    source: headers::copy_source(self.headers)?
                        .ok_or_else(|| unsupported("UploadPartCopy without a copy source"))?,
                    range: self
                        .headers
                        .get("x-amz-copy-source-range")
                        .map(str::to_owned),
                    conditions: headers::copy_conditions(self.headers),
                }
            }
            ("PUT", None) if self.headers.get("x-amz-copy-source").is_some() => {
                let put = headers::put_object(self.headers)?;
                let (checksum_algorithm, _) = headers::upload_checksum(self.headers)?;
                S3Operation::CopyObject {
                    bucket,
                    key,
                    source: headers::copy_source(self.headers)?
                        .ok_or_else(|| unsupported("CopyObject without a copy source"))?,
                    replace_metadata: headers::replaces_metadata(self.headers)?,
                    content_type: put.content_type,
                    metadata: put.metadata,
                    options: put.options,
                    conditions: headers::copy_conditions(self.headers),
                    checksum_algorithm,
                }
            }
            ("PUT", Some(upload_id)) => {
                let part_number = self.part_number()?;
                S3Operation::UploadPart {
                    bucket,
                    key,
                    upload_id,
                    part_number,
                    options: headers::put_object(self.headers)?.options,
                }
            }
            ("PUT", None) if self.query.get("partNumber").is_some() => {
                return Err(S3Error::InvalidRequest {
                    message: "A part number requires an upload id (uploadId).".to_owned(),
                })
            }
            ("POST", Some(upload_id)) => S3Operation::CompleteMultipartUpload {
                bucket,
                key,
                upload_id,
                parts: complete_multipart_upload::parts(self.body)?,
            },
            ("DELETE", Some(upload_id)) => S3Operation::AbortMultipartUpload {
                bucket,
                key,
                upload_id,
            },
            ("GET", Some(upload_id)) => S3Operation::ListParts {
                bucket,
                key,
                upload_id,
                max_parts: self.number(
                    "max-parts",
                    0,
                    2_147_483_647,
                    "Provided max-parts not an integer or within integer range",
                )?,
                part_number_marker: self.number(
                    "part-number-marker",
                    0,
                    2_147_483_647,
                    "Provided part-number-marker not an integer or within integer range",
                )?,
            },
            _ => return Ok(None),
        };
        Ok(Some(operation))
    }

    /// `partNumber`: 1 to 10,000.
    fn part_number(&self) -> Result<u32, S3Error> {
        let text = self.query.get("partNumber").unwrap_or("");
        self.number(
            "partNumber",
            1,
            10_000,
            "Part number must be an integer between 1 and 10000, inclusive",
        )?
        .ok_or_else(|| {
            invalid_argument(
                "partNumber",
                text,
                "Part number must be an integer between 1 and 10000, inclusive",
            )
        })
    }

    /// `encoding-type`: only `url`.
    fn encoding_type(&self) -> Result<Option<EncodingType>, S3Error> {
        match self.query.get("encoding-type") {
            None => Ok(None),
            Some("url") => Ok(Some(EncodingType::Url)),
            Some(other) => Err(invalid_argument(
                "encoding-type",
                other,
                "Invalid Encoding Method specified in Request",
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
