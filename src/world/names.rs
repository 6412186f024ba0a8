//! The syntax of every name the world holds, as Kubernetes and AWS define it. Each check
//! returns the message the real service gives, so the same function serves the world
//! loader and the HTTP handlers.

/// Kubernetes `IsDNS1123Label`: namespaces.
pub fn dns1123_label(value: &str) -> Result<(), String> {
    const MESSAGE: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric \
        characters or '-', and must start and end with an alphanumeric character (e.g. \
        'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    if value.len() > 63 {
        return Err("must be no more than 63 characters".to_owned());
    }
    if is_label(value) {
        Ok(())
    } else {
        Err(MESSAGE.to_owned())
    }
}

/// Kubernetes `IsDNS1123Subdomain`: service account, pod and secret names.
pub fn dns1123_subdomain(value: &str) -> Result<(), String> {
    const MESSAGE: &str = "a lowercase RFC 1123 subdomain must consist of lower case \
        alphanumeric characters, '-' or '.', and must start and end with an alphanumeric \
        character (e.g. 'example.com', regex used for validation is \
        '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    if value.len() > 253 {
        return Err("must be no more than 253 characters".to_owned());
    }
    if value.split('.').all(is_label) {
        Ok(())
    } else {
        Err(MESSAGE.to_owned())
    }
}

fn is_label(value: &str) -> bool {
    let bytes = value.as_bytes();
    let alphanumeric = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            alphanumeric(first)
                && alphanumeric(last)
                && bytes.iter().all(|b| alphanumeric(b) || *b == b'-')
        }
        _ => false,
    }
}

/// An AWS account id: exactly twelve digits.
pub fn account_id(value: &str) -> Result<(), String> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("account id {value:?} must be exactly 12 digits"))
    }
}

/// An AWS region name such as `us-west-2` or `cn-north-1`.
pub fn region(value: &str) -> Result<(), String> {
    let parts: Vec<&str> = value.split('-').collect();
    let valid = parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    if valid {
        Ok(())
    } else {
        Err(format!(
            "region {value:?} is not a region name like us-west-2"
        ))
    }
}

/// An EKS cluster name: `^[0-9A-Za-z][A-Za-z0-9\-_]*`, at most 100 characters.
pub fn cluster_name(value: &str) -> Result<(), String> {
    let bytes = value.as_bytes();
    let valid = !bytes.is_empty()
        && bytes.len() <= 100
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "cluster name {value:?} must match [0-9A-Za-z][A-Za-z0-9-_]* and be at most 100 characters"
        ))
    }
}

/// An IAM role or policy name: `[\w+=,.@-]+`, 1 to `max` characters.
pub fn iam_name(value: &str, max: usize) -> Result<(), String> {
    let valid = !value.is_empty()
        && value.len() <= max
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "name {value:?} must match [\\w+=,.@-]+ and be 1 to {max} characters"
        ))
    }
}

/// An IAM path: `/` or `/segments/`, at most 512 characters of printable ASCII.
pub fn iam_path(value: &str) -> Result<(), String> {
    let valid = value.len() <= 512
        && value.starts_with('/')
        && value.ends_with('/')
        && value.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if valid {
        Ok(())
    } else {
        Err(format!("path {value:?} must begin and end with '/'"))
    }
}

/// An S3 bucket name under the general-purpose naming rules.
pub fn bucket_name(value: &str) -> Result<(), String> {
    let bytes = value.as_bytes();
    let edge_ok = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let looks_like_ip = value.split('.').count() == 4
        && value
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let valid = (3..=63).contains(&bytes.len())
        && edge_ok(bytes.first())
        && edge_ok(bytes.last())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.' || *b == b'-')
        && !value.contains("..")
        && !looks_like_ip
        && !value.starts_with("xn--")
        && !value.ends_with("-s3alias");
    if valid {
        Ok(())
    } else {
        Err(format!(
            "bucket name {value:?} must be 3 to 63 lowercase letters, digits, dots and hyphens, \
             start and end with a letter or digit, and not look like an IP address"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns1123_labels() {
        let long = "a".repeat(64);
        let cases = [
            ("simple", "default", true),
            ("digits_and_hyphen", "kube-system-2", true),
            ("single_char", "a", true),
            ("empty", "", false),
            ("uppercase", "Default", false),
            ("leading_hyphen", "-ns", false),
            ("trailing_hyphen", "ns-", false),
            ("dot_not_allowed", "a.b", false),
            ("underscore", "a_b", false),
            ("too_long", long.as_str(), false),
        ];
        for (name, input, want) in cases {
            assert_eq!(dns1123_label(input).is_ok(), want, "case {name}");
        }
    }

    #[test]
    fn dns1123_subdomains() {
        let long = format!("{}.{}", "a".repeat(200), "b".repeat(60));
        let cases = [
            ("simple", "iam-test", true),
            ("dotted", "my.service.account", true),
            ("empty", "", false),
            ("empty_segment", "a..b", false),
            ("leading_dot", ".a", false),
            ("uppercase", "IamTest", false),
            ("colon", "a:b", false),
            ("too_long", long.as_str(), false),
        ];
        for (name, input, want) in cases {
            assert_eq!(dns1123_subdomain(input).is_ok(), want, "case {name}");
        }
    }

    type Check = fn(&str) -> Result<(), String>;

    #[test]
    fn aws_names() {
        let cases: [(&str, Check, &str, bool); 16] = [
            ("account_twelve_digits", account_id, "111122223333", true),
            ("account_eleven_digits", account_id, "11112222333", false),
            ("account_letters", account_id, "11112222333a", false),
            ("region_us_west_2", region, "us-west-2", true),
            ("region_gov", region, "us-gov-west-1", true),
            ("region_no_number", region, "us-west", false),
            ("region_uppercase", region, "US-west-2", false),
            ("cluster_workshop", cluster_name, "eksworkshop-eksctl", true),
            ("cluster_leading_hyphen", cluster_name, "-x", false),
            ("cluster_slash", cluster_name, "a/b", false),
            (
                "bucket_workshop",
                bucket_name,
                "eksworkshop-111122223333-us-west-2",
                true,
            ),
            ("bucket_uppercase", bucket_name, "Bucket", false),
            ("bucket_ip_address", bucket_name, "192.168.1.1", false),
            ("bucket_double_dot", bucket_name, "a..b", false),
            ("bucket_too_short", bucket_name, "ab", false),
            ("iam_path_nested", iam_path, "/team/app/", true),
        ];
        for (name, check, input, want) in cases {
            assert_eq!(check(input).is_ok(), want, "case {name}");
        }
    }

    #[test]
    fn iam_names() {
        let cases = [
            ("role", "iam-test", true),
            ("allowed_punctuation", "a+b=c,d.e@f_g-h", true),
            ("empty", "", false),
            ("slash", "a/b", false),
            ("space", "a b", false),
        ];
        for (name, input, want) in cases {
            assert_eq!(iam_name(input, 64).is_ok(), want, "case {name}");
        }
        assert!(iam_name(&"r".repeat(65), 64).is_err(), "case too_long");
    }
}
