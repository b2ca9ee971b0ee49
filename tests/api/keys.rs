//! Tokens from an external identity provider (RS256, ES256 public keys) and the issuer and
//! audience checks (CONTRACT.md section 3).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rightsgraph::auth::{Claims, Role};
use rightsgraph::config::{AuthConfig, RulesConfig};
use serde_json::json;

use crate::harness::{TestApp, code, spawn_config};

/// A key pair made with the openssl command line, in a temp dir: (private PKCS#8 PEM, public PEM).
fn key_pair(dir: &Path, kind: &str) -> (Vec<u8>, PathBuf) {
    let private = dir.join(format!("{kind}.pem"));
    let public = dir.join(format!("{kind}.pub.pem"));
    let run = |args: &[&str]| {
        let status = Command::new("openssl").args(args).status().expect("openssl on PATH");
        assert!(status.success(), "openssl {args:?}");
    };
    let private_str = private.to_str().expect("utf-8 path");
    let public_str = public.to_str().expect("utf-8 path");
    match kind {
        "rsa" => {
            run(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", private_str]);
            run(&["pkey", "-in", private_str, "-pubout", "-out", public_str]);
        }
        _ => {
            run(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", private_str]);
            run(&["pkey", "-in", private_str, "-pubout", "-out", public_str]);
        }
    }
    (std::fs::read(&private).expect("private key"), public)
}

fn claims(role: Role) -> Claims {
    Claims::new("idp-user", role, Duration::from_secs(600))
}

fn sign(alg: Algorithm, key: &EncodingKey, claims: &Claims) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, key).expect("sign")
}

async fn viewer_role(app: &TestApp, token: &str) -> serde_json::Value {
    app.gql(Some(token), "{ viewer { role subject } }", json!({})).await
}

async fn app_with(auth: AuthConfig) -> TestApp {
    spawn_config(RulesConfig::default(), auth).await
}

#[tokio::test]
async fn es256_tokens_of_the_configured_public_key_are_accepted() {
    let dir = tempfile::tempdir().expect("dir");
    let (private, public) = key_pair(dir.path(), "ec");
    let app = app_with(AuthConfig { jwt_public_key: Some(public), ..Default::default() }).await;
    let key = EncodingKey::from_ec_pem(&private).expect("ec key");
    let answer = viewer_role(&app, &sign(Algorithm::ES256, &key, &claims(Role::Analyst))).await;
    assert_eq!(answer["data"]["viewer"], json!({ "role": "ANALYST", "subject": "idp-user" }));
    // Another key pair's signature is refused.
    let (other, _) = key_pair(dir.path(), "ec2");
    let forged = sign(Algorithm::ES256, &EncodingKey::from_ec_pem(&other).expect("ec key"), &claims(Role::Admin));
    assert_eq!(code(&viewer_role(&app, &forged).await), "UNAUTHENTICATED");
}

#[tokio::test]
async fn rs256_tokens_of_the_configured_public_key_are_accepted() {
    let dir = tempfile::tempdir().expect("dir");
    let (private, public) = key_pair(dir.path(), "rsa");
    let app = app_with(AuthConfig { jwt_public_key: Some(public), ..Default::default() }).await;
    let key = EncodingKey::from_rsa_pem(&private).expect("rsa key");
    let answer = viewer_role(&app, &sign(Algorithm::RS256, &key, &claims(Role::Reviewer))).await;
    assert_eq!(answer["data"]["viewer"]["role"], "REVIEWER");
}

#[tokio::test]
async fn hs256_token_signed_with_the_public_key_as_secret_is_unauthenticated() {
    let dir = tempfile::tempdir().expect("dir");
    let (_, public) = key_pair(dir.path(), "rsa");
    let pem = std::fs::read(&public).expect("public key");
    let app = app_with(AuthConfig { jwt_public_key: Some(public), ..Default::default() }).await;
    // The classic key-confusion attack: the public key, which anyone has, as an HMAC secret.
    let forged = sign(Algorithm::HS256, &EncodingKey::from_secret(&pem), &claims(Role::Admin));
    let answer = viewer_role(&app, &forged).await;
    assert_eq!(code(&answer), "UNAUTHENTICATED");
    assert!(answer["data"].is_null(), "no data: {answer:#}");
}

#[tokio::test]
async fn issuer_and_audience_must_match_when_configured() {
    let secret = "issuer-test-secret-of-at-least-32-bytes";
    let app = app_with(AuthConfig {
        jwt_secret: Some(secret.into()),
        jwt_issuer: Some("https://idp.example".into()),
        jwt_audience: Some("rightsgraph".into()),
        ..Default::default()
    })
    .await;
    let key = EncodingKey::from_secret(secret.as_bytes());
    let mut good = claims(Role::Admin);
    good.iss = Some("https://idp.example".into());
    good.aud = Some("rightsgraph".into());
    assert_eq!(viewer_role(&app, &sign(Algorithm::HS256, &key, &good)).await["data"]["viewer"]["role"], "ADMIN");
    for (iss, aud) in [
        (Some("https://evil.example"), Some("rightsgraph")),
        (Some("https://idp.example"), Some("another-service")),
        (None, Some("rightsgraph")),
        (Some("https://idp.example"), None),
    ] {
        let mut bad = claims(Role::Admin);
        bad.iss = iss.map(str::to_owned);
        bad.aud = aud.map(str::to_owned);
        let answer = viewer_role(&app, &sign(Algorithm::HS256, &key, &bad)).await;
        assert_eq!(code(&answer), "UNAUTHENTICATED", "iss {iss:?} aud {aud:?}");
    }
}
