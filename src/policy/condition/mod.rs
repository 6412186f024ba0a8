//! The `Condition` element: operator blocks of keys and values, read and checked at parse
//! time, then evaluated against a request's keys.
//!
//! Evaluation follows
//! [Conditions with multiple context keys or values](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html)
//! and the
//! [condition operators page](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
//! - blocks and the keys within a block are ANDed; a key's policy values are ORed;
//! - a negated operator (`StringNotEquals`, `NotIpAddress`, `ArnNotLike`, …) is the
//!   negation of its positive twin, so its values are NORed, and it is true when the key
//!   is missing;
//! - a positive operator is false when the key is missing; `…IfExists` is true then;
//! - `Null` with `true` holds when the key is absent, with `false` when present;
//! - `ForAnyValue:` holds when some request value satisfies the operator (a missing or
//!   empty key fails); `ForAllValues:` when every request value does (a missing or empty
//!   key passes); with a negated operator each request value is tested negated;
//! - a plain operator on a multivalued request key holds when any request value matches
//!   any policy value (negated: when none does).

mod date;
mod operator;
mod scalars;
mod values;

#[cfg(test)]
mod tests;

use serde_json::Value;

use super::context::ContextKeys;
use super::display::{quote, quote_list};
use super::error::PolicyError;
use super::version::Version;
use operator::{BaseOperator, Comparison, Operator, SetQualifier, Test};
use values::PolicyValues;

/// A statement's `Condition` element; empty when the statement has none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Condition {
    entries: Vec<Entry>,
}

/// One condition entry as a request met it, for `explain`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionTrace {
    /// The operator as written, `ForAnyValue:StringLike` say.
    pub operator: String,
    pub key: String,
    /// The request's values for the key; `None` when the request has no such key.
    pub request_values: Option<Vec<String>>,
    /// The policy's values as written.
    pub policy_values: Vec<String>,
    pub holds: bool,
    /// Why it does not hold, in the words of the evaluator's reasons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why_not: Option<String>,
}

/// One operator applied to one key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    operator: Operator,
    /// The key as written, for messages.
    key: String,
    key_lowercase: String,
    /// The values as written (numbers and booleans as text), for messages.
    raw_values: Vec<String>,
    values: PolicyValues,
}

impl Condition {
    /// Reads a `Condition` element of the statement at `place`.
    pub(crate) fn parse(value: &Value, version: Version, place: &str) -> Result<Self, PolicyError> {
        let shape = |element: String, expected| PolicyError::WrongShape {
            element,
            place: place.to_owned(),
            expected,
        };
        let Value::Object(blocks) = value else {
            return Err(shape(
                "Condition".into(),
                "an object of condition operators",
            ));
        };
        let mut entries = Vec::new();
        for (operator_name, block) in blocks {
            let operator = Operator::parse(operator_name)?;
            let Value::Object(keys) = block else {
                return Err(shape(
                    format!("Condition {operator_name}"),
                    "an object of condition keys",
                ));
            };
            for (key, values) in keys {
                if key
                    .split_once(':')
                    .is_none_or(|(vendor, _)| vendor.is_empty())
                {
                    return Err(PolicyError::ConditionKeyWithoutVendor(key.clone()));
                }
                let raw_values = condition_strings(values).ok_or_else(|| {
                    shape(
                        format!("Condition {operator_name} {key}"),
                        "a string, number, boolean or non-empty list of them",
                    )
                })?;
                let values = PolicyValues::parse(operator.base.test(), &raw_values, version)
                    .map_err(|unreadable| PolicyError::InvalidConditionValue {
                        operator: operator_name.clone(),
                        key: key.clone(),
                        value: quote(&unreadable.value),
                        expected: unreadable.expected,
                    })?;
                entries.push(Entry {
                    operator,
                    key: key.clone(),
                    key_lowercase: key.to_lowercase(),
                    raw_values,
                    values,
                });
            }
        }
        Ok(Condition { entries })
    }

    /// The index of the first entry that does not hold for `keys`, or `None` when all do.
    pub(crate) fn first_failure(&self, keys: &ContextKeys) -> Option<usize> {
        self.entries.iter().position(|entry| !entry.holds(keys))
    }

    /// Every entry with the request's values and whether it holds, in the order
    /// [`Condition::first_failure`] checks them.
    pub(crate) fn trace(&self, keys: &ContextKeys) -> Vec<ConditionTrace> {
        self.entries
            .iter()
            .map(|entry| ConditionTrace {
                operator: entry.operator.to_string(),
                key: entry.key.clone(),
                request_values: keys
                    .values_by_lowercase(&entry.key_lowercase)
                    .map(<[String]>::to_vec),
                policy_values: entry.raw_values.clone(),
                holds: entry.holds(keys),
                why_not: (!entry.holds(keys)).then(|| entry.explain(keys)),
            })
            .collect()
    }

    /// Why entry `index` does not hold, in one line.
    pub(crate) fn explain_failure(&self, index: usize, keys: &ContextKeys) -> String {
        self.entries.get(index).map_or_else(
            || "a condition does not hold".to_owned(),
            |entry| entry.explain(keys),
        )
    }
}

impl Entry {
    fn holds(&self, keys: &ContextKeys) -> bool {
        let request = keys.values_by_lowercase(&self.key_lowercase);
        if let PolicyValues::Bools(expected) = &self.values {
            if self.operator.base == BaseOperator::Null {
                return expected.contains(&request.is_none());
            }
        }
        let negated = self.operator.base.is_negated();
        let Some(request) = request else {
            if self.operator.if_exists {
                return true;
            }
            return match self.operator.qualifier {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => negated,
            };
        };
        let resolved = self.values.resolve(self.operator.base.test(), keys);
        match self.operator.qualifier {
            None => request.iter().any(|value| resolved.matches(value)) != negated,
            Some(SetQualifier::ForAnyValue) => request
                .iter()
                .any(|value| resolved.matches(value) != negated),
            Some(SetQualifier::ForAllValues) => request
                .iter()
                .all(|value| resolved.matches(value) != negated),
        }
    }

    fn explain(&self, keys: &ContextKeys) -> String {
        let head = format!("condition {} on {}", self.operator, quote(&self.key));
        let Some(request) = keys.values_by_lowercase(&self.key_lowercase) else {
            return format!("{head}: the request has no such key");
        };
        if self.operator.base == BaseOperator::Null {
            return format!("{head}: the key is present");
        }
        let test = self.operator.base.test();
        let negated = self.operator.base.is_negated();
        let policy = quote_list(&self.raw_values);
        let (missed, hit) = verbs(test);
        let resolved = self.values.resolve(test, keys);
        let mut text = match (self.operator.qualifier, negated) {
            (None, false) => format!(
                "{head}: request {} {missed} {policy}",
                values_phrase(request)
            ),
            (None, true) => format!("{head}: request {} {hit} {policy}", values_phrase(request)),
            (Some(SetQualifier::ForAnyValue), false) => format!(
                "{head}: no request value of {} is {missed_word} {policy}",
                quote_list(request),
                missed_word = hit
            ),
            (Some(SetQualifier::ForAnyValue), true) => format!(
                "{head}: every request value of {} is {hit} {policy}",
                quote_list(request)
            ),
            (Some(SetQualifier::ForAllValues), _) => {
                let failing = request
                    .iter()
                    .find(|value| resolved.matches(value) == negated)
                    .map_or_else(String::new, |value| quote(value));
                let verb = if negated { hit } else { missed };
                format!("{head}: request value {failing} {verb} {policy}")
            }
        };
        if resolved.unresolved > 0 {
            text.push_str(" (a policy variable has no single value in the request)");
        }
        text
    }
}

/// How to say a request value missed or hit the policy values, per test.
fn verbs(test: Test) -> (&'static str, &'static str) {
    match test {
        Test::StringLike | Test::Arn => ("not matched by", "matched by"),
        Test::IpAddress => ("not in ranges", "in ranges"),
        Test::Numeric(comparison) | Test::Date(comparison) => match comparison {
            Comparison::Equal => ("not equal to any of", "equal to one of"),
            Comparison::Less => ("not < any of", "< one of"),
            Comparison::LessOrEqual => ("not <= any of", "<= one of"),
            Comparison::Greater => ("not > any of", "> one of"),
            Comparison::GreaterOrEqual => ("not >= any of", ">= one of"),
        },
        _ => ("not in", "in"),
    }
}

fn values_phrase(request: &[String]) -> String {
    match request {
        [single] => format!("value {}", quote(single)),
        many => format!("values {}", quote_list(many)),
    }
}

/// A condition value or list of values as text: strings as they are, numbers and
/// booleans as JSON writes them. `None` for anything else, or an empty list.
fn condition_strings(value: &Value) -> Option<Vec<String>> {
    fn scalar(value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    match value {
        Value::Array(items) if !items.is_empty() => items.iter().map(scalar).collect(),
        Value::Array(_) => None,
        other => scalar(other).map(|s| vec![s]),
    }
}
