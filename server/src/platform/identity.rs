//! How the platform's people sign in: the platform's signed tokens (JWT),
//! beside the opaque `ach_…` tokens.
//!
//! `serve --jwt-secret-file FILE` (HS256) and/or `--jwt-public-key FILE`
//! (a PEM public key: RSA for RS256/384/512 and PS256/384/512, P-256 or
//! P-384 for ES256/ES384, Ed25519 for EdDSA; the key's type is read from the
//! PEM) make the server accept JWTs; `--jwt-issuer` and `--jwt-audience`
//! require those claims. A bearer token starting with `ach_` is always an
//! opaque token; anything else is a JWT when one of the key flags is given.
//!
//! Verification ([`JwtVerifier::verify`]), with [`jsonwebtoken`]: the
//! header's `alg` picks the key (the secret for HS256, the public key for
//! the algorithms its type supports, nothing else: no algorithm confusion);
//! the signature must check; `sub` (the user's name) and `exp` are
//! required; `iss` and `aud` must match when configured (without
//! `--jwt-audience`, `aud` is not checked). `exp` and `nbf` are checked
//! here, against the server's clock (`AppState::now`, fixed in tests),
//! never against the system time that `jsonwebtoken` would read: its own
//! time checks are turned off. Both allow [`LEEWAY_SECONDS`] of clock skew.

use crate::api_error::ApiError;
use crate::file_read::read_text_file;
use achievements_core::Instant;
use anyhow::Context;
use clap::Args;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Seconds of clock skew allowed on `exp` and `nbf`: a token is accepted
/// until `exp + 5 s`, and from `nbf - 5 s`.
pub const LEEWAY_SECONDS: i64 = 5;

/// The longest JWT accepted, in bytes; longer bearer tokens are refused
/// before any parsing.
pub const MAX_JWT_BYTES: usize = 8 * 1024;

/// The shortest HS256 secret accepted (256 bits, as RFC 7518 asks).
pub const MIN_SECRET_BYTES: usize = 32;

/// How often an open notification stream checks its credentials again, by
/// default: a token revoked or expired, or a user erased or no longer an
/// admin, through another instance or a command, ends the stream within
/// this time. On the instance that made the change it ends at once.
pub const STREAM_RECHECK: Duration = Duration::from_secs(15);

/// The parsed options (see [`IdentityArgs`]): `jwt` is `None` unless a key
/// was given (opaque tokens only).
#[derive(Clone, Debug)]
pub struct IdentityOptions {
    pub jwt: Option<Arc<JwtVerifier>>,
    /// How often an open stream checks its credentials again (see
    /// [`STREAM_RECHECK`]); never zero.
    pub stream_recheck: Duration,
}

impl Default for IdentityOptions {
    fn default() -> Self {
        IdentityOptions { jwt: None, stream_recheck: STREAM_RECHECK }
    }
}

/// The flags of `serve` for this part.
#[derive(Debug, Args)]
pub(crate) struct IdentityArgs {
    /// Accept JWTs signed with HS256 by the secret in FILE (UTF-8 text, without its final
    /// line break; at least 32 bytes).
    #[arg(long, value_name = "FILE")]
    jwt_secret_file: Option<PathBuf>,
    /// Accept JWTs signed by the private half of the PEM public key in FILE (RSA: RS256, RS384,
    /// RS512, PS256, PS384, PS512; EC: ES256, ES384; Ed25519: EdDSA).
    #[arg(long, value_name = "FILE")]
    jwt_public_key: Option<PathBuf>,
    /// Require this `iss` claim in JWTs.
    #[arg(long, value_name = "ISS")]
    jwt_issuer: Option<String>,
    /// Require this value in the JWTs' `aud` claim (otherwise `aud` is not checked).
    #[arg(long, value_name = "AUD")]
    jwt_audience: Option<String>,
    /// How often an open notification stream checks its credentials again (tests shorten it).
    #[arg(long, hide = true, value_name = "DURATION", default_value = "15s", value_parser = parse_recheck)]
    stream_recheck: Duration,
}

/// A `--stream-recheck` duration: `15s`, `500ms`; not zero.
fn parse_recheck(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text) {
        Ok(d) if d.is_zero() => Err("must be longer than zero".to_owned()),
        Ok(d) => Ok(d),
        Err(e) => Err(e.to_string()),
    }
}

impl IdentityArgs {
    /// The options these flags ask for.
    ///
    /// # Errors
    /// A flag's file cannot be read or its value is invalid.
    pub(crate) fn into_options(self) -> anyhow::Result<IdentityOptions> {
        if self.jwt_secret_file.is_none() && self.jwt_public_key.is_none() {
            if self.jwt_issuer.is_some() || self.jwt_audience.is_some() {
                anyhow::bail!("--jwt-issuer and --jwt-audience need --jwt-secret-file or --jwt-public-key");
            }
            return Ok(IdentityOptions { jwt: None, stream_recheck: self.stream_recheck });
        }
        let secret = match &self.jwt_secret_file {
            Some(path) => {
                let text = read_text_file(path).with_context(|| "--jwt-secret-file")?;
                Some(text.trim_end_matches(['\n', '\r']).as_bytes().to_vec())
            }
            None => None,
        };
        let public_key_pem = match &self.jwt_public_key {
            Some(path) => Some(read_text_file(path).with_context(|| "--jwt-public-key")?),
            None => None,
        };
        let keys = JwtKeys { secret, public_key_pem, issuer: self.jwt_issuer, audience: self.jwt_audience };
        Ok(IdentityOptions { jwt: Some(Arc::new(JwtVerifier::new(keys)?)), stream_recheck: self.stream_recheck })
    }
}

/// What verifies JWTs, before parsing: the flags' contents.
#[derive(Clone, Debug, Default)]
pub struct JwtKeys {
    /// The HS256 secret.
    pub secret: Option<Vec<u8>>,
    /// A PEM public key (`-----BEGIN PUBLIC KEY-----` or `RSA PUBLIC KEY`).
    pub public_key_pem: Option<String>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
}

/// A key the server checks signatures with, and the algorithms it accepts
/// it for.
struct Key {
    key: DecodingKey,
    algorithms: &'static [Algorithm],
}

/// Verifies the platform's JWTs (see the module's documentation).
pub struct JwtVerifier {
    keys: Vec<Key>,
    issuer: Option<String>,
    audience: Option<String>,
}

impl std::fmt::Debug for JwtVerifier {
    /// Never the key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let algorithms: Vec<&Algorithm> = self.keys.iter().flat_map(|k| k.algorithms).collect();
        f.debug_struct("JwtVerifier")
            .field("algorithms", &algorithms)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// Why the flags' keys cannot be used; each message names the flag.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("--jwt-secret-file: the secret is {0} bytes; HS256 needs at least {MIN_SECRET_BYTES}")]
    ShortSecret(usize),
    #[error("--jwt-public-key: this is a private key; give the public key (openssl pkey -pubout)")]
    PrivateKey,
    #[error("--jwt-public-key: not a PEM public key of RSA, EC (P-256, P-384) or Ed25519")]
    UnknownKey,
    #[error("--jwt-secret-file or --jwt-public-key is needed")]
    NoKey,
    #[error("--jwt-{0}: empty value")]
    Empty(&'static str),
}

const RSA: &[Algorithm] =
    &[Algorithm::RS256, Algorithm::RS384, Algorithm::RS512, Algorithm::PS256, Algorithm::PS384, Algorithm::PS512];
const EC: &[Algorithm] = &[Algorithm::ES256, Algorithm::ES384];
const ED: &[Algorithm] = &[Algorithm::EdDSA];
const HMAC: &[Algorithm] = &[Algorithm::HS256];

impl JwtVerifier {
    /// A verifier for these keys.
    ///
    /// # Errors
    /// [`KeyError`]: a short secret, a private or unknown key, no key, an
    /// empty issuer or audience.
    pub fn new(keys: JwtKeys) -> Result<Self, KeyError> {
        let mut parsed = Vec::new();
        if let Some(secret) = &keys.secret {
            if secret.len() < MIN_SECRET_BYTES {
                return Err(KeyError::ShortSecret(secret.len()));
            }
            parsed.push(Key {
                key: DecodingKey::from_secret(secret).map_err(|_| KeyError::UnknownKey)?,
                algorithms: HMAC,
            });
        }
        if let Some(pem) = &keys.public_key_pem {
            parsed.push(public_key(pem)?);
        }
        if parsed.is_empty() {
            return Err(KeyError::NoKey);
        }
        if keys.issuer.as_deref() == Some("") {
            return Err(KeyError::Empty("issuer"));
        }
        if keys.audience.as_deref() == Some("") {
            return Err(KeyError::Empty("audience"));
        }
        Ok(JwtVerifier { keys: parsed, issuer: keys.issuer, audience: keys.audience })
    }

    /// The claims of a valid token at `now`.
    ///
    /// # Errors
    /// 401 `token_expired` past `exp` (and the leeway); 401
    /// `authentication_failed` for anything else wrong.
    pub(crate) fn verify(&self, token: &str, now: Instant) -> Result<Claims, ApiError> {
        if token.len() > MAX_JWT_BYTES {
            return Err(ApiError::AuthenticationFailed("Invalid token: longer than 8 KiB."));
        }
        let malformed = ApiError::AuthenticationFailed("Invalid token: not a well-formed JWT.");
        let header = decode_header(token).map_err(|_| malformed)?;
        let Some(key) = self.keys.iter().find(|k| k.algorithms.contains(&header.alg)) else {
            return Err(ApiError::AuthenticationFailed("Invalid token: its algorithm is not accepted here."));
        };
        let mut validation = Validation::new(header.alg);
        // Times are checked below, on the server's clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        match &self.issuer {
            Some(issuer) => validation.set_issuer(&[issuer]),
            None => validation.iss = None,
        }
        match &self.audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        let claims = decode::<Claims>(token, &key.key, &validation).map_err(|e| refusal(e.kind()))?.claims;
        let now = now.unix_seconds() as f64 + f64::from(now.subsec_nanos()) / 1e9;
        let leeway = LEEWAY_SECONDS as f64;
        if now >= claims.exp + leeway {
            return Err(ApiError::TokenExpired("The token has expired: sign in again."));
        }
        if claims.nbf.is_some_and(|nbf| now + leeway < nbf) {
            return Err(ApiError::AuthenticationFailed("Invalid token: not valid yet (nbf)."));
        }
        Ok(claims)
    }
}

/// The claims the server reads; others are ignored.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Claims {
    /// The user's name.
    pub sub: String,
    /// Seconds since the epoch.
    pub exp: f64,
    #[serde(default)]
    pub nbf: Option<f64>,
    /// The time zone of a user created by this token (IANA name).
    #[serde(default)]
    pub tz: Option<String>,
}

fn public_key(pem: &str) -> Result<Key, KeyError> {
    if pem.contains("PRIVATE KEY") {
        return Err(KeyError::PrivateKey);
    }
    let bytes = pem.as_bytes();
    if let Ok(key) = DecodingKey::from_rsa_pem(bytes) {
        return Ok(Key { key, algorithms: RSA });
    }
    if let Ok(key) = DecodingKey::from_ec_pem(bytes) {
        return Ok(Key { key, algorithms: EC });
    }
    if let Ok(key) = DecodingKey::from_ed_pem(bytes) {
        return Ok(Key { key, algorithms: ED });
    }
    Err(KeyError::UnknownKey)
}

fn refusal(kind: &ErrorKind) -> ApiError {
    ApiError::AuthenticationFailed(match kind {
        ErrorKind::InvalidSignature => "Invalid token: bad signature.",
        ErrorKind::InvalidIssuer => "Invalid token: wrong issuer (iss).",
        ErrorKind::InvalidAudience => "Invalid token: wrong audience (aud).",
        ErrorKind::MissingRequiredClaim(claim) if claim == "exp" => "Invalid token: no expiry (exp).",
        ErrorKind::MissingRequiredClaim(claim) if claim == "sub" => "Invalid token: no subject (sub).",
        ErrorKind::InvalidAlgorithm => "Invalid token: its algorithm does not match the key.",
        _ => "Invalid token: not a well-formed JWT.",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn the_stream_recheck_flag_defaults_to_its_constant_and_refuses_zero_and_garbage() {
        use clap::Parser;
        #[derive(Parser)]
        struct Flags {
            #[command(flatten)]
            identity: IdentityArgs,
        }
        let parsed =
            |args: &[&str]| Flags::try_parse_from([&["serve"], args].concat()).map(|f| f.identity.stream_recheck);
        assert_eq!(parsed(&[]).expect("the default"), STREAM_RECHECK);
        assert_eq!(parsed(&["--stream-recheck", "250ms"]).expect("a duration"), Duration::from_millis(250));
        for bad in ["0s", "soon", ""] {
            let e = parsed(&["--stream-recheck", bad]).expect_err("refused");
            assert!(e.to_string().contains("--stream-recheck"), "{e}");
        }
    }

    fn verifier() -> JwtVerifier {
        JwtVerifier::new(JwtKeys {
            secret: Some(SECRET.to_vec()),
            issuer: Some("https://platform".into()),
            audience: Some("achievements".into()),
            ..JwtKeys::default()
        })
        .expect("keys")
    }

    fn at(seconds: i64) -> Instant {
        Instant::from_unix(seconds, 0).expect("instant")
    }

    fn sign(claims: &serde_json::Value) -> String {
        encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(SECRET).expect("key")).expect("signed")
    }

    fn code(result: Result<Claims, ApiError>) -> &'static str {
        result.map_or_else(|e| e.code(), |_| "ok")
    }

    #[test]
    fn expiry_is_checked_on_the_given_clock_with_five_seconds_of_leeway() {
        let v = verifier();
        let token = sign(&json!({"sub": "ann", "exp": 1000, "iss": "https://platform", "aud": "achievements"}));
        assert_eq!(code(v.verify(&token, at(900))), "ok");
        assert_eq!(code(v.verify(&token, at(1004))), "ok");
        assert_eq!(code(v.verify(&token, at(1005))), "token_expired");
        let fractional = Instant::from_unix(1004, 999_999_999).expect("instant");
        assert_eq!(code(v.verify(&token, fractional)), "ok");
    }

    #[test]
    fn wrong_claims_and_shapes_are_authentication_failures() {
        let v = verifier();
        let good = json!({"sub": "ann", "exp": 1000, "iss": "https://platform", "aud": "achievements"});
        for (change, value) in
            [("iss", json!("other")), ("aud", json!("other")), ("sub", json!(3)), ("nbf", json!(2000))]
        {
            let mut claims = good.clone();
            claims[change] = value;
            assert_eq!(code(v.verify(&sign(&claims), at(900))), "authentication_failed", "{change}");
        }
        let mut no_exp = good.clone();
        no_exp.as_object_mut().expect("object").remove("exp");
        assert_eq!(code(v.verify(&sign(&no_exp), at(900))), "authentication_failed");
        let other_secret = encode(
            &Header::new(Algorithm::HS256),
            &good,
            &EncodingKey::from_secret(b"another secret, 32 bytes long...").expect("key"),
        )
        .expect("signed");
        assert_eq!(code(v.verify(&other_secret, at(900))), "authentication_failed");
        for junk in ["", "a.b.c", "not a jwt", &"x".repeat(MAX_JWT_BYTES + 1)] {
            assert_eq!(code(v.verify(junk, at(900))), "authentication_failed", "{junk}");
        }
        // An HS384 token is refused: only HS256 goes with the secret.
        let hs384 = encode(&Header::new(Algorithm::HS384), &good, &EncodingKey::from_secret(SECRET).expect("key"))
            .expect("signed");
        assert_eq!(code(v.verify(&hs384, at(900))), "authentication_failed");
    }

    #[test]
    fn bad_keys_are_refused_naming_the_flag() {
        let short = JwtVerifier::new(JwtKeys { secret: Some(b"short".to_vec()), ..JwtKeys::default() });
        assert!(short.expect_err("short").to_string().starts_with("--jwt-secret-file"));
        let junk = JwtVerifier::new(JwtKeys { public_key_pem: Some("hello".into()), ..JwtKeys::default() });
        assert!(junk.expect_err("junk").to_string().starts_with("--jwt-public-key"));
        let private = JwtVerifier::new(JwtKeys {
            public_key_pem: Some("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".into()),
            ..JwtKeys::default()
        });
        assert!(matches!(private, Err(KeyError::PrivateKey)));
    }
}
