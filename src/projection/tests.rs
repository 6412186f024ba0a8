use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::*;
use crate::clock::Clock;
use crate::config::Config;
use crate::App;

const FIXTURE_KEY: &str = include_str!("../../fixtures/test-signing-key.pem");
/// Where the virtual clock starts: any fixed instant will do.
const START: u64 = 1_700_000_000;

/// Wall-clock seconds that follow Tokio's clock, so a paused runtime moves both at once.
#[derive(Debug)]
struct VirtualClock {
    started: tokio::time::Instant,
}

impl Clock for VirtualClock {
    fn now(&self) -> u64 {
        START + self.started.elapsed().as_secs()
    }
}

/// The default world over a data dir holding the fixture key, on the virtual clock.
fn app(data_dir: &Path) -> App {
    let key_dir = data_dir.join("keys").join("eksworkshop-eksctl");
    std::fs::create_dir_all(&key_dir).unwrap();
    std::fs::write(key_dir.join("0001.pem"), FIXTURE_KEY).unwrap();
    let clock = VirtualClock {
        started: tokio::time::Instant::now(),
    };
    App::build(&Config::with_default_world(data_dir), Arc::new(clock)).unwrap()
}

fn claims(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn projection(path: &Path) -> Projection {
    Projection {
        namespace: "default".to_owned(),
        service_account: "iam-test".to_owned(),
        path: path.to_owned(),
        audience: None,
    }
}

/// Sleeps one virtual second at a time until the file differs from `old`; returns the
/// seconds slept, or `None` after `limit` seconds.
async fn seconds_until_changed(path: &Path, old: &str, limit: u64) -> Option<u64> {
    for second in 1..=limit {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if std::fs::read_to_string(path).unwrap() != old {
            return Some(second);
        }
    }
    None
}

/// namespace, name, path, audience
type ParsedProjection = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

#[test]
fn projection_flags() {
    let cases: [(&str, &str, Option<ParsedProjection>); 10] = [
        (
            "plain",
            "default/iam-test=/var/run/token",
            Some(("default", "iam-test", "/var/run/token", None)),
        ),
        (
            "relative_path",
            "ns/sa=token",
            Some(("ns", "sa", "token", None)),
        ),
        (
            "audience",
            "ns/sa=/t/token,audience=vault",
            Some(("ns", "sa", "/t/token", Some("vault"))),
        ),
        (
            "equals_in_path",
            "ns/sa=/a=b/token",
            Some(("ns", "sa", "/a=b/token", None)),
        ),
        ("no_path", "ns/sa", None),
        ("no_namespace", "sa=/token", None),
        ("empty_path", "ns/sa=", None),
        ("directory_path", "ns/sa=/var/run/", None),
        ("empty_audience", "ns/sa=/token,audience=", None),
        ("bad_namespace", "Not_A_Label/sa=/token", None),
    ];
    for (name, text, want) in cases {
        let got = text.parse::<Projection>().ok();
        let want = want.map(|(namespace, service_account, path, audience)| Projection {
            namespace: namespace.to_owned(),
            service_account: service_account.to_owned(),
            path: PathBuf::from(path),
            audience: audience.map(str::to_owned),
        });
        assert_eq!(got, want, "case {name}");
    }
}

#[test]
fn settings_follow_the_webhook() {
    let annotated = |pairs: &[(&str, &str)]| {
        let mut account: ServiceAccount = serde_json::from_value(serde_json::json!({
            "namespace": "default", "name": "app"
        }))
        .unwrap();
        for (key, value) in pairs {
            account
                .annotations
                .insert((*key).to_owned(), (*value).to_owned());
        }
        account
    };
    let audience_and_day = annotated(&[
        ("eks.amazonaws.com/audience", "vault"),
        ("eks.amazonaws.com/token-expiration", "3600"),
    ]);
    let short = annotated(&[("eks.amazonaws.com/token-expiration", "60")]);
    let garbage = annotated(&[("eks.amazonaws.com/token-expiration", "soon")]);
    let cases = [
        (
            "no_account",
            None,
            None,
            None,
            ("sts.amazonaws.com", 86_400),
        ),
        (
            "annotations",
            Some(&audience_and_day),
            None,
            None,
            ("vault", 3600),
        ),
        (
            "explicit_wins",
            Some(&audience_and_day),
            Some("other"),
            Some(900),
            ("other", 900),
        ),
        (
            "short_raised_to_600",
            Some(&short),
            None,
            None,
            ("sts.amazonaws.com", 600),
        ),
        (
            "unparsable_ignored",
            Some(&garbage),
            None,
            None,
            ("sts.amazonaws.com", 86_400),
        ),
        (
            "explicit_short_raised",
            None,
            None,
            Some(1),
            ("sts.amazonaws.com", 600),
        ),
    ];
    for (name, account, audience, expiration, (want_audience, want_seconds)) in cases {
        let settings = TokenSettings::resolve(account, audience, expiration);
        assert_eq!(settings.audience, want_audience, "case {name}");
        assert_eq!(settings.expiration_seconds, want_seconds, "case {name}");
    }
}

#[tokio::test(start_paused = true)]
async fn token_file_is_a_readable_token_without_newline() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir.path().join("data"));
    let path = dir
        .path()
        .join("mount")
        .join("serviceaccount")
        .join("token");
    let file = TokenFile::new(app.state(), None, &projection(&path), Some(600)).unwrap();
    let written = file.write().unwrap();

    let token = std::fs::read_to_string(&path).unwrap();
    assert!(!token.ends_with('\n'), "no trailing newline");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
    let claims = claims(&token);
    assert_eq!(claims["aud"], serde_json::json!(["sts.amazonaws.com"]));
    assert_eq!(claims["sub"], "system:serviceaccount:default:iam-test");
    assert_eq!(claims["iat"], START);
    assert_eq!(claims["exp"], START + 600);
    assert_eq!(
        written,
        Written {
            issued_at: START,
            expires_at: START + 600
        }
    );
}

#[tokio::test(start_paused = true)]
async fn refreshes_at_eighty_percent_of_the_lifetime() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir.path().join("data"));
    let path = dir.path().join("token");
    let file = TokenFile::new(app.state(), None, &projection(&path), Some(600)).unwrap();
    let written = file.write().unwrap();
    let first = std::fs::read_to_string(&path).unwrap();
    let _refresh_now = spawn_all(vec![(file, written)]);

    // Due after 480 s (80% of 600), brought forward by up to 9 s of jitter; the new
    // token's iat tells when (the test may look a second after the write).
    let mut previous = (first, START);
    for round in ["first", "second"] {
        seconds_until_changed(&path, &previous.0, 600)
            .await
            .unwrap();
        let token = std::fs::read_to_string(&path).unwrap();
        let claims = claims(&token);
        let issued = claims["iat"].as_u64().unwrap();
        let age = issued - previous.1;
        assert!((471..=481).contains(&age), "{round} refresh after {age} s");
        assert_eq!(claims["exp"].as_u64().unwrap(), issued + 600, "{round}");
        previous = (token, issued);
    }
}

#[tokio::test(start_paused = true)]
async fn forced_refresh_replaces_the_file_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir.path().join("data"));
    let path = dir.path().join("token");
    let file = TokenFile::new(app.state(), None, &projection(&path), None).unwrap();
    let written = file.write().unwrap();
    let first = std::fs::read_to_string(&path).unwrap();
    let refresh_now = spawn_all(vec![(file, written)]);

    tokio::time::sleep(Duration::from_secs(5)).await;
    refresh_now.send_replace(());
    let changed = seconds_until_changed(&path, &first, 5).await;
    assert_eq!(changed, Some(1), "replaced within a second of the request");
    assert_ne!(
        claims(&first)["jti"],
        claims(&std::fs::read_to_string(&path).unwrap())["jti"]
    );
}

#[tokio::test(start_paused = true)]
async fn failed_refresh_keeps_the_old_token_and_retries_soon() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir.path().join("data"));
    let path = dir.path().join("token");
    let file = TokenFile::new(app.state(), None, &projection(&path), Some(600)).unwrap();
    let written = file.write().unwrap();
    let first = std::fs::read_to_string(&path).unwrap();

    let failing = Arc::new(AtomicBool::new(true));
    let attempts = Arc::new(AtomicUsize::new(0));
    let state = app.state().clone();
    let (_refresh_now, receiver) = watch::channel(());
    tokio::spawn({
        let (failing, attempts) = (failing.clone(), attempts.clone());
        async move {
            let write = || {
                attempts.fetch_add(1, Ordering::SeqCst);
                if failing.load(Ordering::SeqCst) {
                    Err(ProjectionError::NoKeys("injected".to_owned()))
                } else {
                    file.write()
                }
            };
            refresh_loop("token", || state.now(), write, written, receiver).await;
        }
    });

    // Due at about 480 s; failing from then until 530 s means a try every 10 s.
    tokio::time::sleep(Duration::from_secs(530)).await;
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        first,
        "old token kept"
    );
    let tries = attempts.load(Ordering::SeqCst);
    assert!((5..=7).contains(&tries), "{tries} tries in about 50 s");

    failing.store(false, Ordering::SeqCst);
    let changed = seconds_until_changed(&path, &first, 20).await.unwrap();
    assert!(
        changed <= 10,
        "recovered {changed} s after the cause went away"
    );
}
