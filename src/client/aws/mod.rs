//! The AWS calls client commands make, each signed and typed: EKS DescribeCluster over
//! rest-json, and IAM over the query protocol (signed for `us-east-1`, as IAM's endpoint is
//! global). A refusal becomes [`ClientError::Aws`] with the code AWS tooling would show,
//! read from `x-amzn-ErrorType` or the XML `ErrorResponse`.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html>

use axum::http::Method;
use serde::Deserialize;

use super::http::Answer;
use super::{sign, Client, ClientError};
use crate::iam;
use crate::protocol::error::REASON_HEADER;
use crate::world::{ClusterName, RoleName};

/// IAM is global: every SDK signs its calls for this region.
const IAM_SIGNING_REGION: &str = "us-east-1";
const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// What DescribeCluster says about a cluster, as far as IRSA needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterDescription {
    pub name: String,
    pub arn: String,
    /// `identity.oidc.issuer`, absent for a cluster without an OIDC issuer.
    pub issuer: Option<String>,
}

/// What CreateRole is asked to make.
#[derive(Debug, Clone)]
pub struct NewRole<'a> {
    pub name: &'a RoleName,
    /// The trust policy, as JSON.
    pub assume_role_policy_document: &'a str,
    pub description: &'a str,
    pub tags: &'a [(String, String)],
}

/// The role CreateRole made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedRole {
    pub name: String,
    pub arn: String,
}

impl Client {
    /// EKS DescribeCluster: `GET /clusters/{name}`.
    pub async fn describe_cluster(
        &self,
        name: &ClusterName,
    ) -> Result<ClusterDescription, ClientError> {
        const OPERATION: &str = "DescribeCluster";
        let mut parts =
            self.http
                .head(OPERATION, Method::GET, &format!("/clusters/{name}"), None)?;
        sign::sign(
            &mut parts,
            b"",
            &self.credentials,
            &self.region,
            "eks",
            self.clock.now(),
        )?;
        let answer = self.http.send(OPERATION, parts, Vec::new()).await?;
        let output: DescribeClusterOutput = json_answer(OPERATION, &answer)?;
        let cluster = output.cluster;
        Ok(ClusterDescription {
            name: cluster.name,
            arn: cluster.arn,
            issuer: cluster
                .identity
                .and_then(|identity| identity.oidc)
                .and_then(|oidc| oidc.issuer),
        })
    }

    /// IAM ListOpenIDConnectProviders: every provider's ARN.
    pub async fn list_open_id_connect_providers(&self) -> Result<Vec<String>, ClientError> {
        const OPERATION: &str = "ListOpenIDConnectProviders";
        let answer = self.iam(OPERATION, &[]).await?;
        let output: ListProvidersResponse = xml_answer(OPERATION, &answer)?;
        Ok(output
            .result
            .list
            .member
            .into_iter()
            .map(|entry| entry.arn)
            .collect())
    }

    /// IAM CreateRole.
    pub async fn create_role(&self, role: &NewRole<'_>) -> Result<CreatedRole, ClientError> {
        const OPERATION: &str = "CreateRole";
        let mut params = vec![
            ("RoleName".to_owned(), role.name.as_str()),
            (
                "AssumeRolePolicyDocument".to_owned(),
                role.assume_role_policy_document,
            ),
            ("Description".to_owned(), role.description),
        ];
        for (index, (key, value)) in role.tags.iter().enumerate() {
            params.push((format!("Tags.member.{}.Key", index + 1), key.as_str()));
            params.push((format!("Tags.member.{}.Value", index + 1), value.as_str()));
        }
        let params: Vec<(&str, &str)> = params
            .iter()
            .map(|(name, value)| (name.as_str(), *value))
            .collect();
        let answer = self.iam(OPERATION, &params).await?;
        let output: CreateRoleResponse = xml_answer(OPERATION, &answer)?;
        Ok(CreatedRole {
            name: output.result.role.role_name,
            arn: output.result.role.arn,
        })
    }

    /// IAM AttachRolePolicy.
    pub async fn attach_role_policy(
        &self,
        role: &RoleName,
        policy_arn: &str,
    ) -> Result<(), ClientError> {
        self.iam(
            "AttachRolePolicy",
            &[("RoleName", role.as_str()), ("PolicyArn", policy_arn)],
        )
        .await
        .map(drop)
    }

    /// IAM DetachRolePolicy.
    pub async fn detach_role_policy(
        &self,
        role: &RoleName,
        policy_arn: &str,
    ) -> Result<(), ClientError> {
        self.iam(
            "DetachRolePolicy",
            &[("RoleName", role.as_str()), ("PolicyArn", policy_arn)],
        )
        .await
        .map(drop)
    }

    /// IAM DeleteRole (refused while policies are attached).
    pub async fn delete_role(&self, role: &RoleName) -> Result<(), ClientError> {
        self.iam("DeleteRole", &[("RoleName", role.as_str())])
            .await
            .map(drop)
    }

    /// One signed IAM call: `POST /` with the form `Action=…&Version=2010-05-08&…`; a
    /// refusal is an error.
    async fn iam(
        &self,
        action: &'static str,
        params: &[(&str, &str)],
    ) -> Result<Answer, ClientError> {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("Action", action);
        form.append_pair("Version", iam::VERSION);
        for (name, value) in params {
            form.append_pair(name, value);
        }
        let body = form.finish().into_bytes();
        let mut parts = self.http.head(action, Method::POST, "/", Some(FORM))?;
        sign::sign(
            &mut parts,
            &body,
            &self.credentials,
            IAM_SIGNING_REGION,
            "iam",
            self.clock.now(),
        )?;
        let answer = self.http.send(action, parts, body).await?;
        if answer.status.is_success() {
            Ok(answer)
        } else {
            Err(refusal(action, &answer))
        }
    }
}

/// A successful rest-json answer's body, or the refusal it carries.
fn json_answer<T: for<'de> Deserialize<'de>>(
    operation: &'static str,
    answer: &Answer,
) -> Result<T, ClientError> {
    if !answer.status.is_success() {
        return Err(refusal(operation, answer));
    }
    serde_json::from_slice(&answer.body).map_err(|err| unexpected(operation, answer, &err))
}

/// A successful query-protocol answer's XML document.
fn xml_answer<T: for<'de> Deserialize<'de>>(
    operation: &'static str,
    answer: &Answer,
) -> Result<T, ClientError> {
    quick_xml::de::from_str(&answer.text()).map_err(|err| unexpected(operation, answer, &err))
}

/// The AWS error a refused call carries: the code from `x-amzn-ErrorType` (rest-json) or
/// the `ErrorResponse` document (query), the message from the body.
fn refusal(operation: &'static str, answer: &Answer) -> ClientError {
    let header = |name: &str| {
        answer
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let reason = header(REASON_HEADER);
    let from_header = header("x-amzn-errortype").map(|value| error_type_code(&value).to_owned());
    let parsed = match from_header {
        Some(code) => serde_json::from_slice::<JsonError>(&answer.body)
            .ok()
            .map(|body| (code, body.message.unwrap_or_default())),
        None => quick_xml::de::from_str::<ErrorResponse>(&answer.text())
            .ok()
            .map(|document| (document.error.code, document.error.message)),
    };
    match parsed {
        Some((code, message)) => ClientError::Aws {
            operation,
            status: answer.status.as_u16(),
            code,
            // irsa-local's reason adds nothing when it repeats the message.
            reason: reason.filter(|reason| *reason != message),
            message,
        },
        None => unexpected(operation, answer, &"not an AWS error document"),
    }
}

/// `x-amzn-ErrorType` is `Code`, `Code:uri` or `namespace#Code`; the code is what
/// botocore keeps.
fn error_type_code(value: &str) -> &str {
    let before_colon = value.split(':').next().unwrap_or(value);
    before_colon.rsplit('#').next().unwrap_or(before_colon)
}

fn unexpected(
    operation: &'static str,
    answer: &Answer,
    cause: &dyn std::fmt::Display,
) -> ClientError {
    let text = answer.text();
    let excerpt: String = text.chars().take(300).collect();
    ClientError::Unexpected {
        operation: operation.to_owned(),
        status: answer.status.as_u16(),
        detail: format!("{cause}; body: {excerpt}"),
    }
}

#[derive(Deserialize)]
struct DescribeClusterOutput {
    cluster: ClusterJson,
}

#[derive(Deserialize)]
struct ClusterJson {
    name: String,
    arn: String,
    #[serde(default)]
    identity: Option<IdentityJson>,
}

#[derive(Deserialize)]
struct IdentityJson {
    #[serde(default)]
    oidc: Option<OidcJson>,
}

#[derive(Deserialize)]
struct OidcJson {
    #[serde(default)]
    issuer: Option<String>,
}

#[derive(Deserialize)]
struct JsonError {
    #[serde(default, alias = "Message")]
    message: Option<String>,
}

#[derive(Deserialize)]
struct ListProvidersResponse {
    #[serde(rename = "ListOpenIDConnectProvidersResult")]
    result: ListProvidersResult,
}

#[derive(Deserialize)]
struct ListProvidersResult {
    #[serde(rename = "OpenIDConnectProviderList")]
    list: Members<ProviderEntry>,
}

#[derive(Deserialize)]
struct Members<T> {
    #[serde(default = "Vec::new")]
    member: Vec<T>,
}

#[derive(Deserialize)]
struct ProviderEntry {
    #[serde(rename = "Arn")]
    arn: String,
}

#[derive(Deserialize)]
struct CreateRoleResponse {
    #[serde(rename = "CreateRoleResult")]
    result: CreateRoleResult,
}

#[derive(Deserialize)]
struct CreateRoleResult {
    #[serde(rename = "Role")]
    role: RoleElement,
}

#[derive(Deserialize)]
struct RoleElement {
    #[serde(rename = "RoleName")]
    role_name: String,
    #[serde(rename = "Arn")]
    arn: String,
}

#[derive(Deserialize)]
struct ErrorResponse {
    #[serde(rename = "Error")]
    error: ErrorElement,
}

#[derive(Deserialize)]
struct ErrorElement {
    #[serde(rename = "Code")]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
}

#[cfg(test)]
mod tests;
