//! JWT verification with the configured keys, and minting for the `token` command.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};

use super::viewer::{Identity, Role, Viewer};
use crate::config::AuthConfig;
use crate::ids::{Kind, decode as decode_id};

/// The claims rightsgraph reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

/// Verifies bearer tokens against the configured keys.
#[derive(Clone)]
pub struct Verifier {
    secret: Option<DecodingKey>,
    public: Option<(Algorithm, DecodingKey)>,
    issuer: Option<String>,
    audience: Option<String>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("hs256", &self.secret.is_some())
            .field("public", &self.public.as_ref().map(|(alg, _)| alg))
            .finish()
    }
}

impl Verifier {
    /// Builds a verifier from the configuration; fails when the public key file cannot be read
    /// or is neither an RSA nor an EC key.
    pub fn from_config(config: &AuthConfig) -> Result<Self, String> {
        let secret = config.jwt_secret.as_deref().map(hs256_secret).transpose()?.map(DecodingKey::from_secret);
        let public = match &config.jwt_public_key {
            None => None,
            Some(path) => {
                let pem =
                    std::fs::read(path).map_err(|e| format!("cannot read JWT public key {}: {e}", path.display()))?;
                if let Ok(key) = DecodingKey::from_rsa_pem(&pem) {
                    Some((Algorithm::RS256, key))
                } else if let Ok(key) = DecodingKey::from_ec_pem(&pem) {
                    Some((Algorithm::ES256, key))
                } else {
                    return Err(format!("{} is neither an RSA nor an EC public key in PEM", path.display()));
                }
            }
        };
        Ok(Self { secret, public, issuer: config.jwt_issuer.clone(), audience: config.jwt_audience.clone() })
    }

    /// Whether any key is configured.
    pub fn has_key(&self) -> bool {
        self.secret.is_some() || self.public.is_some()
    }

    /// The viewer a bearer token stands for.
    pub fn viewer(&self, token: &str) -> Viewer {
        match self.check(token) {
            Ok(verified) => Viewer::Authenticated(verified.identity),
            Err(rejection) => Viewer::Rejected(rejection.reason),
        }
    }

    /// Verifies `token`: who it stands for and until when, or why it is refused.
    pub fn check(&self, token: &str) -> Result<Verified, Rejection> {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        self.check_at(token, now)
    }

    /// `check` at the instant `now` (seconds since the epoch): the token's times are judged by
    /// this clock alone, so that a test can set it to the second of `exp`.
    pub fn check_at(&self, token: &str, now: u64) -> Result<Verified, Rejection> {
        let invalid = |reason: String| Rejection { expired: false, reason };
        let header = decode_header(token).map_err(|e| invalid(format!("malformed token: {e}")))?;
        // The key decides the algorithm, never the token: a token whose header names another
        // algorithm than its key's (`none` included) is refused.
        let (alg, key) = match header.alg {
            Algorithm::HS256 => {
                (Algorithm::HS256, self.secret.as_ref().ok_or_else(|| invalid("no HS256 key is configured".into()))?)
            }
            alg => match &self.public {
                Some((expected, key)) if *expected == alg => (alg, key),
                _ => return Err(invalid(format!("algorithm {alg:?} is not accepted"))),
            },
        };
        let mut validation = Validation::new(alg);
        validation.set_required_spec_claims(&["exp", "sub"]);
        // `exp` and `nbf` are judged below, by `now`: the library reads its own clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        match &self.issuer {
            Some(iss) => {
                validation.set_issuer(&[iss]);
                validation.required_spec_claims.insert("iss".into());
            }
            None => validation.iss = None,
        }
        match &self.audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                validation.required_spec_claims.insert("aud".into());
            }
            None => validation.validate_aud = false,
        }
        let data = decode::<serde_json::Value>(token, key, &validation)
            .map_err(|e| Rejection { expired: false, reason: format!("invalid token: {e}") })?;
        let claims: Claims =
            serde_json::from_value(data.claims).map_err(|e| invalid(format!("invalid claims: {e}")))?;
        let expires_at = claims.exp;
        // RFC 7519 section 4.1.4: the current time must be before `exp` (the second of `exp`
        // itself is too late); section 4.1.5: not before `nbf`.
        if now >= expires_at {
            return Err(Rejection { expired: true, reason: "invalid token: ExpiredSignature".into() });
        }
        if claims.nbf.is_some_and(|nbf| now < nbf) {
            return Err(invalid("invalid token: ImmatureSignature".into()));
        }
        Ok(Verified { identity: identity_of(claims).map_err(invalid)?, expires_at })
    }
}

/// A token that verified.
#[derive(Debug, Clone)]
pub struct Verified {
    pub identity: Identity,
    /// Its `exp`: seconds since the epoch.
    pub expires_at: u64,
}

/// Why a token is refused.
#[derive(Debug, Clone)]
pub struct Rejection {
    /// It was valid once and has expired (a WebSocket closes with 4401 rather than 4403).
    pub expired: bool,
    /// For the log; the client sees a fixed text.
    pub reason: String,
}

fn identity_of(claims: Claims) -> Result<Identity, String> {
    let role = Role::parse(&claims.role).ok_or_else(|| format!("unknown role {:?}", claims.role))?;
    let brand_id = claims.brand_id.as_deref().map(|b| decode_id(b, Kind::Brand, "brand_id")).transpose();
    let seller_id = claims.seller_id.as_deref().map(|s| decode_id(s, Kind::Seller, "seller_id")).transpose();
    let (brand_id, seller_id) =
        (brand_id.map_err(|e| e.message().to_owned())?, seller_id.map_err(|e| e.message().to_owned())?);
    match role {
        Role::BrandAgent if brand_id.is_none() => return Err("a BRAND_AGENT token needs brand_id".into()),
        Role::Seller if seller_id.is_none() => return Err("a SELLER token needs seller_id".into()),
        _ => {}
    }
    // A claim that does not belong to the role is a malformed token, not something to ignore:
    // a seller token carrying a brand_id is refused.
    if (role != Role::BrandAgent && brand_id.is_some()) || (role != Role::Seller && seller_id.is_some()) {
        return Err(format!("a {} token carries a claim of another role", role.as_str()));
    }
    Ok(Identity { subject: claims.sub, role, brand_id, seller_id })
}

impl Claims {
    /// Claims for `sub` acting as `role`, valid for `ttl` from now.
    pub fn new(sub: &str, role: Role, ttl: Duration) -> Self {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Self {
            sub: sub.to_owned(),
            role: role.as_str().to_owned(),
            exp: now + ttl.as_secs().max(1),
            nbf: None,
            iat: Some(now),
            brand_id: None,
            seller_id: None,
            iss: None,
            aud: None,
        }
    }
}

/// Fewest bytes an HS256 secret may have: RFC 7518 section 3.2 asks for a key at least as long
/// as the hash output (256 bits). A shorter one, or an empty one, can be guessed.
pub const MIN_SECRET_BYTES: usize = 32;

/// The key bytes of an HS256 `secret`, or why it is refused (a one-line reason naming the setting).
pub fn hs256_secret(secret: &str) -> Result<&[u8], String> {
    let bytes = secret.as_bytes();
    if bytes.len() < MIN_SECRET_BYTES {
        return Err(format!(
            "RIGHTSGRAPH_JWT_SECRET (--jwt-secret) is {} bytes; an HS256 secret needs at least {MIN_SECRET_BYTES} \
             (generate one with: openssl rand -hex 32)",
            bytes.len()
        ));
    }
    Ok(bytes)
}

/// Signs `claims` with the HS256 `secret`.
pub fn mint_hs256(secret: &str, claims: &Claims) -> Result<String, String> {
    encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(hs256_secret(secret)?))
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::{Claims, Role, Verifier, mint_hs256};
    use crate::config::AuthConfig;

    const SECRET: &str = "a-test-secret-of-at-least-thirty-two-bytes";

    fn verifier() -> Verifier {
        Verifier::from_config(&AuthConfig { jwt_secret: Some(SECRET.into()), ..Default::default() }).expect("verifier")
    }

    fn token_until(exp: u64, nbf: Option<u64>) -> String {
        let mut claims = Claims::new("clock", Role::Admin, std::time::Duration::from_secs(60));
        claims.exp = exp;
        claims.nbf = nbf;
        mint_hs256(SECRET, &claims).expect("sign")
    }

    #[test]
    fn a_token_is_refused_from_the_second_of_its_exp_on() {
        // RFC 7519 section 4.1.4: "the current date/time MUST be before the expiration date/time".
        let exp = 2_000_000_000;
        let token = token_until(exp, None);
        let v = verifier();
        assert!(v.check_at(&token, exp - 1).is_ok(), "one second before exp");
        for now in [exp, exp + 1] {
            let refused = v.check_at(&token, now).map(|_| ()).expect_err("refused at or after exp");
            assert!(refused.expired, "{now}: {}", refused.reason);
        }
    }

    #[test]
    fn a_token_is_refused_before_its_nbf() {
        let (nbf, exp) = (1_900_000_000, 2_000_000_000);
        let token = token_until(exp, Some(nbf));
        let v = verifier();
        let early = v.check_at(&token, nbf - 1).map(|_| ()).expect_err("refused before nbf");
        assert!(!early.expired && early.reason.contains("Immature"), "{}", early.reason);
        assert!(v.check_at(&token, nbf).is_ok(), "at nbf");
    }
}
