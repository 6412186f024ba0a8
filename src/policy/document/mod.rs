//! The typed policy document and its parser, following the
//! [policy grammar](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html):
//! `Version`, `Id`, and one or more statements of `Sid`, `Effect`, `Principal` or
//! `NotPrincipal`, `Action` or `NotAction`, `Resource` or `NotResource`, `Condition`.
//! Everything is checked here, once, so evaluation never meets a malformed value.

mod elements;
mod principal;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::fmt;

use serde_json::{Map, Value};

use super::condition::Condition;
use super::error::PolicyError;
use super::pattern::Pattern;
use super::variables::Template;
pub use super::version::Version;
use super::PolicyKind;
use elements::{action_patterns, resource_templates};

pub(crate) use principal::PrincipalRule;

/// A parsed policy document, ready to evaluate any number of times.
#[derive(Debug, Clone)]
pub struct Policy {
    version: Version,
    id: Option<String>,
    pub(super) statements: Vec<Statement>,
}

/// One statement.
#[derive(Debug, Clone)]
pub(super) struct Statement {
    pub(super) sid: Option<String>,
    pub(super) effect: Effect,
    pub(super) principal: Option<PrincipalRule>,
    pub(super) action: ActionRule,
    /// `None` where the statement names no resource (allowed in trust policies).
    pub(super) resource: Option<ResourceRule>,
    pub(super) condition: Condition,
}

/// Whether a matching statement allows or denies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Effect {
    Allow,
    Deny,
}

/// `Action` (the statement covers these actions) or `NotAction` (all but these).
#[derive(Debug, Clone)]
pub(super) enum ActionRule {
    Action(Vec<ActionPattern>),
    NotAction(Vec<ActionPattern>),
}

/// An action pattern as written and compiled lowercase (actions match case-insensitively).
#[derive(Debug, Clone)]
pub(super) struct ActionPattern {
    pub(super) raw: String,
    pub(super) lowercase: Pattern,
}

/// `Resource` (the statement covers these resources) or `NotResource` (all but these).
#[derive(Debug, Clone)]
pub(super) enum ResourceRule {
    Resource(Vec<Template>),
    NotResource(Vec<Template>),
}

impl Policy {
    /// The policy language version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The `Id` element, if any.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

impl Version {
    /// Whether `${…}` policy variables are substituted under this version.
    pub fn has_variables(self) -> bool {
        self == Version::Current
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::Legacy => "2008-10-17",
            Version::Current => "2012-10-17",
        })
    }
}

/// Reads a whole document for a policy of `kind`.
pub(super) fn parse_document(value: &Value, kind: PolicyKind) -> Result<Policy, PolicyError> {
    let Value::Object(document) = value else {
        return Err(PolicyError::NotAnObject);
    };
    reject_unknown(document, &["Version", "Id", "Statement"], "the policy")?;
    let version = match document.get("Version") {
        None => Version::Legacy,
        Some(Value::String(v)) if v == "2008-10-17" => Version::Legacy,
        Some(Value::String(v)) if v == "2012-10-17" => Version::Current,
        Some(other) => return Err(PolicyError::UnsupportedVersion(other.to_string())),
    };
    let id = match document.get("Id") {
        None => None,
        Some(Value::String(id)) => Some(id.clone()),
        Some(_) => return Err(wrong_shape("Id", "the policy", "a string")),
    };
    let raw_statements = match document.get("Statement") {
        Some(Value::Array(list)) if !list.is_empty() => list.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        Some(Value::Array(_)) | None => return Err(PolicyError::MissingStatement),
        Some(_) => {
            return Err(wrong_shape(
                "Statement",
                "the policy",
                "an object or a non-empty list of objects",
            ))
        }
    };
    let mut sids = HashSet::new();
    let mut statements = Vec::with_capacity(raw_statements.len());
    for (index, raw) in raw_statements.into_iter().enumerate() {
        let place = format!("Statement[{index}]");
        let Value::Object(raw) = raw else {
            return Err(wrong_shape("Statement", &place, "an object"));
        };
        let statement = parse_statement(raw, kind, version, &place)?;
        if let Some(sid) = statement.sid.as_deref().filter(|sid| !sid.is_empty()) {
            if !sids.insert(sid.to_owned()) {
                return Err(PolicyError::DuplicateSid(sid.to_owned()));
            }
        }
        statements.push(statement);
    }
    Ok(Policy {
        version,
        id,
        statements,
    })
}

fn parse_statement(
    raw: &Map<String, Value>,
    kind: PolicyKind,
    version: Version,
    place: &str,
) -> Result<Statement, PolicyError> {
    reject_unknown(
        raw,
        &[
            "Sid",
            "Effect",
            "Principal",
            "NotPrincipal",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Condition",
        ],
        place,
    )?;
    let sid = match raw.get("Sid") {
        None => None,
        Some(Value::String(sid)) => Some(sid.clone()),
        Some(_) => return Err(wrong_shape("Sid", place, "a string")),
    };
    let effect = match raw.get("Effect") {
        Some(Value::String(e)) if e == "Allow" => Effect::Allow,
        Some(Value::String(e)) if e == "Deny" => Effect::Deny,
        found => {
            return Err(PolicyError::InvalidEffect {
                place: place.to_owned(),
                found: found.map_or_else(|| "nothing".to_owned(), Value::to_string),
            })
        }
    };
    let principal = match pick(raw, "Principal", "NotPrincipal", place)? {
        Some(_) if kind == PolicyKind::Identity => {
            return Err(PolicyError::PrincipalInIdentityPolicy {
                place: place.to_owned(),
            })
        }
        None if kind == PolicyKind::Trust => {
            return Err(PolicyError::MissingPrincipal {
                place: place.to_owned(),
            })
        }
        None => None,
        Some((element, value)) => Some(PrincipalRule::parse(element, value, place)?),
    };
    let action = match pick(raw, "Action", "NotAction", place)? {
        None => {
            return Err(PolicyError::MissingActions {
                place: place.to_owned(),
            })
        }
        Some(("Action", value)) => ActionRule::Action(action_patterns("Action", value, place)?),
        Some((element, value)) => ActionRule::NotAction(action_patterns(element, value, place)?),
    };
    let resource = match pick(raw, "Resource", "NotResource", place)? {
        None if kind == PolicyKind::Identity => {
            return Err(PolicyError::MissingResources {
                place: place.to_owned(),
            })
        }
        None => None,
        Some(("Resource", value)) => Some(ResourceRule::Resource(resource_templates(
            "Resource", value, version, place,
        )?)),
        Some((element, value)) => Some(ResourceRule::NotResource(resource_templates(
            element, value, version, place,
        )?)),
    };
    let condition = match raw.get("Condition") {
        None => Condition::default(),
        Some(value) => Condition::parse(value, version, place)?,
    };
    Ok(Statement {
        sid,
        effect,
        principal,
        action,
        resource,
        condition,
    })
}

/// The one of two exclusive elements present, with its name; an error when both are.
fn pick<'a>(
    raw: &'a Map<String, Value>,
    first: &'static str,
    second: &'static str,
    place: &str,
) -> Result<Option<(&'static str, &'a Value)>, PolicyError> {
    match (raw.get(first), raw.get(second)) {
        (Some(_), Some(_)) => Err(PolicyError::ConflictingElements {
            place: place.to_owned(),
            first,
            second,
        }),
        (Some(value), None) => Ok(Some((first, value))),
        (None, Some(value)) => Ok(Some((second, value))),
        (None, None) => Ok(None),
    }
}

fn reject_unknown(
    object: &Map<String, Value>,
    known: &[&str],
    place: &str,
) -> Result<(), PolicyError> {
    match object.keys().find(|key| !known.contains(&key.as_str())) {
        Some(element) => Err(PolicyError::UnknownElement {
            element: element.clone(),
            place: place.to_owned(),
        }),
        None => Ok(()),
    }
}

fn wrong_shape(element: &str, place: &str, expected: &'static str) -> PolicyError {
    PolicyError::WrongShape {
        element: element.to_owned(),
        place: place.to_owned(),
        expected,
    }
}
