//! Signed calls over HTTP, signed by the Rust AWS SDK's own SigV4 signer: the same
//! credential faults on a query API (STS GetCallerIdentity) and on S3 (ListBuckets), each
//! with the code and status that protocol uses, and the calls that must succeed.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::support::{form, send_request, sign, xml_text, Keys, Reply, TestServer, Unsigned};

const QUERY_BODY: &[u8] = b"Action=GetCallerIdentity&Version=2011-06-15";

struct Session {
    access_key_id: String,
    secret: String,
    token: String,
}

async fn session(server: &TestServer, account: &str) -> Session {
    let minted = server
        .token_request(
            "default",
            account,
            json!({"spec": {"audiences": ["sts.amazonaws.com"]}}),
        )
        .await;
    let token = minted.json()["status"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = server
        .send(
            "POST",
            "/",
            Some("application/x-www-form-urlencoded"),
            form(&[
                ("Action", "AssumeRoleWithWebIdentity"),
                ("Version", "2011-06-15"),
                ("RoleArn", "arn:aws:iam::111122223333:role/iam-test"),
                ("RoleSessionName", "refusals"),
                ("WebIdentityToken", &token),
            ]),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    Session {
        access_key_id: xml_text(&reply.body, "AccessKeyId").unwrap().to_owned(),
        secret: xml_text(&reply.body, "SecretAccessKey").unwrap().to_owned(),
        token: xml_text(&reply.body, "SessionToken").unwrap().to_owned(),
    }
}

async fn call(
    server: &TestServer,
    protocol: &str,
    keys: Option<&Keys<'_>>,
    time: SystemTime,
) -> Reply {
    let (method, body, service): (&str, &[u8], &str) = match protocol {
        "query" => ("POST", QUERY_BODY, "sts"),
        _ => ("GET", b"", "s3"),
    };
    let content_type = [(
        "content-type",
        "application/x-www-form-urlencoded; charset=utf-8",
    )];
    let extra: &[(&str, &str)] = if protocol == "query" {
        &content_type
    } else {
        &[]
    };
    let headers = match keys {
        Some(keys) => {
            let request = Unsigned {
                method,
                base_url: &server.base_url,
                path_and_query: "/",
                body,
                service,
                headers: extra,
            };
            sign(&request, keys, time)
        }
        None => extra
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
    };
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    send_request(
        &format!("{}/", server.base_url),
        method,
        &headers,
        body.to_vec(),
    )
    .await
}

#[tokio::test]
async fn credential_faults_get_each_protocols_code() {
    let server = TestServer::start().await;
    let now = SystemTime::now();
    let good = session(&server, "iam-test").await;
    let other = session(&server, "iam-test").await;
    let tampered_token = {
        let mut bytes = good.token.clone().into_bytes();
        let middle = bytes.len() / 2;
        bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    let admin = Keys {
        access_key_id: "test",
        secret: "test",
        session_token: None,
    };
    let role = Keys {
        access_key_id: &good.access_key_id,
        secret: &good.secret,
        session_token: Some(&good.token),
    };
    let wrong_secret = Keys {
        access_key_id: "test",
        secret: "not-the-secret",
        session_token: None,
    };
    let unknown_key = Keys {
        access_key_id: "AKIAIOSFODNN7EXAMPLE",
        secret: "whatever",
        session_token: None,
    };
    let no_token = Keys {
        access_key_id: &good.access_key_id,
        secret: &good.secret,
        session_token: None,
    };
    let tampered = Keys {
        access_key_id: &good.access_key_id,
        secret: &good.secret,
        session_token: Some(&tampered_token),
    };
    let swapped = Keys {
        access_key_id: &good.access_key_id,
        secret: &good.secret,
        session_token: Some(&other.token),
    };
    let skewed = now - Duration::from_secs(20 * 60);

    // (name, keys, signing time, query code and status, S3 code and status)
    type Want<'a> = (&'a str, u16);
    #[rustfmt::skip]
    let cases: Vec<(&str, Option<&Keys>, SystemTime, Want, Want)> = vec![
        ("admin", Some(&admin), now, ("", 200), ("", 200)),
        ("role_session", Some(&role), now, ("", 200), ("", 200)),
        ("wrong_secret", Some(&wrong_secret), now, ("SignatureDoesNotMatch", 403), ("SignatureDoesNotMatch", 403)),
        ("unknown_key", Some(&unknown_key), now, ("InvalidClientTokenId", 403), ("InvalidAccessKeyId", 403)),
        ("temporary_key_without_token", Some(&no_token), now, ("InvalidClientTokenId", 403), ("InvalidToken", 400)),
        ("tampered_token", Some(&tampered), now, ("InvalidClientTokenId", 403), ("InvalidToken", 400)),
        ("token_of_another_session", Some(&swapped), now, ("InvalidClientTokenId", 403), ("InvalidToken", 400)),
        ("skewed_date", Some(&admin), skewed, ("SignatureDoesNotMatch", 403), ("RequestTimeTooSkewed", 403)),
        ("unsigned", None, now, ("MissingAuthenticationToken", 403), ("AccessDenied", 403)),
    ];
    for (name, keys, time, query_want, s3_want) in cases {
        for (protocol, (code, status)) in [("query", query_want), ("s3", s3_want)] {
            let reply = call(&server, protocol, keys, time).await;
            assert_eq!(
                reply.status, status,
                "case {name} over {protocol}: {}",
                reply.body
            );
            if status == 200 {
                continue;
            }
            assert_eq!(
                xml_text(&reply.body, "Code"),
                Some(code),
                "case {name} over {protocol}: {}",
                reply.body
            );
            assert!(
                reply.header("x-irsa-local-reason").is_some(),
                "case {name} over {protocol}: reason"
            );
        }
    }

    // Two hours later the one-hour session has expired; the date is signed for then too.
    let later = server
        .at_time(now.duration_since(UNIX_EPOCH).unwrap().as_secs() + 7200)
        .await;
    let then = now + Duration::from_secs(7200);
    for (protocol, code, status) in [("query", "ExpiredToken", 403), ("s3", "ExpiredToken", 400)] {
        let reply = call(&later, protocol, Some(&role), then).await;
        assert_eq!(
            (reply.status, xml_text(&reply.body, "Code")),
            (status, Some(code)),
            "expired over {protocol}: {}",
            reply.body
        );
    }
    let admin_later = call(&later, "query", Some(&admin), then).await;
    assert_eq!(
        admin_later.status, 200,
        "admin keys do not expire: {}",
        admin_later.body
    );
}

#[tokio::test]
async fn get_caller_identity_names_the_caller() {
    let server = TestServer::start().await;
    let good = session(&server, "iam-test").await;
    let now = SystemTime::now();
    let role = Keys {
        access_key_id: &good.access_key_id,
        secret: &good.secret,
        session_token: Some(&good.token),
    };
    let admin = Keys {
        access_key_id: "test",
        secret: "test",
        session_token: None,
    };
    let as_role = call(&server, "query", Some(&role), now).await;
    assert_eq!(
        xml_text(&as_role.body, "Arn"),
        Some("arn:aws:sts::111122223333:assumed-role/iam-test/refusals")
    );
    assert!(xml_text(&as_role.body, "UserId")
        .unwrap()
        .ends_with(":refusals"));
    assert_eq!(xml_text(&as_role.body, "Account"), Some("111122223333"));
    let as_admin = call(&server, "query", Some(&admin), now).await;
    assert_eq!(
        xml_text(&as_admin.body, "Arn"),
        Some("arn:aws:iam::111122223333:root")
    );
    assert_eq!(xml_text(&as_admin.body, "UserId"), Some("111122223333"));
}
