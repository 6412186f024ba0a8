//! The rules, over one document read by [`super::json`]: each statement is read into a
//! [`Statement`] view (last-wins, as IAM reads it), then checked by the condition rules
//! ([`conditions`]) and the statement rules ([`statements`]); duplicate keys are found
//! on the document as written.

mod conditions;
mod statements;

use std::collections::HashSet;

use super::json::{duplicate_keys, Duplicate, Node, Path};
use super::{Finding, Rule};

/// Every finding in `policy`, ordered by rule then path; `account` is the role's.
pub(crate) fn lint(policy: &Node, account: Option<&str>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut duplicates = Vec::new();
    duplicate_keys(policy, &Path::root(), &mut duplicates);
    for duplicate in &duplicates {
        findings.push(Rule::DuplicateKey.finding(&duplicate.path, duplicate_message(duplicate)));
    }
    let statements = read_statements(policy);
    for statement in &statements {
        let duplicated = duplicates
            .iter()
            .any(|duplicate| duplicate.path.starts_with(&statement.path));
        conditions::check(statement, &mut findings);
        statements::check(statement, account, duplicated, &mut findings);
    }
    statements::check_denies(&statements, &mut findings);
    findings.sort_by_key(|finding| {
        let order = Rule::ALL.iter().position(|rule| *rule == finding.id);
        (order, finding.path.clone())
    });
    findings
}

/// One statement as IAM reads it.
#[derive(Debug)]
struct Statement<'a> {
    path: Path,
    deny: bool,
    /// Every `Principal.Federated` value.
    federated: Vec<(String, Path)>,
    /// The `Federated` values that are OIDC provider ARNs.
    providers: Vec<Provider>,
    /// `Action`'s values; `None` for `NotAction` or none.
    actions: Option<Vec<(String, Path)>>,
    /// The `Principal` element's path.
    principal_path: Path,
    /// The `Condition` element's path, if it has one.
    condition_path: Option<Path>,
    entries: Vec<Entry<'a>>,
}

/// An OIDC provider a statement trusts: `arn:aws:iam::<account>:oidc-provider/<issuer>`.
#[derive(Debug)]
struct Provider {
    arn: String,
    account: String,
    /// The issuer's host and path, as condition keys start.
    issuer: String,
    path: Path,
}

/// One condition key under one operator.
#[derive(Debug)]
struct Entry<'a> {
    operator: &'a str,
    operator_path: Path,
    key: &'a str,
    path: Path,
    values: Vec<(String, Path)>,
}

impl Entry<'_> {
    /// The claim of an issuer's key (`sub` of `oidc…/id/X:sub`), lowercase, with the issuer.
    fn issuer_claim(&self) -> Option<(&str, String)> {
        let (issuer, claim) = self.key.rsplit_once(':')?;
        (issuer.contains('/') || issuer.contains('.')).then(|| (issuer, claim.to_lowercase()))
    }

    /// The operator without its set qualifier and `IfExists`: `StringLike`.
    fn base_operator(&self) -> &str {
        let name = self.operator;
        let name = name
            .strip_prefix("ForAnyValue:")
            .or_else(|| name.strip_prefix("ForAllValues:"))
            .unwrap_or(name);
        name.strip_suffix("IfExists").unwrap_or(name)
    }
}

/// The statements of `policy`: `Statement` as a list or a single object.
fn read_statements(policy: &Node) -> Vec<Statement<'_>> {
    let path = Path::root().key("Statement");
    match policy.get("Statement") {
        Some(Node::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| read_statement(item, path.index(index)))
            .collect(),
        Some(item) => read_statement(item, path).into_iter().collect(),
        None => Vec::new(),
    }
}

/// One statement's view; `None` when it is not an object.
fn read_statement(node: &Node, path: Path) -> Option<Statement<'_>> {
    let Node::Object(_) = node else {
        return None;
    };
    let principal_path = path.key("Principal");
    let federated_path = principal_path.key("Federated");
    let federated = node
        .get("Principal")
        .and_then(|principal| principal.get("Federated"))
        .map(|federated| federated.scalars(&federated_path))
        .unwrap_or_default();
    let providers = federated
        .iter()
        .filter_map(|(arn, path)| provider(arn, path))
        .collect();
    let actions = node
        .get("Action")
        .map(|actions| actions.scalars(&path.key("Action")));
    let condition_path = node.get("Condition").map(|_| path.key("Condition"));
    let mut entries = Vec::new();
    if let (Some(condition), Some(condition_path)) = (node.get("Condition"), &condition_path) {
        for (operator, block) in condition.entries() {
            let operator_path = condition_path.key(operator);
            for (key, values) in block.entries() {
                let key_path = operator_path.key(key);
                entries.push(Entry {
                    operator,
                    operator_path: operator_path.clone(),
                    key,
                    values: values.scalars(&key_path),
                    path: key_path,
                });
            }
            if block.entries().next().is_none() {
                // An empty block still names its operator, which may be unknown.
                entries.push(Entry {
                    operator,
                    operator_path: operator_path.clone(),
                    key: "",
                    values: Vec::new(),
                    path: operator_path,
                });
            }
        }
    }
    Some(Statement {
        deny: node.get("Effect").and_then(Node::as_str) == Some("Deny"),
        federated,
        providers,
        actions,
        principal_path,
        condition_path,
        entries,
        path,
    })
}

/// Reads an OIDC provider ARN.
fn provider(arn: &str, path: &Path) -> Option<Provider> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    Some(Provider {
        arn: arn.to_owned(),
        account: account.to_owned(),
        issuer: resource.strip_prefix("oidc-provider/")?.to_owned(),
        path: path.clone(),
    })
}

/// What a repeated key does: for a condition operator, which keys stop being checked.
fn duplicate_message(duplicate: &Duplicate<'_>) -> String {
    let key = duplicate.key;
    let kept: HashSet<&str> = duplicate.kept.entries().map(|(inner, _)| inner).collect();
    let dropped: Vec<&str> = duplicate
        .replaced
        .entries()
        .map(|(inner, _)| inner)
        .filter(|inner| !kept.contains(inner))
        .collect();
    if dropped.is_empty() {
        return format!(
            "\"{key}\" appears again: JSON keeps only the last, the earlier one is ignored"
        );
    }
    let lost_sub = dropped
        .iter()
        .any(|inner| inner.to_lowercase().ends_with(":sub"))
        && !duplicate
            .kept
            .entries()
            .any(|(inner, _)| inner.to_lowercase().ends_with(":sub"));
    format!(
        "a second \"{key}\" replaces the first (IAM accepts the document), so {} {} no longer checked{}",
        dropped.join(", "),
        if dropped.len() == 1 { "is" } else { "are" },
        if lost_sub {
            ": with no :sub check the role trusts every service account of the cluster"
        } else {
            ""
        }
    )
}

/// Whether `pattern` (IAM's `*` and `?`) matches `text`, ignoring ASCII case.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let (pattern, text) = (pattern.as_bytes(), text.as_bytes());
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                backtrack = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c.eq_ignore_ascii_case(&text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match backtrack {
                Some((star, matched)) => {
                    p = star + 1;
                    t = matched + 1;
                    backtrack = Some((star, matched + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .unwrap_or_default()
        .iter()
        .all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_iam_actions() {
        let cases = [
            ("exact", "sts:AssumeRole", "sts:AssumeRole", true),
            ("case_insensitive", "STS:assumerole", "sts:AssumeRole", true),
            (
                "prefix_is_not_enough",
                "sts:AssumeRole",
                "sts:AssumeRoleWithWebIdentity",
                false,
            ),
            (
                "star_suffix",
                "sts:AssumeRole*",
                "sts:AssumeRoleWithWebIdentity",
                true,
            ),
            (
                "star_middle",
                "sts:*Web*",
                "sts:AssumeRoleWithWebIdentity",
                true,
            ),
            ("question", "sts:TagSessio?", "sts:TagSession", true),
            ("star_only", "*", "", true),
            ("longer_pattern", "sts:x", "sts:", false),
        ];
        for (name, pattern, text, want) in cases {
            assert_eq!(glob_matches(pattern, text), want, "case {name}");
        }
    }
}
