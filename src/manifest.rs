//! Kubernetes manifests as files: one object as JSON or YAML in, the same format (or the
//! one asked for) out. JSON is told apart as kubectl does: the first non-blank character
//! is `{`. YAML goes through `serde-saphyr` (pure Rust, built to fail without panicking).

use serde_json::Value;

/// The two manifest formats (also `irsa-local mutate -o`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    /// The format `text` is written in.
    pub fn detect(text: &str) -> Self {
        if text.trim_start().starts_with('{') {
            Self::Json
        } else {
            Self::Yaml
        }
    }
}

/// Why a manifest cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("the manifest is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the manifest is not valid YAML: {0}")]
    YamlIn(#[from] serde_saphyr::Error),
    #[error("cannot write the object as YAML: {0}")]
    YamlOut(#[from] serde_saphyr::SerializeError),
    #[error("the manifest is empty")]
    Empty,
    #[error("the manifest is {0}, not an object")]
    NotAnObject(&'static str),
}

/// Parses one object from `text`, in the format it is written in.
pub fn parse(text: &str) -> Result<(Value, Format), ManifestError> {
    let format = Format::detect(text);
    let value: Value = match format {
        Format::Json => serde_json::from_str(text)?,
        Format::Yaml => serde_saphyr::from_str(text)?,
    };
    match value {
        Value::Object(_) => Ok((value, format)),
        Value::Null => Err(ManifestError::Empty),
        Value::Array(_) => Err(ManifestError::NotAnObject("a list")),
        _ => Err(ManifestError::NotAnObject("a scalar")),
    }
}

/// Renders `value` in `format`, ending with a newline.
pub fn render(value: &Value, format: Format) -> Result<String, ManifestError> {
    match format {
        Format::Json => Ok(format!("{}\n", serde_json::to_string_pretty(value)?)),
        Format::Yaml => {
            let text = serde_saphyr::to_string(value)?;
            Ok(if text.ends_with('\n') {
                text
            } else {
                format!("{text}\n")
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn formats_are_detected_and_round_trip() {
        let cases = [
            ("json_object", "{\"kind\": \"Pod\"}", Format::Json),
            (
                "json_after_blank_lines",
                "\n  {\"kind\": \"Pod\"}",
                Format::Json,
            ),
            ("yaml_block", "kind: Pod\n", Format::Yaml),
            ("yaml_document_marker", "---\nkind: Pod\n", Format::Yaml),
        ];
        for (name, text, want) in cases {
            let (value, format) = parse(text).unwrap_or_else(|err| panic!("case {name}: {err}"));
            assert_eq!(format, want, "case {name}");
            assert_eq!(value, json!({"kind": "Pod"}), "case {name}");
        }
    }

    #[test]
    fn strings_that_look_like_other_scalars_stay_strings() {
        let pod = json!({"metadata": {"annotations": {
            "eks.amazonaws.com/token-expiration": "600", "flag": "true", "none": "null",
            "octal": "0755", "date": "2024-01-01", "path": "C:\\var\\run", "multi": "a\nb"}}});
        for format in [Format::Yaml, Format::Json] {
            let text = render(&pod, format).unwrap();
            assert!(text.ends_with('\n'));
            assert_eq!(parse(&text).unwrap(), (pod.clone(), format), "{text}");
        }
    }

    #[test]
    fn bad_manifests_are_errors_not_panics() {
        let cases = [
            ("empty", ""),
            ("list", "- a\n- b\n"),
            ("scalar", "just text"),
            ("unclosed_flow", "a: ["),
            ("bad_json", "{\"a\": }"),
            ("two_documents", "a: 1\n---\nb: 2\n"),
            ("duplicate_key", "a: 1\na: 2\n"),
            ("self_alias", "&a [*a]"),
            ("tab_indent", "a:\n\t- b"),
        ];
        for (name, text) in cases {
            assert!(parse(text).is_err(), "case {name}");
        }
    }

    /// YAML with random bytes changed parses or fails, never panics.
    #[test]
    fn never_panics_on_damaged_yaml() {
        use rand::{Rng, SeedableRng};
        let valid = b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {a: 'b'}\nspec:\n  containers:\n  - name: c\n    args: [\"s3\", ls]\n    env: &e\n    - {name: X, value: \"1\"}\n  initContainers: [{name: i, env: *e}]\n";
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for _ in 0..3000 {
            let mut text = valid.to_vec();
            for _ in 0..rng.gen_range(1..4) {
                let at = rng.gen_range(0..text.len());
                const BYTES: &[u8] = b" \n-:{}[]&*!|>'\"#%@`\t";
                text[at] = BYTES[rng.gen_range(0..BYTES.len())];
            }
            if let Ok(text) = std::str::from_utf8(&text) {
                if let Ok((value, format)) = parse(text) {
                    assert!(render(&value, format).is_ok());
                }
            }
        }
    }
}
