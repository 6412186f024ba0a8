//! AWS's parameter validation report, shared by the query-protocol services (STS, IAM):
//! every constraint failure is collected and reported together (`2 validation errors
//! detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: …; Value …`).

/// Parameter constraint failures, in the order found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ValidationProblems {
    problems: Vec<String>,
}

impl ValidationProblems {
    /// Records that `field` (AWS's camelCase member name) with `value` breaks `constraint`.
    /// A `None` value is printed as AWS prints a sensitive or absent one.
    pub fn add(&mut self, field: &str, value: Option<&str>, constraint: &str) {
        let value = match value {
            Some(value) => format!("Value '{value}'"),
            None => "Value null".to_owned(),
        };
        self.problems.push(format!(
            "{value} at '{field}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// `Err(self)` when anything was recorded.
    pub fn check(self) -> Result<(), Self> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }

    /// Each problem as AWS phrases it.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// AWS's message.
    pub fn message(&self) -> String {
        let count = self.problems.len();
        let noun = if count == 1 { "error" } else { "errors" };
        format!(
            "{count} validation {noun} detected: {}",
            self.problems.join("; ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_follow_aws() {
        let mut one = ValidationProblems::default();
        one.add(
            "roleSessionName",
            Some("a:b"),
            r"Member must satisfy regular expression pattern: [\w+=,.@-]*",
        );
        assert_eq!(
            one.message(),
            r"1 validation error detected: Value 'a:b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*"
        );
        let mut two = one.clone();
        two.add("roleArn", None, "Member must not be null");
        assert!(two.message().starts_with("2 validation errors detected: "));
        assert!(two.message().ends_with(
            "; Value null at 'roleArn' failed to satisfy constraint: Member must not be null"
        ));
        assert!(ValidationProblems::default().check().is_ok());
        assert_eq!(two.check().unwrap_err().problems().len(), 2);
    }
}
