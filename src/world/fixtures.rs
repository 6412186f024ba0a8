//! Entities for tests: a role that trusts EC2 (`ec2.amazonaws.com`, `sts:AssumeRole`).

use super::Role;

/// A role named `name` with no policies, trusting EC2.
pub fn role(name: &str) -> Role {
    serde_json::from_value(serde_json::json!({
        "name": name,
        "assumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                           "Action": "sts:AssumeRole"}]
        }
    }))
    .unwrap()
}
