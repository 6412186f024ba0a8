//! AssumeRoleWithWebIdentity's parameters, checked against the STS model's constraints,
//! every broken one reported at once in AWS's "N validation errors detected" form. A
//! request the query codec cannot read into them (a `PolicyArns` list with a gap, a name
//! in another case) is refused first, never read as if the parameter were absent.

use crate::protocol::query::QueryRequest;
use crate::sts::error::{StsError, ValidationProblems};

const SESSION_NAME_PATTERN: &str = r"Member must satisfy regular expression pattern: [\w+=,.@-]*";

/// The action's parameters, as the STS model names them.
const PARAMETERS: [&str; 7] = [
    "RoleArn",
    "RoleSessionName",
    "WebIdentityToken",
    "ProviderId",
    "PolicyArns",
    "Policy",
    "DurationSeconds",
];

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
        query.check_case(&PARAMETERS)?;
        let policy_arns: Vec<String> = query
            .list("PolicyArns", Some("arn"))?
            .into_iter()
            .map(str::to_owned)
            .collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::error::AwsError;

    const BASE: &str = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fiam-test&RoleSessionName=s3-reader&WebIdentityToken=eyJ.x.y";
    const READ_ONLY: &str = "arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FAmazonS3ReadOnlyAccess";

    fn input(extra: &str) -> Result<Input, AwsError> {
        let body = format!("{BASE}&{}", extra.replace("{arn}", READ_ONLY));
        let query = QueryRequest::parse(None, Some(body.as_bytes())).unwrap();
        Input::from_query(&query).map_err(AwsError::from)
    }

    #[test]
    fn malformed_policy_arns_are_refused_never_dropped() {
        #[rustfmt::skip]
        let cases = [
            ("gap_before_first", "PolicyArns.member.2.arn={arn}",
                "Malformed list parameter PolicyArns.member.2.arn: member 1 is missing; members are numbered from 1 without gaps."),
            ("gap_in_middle", "PolicyArns.member.1.arn={arn}&PolicyArns.member.3.arn={arn}",
                "Malformed list parameter PolicyArns.member.3.arn: member 2 is missing; members are numbered from 1 without gaps."),
            ("index_zero", "PolicyArns.member.0.arn={arn}",
                "Malformed list parameter PolicyArns.member.0.arn: a member index is a decimal number from 1, without leading zeros."),
            ("leading_zero", "PolicyArns.member.01.arn={arn}",
                "Malformed list parameter PolicyArns.member.01.arn: a member index is a decimal number from 1, without leading zeros."),
            ("word_index", "PolicyArns.member.first.arn={arn}",
                "Malformed list parameter PolicyArns.member.first.arn: a member index is a decimal number from 1, without leading zeros."),
            ("field_in_other_case", "PolicyArns.member.1.Arn={arn}",
                "Malformed list parameter PolicyArns.member.1.Arn: list members have the one field arn."),
            ("field_missing", "PolicyArns.member.1={arn}",
                "Malformed list parameter PolicyArns.member.1: list members have the one field arn."),
            ("member_in_other_case", "PolicyArns.Member.1.arn={arn}",
                "Malformed list parameter PolicyArns.Member.1.arn: list members are named <list>.member.<N>."),
            ("index_without_member", "PolicyArns.1.arn={arn}",
                "Top level element may not be treated as a list"),
            ("list_as_one_value", "PolicyArns={arn}",
                "Unexpected list element termination"),
            ("list_name_in_other_case", "policyArns.member.1.arn={arn}",
                "Unrecognized parameter policyArns.member.1.arn; parameter names are case-sensitive (did you mean PolicyArns?)."),
            ("list_name_all_lower", "policyarns.member.1.arn={arn}",
                "Unrecognized parameter policyarns.member.1.arn; parameter names are case-sensitive (did you mean PolicyArns?)."),
            ("inline_policy_name_in_other_case", "policy=%7B%7D",
                "Unrecognized parameter policy; parameter names are case-sensitive (did you mean Policy?)."),
            ("duration_name_in_other_case", "durationSeconds=900",
                "Unrecognized parameter durationSeconds; parameter names are case-sensitive (did you mean DurationSeconds?)."),
            ("refused_before_validation", "PolicyArns.member.2.arn=short&DurationSeconds=1",
                "Malformed list parameter PolicyArns.member.2.arn: member 1 is missing; members are numbered from 1 without gaps."),
        ];
        for (name, extra, message) in cases {
            let error = input(extra).expect_err(name);
            assert_eq!(
                (error.code, error.status.as_u16(), error.message.as_str()),
                ("MalformedInput", 400, message),
                "case {name}"
            );
        }
    }

    #[test]
    fn well_formed_policy_arns_are_read_in_order() {
        let cases = [
            ("none", "", vec![]),
            ("empty_list", "PolicyArns=", vec![]),
            (
                "two_out_of_order",
                "PolicyArns.member.2.arn=arn:aws:iam::aws:policy/B-policy-name&PolicyArns.member.1.arn=arn:aws:iam::aws:policy/A-policy-name",
                vec![
                    "arn:aws:iam::aws:policy/A-policy-name",
                    "arn:aws:iam::aws:policy/B-policy-name",
                ],
            ),
        ];
        for (name, extra, want) in cases {
            let got = input(extra).map(|input| input.policy_arns);
            assert_eq!(
                got,
                Ok(want.into_iter().map(str::to_owned).collect()),
                "case {name}"
            );
        }
    }
}
