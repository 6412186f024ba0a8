use std::os::unix::fs::PermissionsExt;

use axum::routing::get;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

const NOW: u64 = 1_780_000_000;

fn generated(dir: &Path, extra: &[&str], now: u64) -> Tls {
    let extra_sans = extra.iter().map(|s| (*s).to_owned()).collect();
    load(&TlsSource::Generated { extra_sans }, dir, now).expect("TLS identity")
}

fn read(path: PathBuf) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn generated_identity_is_kept_and_its_keys_are_private() {
    let data = tempfile::tempdir().unwrap();
    let tls = generated(data.path(), &[], NOW);
    let dir = data.path().join(TLS_DIR);
    assert_eq!(tls.ca_file, Some(dir.join(CA_FILE)));
    for (file, mode) in [("ca.key", 0o600), ("server.key", 0o600), ("ca.crt", 0o644)] {
        let got = std::fs::metadata(dir.join(file))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(got, mode, "{file}");
    }
    let before: Vec<Vec<u8>> = ["ca.crt", "server.crt", "server.key"]
        .map(|f| read(dir.join(f)))
        .into();
    generated(data.path(), &[], NOW + 86_400);
    let after: Vec<Vec<u8>> = ["ca.crt", "server.crt", "server.key"]
        .map(|f| read(dir.join(f)))
        .into();
    assert_eq!(before, after, "a restart reuses everything");
}

#[test]
fn the_server_certificate_is_reissued_under_the_same_ca_when_needed() {
    let cases = [
        ("new_name", &["host.docker.internal"][..], NOW + 86_400),
        ("near_its_end", &[][..], NOW + 380 * 86_400),
    ];
    for (name, extra, later) in cases {
        let data = tempfile::tempdir().unwrap();
        let dir = data.path().join(TLS_DIR);
        generated(data.path(), &[], NOW);
        let (ca, cert) = (read(dir.join(CA_FILE)), read(dir.join("server.crt")));
        generated(data.path(), extra, later);
        assert_eq!(read(dir.join(CA_FILE)), ca, "case {name}: the CA is kept");
        assert_ne!(read(dir.join("server.crt")), cert, "case {name}: reissued");
    }
}

#[test]
fn names_that_cannot_be_in_a_certificate_are_refused() {
    for bad in ["", "a b", "under_score.example", "x..y", "é.example"] {
        let data = tempfile::tempdir().unwrap();
        let result = load(
            &TlsSource::Generated {
                extra_sans: vec![bad.to_owned()],
            },
            data.path(),
            NOW,
        );
        assert!(
            matches!(result, Err(TlsError::SubjectAltName { .. })),
            "{bad:?}: {result:?}"
        );
    }
}

#[test]
fn pem_files_load_and_bad_ones_are_named() {
    let data = tempfile::tempdir().unwrap();
    generated(data.path(), &[], NOW);
    let dir = data.path().join(TLS_DIR);
    let files = |cert: &str, key: &str| TlsSource::Files {
        cert: dir.join(cert),
        key: dir.join(key),
    };
    assert!(load(&files("server.crt", "server.key"), data.path(), NOW).is_ok());
    std::fs::write(dir.join("empty.pem"), "").unwrap();
    let cases = [
        ("missing_cert", files("nope.crt", "server.key"), 2),
        ("no_certificate", files("empty.pem", "server.key"), 2),
        ("key_is_a_cert", files("server.crt", "server.crt"), 2),
        ("key_of_another_cert", files("server.crt", "ca.key"), 2),
    ];
    for (name, source, code) in cases {
        match load(&source, data.path(), NOW) {
            Err(err) => assert_eq!(err.exit_code(), code, "case {name}: {err}"),
            Ok(_) => panic!("case {name} loaded"),
        }
    }
}

/// One port: HTTPS that verifies against the generated CA, and plain HTTP beside it.
#[tokio::test]
async fn one_port_serves_https_and_http() {
    let data = tempfile::tempdir().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let tls = generated(data.path(), &["webhook.test"], now);
    let router = axum::Router::new().route("/", get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(crate::server::run(
        listener,
        router,
        crate::server::ServeOptions {
            tls: Some(tls.config),
            ..crate::server::ServeOptions::default()
        },
        async {
            let _ = stopped.await;
        },
    ));

    let mut roots = rustls::RootCertStore::empty();
    let ca = CertificateDer::from_pem_file(tls.ca_file.unwrap()).unwrap();
    roots.add(ca).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    let request = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    for (name, trusted) in [
        ("localhost", true),
        ("127.0.0.1", true),
        ("webhook.test", true),
        ("other.test", false),
    ] {
        let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
        let server_name = ServerName::try_from(name.to_owned()).unwrap();
        match connector.connect(server_name, tcp).await {
            Ok(mut stream) => {
                assert!(trusted, "{name} must not verify");
                stream.write_all(request).await.unwrap();
                let mut answer = String::new();
                stream.read_to_string(&mut answer).await.unwrap();
                assert!(answer.starts_with("HTTP/1.1 200"), "{name}: {answer}");
                assert!(answer.ends_with("hello"), "{name}: {answer}");
            }
            Err(err) => assert!(!trusted, "{name}: {err}"),
        }
    }

    let mut plain = tokio::net::TcpStream::connect(address).await.unwrap();
    plain.write_all(request).await.unwrap();
    let mut answer = String::new();
    plain.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "plain: {answer}");

    // A client that connects and says nothing does not hold up shutdown.
    let _silent = tokio::net::TcpStream::connect(address).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    stop.send(()).unwrap();
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(5), server).await;
    assert!(matches!(stopped, Ok(Ok(Ok(())))), "{stopped:?}");
}
