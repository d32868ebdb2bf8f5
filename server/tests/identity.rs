//! The platform's sign-ins over real HTTP: JWTs signed with HS256, RS256,
//! ES256 and EdDSA accepted; expiry checked on the server's clock with five
//! seconds of leeway (`token_expired`); a wrong issuer, audience, signature
//! or algorithm refused (`authentication_failed`); an unknown user created
//! on their first sign-in (time zone from `tz`); opaque `ach_` tokens
//! still working beside JWTs; the flags read at `serve`'s start.
//!
//! The key pairs are test-only files in `tests/keys/`.

#![allow(clippy::unwrap_used)]

use achievements_server::platform::PlatformOptions;
use achievements_server::platform::identity::{IdentityOptions, JwtKeys, JwtVerifier};
use achievements_testkit::{ServeProcess, Setup, TestServer, binary, movable_clock, now, stream_ends};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

const SECRET: &[u8] = b"a test secret of at least 32 bytes, never used for real";
const ISSUER: &str = "https://platform.example";
const AUDIENCE: &str = "achievements";

fn key_file(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/keys/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Platform options accepting the secret and, optionally, a public key.
fn platform(public_key: Option<&str>) -> PlatformOptions {
    let keys = JwtKeys {
        secret: Some(SECRET.to_vec()),
        public_key_pem: public_key.map(key_file),
        issuer: Some(ISSUER.into()),
        audience: Some(AUDIENCE.into()),
    };
    PlatformOptions {
        identity: IdentityOptions {
            jwt: Some(Arc::new(JwtVerifier::new(keys).unwrap())),
            ..IdentityOptions::default()
        },
        ..PlatformOptions::default()
    }
}

async fn server(public_key: Option<&str>) -> TestServer {
    TestServer::start_with(Setup { platform: platform(public_key), ..Setup::default() }).await
}

/// The test clock's now, in seconds since the epoch.
fn now_seconds() -> i64 {
    now().unix_seconds()
}

/// Claims for `sub`, valid for an hour on the test clock.
fn claims(sub: &str) -> Value {
    json!({"sub": sub, "exp": now_seconds() + 3600, "iss": ISSUER, "aud": AUDIENCE})
}

fn sign_with(alg: Algorithm, key: &EncodingKey, claims: &Value) -> String {
    encode(&Header::new(alg), claims, key).unwrap()
}

fn hs256(claims: &Value) -> String {
    sign_with(Algorithm::HS256, &EncodingKey::from_secret(SECRET).unwrap(), claims)
}

async fn me(server: &TestServer, token: &str) -> (StatusCode, Value) {
    server.get("/api/v1/me/", Some(token)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwts_signed_with_each_algorithm_sign_in() {
    let cases: [(&str, Algorithm, EncodingKey); 3] = [
        ("rsa.pub.pem", Algorithm::RS256, EncodingKey::from_rsa_pem(key_file("rsa.pem").as_bytes()).unwrap()),
        ("ec.pub.pem", Algorithm::ES256, EncodingKey::from_ec_pem(key_file("ec.pem").as_bytes()).unwrap()),
        ("ed25519.pub.pem", Algorithm::EdDSA, EncodingKey::from_ed_pem(key_file("ed25519.pem").as_bytes()).unwrap()),
    ];
    for (public, alg, private) in cases {
        let server = server(Some(public)).await;
        server.add_user("ann", "UTC", false);
        let (status, body) = me(&server, &sign_with(alg, &private, &claims("ann"))).await;
        assert_eq!(status, StatusCode::OK, "{alg:?}: {body}");
        assert_eq!(body["name"], "ann", "{alg:?}");
        // The same server takes HS256 from the secret too.
        let (status, body) = me(&server, &hs256(&claims("ann"))).await;
        assert_eq!(status, StatusCode::OK, "HS256 beside {alg:?}: {body}");
        // A token signed by another algorithm's key for this header is refused.
        let wrong = sign_with(
            Algorithm::HS256,
            &EncodingKey::from_secret(b"another secret of 32 bytes or more!!").unwrap(),
            &claims("ann"),
        );
        let (status, body) = me(&server, &wrong).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("authentication_failed")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_is_enforced_on_the_servers_clock_with_five_seconds_of_leeway() {
    let server = server(None).await;
    server.add_user("ann", "UTC", false);
    let at = |exp: i64| hs256(&json!({"sub": "ann", "exp": exp, "iss": ISSUER, "aud": AUDIENCE}));
    // The test clock is fixed months before the machine's: a token valid
    // for it, long expired by the system time, is accepted.
    let (status, _) = me(&server, &at(now_seconds() + 60)).await;
    assert_eq!(status, StatusCode::OK);
    // Within the leeway.
    let (status, body) = me(&server, &at(now_seconds() - 4)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // At and past it: expired, with its own code.
    for exp in [now_seconds() - 5, now_seconds() - 3600] {
        let (status, body) = me(&server, &at(exp)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["code"], "token_expired", "{body}");
    }
    // Not valid yet (`nbf` past the leeway).
    let early = hs256(&json!({"sub": "ann", "exp": now_seconds() + 600, "nbf": now_seconds() + 60,
                              "iss": ISSUER, "aud": AUDIENCE}));
    let (status, body) = me(&server, &early).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("authentication_failed")));
}

/// A stream signed in with a JWT ends once the JWT expires on the
/// server's clock (at the stream's next check of its credentials).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_signed_in_with_a_jwt_ends_when_the_jwt_expires() {
    let (clock, offset) = movable_clock();
    let mut platform = platform(None);
    platform.identity.stream_recheck = Duration::from_millis(200);
    let server = TestServer::start_with(Setup { clock, platform, ..Setup::default() }).await;
    let jwt = hs256(&json!({"sub": "ann", "exp": now_seconds() + 60, "iss": ISSUER, "aud": AUDIENCE}));
    let url = server.url(&format!("/api/v1/notifications/stream/?token={jwt}"));
    let mut stream = server.client.get(url).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(!stream_ends(&mut stream, Duration::from_secs(1)).await, "ended while the JWT is valid");
    // Past `exp` and its five seconds of leeway.
    offset.store(66, Ordering::SeqCst);
    assert!(stream_ends(&mut stream, Duration::from_secs(5)).await, "the expired JWT's stream is still open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_issuer_audience_signature_or_shape_is_an_authentication_failure() {
    let server = server(Some("rsa.pub.pem")).await;
    server.add_user("ann", "UTC", false);
    let with = |field: &str, value: Value| {
        let mut c = claims("ann");
        c[field] = value;
        c
    };
    let mut no_exp = claims("ann");
    no_exp.as_object_mut().unwrap().remove("exp");
    let mut no_sub = claims("ann");
    no_sub.as_object_mut().unwrap().remove("sub");
    let mut tampered = hs256(&claims("ann"));
    tampered.pop();
    tampered.push('A');
    let cases = [
        ("wrong issuer", hs256(&with("iss", json!("https://elsewhere")))),
        ("wrong audience", hs256(&with("aud", json!("another-service")))),
        ("bad signature", sign_with(Algorithm::HS256, &EncodingKey::from_secret(&[7; 40]).unwrap(), &claims("ann"))),
        ("tampered", tampered),
        ("no exp", hs256(&no_exp)),
        ("no sub", hs256(&no_sub)),
        // The header's algorithm swapped for RS256 over an HMAC signature:
        // checked with the RSA key, it fails.
        ("swapped algorithm", with_header("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9", &hs256(&claims("ann")))),
        (
            "unsigned",
            with_header("eyJhbGciOiJub25lIn0", &hs256(&claims("ann"))).rsplit_once('.').unwrap().0.to_owned() + ".",
        ),
        ("not a jwt", "hello.world".to_owned()),
        ("too long", format!("{}.{}.{}", "a".repeat(3000), "b".repeat(3000), "c".repeat(3000))),
    ];
    for (case, token) in cases {
        let (status, body) = me(&server, &token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {body}");
        assert_eq!(body["code"], "authentication_failed", "{case}: {body}");
    }
}

/// `token` with its first part replaced by `header` (base64url JSON).
fn with_header(header: &str, token: &str) -> String {
    let (_, rest) = token.split_once('.').unwrap();
    format!("{header}.{rest}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_user_is_created_on_first_sign_in_with_the_tokens_time_zone() {
    let server = server(None).await;
    let mut token_claims = claims("newcomer");
    token_claims["tz"] = json!("europe/paris");
    let token = hs256(&token_claims);
    let (status, body) = me(&server, &token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["name"].as_str(), body["timezone"].as_str()), (Some("newcomer"), Some("Europe/Paris")));
    assert_eq!(body["is_admin"], false);
    // Signing in again finds the same user.
    let (status, _) = me(&server, &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(server.count("SELECT count(*) FROM users WHERE name = 'newcomer'"), 1);
    // Without `tz`: UTC.
    let (_, body) = me(&server, &hs256(&claims("other"))).await;
    assert_eq!(body["timezone"], "UTC");
    // A bad time zone or name creates nobody.
    let mut bad_zone = claims("zoneless");
    bad_zone["tz"] = json!("Mars/Olympus");
    let (status, body) = me(&server, &hs256(&bad_zone)).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("authentication_failed")));
    let (status, body) = me(&server, &hs256(&claims("has space"))).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("authentication_failed")));
    // A look-alike of an existing name is refused, and explained.
    let (status, body) = me(&server, &hs256(&claims("NEWCOMER"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("looks like an existing user"), "{body}");
    assert_eq!(server.count("SELECT count(*) FROM users"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opaque_tokens_keep_working_beside_jwts() {
    let server = server(None).await;
    let ann = server.add_user("ann", "UTC", false);
    let (status, body) = me(&server, &ann).await;
    assert_eq!((status, body["name"].as_str()), (StatusCode::OK, Some("ann")));
    // An `ach_` token is never read as a JWT: unknown is unknown.
    let (status, body) = me(&server, "ach_0000").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("authentication_failed")));
    // A service token posts events as before.
    let service = server.add_service("platform");
    let answer =
        server.post_events(&service, &achievements_testkit::event("e1", "ann", "login", "2026-03-20T10:00:00Z")).await;
    assert_eq!(answer.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_jwt_flags_a_jwt_is_an_unknown_token() {
    let server = TestServer::start().await;
    server.add_user("ann", "UTC", false);
    let (status, body) = me(&server, &hs256(&claims("ann"))).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("authentication_failed")));
}

#[test]
fn serve_reads_the_jwt_flags_and_refuses_a_bad_key_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let bad = dir.path().join("bad.pem");
    std::fs::write(&bad, "not a key").unwrap();
    let out = binary!()
        .args(["serve", "--bind", "127.0.0.1:0", "--db"])
        .arg(&db)
        .arg("--jwt-public-key")
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--jwt-public-key"), "{stderr}");
    let out = binary!()
        .args(["serve", "--bind", "127.0.0.1:0", "--db"])
        .arg(&db)
        .args(["--jwt-secret-file", "/nonexistent/secret"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--jwt-secret-file"));

    // A good secret file (with its final line break) and a real clock.
    let secret = dir.path().join("secret");
    std::fs::write(&secret, [SECRET, b"\n"].concat()).unwrap();
    let secret_arg = secret.to_str().unwrap();
    let serve = ServeProcess::spawn(binary!(), &db, &["--jwt-secret-file", secret_arg, "--jwt-issuer", ISSUER]);
    let system_now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let token = hs256(&json!({"sub": "walker", "exp": system_now + 600, "iss": ISSUER, "aud": "anything"}));
    let http = reqwest::blocking::Client::builder().no_proxy().build().unwrap();
    let response = http.get(serve.url("/api/v1/me/")).bearer_auth(&token).send().unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().unwrap();
    assert_eq!(body["name"], "walker");
    serve.kill();
}
