//! The string-or-list elements of a statement: `Action`/`NotAction` and
//! `Resource`/`NotResource`, with the checks IAM applies to each value.

use serde_json::Value;

use super::super::error::PolicyError;
use super::super::pattern::Pattern;
use super::super::variables::Template;
use super::{ActionPattern, Version};

/// A string, or a list of strings (possibly empty); `None` for any other JSON.
pub(super) fn strings(value: &Value) -> Option<Vec<&str>> {
    match value {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(items) => items.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

/// Reads `Action` or `NotAction`: `*` or `vendor:pattern` values.
pub(super) fn action_patterns(
    element: &str,
    value: &Value,
    place: &str,
) -> Result<Vec<ActionPattern>, PolicyError> {
    let actions = strings(value).ok_or_else(|| not_strings(element, place))?;
    if actions.is_empty() {
        return Err(PolicyError::MissingActions {
            place: place.to_owned(),
        });
    }
    actions
        .into_iter()
        .map(|action| {
            check_action(action)?;
            Ok(ActionPattern {
                raw: action.to_owned(),
                lowercase: Pattern::new(&action.to_lowercase()),
            })
        })
        .collect()
}

/// Reads `Resource` or `NotResource`: `*` or ARN patterns, variables included.
pub(super) fn resource_templates(
    element: &str,
    value: &Value,
    version: Version,
    place: &str,
) -> Result<Vec<Template>, PolicyError> {
    let resources = strings(value).ok_or_else(|| not_strings(element, place))?;
    if resources.is_empty() {
        return Err(PolicyError::MissingResources {
            place: place.to_owned(),
        });
    }
    resources
        .into_iter()
        .map(|resource| {
            if resource != "*" && !resource.starts_with("arn:") {
                return Err(PolicyError::ResourceNotArn(resource.to_owned()));
            }
            Ok(Template::parse(resource, version))
        })
        .collect()
}

/// IAM's checks on an action: `*`, or one colon after a plain vendor name.
fn check_action(action: &str) -> Result<(), PolicyError> {
    if action == "*" {
        return Ok(());
    }
    let Some((vendor, name)) = action.split_once(':') else {
        return Err(PolicyError::ActionWithoutVendor(action.to_owned()));
    };
    if name.contains(':') {
        return Err(PolicyError::ActionWithManyColons(action.to_owned()));
    }
    if vendor.contains(['*', '?']) {
        return Err(PolicyError::VendorWithWildcard(action.to_owned()));
    }
    let vendor_ok = !vendor.is_empty()
        && vendor
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if !vendor_ok {
        return Err(PolicyError::InvalidVendor(vendor.to_owned()));
    }
    Ok(())
}

/// The error for an element that is not a string or list of strings.
fn not_strings(element: &str, place: &str) -> PolicyError {
    PolicyError::WrongShape {
        element: element.to_owned(),
        place: place.to_owned(),
        expected: "a string or a list of strings",
    }
}
