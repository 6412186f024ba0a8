//! Query parameters to checked values, under the IAM service model's constraints
//! (botocore `iam/2010-05-08/service-2.json`): lengths, patterns, ranges and enums, every
//! broken one reported at once in AWS's `N validation errors detected: …` form. A missing
//! required parameter is reported on its own, first.
//!
//! Known gaps: tag keys are checked against `[\p{L}\p{Z}\p{N}_.:/=+\-@]+` with Rust's
//! Unicode classes (`char::is_alphabetic`, `is_numeric`, non-control whitespace), which
//! differ from Java's at the edges; lengths count Unicode scalar values, not UTF-16 units.

mod rules;

use std::collections::BTreeMap;

use super::error::IamError;
use crate::policy::{self, PolicyKind, Version};
use crate::protocol::query::QueryRequest;
use crate::validation::ValidationProblems;
use crate::world::{PermissionsPolicyDocument, TrustPolicyDocument};
use rules::MARKER;
pub use rules::{
    Rule, ARN, CLIENT_ID, PATH, PATH_PREFIX, POLICY_DESCRIPTION, POLICY_DOCUMENT, POLICY_NAME,
    POLICY_PATH, PROVIDER_URL, ROLE_DESCRIPTION, ROLE_NAME, TAG_KEY, TAG_VALUE, THUMBPRINT,
    VERSION_ID,
};

/// Most entries in one `tagListType` or `tagKeyListType`.
const MAX_TAGS_IN_REQUEST: usize = 50;

/// Tags as given in a request: (key, value) pairs, keys distinct regardless of case.
pub type Tags = Vec<(String, String)>;

/// Where a list page starts and how long it is (`Marker`, `MaxItems`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub start: usize,
    pub max_items: usize,
}

/// One request's parameters, and the constraint failures found so far.
pub struct Params<'q> {
    query: &'q QueryRequest,
    problems: ValidationProblems,
}

impl<'q> Params<'q> {
    /// Starts reading `query`.
    pub fn new(query: &'q QueryRequest) -> Self {
        Self {
            query,
            problems: ValidationProblems::default(),
        }
    }

    /// A required string; `MissingParameter` at once when absent.
    pub fn required(&mut self, name: &str, rule: &Rule) -> Result<String, IamError> {
        let value = self
            .query
            .get(name)
            .ok_or_else(|| IamError::MissingParameter(name.to_owned()))?;
        self.check(&member(name), value, rule);
        Ok(value.to_owned())
    }

    /// An optional string.
    pub fn optional(&mut self, name: &str, rule: &Rule) -> Option<String> {
        let value = self.query.get(name)?;
        self.check(&member(name), value, rule);
        Some(value.to_owned())
    }

    /// An optional integer within `min..=max`.
    pub fn integer(&mut self, name: &str, min: u32, max: u32) -> Option<u32> {
        let text = self.query.get(name)?;
        let field = member(name);
        match text.trim().parse::<i64>() {
            Ok(value) if value < i64::from(min) => self.add(
                &field,
                text,
                format!("Member must have value greater than or equal to {min}"),
            ),
            Ok(value) if value > i64::from(max) => self.add(
                &field,
                text,
                format!("Member must have value less than or equal to {max}"),
            ),
            Ok(value) => return u32::try_from(value).ok(),
            Err(_) => self.add(&field, text, "Member must be a whole number".to_owned()),
        }
        None
    }

    /// An optional boolean (`true`/`false`, any case); false when absent.
    pub fn boolean(&mut self, name: &str) -> bool {
        match self.query.get(name) {
            None => false,
            Some(text) if text.eq_ignore_ascii_case("true") => true,
            Some(text) if text.eq_ignore_ascii_case("false") => false,
            Some(text) => {
                self.add(
                    &member(name),
                    text,
                    "Member must be true or false".to_owned(),
                );
                false
            }
        }
    }

    /// An optional enum value from `allowed`.
    pub fn one_of(&mut self, name: &str, allowed: &[&'static str]) -> Option<&'static str> {
        let text = self.query.get(name)?;
        let found = allowed.iter().find(|value| **value == text).copied();
        if found.is_none() {
            let set = allowed.join(", ");
            self.add(
                &member(name),
                text,
                format!("Member must satisfy enum value set: [{set}]"),
            );
        }
        found
    }

    /// A `member.N` list of strings; `None` when the request carries neither entries nor
    /// the bare name (botocore sends `Name=` for an empty list). A list the codec cannot
    /// read whole (a gap in its numbering) is refused.
    pub fn list(&mut self, name: &str, rule: &Rule) -> Result<Option<Vec<String>>, IamError> {
        let values = self.query.list(name, None)?;
        if values.is_empty() && self.query.get(name).is_none() {
            return Ok(None);
        }
        let field = member(name);
        for (index, value) in values.iter().enumerate() {
            self.check(&format!("{field}.{}.member", index + 1), value, rule);
        }
        Ok(Some(values.into_iter().map(str::to_owned).collect()))
    }

    /// A required `member.N` list of strings.
    pub fn required_list(&mut self, name: &str, rule: &Rule) -> Result<Vec<String>, IamError> {
        self.list(name, rule)?
            .ok_or_else(|| IamError::MissingParameter(name.to_owned()))
    }

    /// Tag keys to remove (`TagKeys.member.N`), required.
    pub fn tag_keys(&mut self) -> Result<Vec<String>, IamError> {
        let keys = self.required_list("TagKeys", &TAG_KEY)?;
        self.at_most("TagKeys", &keys, MAX_TAGS_IN_REQUEST);
        Ok(keys)
    }

    /// `Tags.member.N.Key`/`.Value`: empty when absent; `DuplicateTagKeys` when two keys
    /// differ only in case, as IAM compares them.
    pub fn tags(&mut self, name: &str) -> Result<Tags, IamError> {
        let field = member(name);
        let mut tags = Vec::new();
        for index in 1.. {
            let key = self.query.get(&format!("{name}.member.{index}.Key"));
            let value = self.query.get(&format!("{name}.member.{index}.Value"));
            let place = format!("{field}.{index}.member");
            match (key, value) {
                (None, None) => break,
                (Some(key), Some(value)) => {
                    self.check(&format!("{place}.key"), key, &TAG_KEY);
                    self.check(&format!("{place}.value"), value, &TAG_VALUE);
                    tags.push((key.to_owned(), value.to_owned()));
                }
                (None, _) => self.null(&format!("{place}.key")),
                (_, None) => self.null(&format!("{place}.value")),
            }
        }
        let keys: Vec<String> = tags.iter().map(|(key, _)| key.clone()).collect();
        self.at_most(name, &keys, MAX_TAGS_IN_REQUEST);
        for (index, key) in keys.iter().enumerate() {
            if keys[..index].iter().any(|k| k.eq_ignore_ascii_case(key)) {
                return Err(IamError::DuplicateTagKeys);
            }
        }
        Ok(tags)
    }

    /// Required tags (TagRole, TagOpenIDConnectProvider).
    pub fn required_tags(&mut self, name: &str) -> Result<Tags, IamError> {
        let present = self.query.get(name).is_some()
            || self
                .query
                .names()
                .any(|param| param.starts_with(&format!("{name}.member.")));
        if !present {
            return Err(IamError::MissingParameter(name.to_owned()));
        }
        self.tags(name)
    }

    /// `Marker` and `MaxItems` (1 to 1000, default 100). Markers are this server's own:
    /// the index of the next entry.
    pub fn page(&mut self) -> Result<Page, IamError> {
        let max_items = self
            .integer("MaxItems", 1, 1000)
            .map_or(100, |n| n as usize);
        let start = match self.optional("Marker", &MARKER) {
            Some(marker) if MARKER.broken_by(&marker).is_none() => match marker.parse() {
                Ok(start) => start,
                Err(err) => {
                    let problem = format!("{err}");
                    return Err(IamError::InvalidMarker { marker, problem });
                }
            },
            _ => 0,
        };
        Ok(Page { start, max_items })
    }

    /// Refuses any of `names` (a scalar, or a structure's `Name.…` members) that the
    /// request carries: parameters irsa-local does not implement and must not ignore.
    pub fn unsupported(&self, names: &[&'static str]) -> Result<(), IamError> {
        for name in names {
            let prefix = format!("{name}.");
            if self
                .query
                .names()
                .any(|param| param == *name || param.starts_with(&prefix))
            {
                return Err(IamError::Unsupported(name));
            }
        }
        Ok(())
    }

    /// `Err` with every constraint failure found, if any.
    pub fn finish(self) -> Result<(), IamError> {
        self.problems.check().map_err(IamError::Validation)
    }

    fn check(&mut self, field: &str, value: &str, rule: &Rule) {
        if let Some(constraint) = rule.broken_by(value) {
            self.add(field, value, constraint);
        }
    }

    fn at_most(&mut self, name: &str, values: &[String], max: usize) {
        if values.len() > max {
            let shown = format!("[{}]", values.join(", "));
            self.add(
                &member(name),
                &shown,
                format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    fn add(&mut self, field: &str, value: &str, constraint: String) {
        self.problems.add(field, Some(value), &constraint);
    }

    fn null(&mut self, field: &str) {
        self.problems.add(field, None, "Member must not be null");
    }
}

/// A trust policy from a parameter's text.
pub fn trust_document(text: &str) -> Result<TrustPolicyDocument, IamError> {
    TrustPolicyDocument::try_from(json(text)?).map_err(IamError::MalformedPolicyDocument)
}

/// An identity-based policy from a parameter's text.
pub fn permissions_document(text: &str) -> Result<PermissionsPolicyDocument, IamError> {
    PermissionsPolicyDocument::try_from(json(text)?).map_err(IamError::MalformedPolicyDocument)
}

/// A managed policy's document: an identity-based policy in the current language version.
pub fn managed_document(text: &str) -> Result<PermissionsPolicyDocument, IamError> {
    let value = json(text)?;
    let parsed = policy::parse_value(&value, PolicyKind::Identity)
        .map_err(|err| IamError::MalformedPolicyDocument(err.to_string()))?;
    if parsed.version() != Version::Current {
        return Err(IamError::LegacyPolicyVersion);
    }
    PermissionsPolicyDocument::try_from(value).map_err(IamError::MalformedPolicyDocument)
}

/// A policy's size as IAM counts it against quotas: characters, whitespace excluded.
pub fn policy_size(json: &serde_json::Value) -> usize {
    json.to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}

/// Merges `tags` into `existing`: a key that matches an existing one case-insensitively
/// replaces it, taking the new spelling (as IAM does).
pub fn merge_tags(existing: &mut BTreeMap<String, String>, tags: &[(String, String)]) {
    for (key, value) in tags {
        existing.retain(|old, _| !old.eq_ignore_ascii_case(key));
        existing.insert(key.clone(), value.clone());
    }
}

/// Removes the keys (compared case-insensitively); absent keys are ignored.
pub fn remove_tags(existing: &mut BTreeMap<String, String>, keys: &[String]) {
    existing.retain(|old, _| !keys.iter().any(|key| key.eq_ignore_ascii_case(old)));
}

fn json(text: &str) -> Result<serde_json::Value, IamError> {
    serde_json::from_str(text).map_err(|err| IamError::PolicyNotJson(err.to_string()))
}

/// `RoleName` → `roleName`, as AWS names members in validation messages.
fn member(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_ascii_lowercase().to_string() + chars.as_str()
    })
}

#[cfg(test)]
mod tests;
