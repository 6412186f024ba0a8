//! `irsa-local lint` as a user runs it: each fixture's finding in text and JSON with its
//! exit code, the default world clean, IAM's URL-encoded text, bad input, a world file's
//! duplicate keys, and the same findings logged when `serve` starts.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{binary, default_world, seed_fixture_key};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/lint");

/// Runs `irsa-local lint ARGS…`, its standard input read from `stdin` when given.
fn run(args: &[&str], stdin: Option<&Path>) -> Output {
    let input = stdin.map_or_else(Stdio::null, |path| {
        Stdio::from(std::fs::File::open(path).expect("stdin file"))
    });
    Command::new(binary())
        .arg("lint")
        .args(args)
        .stdin(input)
        .output()
        .expect("run irsa-local lint")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `(finding id, path)` of every `fixtures/lint/*.json`.
fn bad_fixtures() -> Vec<(String, PathBuf)> {
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(FIXTURES)
        .expect("fixtures/lint")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let id = path.file_stem().unwrap().to_string_lossy().into_owned();
            (id, path)
        })
        .collect();
    files.sort();
    files
}

/// IAM's raw encoding of a policy document (RFC 3986: all but unreserved characters).
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[test]
fn each_fixture_exits_1_with_its_finding_in_text_and_json() {
    let fixtures = bad_fixtures();
    assert_eq!(fixtures.len(), 15, "one fixture per finding id");
    for (id, path) in &fixtures {
        let path = path.to_str().unwrap();
        let plain = run(&["--trust-policy", path], None);
        assert_eq!(
            plain.status.code(),
            Some(1),
            "{id}: {}",
            text(&plain.stderr)
        );
        let stdout = text(&plain.stdout);
        assert!(
            stdout.contains(&format!("[{id}] $.")),
            "{id} in text: {stdout}"
        );
        assert!(stdout.contains("\n  fix: "), "{id}: a fix line: {stdout}");

        let json = run(&["--output", "json", "--trust-policy", path], None);
        assert_eq!(json.status.code(), Some(1), "{id} json");
        let output: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON output");
        let findings = output["findings"].as_array().expect("findings");
        assert!(!findings.is_empty(), "{id}: findings");
        for finding in findings {
            assert_eq!(finding["id"], id.as_str(), "{id}: only its own finding");
            assert_eq!(finding["source"], path, "{id}");
            assert!(
                matches!(finding["level"].as_str(), Some("error" | "warning")),
                "{id}"
            );
            assert!(
                finding["path"]
                    .as_str()
                    .is_some_and(|p| p.starts_with("$.Statement")),
                "{id}"
            );
            assert!(
                finding["fix"].as_str().is_some_and(|fix| !fix.is_empty()),
                "{id}"
            );
        }
    }
}

#[test]
fn good_policies_and_the_default_world_give_nothing() {
    for good in ["eksctl.json", "pod-identity.json"] {
        let path = Path::new(FIXTURES).join("good").join(good);
        let output = run(&["--trust-policy", path.to_str().unwrap()], None);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{good}: {}",
            text(&output.stdout)
        );
        assert_eq!(text(&output.stdout), "", "{good}: no output");
    }
    let data = tempfile::tempdir().unwrap();
    seed_fixture_key(data.path());
    let dir = data.path().to_str().unwrap();
    let world = run(&["--data-dir", dir], None);
    assert_eq!(world.status.code(), Some(0), "{}", text(&world.stderr));
    assert_eq!(text(&world.stdout), "", "default world: nothing");
    let json = run(&["--data-dir", dir, "--output", "json"], None);
    assert_eq!(json.status.code(), Some(0));
    let output: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(output, serde_json::json!({"findings": []}));
}

#[test]
fn url_encoded_documents_and_get_role_output_are_read() {
    let duplicate =
        std::fs::read_to_string(Path::new(FIXTURES).join("duplicate-key.json")).unwrap();
    let encoded = format!("{}\n", url_encode(&duplicate));
    assert!(
        encoded.starts_with("%7B%0A%20%20%22Version%22"),
        "{encoded}"
    );
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw.txt");
    std::fs::write(&raw, &encoded).unwrap();
    let from_stdin = run(&["--trust-policy", "-"], Some(&raw));
    assert_eq!(
        from_stdin.status.code(),
        Some(1),
        "{}",
        text(&from_stdin.stderr)
    );
    assert!(text(&from_stdin.stdout)
        .starts_with("-: error[duplicate-key] $.Statement[0].Condition.StringEquals: "));

    // A get-role answer whose document is still IAM's raw, URL-encoded text.
    let get_role = serde_json::json!({"Role": {
        "RoleName": "iam-test",
        "Arn": "arn:aws:iam::111122223333:role/iam-test",
        "AssumeRolePolicyDocument": url_encode(&duplicate),
    }});
    let file = dir.path().join("get-role.json");
    std::fs::write(&file, get_role.to_string()).unwrap();
    let output = run(
        &["--output", "json", "--trust-policy", file.to_str().unwrap()],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    let output: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output["findings"][0]["id"], "duplicate-key", "{output}");
}

#[test]
fn bad_input_exits_2_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "garbled",
            "{\"Version\": \"2012-10-17\", \"Statement\": [",
            "not JSON",
        ),
        ("not_a_policy", "{\"Role\": {}}", "not a policy document"),
    ];
    let good = Path::new(FIXTURES).join("good/eksctl.json");
    for (name, content, want) in cases {
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, content).unwrap();
        let output = run(
            &[
                "--trust-policy",
                good.to_str().unwrap(),
                file.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(output.status.code(), Some(2), "case {name}");
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains(&format!("{name}.json: {want}")),
            "case {name}: {stderr}"
        );
    }
    let missing = run(&["--trust-policy", "/nonexistent/policy.json"], None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("cannot read"));
}

/// A world file whose role `dup` has two `StringEquals` blocks, written as text.
fn world_with_duplicate_keys(dir: &Path) -> PathBuf {
    let mut world = default_world();
    world["roles"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"name": "dup", "assumeRolePolicyDocument": "POLICY"}));
    let duplicate =
        std::fs::read_to_string(Path::new(FIXTURES).join("duplicate-key.json")).unwrap();
    let text = world.to_string().replace("\"POLICY\"", &duplicate);
    let file = dir.join("world.json");
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn a_world_files_duplicate_keys_are_found() {
    let data = tempfile::tempdir().unwrap();
    seed_fixture_key(data.path());
    let config = world_with_duplicate_keys(data.path());
    let output = run(
        &[
            "--config",
            config.to_str().unwrap(),
            "--data-dir",
            data.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout
            .starts_with("role/dup: error[duplicate-key] $.Statement[0].Condition.StringEquals: "),
        "{stdout}"
    );
    assert_eq!(
        stdout
            .lines()
            .filter(|line| !line.starts_with("  fix:"))
            .count(),
        1,
        "{stdout}"
    );
}

#[test]
fn serve_logs_the_worlds_findings_and_starts() {
    let data = tempfile::tempdir().unwrap();
    seed_fixture_key(data.path());
    let config = world_with_duplicate_keys(data.path());
    let mut child = Command::new(binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .args([
            "--container-runtime",
            "none",
            "--config",
            config.to_str().unwrap(),
        ])
        .args(["--data-dir", data.path().to_str().unwrap()])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut warnings = Vec::new();
    let listening = loop {
        assert!(Instant::now() < deadline, "no address logged");
        let Some(Ok(line)) = lines.next() else {
            break false;
        };
        let entry: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if entry["level"] == "WARN" && entry["id"].is_string() {
            warnings.push(entry);
        } else if entry["address"].is_string() {
            break true;
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(listening, "the server starts despite the findings");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0]["id"], "duplicate-key");
    assert_eq!(warnings[0]["source"], "role/dup");
    assert_eq!(warnings[0]["path"], "$.Statement[0].Condition.StringEquals");
}
