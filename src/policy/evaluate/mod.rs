//! The decision for one request across a set of policies, as the
//! [evaluation logic](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)
//! orders it: any applicable `Deny` statement denies explicitly; otherwise any applicable
//! `Allow` statement allows; otherwise the request is implicitly denied.
//!
//! A statement applies when its principal element (if any) covers the caller, its action
//! element covers the action, its resource element (if any) covers the resource, and every
//! condition holds. For an implicit deny, the reason names the `Allow` statement that got
//! furthest through those checks (principal, action, resource, conditions) and what
//! stopped it.

#[cfg(test)]
mod tests;

use std::fmt;

use super::context::{PrincipalRef, RequestContext};
use super::display::{quote, quote_list};
use super::document::{ActionRule, Effect, Policy, ResourceRule, Statement};
use super::variables::Template;

/// The outcome of [`evaluate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// An `Allow` statement applies and no `Deny` does.
    Allow(Deciding),
    /// A `Deny` statement applies.
    ExplicitDeny(Deciding),
    /// No statement applies.
    ImplicitDeny(NoMatch),
}

/// The statement that decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deciding {
    /// The policy's name as the caller passed it.
    pub policy: String,
    pub statement: StatementId,
}

/// How a statement is named: its `Sid`, or its index in the policy without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementId {
    Sid(String),
    Index(usize),
}

/// Why nothing allowed the request: one line naming the closest miss.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoMatch {
    pub reason: String,
}

impl Decision {
    /// Whether the request is allowed.
    pub fn is_allow(&self) -> bool {
        matches!(self, Decision::Allow(_))
    }
}

/// Decides `context` against `policies` (each with a name for reporting).
pub fn evaluate(policies: &[(&str, &Policy)], context: &RequestContext<'_>) -> Decision {
    let action = context.action.to_lowercase();
    let mut allowed = None;
    let mut closest: Option<Closest<'_>> = None;
    for &(name, policy) in policies {
        for (index, statement) in policy.statements.iter().enumerate() {
            match (check(statement, context, &action), statement.effect) {
                (Ok(()), Effect::Deny) => {
                    return Decision::ExplicitDeny(deciding(name, index, statement))
                }
                (Ok(()), Effect::Allow) => {
                    allowed.get_or_insert_with(|| deciding(name, index, statement));
                }
                (Err(miss), Effect::Allow) => {
                    if closest
                        .as_ref()
                        .is_none_or(|c| miss.stage() > c.miss.stage())
                    {
                        closest = Some(Closest {
                            policy: name,
                            index,
                            statement,
                            miss,
                        });
                    }
                }
                (Err(_), Effect::Deny) => {}
            }
        }
    }
    if let Some(deciding) = allowed {
        return Decision::Allow(deciding);
    }
    let reason = match closest {
        Some(c) => format!(
            "no statement allows {}; closest: {} of policy {}: {}",
            quote(context.action),
            statement_id(c.index, c.statement),
            quote(c.policy),
            explain(c.miss, c.statement, context)
        ),
        None if policies.is_empty() => format!("no policy applies to {}", quote(context.action)),
        None => {
            let names: Vec<&str> = policies.iter().map(|(name, _)| *name).collect();
            format!(
                "no statement allows {}; policies {} have no Allow statement",
                quote(context.action),
                quote_list(&names)
            )
        }
    };
    Decision::ImplicitDeny(NoMatch { reason })
}

/// How one statement met a request, for `explain`: each element's verdict, in the order
/// [`evaluate`] checks them (a later element is `None` once an earlier one missed), and
/// every condition entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementTrace {
    pub policy: String,
    /// `statement "Sid"` or `Statement[i]`.
    pub statement: String,
    pub effect: &'static str,
    /// The `Principal` element as written, and whether it covers the caller.
    pub principal: Option<(String, bool)>,
    pub action: Option<bool>,
    pub resource: Option<bool>,
    pub conditions: Vec<super::condition::ConditionTrace>,
    /// Whether the statement applies: every element and condition holds.
    pub applies: bool,
    /// What stopped it, as the evaluator's reason says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub miss: Option<String>,
}

/// How every statement of `policies` met `context`. The statements that apply are the
/// ones [`evaluate`] decides with: the same `check` runs here.
pub fn trace(policies: &[(&str, &Policy)], context: &RequestContext<'_>) -> Vec<StatementTrace> {
    let action = context.action.to_lowercase();
    let mut traces = Vec::new();
    for &(name, policy) in policies {
        for (index, statement) in policy.statements.iter().enumerate() {
            let result = check(statement, context, &action);
            let stage = result.err().map_or(u8::MAX, Miss::stage);
            let reached = |at: u8| stage >= at;
            traces.push(StatementTrace {
                policy: name.to_owned(),
                statement: statement_id(index, statement).to_string(),
                effect: match statement.effect {
                    Effect::Allow => "Allow",
                    Effect::Deny => "Deny",
                },
                principal: statement
                    .principal
                    .as_ref()
                    .map(|rule| (rule.describe(), reached(1))),
                action: reached(1).then_some(reached(2)),
                resource: reached(2).then_some(reached(3)),
                conditions: if reached(3) {
                    statement.condition.trace(&context.keys)
                } else {
                    Vec::new()
                },
                applies: result.is_ok(),
                miss: result.err().map(|miss| explain(miss, statement, context)),
            });
        }
    }
    traces
}

/// The check a statement failed; later stages are closer to applying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Miss {
    Principal,
    Action,
    Resource,
    /// The index of the first condition entry that does not hold.
    Condition(usize),
}

impl Miss {
    fn stage(self) -> u8 {
        match self {
            Miss::Principal => 0,
            Miss::Action => 1,
            Miss::Resource => 2,
            Miss::Condition(_) => 3,
        }
    }
}

/// The `Allow` statement nearest to applying so far.
struct Closest<'a> {
    policy: &'a str,
    index: usize,
    statement: &'a Statement,
    miss: Miss,
}

fn check(statement: &Statement, context: &RequestContext<'_>, action: &str) -> Result<(), Miss> {
    if let Some(rule) = &statement.principal {
        if !rule.applies_to(context.principal) {
            return Err(Miss::Principal);
        }
    }
    let action_applies = match &statement.action {
        ActionRule::Action(patterns) => patterns.iter().any(|p| p.lowercase.matches(action)),
        ActionRule::NotAction(patterns) => !patterns.iter().any(|p| p.lowercase.matches(action)),
    };
    if !action_applies {
        return Err(Miss::Action);
    }
    let resource_applies = match &statement.resource {
        None => true,
        Some(ResourceRule::Resource(templates)) => covers(templates, context),
        Some(ResourceRule::NotResource(templates)) => !covers(templates, context),
    };
    if !resource_applies {
        return Err(Miss::Resource);
    }
    match statement.condition.first_failure(&context.keys) {
        Some(index) => Err(Miss::Condition(index)),
        None => Ok(()),
    }
}

/// Whether any resource pattern matches the request's resource. `*` matches even a
/// request without one; a pattern whose variable has no value matches nothing.
fn covers(templates: &[Template], context: &RequestContext<'_>) -> bool {
    templates.iter().any(|template| {
        template.raw() == "*"
            || context.resource.is_some_and(|resource| {
                template
                    .resolve_pattern(&context.keys)
                    .is_some_and(|pattern| pattern.matches(resource))
            })
    })
}

fn deciding(policy: &str, index: usize, statement: &Statement) -> Deciding {
    Deciding {
        policy: policy.to_owned(),
        statement: statement_id(index, statement),
    }
}

/// A statement's `Sid`, or its index when it has none (or an empty one).
fn statement_id(index: usize, statement: &Statement) -> StatementId {
    match &statement.sid {
        Some(sid) if !sid.is_empty() => StatementId::Sid(sid.clone()),
        _ => StatementId::Index(index),
    }
}

fn explain(miss: Miss, statement: &Statement, context: &RequestContext<'_>) -> String {
    match miss {
        Miss::Principal => {
            let rule = statement
                .principal
                .as_ref()
                .map_or_else(String::new, |rule| rule.describe());
            format!(
                "{} is not covered by its {rule}",
                caller_phrase(context.principal)
            )
        }
        Miss::Action => {
            let (element, patterns, verb) = match &statement.action {
                ActionRule::Action(p) => ("Action", p, "is not in"),
                ActionRule::NotAction(p) => ("NotAction", p, "is excluded by"),
            };
            let raws: Vec<&str> = patterns.iter().map(|p| p.raw.as_str()).collect();
            format!(
                "action {} {verb} its {element} {}",
                quote(context.action),
                quote_list(&raws)
            )
        }
        Miss::Resource => {
            let (element, templates, verb) = match &statement.resource {
                Some(ResourceRule::NotResource(t)) => {
                    ("NotResource", t.as_slice(), "is excluded by")
                }
                Some(ResourceRule::Resource(t)) => ("Resource", t.as_slice(), "is not in"),
                None => ("Resource", &[][..], "is not in"),
            };
            let raws: Vec<&str> = templates.iter().map(Template::raw).collect();
            let resource = context.resource.map_or_else(
                || "the request's missing resource".to_owned(),
                |r| format!("resource {}", quote(r)),
            );
            format!("{resource} {verb} its {element} {}", quote_list(&raws))
        }
        Miss::Condition(index) => statement.condition.explain_failure(index, &context.keys),
    }
}

fn caller_phrase(caller: Option<PrincipalRef<'_>>) -> String {
    match caller {
        None => "the anonymous caller".to_owned(),
        Some(PrincipalRef::Aws(arn)) => format!("principal AWS {}", quote(arn)),
        Some(PrincipalRef::Federated(provider)) => {
            format!("principal Federated {}", quote(provider))
        }
        Some(PrincipalRef::Service(name)) => format!("principal Service {}", quote(name)),
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Allow(deciding) => write!(f, "allowed by {deciding}"),
            Decision::ExplicitDeny(deciding) => write!(f, "explicitly denied by {deciding}"),
            Decision::ImplicitDeny(no_match) => write!(f, "implicitly denied: {}", no_match.reason),
        }
    }
}

impl fmt::Display for Deciding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of policy {}", self.statement, quote(&self.policy))
    }
}

impl fmt::Display for StatementId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatementId::Sid(sid) => write!(f, "statement {}", quote(sid)),
            StatementId::Index(index) => write!(f, "Statement[{index}]"),
        }
    }
}
