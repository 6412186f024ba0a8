//! The [`Principal` and `NotPrincipal`](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html)
//! elements of trust and resource policies, and whether they name a caller.
//!
//! - `"*"` and `{"AWS": "*"}` are equivalent: everyone, anonymous callers included.
//! - `AWS` takes an account (`123456789012` or `arn:aws:iam::123456789012:root`: every
//!   principal of that account), a principal ARN (exact; a role ARN also names that
//!   role's `assumed-role` sessions), or a unique ID (exact).
//! - `Federated` and `Service` compare exactly and case-sensitively.
//! - Wildcards inside a name are refused, as IAM refuses them.
//! - `CanonicalUser` is read but names no caller here (no request carries one).

use serde_json::Value;

use super::super::context::PrincipalRef;
use super::super::display::quote_list;
use super::super::error::PolicyError;
use super::elements::strings;

/// `Principal` (the statement covers these callers) or `NotPrincipal` (all others).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrincipalRule {
    Principal(PrincipalSet),
    NotPrincipal(PrincipalSet),
}

/// The callers an element names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrincipalSet {
    Everyone,
    Listed {
        aws: Vec<AwsPrincipal>,
        federated: Vec<String>,
        service: Vec<String>,
        canonical_user: Vec<String>,
    },
}

/// One value of the `AWS` principal type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AwsPrincipal {
    Everyone,
    /// Every principal of this 12-digit account.
    Account(String),
    /// Exactly this ARN or unique ID.
    Exact(String),
}

impl PrincipalRule {
    /// Reads `Principal` or `NotPrincipal` (named by `element`).
    pub(crate) fn parse(element: &str, value: &Value, place: &str) -> Result<Self, PolicyError> {
        let set = parse_set(element, value, place)?;
        Ok(if element == "NotPrincipal" {
            PrincipalRule::NotPrincipal(set)
        } else {
            PrincipalRule::Principal(set)
        })
    }

    /// Whether the statement covers `caller`.
    pub(crate) fn applies_to(&self, caller: Option<PrincipalRef<'_>>) -> bool {
        match self {
            PrincipalRule::Principal(set) => set.contains(caller),
            PrincipalRule::NotPrincipal(set) => !set.contains(caller),
        }
    }

    /// The element for messages, e.g. `Principal {Federated: ['arn:…']}`.
    pub(crate) fn describe(&self) -> String {
        let (element, set) = match self {
            PrincipalRule::Principal(set) => ("Principal", set),
            PrincipalRule::NotPrincipal(set) => ("NotPrincipal", set),
        };
        let PrincipalSet::Listed {
            aws,
            federated,
            service,
            canonical_user,
        } = set
        else {
            return format!("{element} '*'");
        };
        let aws: Vec<&str> = aws
            .iter()
            .map(|p| match p {
                AwsPrincipal::Everyone => "*",
                AwsPrincipal::Account(id) | AwsPrincipal::Exact(id) => id,
            })
            .collect();
        let lists = [
            ("AWS", quote_list(&aws), aws.is_empty()),
            ("Federated", quote_list(federated), federated.is_empty()),
            ("Service", quote_list(service), service.is_empty()),
            (
                "CanonicalUser",
                quote_list(canonical_user),
                canonical_user.is_empty(),
            ),
        ];
        let shown: Vec<String> = lists
            .into_iter()
            .filter(|(_, _, empty)| !empty)
            .map(|(kind, list, _)| format!("{kind}: {list}"))
            .collect();
        format!("{element} {{{}}}", shown.join(", "))
    }
}

impl PrincipalSet {
    fn contains(&self, caller: Option<PrincipalRef<'_>>) -> bool {
        let PrincipalSet::Listed {
            aws,
            federated,
            service,
            ..
        } = self
        else {
            return true;
        };
        if aws.contains(&AwsPrincipal::Everyone) {
            return true;
        }
        match caller {
            None => false,
            Some(PrincipalRef::Federated(provider)) => federated.iter().any(|f| f == provider),
            Some(PrincipalRef::Service(name)) => service.iter().any(|s| s == name),
            Some(PrincipalRef::Aws(arn)) => aws.iter().any(|p| p.names(arn)),
        }
    }
}

impl AwsPrincipal {
    fn names(&self, caller: &str) -> bool {
        match self {
            AwsPrincipal::Everyone => true,
            AwsPrincipal::Account(id) => {
                caller == id || ArnFields::parse(caller).is_some_and(|arn| arn.account == id)
            }
            AwsPrincipal::Exact(arn) => arn == caller || is_session_of_role(arn, caller),
        }
    }
}

/// Reads `"*"` or an object of principal types to lists of names.
fn parse_set(element: &str, value: &Value, place: &str) -> Result<PrincipalSet, PolicyError> {
    let shape = || PolicyError::WrongShape {
        element: element.to_owned(),
        place: place.to_owned(),
        expected: "\"*\" or an object of AWS, Federated, Service or CanonicalUser",
    };
    let invalid = |kind: &str, value: &str| PolicyError::InvalidPrincipal {
        kind: kind.to_owned(),
        value: value.to_owned(),
    };
    let map = match value {
        Value::String(s) if s == "*" => return Ok(PrincipalSet::Everyone),
        Value::String(s) => return Err(invalid(element, s)),
        Value::Object(map) if !map.is_empty() => map,
        _ => return Err(shape()),
    };
    let (mut aws, mut federated, mut service, mut canonical_user) =
        (vec![], vec![], vec![], vec![]);
    for (kind, names) in map {
        let names =
            strings(names)
                .filter(|n| !n.is_empty())
                .ok_or_else(|| PolicyError::WrongShape {
                    element: format!("{element} {kind}"),
                    place: place.to_owned(),
                    expected: "a string or a non-empty list of strings",
                })?;
        for name in names {
            let wildcard_or_empty = name.is_empty() || (name != "*" && name.contains(['*', '?']));
            if wildcard_or_empty {
                return Err(invalid(kind, name));
            }
            match kind.as_str() {
                "AWS" => aws.push(parse_aws(name).ok_or_else(|| invalid(kind, name))?),
                "Federated" if name != "*" => federated.push(name.to_owned()),
                "Service" if name != "*" => service.push(name.to_owned()),
                "CanonicalUser" if name != "*" => canonical_user.push(name.to_owned()),
                _ => return Err(invalid(kind, name)),
            }
        }
    }
    Ok(PrincipalSet::Listed {
        aws,
        federated,
        service,
        canonical_user,
    })
}

/// Reads one `AWS` principal: `*`, an account, an ARN or a unique ID.
fn parse_aws(name: &str) -> Option<AwsPrincipal> {
    if name == "*" {
        return Some(AwsPrincipal::Everyone);
    }
    if is_account_id(name) {
        return Some(AwsPrincipal::Account(name.to_owned()));
    }
    if let Some(arn) = ArnFields::parse(name) {
        if arn.service == "iam" && arn.resource == "root" && is_account_id(arn.account) {
            return Some(AwsPrincipal::Account(arn.account.to_owned()));
        }
        return Some(AwsPrincipal::Exact(name.to_owned()));
    }
    // A unique ID (AROA…, AIDA…), which IAM shows once the named entity is deleted.
    let unique_id = name.len() >= 16
        && name.starts_with('A')
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    unique_id.then(|| AwsPrincipal::Exact(name.to_owned()))
}

/// Twelve digits.
fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The six fields of an ARN.
struct ArnFields<'a> {
    partition: &'a str,
    service: &'a str,
    account: &'a str,
    resource: &'a str,
}

impl<'a> ArnFields<'a> {
    fn parse(text: &'a str) -> Option<Self> {
        let mut fields = text.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some(service),
            Some(_region),
            Some(account),
            Some(resource),
        ) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        )
        else {
            return None;
        };
        Some(ArnFields {
            partition,
            service,
            account,
            resource,
        })
    }
}

/// Whether `caller` is an `assumed-role` session of the IAM role `role_arn`.
fn is_session_of_role(role_arn: &str, caller: &str) -> bool {
    let (Some(role), Some(session)) = (ArnFields::parse(role_arn), ArnFields::parse(caller)) else {
        return false;
    };
    let Some(role_path_and_name) = role.resource.strip_prefix("role/") else {
        return false;
    };
    let role_name = role_path_and_name
        .rsplit('/')
        .next()
        .unwrap_or(role_path_and_name);
    let session_role = session
        .resource
        .strip_prefix("assumed-role/")
        .and_then(|rest| rest.split_once('/'))
        .map(|(name, _session_name)| name);
    role.service == "iam"
        && session.service == "sts"
        && role.partition == session.partition
        && role.account == session.account
        && session_role == Some(role_name)
}
