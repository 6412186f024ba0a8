//! The test server: the library's router on `127.0.0.1:0` over a fresh data dir seeded
//! with the fixture key (so no test waits for RSA key generation), and a small HTTP client.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use irsa_local::clock::SystemClock;
use irsa_local::config::Config;
use irsa_local::App;

/// The fixture key every test server signs with.
pub const FIXTURE_KEY: &str = include_str!("../../../fixtures/test-signing-key.pem");
pub const FIXTURE_KID: &str = include_str!("../../../fixtures/test-signing-key.kid");
pub const DEFAULT_CLUSTER: &str = "eksworkshop-eksctl";
pub const ISSUER: &str =
    "https://oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4";

/// A running in-process server.
pub struct TestServer {
    pub base_url: String,
    data_dir: std::sync::Arc<tempfile::TempDir>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    /// Starts the default world on an ephemeral port.
    pub async fn start() -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let config = Config::with_default_world(data_dir.path());
        Self::start_with(data_dir, config).await
    }

    /// Starts a world given as JSON (written to a file in the data dir).
    pub async fn start_with_world(world: &serde_json::Value) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let path = data_dir.path().join("world.json");
        std::fs::write(&path, world.to_string()).expect("world file");
        let mut config = Config::with_default_world(data_dir.path());
        config.world = irsa_local::config::WorldSource::File(path);
        Self::start_with(data_dir, config).await
    }

    async fn start_with(data_dir: tempfile::TempDir, config: Config) -> Self {
        seed_fixture_key(data_dir.path());
        Self::serve(Arc::new(data_dir), &config, Arc::new(SystemClock)).await
    }

    /// A second server on this one's data dir (same keys, same credential secret) whose
    /// clock reads `now` seconds since the epoch: to see credentials expire.
    pub async fn at_time(&self, now: u64) -> Self {
        let config = Config::with_default_world(self.data_dir.path());
        Self::serve(
            self.data_dir.clone(),
            &config,
            Arc::new(irsa_local::clock::FixedClock(now)),
        )
        .await
    }

    async fn serve(
        data_dir: Arc<tempfile::TempDir>,
        config: &Config,
        clock: Arc<dyn irsa_local::clock::Clock>,
    ) -> Self {
        let app = App::build(config, clock).expect("the world starts");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("address"));
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(irsa_local::serve(listener, app.router(), async {
            let _ = stopped.await;
        }));
        Self {
            base_url,
            data_dir,
            shutdown: Some(shutdown),
        }
    }

    /// The server's data dir (its keys, credential secret and saved state).
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// Sends a request and returns status, headers and body text.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        send(
            &format!("{}{path}", self.base_url),
            method,
            content_type,
            body,
        )
        .await
    }

    /// GET `path`.
    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None, Vec::new()).await
    }

    /// POST a TokenRequest body for `namespace/name`.
    pub async fn token_request(
        &self,
        namespace: &str,
        name: &str,
        body: serde_json::Value,
    ) -> Reply {
        let path = format!("/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token");
        self.send(
            "POST",
            &path,
            Some("application/json"),
            body.to_string().into_bytes(),
        )
        .await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: String,
}

impl Reply {
    /// The body as JSON; panics with the body when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|err| panic!("{err}: {}", self.body))
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends one request with a fresh client.
pub async fn send(url: &str, method: &str, content_type: Option<&str>, body: Vec<u8>) -> Reply {
    let headers: Vec<(&str, &str)> = content_type
        .map(|c| ("content-type", c))
        .into_iter()
        .collect();
    send_request(url, method, &headers, body).await
}

/// POSTs with the given headers.
pub async fn send_with_headers(url: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Reply {
    send_request(url, "POST", headers, body).await
}

/// Sends a request with exactly these headers.
pub async fn send_request(
    url: &str,
    method: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Reply {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut request = hyper::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Full::new(Bytes::from(body))).expect("request");
    let response = client.request(request).await.expect("the server answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Writes the fixture key where the server looks for the default cluster's keys.
/// Serves the default world (fixture key) with `options` on an ephemeral port; its
/// address, the sender that stops it, and its data dir (kept while the test holds it).
pub async fn serve_default_world(
    options: irsa_local::ServeOptions,
) -> (String, tokio::sync::oneshot::Sender<()>, tempfile::TempDir) {
    let data_dir = tempfile::tempdir().expect("temp dir");
    seed_fixture_key(data_dir.path());
    let config = irsa_local::config::Config::with_default_world(data_dir.path());
    let app = irsa_local::App::build(&config, std::sync::Arc::new(irsa_local::clock::SystemClock))
        .expect("the world starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(irsa_local::serve_with(
        listener,
        app.router(),
        options,
        async {
            let _ = stopped.await;
        },
    ));
    (address, stop, data_dir)
}

pub fn seed_fixture_key(data_dir: &Path) {
    let dir = data_dir.join("keys").join(DEFAULT_CLUSTER);
    std::fs::create_dir_all(&dir).expect("key dir");
    std::fs::write(dir.join("0001.pem"), FIXTURE_KEY).expect("fixture key");
}

/// The built `irsa-local` binary.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_irsa-local"))
}

/// A `irsa-local serve` process on an ephemeral port; killed on drop.
pub struct ServerProcess {
    pub base_url: String,
    child: Child,
}

impl ServerProcess {
    /// Starts `irsa-local serve --listen 127.0.0.1:0 ARGS…` and waits for its address.
    pub fn start(args: &[&str]) -> Self {
        use std::io::{BufRead, BufReader};
        let mut child = Command::new(binary())
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
            // Pods are stored, not run, whatever engine the machine has.
            .args(["--container-runtime", "none"])
            .args(args)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn irsa-local");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let deadline = Instant::now() + Duration::from_secs(30);
        let address = loop {
            assert!(
                Instant::now() < deadline,
                "the server did not report its address"
            );
            let line = lines
                .next()
                .expect("the server exited early")
                .expect("log line");
            let Ok(entry) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if let Some(address) = entry.get("address").and_then(|a| a.as_str()) {
                break address.to_owned();
            }
        };
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Self {
            base_url: format!("http://{address}"),
            child,
        }
    }

    /// Sends `signal` (a name `kill -s` knows, such as `HUP`) without waiting.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-s", signal, &pid]).status();
        assert!(
            sent.is_ok_and(|status| status.success()),
            "kill -s {signal}"
        );
    }

    /// Sends SIGTERM and waits; returns the exit code.
    pub fn terminate(mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        self.child.wait().ok().and_then(|status| status.code())
    }

    /// GET `path` on this server.
    pub async fn get(&self, path: &str) -> Reply {
        send(&format!("{}{path}", self.base_url), "GET", None, Vec::new()).await
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The default world as JSON, to extend in a test.
pub fn default_world() -> serde_json::Value {
    serde_json::from_str(irsa_local::world::DEFAULT_WORLD_JSON).expect("default world")
}

/// Signs `header.claims` with the fixture key (RS256), whatever the header says.
pub fn sign_with_fixture_key(header: &serde_json::Value, claims: &serde_json::Value) -> String {
    use base64::Engine;
    let key = irsa_local::oidc::keys::SigningKey::from_pem(FIXTURE_KEY, Path::new("fixture"))
        .expect("fixture key");
    let b64 = |value: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
    };
    let input = format!("{}.{}", b64(header), b64(claims));
    let signature = key.sign_rs256(input.as_bytes()).expect("sign");
    format!(
        "{input}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature)
    )
}

/// Form-encodes query-protocol parameters.
pub fn form(params: &[(&str, &str)]) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
        .into_bytes()
}

/// The text of the first `<name>` element of an XML document.
pub fn xml_text<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(&xml[start..end])
}

/// Credentials to sign with (the session token for temporary ones).
pub struct Keys<'a> {
    pub access_key_id: &'a str,
    pub secret: &'a str,
    pub session_token: Option<&'a str>,
}

/// A request to sign.
pub struct Unsigned<'a> {
    pub method: &'a str,
    pub base_url: &'a str,
    pub path_and_query: &'a str,
    pub body: &'a [u8],
    /// The signing name: `sts`, `s3`, …
    pub service: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
}

/// Signs a request with the Rust AWS SDK's own signer (`aws-sigv4`) at `time`, in
/// us-west-2; S3 gets S3's settings (x-amz-content-sha256, no path normalisation).
/// Returns every header to send, `host` included.
pub fn sign(request: &Unsigned, keys: &Keys, time: std::time::SystemTime) -> Vec<(String, String)> {
    let Unsigned {
        method,
        base_url,
        path_and_query,
        body,
        service,
        headers: extra_headers,
    } = *request;
    use aws_sigv4::http_request::{
        sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest,
        SigningSettings, UriPathNormalizationMode,
    };
    let host = base_url.trim_start_matches("http://").to_owned();
    let mut headers: Vec<(String, String)> = vec![("host".to_owned(), host)];
    headers.extend(
        extra_headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
    );
    let mut settings = SigningSettings::default();
    if service == "s3" {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.percent_encoding_mode = PercentEncodingMode::Single;
    }
    let identity = aws_credential_types::Credentials::new(
        keys.access_key_id,
        keys.secret,
        keys.session_token.map(str::to_owned),
        None,
        "test",
    )
    .into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-west-2")
        .name(service)
        .time(time)
        .settings(settings)
        .build()
        .expect("signing params")
        .into();
    let uri = format!("{base_url}{path_and_query}");
    let signable = SignableRequest::new(
        method,
        uri.as_str(),
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .expect("signable request");
    let (instructions, _) = sign(signable, &params).expect("sign").into_parts();
    let (signing_headers, _) = instructions.into_parts();
    for header in signing_headers {
        headers.push((header.name().to_owned(), header.value().to_owned()));
    }
    headers
}

/// `token`'s claims once it verifies as a relying party checks it against the server at
/// `base_url`: discovery, then the JWKS it names, then RS256 with the discovery's issuer and
/// `audience`; `None` when it does not verify.
pub async fn verified_claims(
    base_url: &str,
    token: &str,
    audience: &str,
) -> Option<serde_json::Value> {
    let discovery = send(
        &format!("{base_url}/.well-known/openid-configuration"),
        "GET",
        None,
        Vec::new(),
    )
    .await
    .json();
    // The server names its JWKS at the address the request came to.
    let jwks_path = discovery["jwks_uri"]
        .as_str()
        .expect("jwks_uri")
        .trim_start_matches(base_url);
    let jwks_url = format!("{base_url}{jwks_path}");
    let jwks: jsonwebtoken::jwk::JwkSet =
        serde_json::from_str(&send(&jwks_url, "GET", None, Vec::new()).await.body).unwrap();
    let kid = jwt_part(token, 0)["kid"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let key = jsonwebtoken::DecodingKey::from_jwk(jwks.find(&kid)?).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[discovery["issuer"].as_str().unwrap()]);
    validation.set_audience(&[audience]);
    jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)
        .ok()
        .map(|data| data.claims)
}

/// Decodes one base64url JWT segment as JSON.
pub fn jwt_part(token: &str, index: usize) -> serde_json::Value {
    use base64::Engine;
    let part = token.split('.').nth(index).expect("segment");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("json")
}

/// This test binary, run again for the ignored test `test` alone as an SDK driver child:
/// a clean environment with `HOME` at `home`, `marker` set (the child's "run me" flag),
/// region us-west-2 and no instance metadata; the caller adds the credential variables.
pub fn sdk_child(test: &str, marker: &str, home: &Path) -> Command {
    let mut child = Command::new(std::env::current_exe().expect("this test binary"));
    child
        .args([
            "--exact",
            test,
            "--ignored",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env(marker, "1")
        .env("AWS_REGION", "us-west-2")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    child
}

/// The default world with an EKS Pod Identity association for `default/iam-test`, the
/// workshop's account, which also carries a role ARN.
pub fn world_with_association() -> serde_json::Value {
    let mut world = default_world();
    world["clusters"][0]["podIdentityAssociations"] = serde_json::json!([{
        "associationId": "a-8mvwvh57cu74mgcst",
        "namespace": "default",
        "serviceAccount": "iam-test",
        "roleArn": "arn:aws:iam::111122223333:role/iam-test",
        "createdAt": 1_700_000_000,
        "modifiedAt": 1_700_000_000,
    }]);
    world
}

/// Runs `child` (an SDK driver printing `KEY=value` lines) off the test's runtime, where
/// the server runs, and returns its output once it succeeded.
pub async fn child_lines(mut child: Command) -> String {
    let output = tokio::task::spawn_blocking(move || child.output())
        .await
        .expect("join")
        .expect("the child runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The value of the `KEY=value` line for `key` in `stdout`.
pub fn line_of(stdout: &str, key: &str) -> String {
    stdout
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key} in {stdout}"))
        .to_owned()
}
