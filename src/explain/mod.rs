//! `irsa-local explain`: why STS would allow or refuse an AssumeRoleWithWebIdentity, step
//! by step in AWS's order, from the same code STS runs.
//!
//! The decision is STS's own: [`explain`] runs
//! [`assume_role_with_web_identity::execute`] on the inputs and reports its outcome and
//! error code. Around it, the report shows each token check (format, issuer, audience,
//! algorithm and key, signature, lifetime, subject) as passed, failed (with STS's reason)
//! or not reached, read from the one error the verifier returned; and, once the token
//! checked out, every trust statement as [`policy::trace`] met the request STS builds
//! ([`assume_role_with_web_identity::prepare`]): principal, action, every condition key
//! with the request's and the policy's values.
//!
//! Pure: the world, keys, secret and time are given; `cli::explain` reads files and the
//! environment.

pub mod material;
#[cfg(test)]
mod tests;

use std::fmt::Write as _;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::oidc::verify::{TokenError, CLOCK_SKEW_SECONDS};
use crate::policy::{self, PrincipalRef, RequestContext, StatementTrace};
use crate::protocol::error::AwsError;
use crate::sts::assume_role_with_web_identity::{self, Input, Services};
use crate::sts::error::StsError;

/// The token checks, in the order STS makes them.
const STEPS: [&str; 7] = [
    "format",
    "issuer",
    "audience",
    "algorithm and key",
    "signature",
    "lifetime",
    "subject",
];

/// One check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Passed,
    Failed,
    /// Not made: an earlier check failed.
    NotReached,
    /// Not made on purpose (`--skip-signature`).
    NotChecked,
}

/// One step of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
}

/// The trust policy's verdict for one action.
#[derive(Debug, Clone, Serialize)]
pub struct ActionTrace {
    pub action: &'static str,
    pub decision: String,
    pub statements: Vec<StatementTrace>,
}

/// What STS decided.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub allowed: bool,
    /// AWS's error code and message when refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// irsa-local's reason (what `x-irsa-local-reason` carries).
    pub reason: String,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub role_arn: String,
    pub token: Vec<Step>,
    /// The trust policy per action asked, once the token and role checked out.
    pub trust: Vec<ActionTrace>,
    pub outcome: Outcome,
    /// Things worth knowing that do not change the decision (the signature was not
    /// checked, variables that would shadow web identity in an SDK).
    pub notes: Vec<String>,
}

/// Runs STS on `role_arn` and `token` and explains the outcome.
pub fn explain(
    role_arn: &str,
    token: &str,
    services: &Services,
    signature_checked: bool,
) -> Report {
    let input = Input {
        role_arn: role_arn.to_owned(),
        role_session_name: "irsa-local-explain".to_owned(),
        web_identity_token: token.to_owned(),
        duration_seconds: 3600,
        policy: None,
        policy_arns: Vec::new(),
        provider_id: None,
    };
    let decided = assume_role_with_web_identity::execute(&input, services);
    let prepared = assume_role_with_web_identity::prepare(&input, services);
    let token_error = match &prepared {
        Err(StsError::Token(err)) => Some(err.clone()),
        _ => None,
    };
    let steps = token_steps(token, token_error.as_ref(), &prepared, signature_checked);
    let trust = match &prepared {
        Ok(request) => request
            .actions()
            .into_iter()
            .map(|action| {
                let context = RequestContext {
                    principal: Some(PrincipalRef::Federated(&request.provider_arn)),
                    action,
                    resource: Some(role_arn),
                    keys: request.keys.clone(),
                };
                let policies = [("trust policy", request.role.trust_policy())];
                ActionTrace {
                    action,
                    decision: policy::evaluate(&policies, &context).to_string(),
                    statements: policy::trace(&policies, &context),
                }
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let outcome = match decided {
        Ok(output) => Outcome {
            allowed: true,
            code: None,
            message: None,
            reason: format!(
                "STS would issue credentials for {}",
                serde_json::to_value(&output)
                    .ok()
                    .and_then(|v| v.pointer("/AssumedRoleUser/Arn").cloned())
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ),
        },
        Err(err) => {
            let error = AwsError::from(err);
            Outcome {
                allowed: false,
                code: Some(error.code),
                message: Some(error.message),
                reason: error.reason,
            }
        }
    };
    let mut notes = Vec::new();
    if !signature_checked {
        notes.push(
            "the signature was not checked (--skip-signature): a token whose signature does \
             not verify is refused by STS with InvalidIdentityToken"
                .to_owned(),
        );
    }
    Report {
        role_arn: role_arn.to_owned(),
        token: steps,
        trust,
        outcome,
        notes,
    }
}

/// The step a token error stops at.
fn failed_step(err: &TokenError) -> usize {
    match err {
        TokenError::Length(_) | TokenError::Malformed(_) => 0,
        TokenError::UnknownIssuer { .. } | TokenError::MissingClaim("iss") => 1,
        TokenError::MissingAudience | TokenError::IncorrectAudience { .. } => 2,
        TokenError::AlgorithmNotAllowed(_)
        | TokenError::UnknownCritical(_)
        | TokenError::UnknownKey { .. }
        | TokenError::NoKeyOfType { .. }
        | TokenError::NoKeys(_) => 3,
        TokenError::BadSignature { .. } => 4,
        TokenError::BadTimestamp { .. }
        | TokenError::Expired { .. }
        | TokenError::NotYetValid { .. }
        | TokenError::IssuedInFuture { .. }
        | TokenError::MissingClaim("exp") => 5,
        TokenError::MissingClaim(_) => 6,
    }
}

/// Each token check with what the token says for it.
fn token_steps(
    token: &str,
    error: Option<&TokenError>,
    prepared: &Result<assume_role_with_web_identity::TrustRequest<'_>, StsError>,
    signature_checked: bool,
) -> Vec<Step> {
    let (header, claims) = decode(token);
    let failed = error.map(failed_step);
    // STS checks the role ARN's shape before the token, and the token's tags and the
    // role after it: only those later refusals mean every token check passed.
    let token_passed = matches!(
        prepared,
        Ok(_) | Err(StsError::Validation(_) | StsError::NotAuthorized { .. })
    );
    let text = |map: &Map<String, Value>, key: &str| {
        map.get(key)
            .map_or_else(|| "none".to_owned(), |v| v.to_string())
    };
    let details = [
        format!(
            "{} characters, three base64url JSON parts",
            token.trim().chars().count()
        ),
        match prepared {
            Ok(request) => format!(
                "iss {} is the IAM OIDC provider {}",
                text(&claims, "iss"),
                request.provider_arn
            ),
            Err(_) => format!("iss {}", text(&claims, "iss")),
        },
        match prepared {
            Ok(request) => format!(
                "aud {} includes {:?}, a client id of the provider",
                text(&claims, "aud"),
                request.claims.audience
            ),
            Err(_) => format!("aud {}", text(&claims, "aud")),
        },
        format!(
            "alg {} (RS256, RS384, RS512, ES256, ES384 or ES512 accepted), kid {}",
            text(&header, "alg"),
            text(&header, "kid")
        ),
        "verifies with the provider's published key".to_owned(),
        format!(
            "exp {}, nbf {}, iat {} ({CLOCK_SKEW_SECONDS} s of skew allowed)",
            text(&claims, "exp"),
            text(&claims, "nbf"),
            text(&claims, "iat")
        ),
        format!("sub {}", text(&claims, "sub")),
    ];
    STEPS
        .iter()
        .zip(details)
        .enumerate()
        .map(|(index, (name, detail))| {
            let signature_skipped = !signature_checked && (index == 3 || index == 4);
            let status = match failed {
                _ if signature_skipped => Status::NotChecked,
                Some(at) if index < at => Status::Passed,
                Some(at) if index == at => Status::Failed,
                Some(_) => Status::NotReached,
                None if token_passed => Status::Passed,
                None => Status::NotReached,
            };
            let detail = match (status, error) {
                (Status::Failed, Some(err)) => format!("{detail}: {err}"),
                (Status::NotChecked, _) => "not checked (--skip-signature)".to_owned(),
                _ => detail,
            };
            Step {
                name,
                status,
                detail,
            }
        })
        .collect()
}

/// The header and claims, decoded but not verified; empty when they do not decode.
fn decode(token: &str) -> (Map<String, Value>, Map<String, Value>) {
    let part = |index: usize| {
        token
            .trim()
            .split('.')
            .nth(index)
            .and_then(|part| URL_SAFE_NO_PAD.decode(part).ok())
            .and_then(|bytes| serde_json::from_slice::<Map<String, Value>>(&bytes).ok())
            .unwrap_or_default()
    };
    (part(0), part(1))
}

impl Report {
    /// The process exit code: 0 allowed, 1 refused.
    pub fn exit_code(&self) -> i32 {
        i32::from(!self.outcome.allowed)
    }

    /// The report for a terminal.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mark = |status: Status| match status {
            Status::Passed => "ok  ",
            Status::Failed => "FAIL",
            Status::NotReached => "--  ",
            Status::NotChecked => "skip",
        };
        let _ = writeln!(out, "AssumeRoleWithWebIdentity on {}", self.role_arn);
        let _ = writeln!(out, "\ntoken:");
        for step in &self.token {
            let _ = writeln!(
                out,
                "  [{}] {}: {}",
                mark(step.status),
                step.name,
                step.detail
            );
        }
        for action in &self.trust {
            let _ = writeln!(out, "\ntrust policy, {}:", action.action);
            for statement in &action.statements {
                let verdict = if statement.applies {
                    "applies"
                } else {
                    "does not apply"
                };
                let _ = writeln!(
                    out,
                    "  {} ({}): {verdict}",
                    statement.statement, statement.effect
                );
                if let Some((principal, covered)) = &statement.principal {
                    let _ = writeln!(out, "    {principal}: {}", yes(*covered));
                }
                if let Some(action_ok) = statement.action {
                    let _ = writeln!(out, "    action {}: {}", action.action, yes(action_ok));
                }
                for condition in &statement.conditions {
                    let request = condition
                        .request_values
                        .as_ref()
                        .map_or_else(|| "absent".to_owned(), |v| format!("{v:?}"));
                    let _ = writeln!(
                        out,
                        "    {} {}: request {request}, policy {:?}: {}",
                        condition.operator,
                        condition.key,
                        condition.policy_values,
                        if condition.holds {
                            "holds"
                        } else {
                            "does NOT hold"
                        }
                    );
                }
            }
            let _ = writeln!(out, "  => {}", action.decision);
        }
        let _ = writeln!(out);
        if self.outcome.allowed {
            let _ = writeln!(out, "decision: ALLOWED ({})", self.outcome.reason);
        } else {
            let _ = writeln!(
                out,
                "decision: REFUSED: {} {}",
                self.outcome.code.unwrap_or_default(),
                self.outcome.message.as_deref().unwrap_or_default()
            );
            let _ = writeln!(out, "  because {}", self.outcome.reason);
        }
        for note in &self.notes {
            let _ = writeln!(out, "note: {note}");
        }
        out
    }
}

fn yes(ok: bool) -> &'static str {
    if ok {
        "matches"
    } else {
        "does NOT match"
    }
}
