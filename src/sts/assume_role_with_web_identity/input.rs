//! AssumeRoleWithWebIdentity's parameters, checked against the STS model's constraints,
//! every broken one reported at once in AWS's "N validation errors detected" form.

use crate::protocol::query::QueryRequest;
use crate::sts::error::{StsError, ValidationProblems};

const SESSION_NAME_PATTERN: &str = r"Member must satisfy regular expression pattern: [\w+=,.@-]*";

/// The request, its parameters checked against the model's constraints.
#[derive(Debug, Clone)]
pub struct Input {
    pub role_arn: String,
    pub role_session_name: String,
    pub web_identity_token: String,
    pub duration_seconds: u32,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub provider_id: Option<String>,
}

impl Input {
    /// Reads and checks the parameters; every broken constraint is reported at once.
    pub fn from_query(query: &QueryRequest) -> Result<Self, StsError> {
        let mut problems = ValidationProblems::default();
        let required = |name: &str, field: &str, problems: &mut ValidationProblems| {
            let value = query.get(name).map(str::to_owned);
            if value.is_none() {
                problems.add(field, None, "Member must not be null");
            }
            value.unwrap_or_default()
        };
        let role_arn = required("RoleArn", "roleArn", &mut problems);
        let role_session_name = required("RoleSessionName", "roleSessionName", &mut problems);
        let web_identity_token = required("WebIdentityToken", "webIdentityToken", &mut problems);
        if query.get("RoleArn").is_some() && !(20..=2048).contains(&role_arn.chars().count()) {
            problems.add(
                "roleArn",
                Some(&role_arn),
                length_constraint(role_arn.chars().count(), 20, 2048),
            );
        }
        if query.get("RoleSessionName").is_some() {
            check_session_name(&role_session_name, "roleSessionName", &mut problems);
        }
        let duration_seconds = match query.get("DurationSeconds") {
            None => 3600,
            Some(text) => match text.parse::<u32>() {
                Ok(value) if (900..=43_200).contains(&value) => value,
                Ok(value) if value < 900 => {
                    problems.add(
                        "durationSeconds",
                        Some(text),
                        "Member must have value greater than or equal to 900",
                    );
                    0
                }
                _ => {
                    problems.add(
                        "durationSeconds",
                        Some(text),
                        "Member must have value less than or equal to 43200",
                    );
                    0
                }
            },
        };
        let policy = query.get("Policy").map(str::to_owned);
        if let Some(policy) = &policy {
            let length = policy.chars().count();
            if !(1..=2048).contains(&length) {
                problems.add("policy", Some(policy), length_constraint(length, 1, 2048));
            }
        }
        let policy_arns: Vec<String> = query
            .list("PolicyArns", Some("arn"))
            .into_iter()
            .map(str::to_owned)
            .collect();
        if policy_arns.len() > 10 {
            problems.add(
                "policyArns",
                None,
                "Member must have length less than or equal to 10",
            );
        }
        for arn in &policy_arns {
            if !(20..=2048).contains(&arn.chars().count()) {
                problems.add(
                    "policyArns.member.arn",
                    Some(arn),
                    length_constraint(arn.chars().count(), 20, 2048),
                );
            }
        }
        problems.check().map_err(StsError::Validation)?;
        Ok(Self {
            role_arn,
            role_session_name,
            web_identity_token,
            duration_seconds,
            policy,
            policy_arns,
            provider_id: query.get("ProviderId").map(str::to_owned),
        })
    }
}

pub(super) fn length_constraint(length: usize, min: usize, max: usize) -> &'static str {
    match (length < min, min, max) {
        (true, 1, _) => "Member must have length greater than or equal to 1",
        (true, 2, _) => "Member must have length greater than or equal to 2",
        (true, 20, _) => "Member must have length greater than or equal to 20",
        (false, _, 64) => "Member must have length less than or equal to 64",
        (false, _, 2048) => "Member must have length less than or equal to 2048",
        _ => "Member must have a valid length",
    }
}

pub(super) fn check_session_name(name: &str, field: &str, problems: &mut ValidationProblems) {
    let length = name.chars().count();
    if !(2..=64).contains(&length) {
        problems.add(field, Some(name), length_constraint(length, 2, 64));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
    {
        problems.add(field, Some(name), SESSION_NAME_PATTERN);
    }
}
