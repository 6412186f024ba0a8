//! The request a policy is asked about: who calls, which action on which resource, and
//! the condition key values of the
//! [request context](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html#AccessPolicyLanguage_RequestContext).

use std::collections::BTreeMap;

/// Who is asking, as a trust or resource policy's `Principal` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalRef<'a> {
    /// A web identity or SAML provider: its IAM provider ARN, or a well-known name such
    /// as `accounts.google.com`.
    Federated(&'a str),
    /// An IAM or STS principal ARN (user, role, assumed-role session, account root).
    Aws(&'a str),
    /// An AWS service principal such as `ec2.amazonaws.com`.
    Service(&'a str),
}

/// One request to decide.
#[derive(Debug, Clone)]
pub struct RequestContext<'a> {
    /// The caller; `None` for an anonymous request.
    pub principal: Option<PrincipalRef<'a>>,
    /// The action, `service:Action`, e.g. `sts:AssumeRoleWithWebIdentity`.
    pub action: &'a str,
    /// The resource ARN; `None` where the request names no resource (a trust policy).
    pub resource: Option<&'a str>,
    /// The condition key values.
    pub keys: ContextKeys,
}

/// Condition key values. Key names are case-insensitive, as IAM's are; a key holds zero
/// or more values (zero: present but empty, like `aws:TagKeys` on an untagged request).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextKeys {
    by_lowercase_key: BTreeMap<String, Vec<String>>,
}

impl ContextKeys {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `value` to `key`'s values, creating the key if needed.
    pub fn insert(&mut self, key: &str, value: impl Into<String>) {
        self.by_lowercase_key
            .entry(key.to_lowercase())
            .or_default()
            .push(value.into());
    }

    /// Makes `key` present without adding a value: an empty multivalued key.
    pub fn insert_empty(&mut self, key: &str) {
        self.by_lowercase_key.entry(key.to_lowercase()).or_default();
    }

    /// The values of `key` (any case), or `None` when the request lacks it.
    pub fn values(&self, key: &str) -> Option<&[String]> {
        self.values_by_lowercase(&key.to_lowercase())
    }

    /// As [`ContextKeys::values`], for a key already lowercased once at parse time.
    pub(crate) fn values_by_lowercase(&self, lowercase_key: &str) -> Option<&[String]> {
        self.by_lowercase_key.get(lowercase_key).map(Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive_and_multivalued() {
        let mut keys = ContextKeys::new();
        keys.insert("aws:TagKeys", "a");
        keys.insert("AWS:tagkeys", "b");
        keys.insert_empty("aws:PrincipalTag/none");
        #[rustfmt::skip]
        let cases: [(&str, &str, Option<&[&str]>); 4] = [
            ("same_case", "aws:TagKeys", Some(&["a", "b"])),
            ("other_case", "AWS:TAGKEYS", Some(&["a", "b"])),
            ("present_but_empty", "aws:principaltag/NONE", Some(&[])),
            ("absent", "aws:username", None),
        ];
        for (name, key, want) in cases {
            let got = keys
                .values(key)
                .map(|values| values.iter().map(String::as_str).collect::<Vec<_>>());
            assert_eq!(got.as_deref(), want, "case {name}");
        }
    }
}
