//! Seller identifiers and their normalization.

use super::*;

// =============================================================================================
// Seller identifiers
// =============================================================================================

async fn identifiers(app: &TestApp, seller: &str) -> Vec<(String, String)> {
    let data = app
        .data(&admin(), "query($id: ID!) { seller(id: $id) { identifiers { kind value } } }", json!({"id": seller}))
        .await;
    let mut out: Vec<(String, String)> = data["seller"]["identifiers"]
        .as_array()
        .expect("identifiers")
        .iter()
        .map(|i| (string(&i["kind"]), string(&i["value"])))
        .collect();
    out.sort();
    out
}

async fn add_ok(app: &TestApp, seller: &str, kind: &str, value: &str) {
    let resp = add_identifier(app, &admin(), seller, kind, value).await;
    assert!(resp.get("errors").is_none(), "{resp:#}");
    assert_eq!(resp["data"]["addSellerIdentifier"]["id"], seller);
}

#[tokio::test]
async fn identifier_phone_keeps_digits_only() {
    let app = spawn().await;
    let seller = register_seller(&app, "phone").await;
    add_ok(&app, &seller, "PHONE", " +86 (138) 000-0000 ").await;
    assert_eq!(identifiers(&app, &seller).await, vec![("PHONE".to_owned(), "861380000000".to_owned())]);
    // Another spelling of the same number changes nothing.
    add_ok(&app, &seller, "PHONE", "8613800 00000").await;
    assert_eq!(counts(&app).await.identifiers, 1);
}

#[tokio::test]
async fn identifier_gmail_drops_dots_and_plus_tag() {
    let app = spawn().await;
    let seller = register_seller(&app, "mail").await;
    add_ok(&app, &seller, "EMAIL", "John.Doe+shop@GoogleMail.com").await;
    add_ok(&app, &seller, "EMAIL", " j.o.h.n.d.o.e@gmail.com").await;
    add_ok(&app, &seller, "EMAIL", "JOHNDOE+other@gmail.com").await;
    add_ok(&app, &seller, "EMAIL", "John.Doe+x@Example.com").await;
    assert_eq!(
        identifiers(&app, &seller).await,
        vec![
            ("EMAIL".to_owned(), "john.doe+x@example.com".to_owned()),
            ("EMAIL".to_owned(), "johndoe@gmail.com".to_owned())
        ]
    );
    assert_eq!(counts(&app).await.identifiers, 2);
}

#[tokio::test]
async fn identifier_address_folds_punctuation_into_single_spaces() {
    let app = spawn().await;
    let seller = register_seller(&app, "addr").await;
    add_ok(&app, &seller, "ADDRESS", "  12, Nathan Rd.\n Kowloon -- HK ").await;
    add_ok(&app, &seller, "ADDRESS", "12 NATHAN RD KOWLOON HK").await;
    add_ok(&app, &seller, "PAYMENT_ACCOUNT", "  ACCT-77 ").await;
    assert_eq!(
        identifiers(&app, &seller).await,
        vec![
            ("ADDRESS".to_owned(), "12 nathan rd kowloon hk".to_owned()),
            ("PAYMENT_ACCOUNT".to_owned(), "acct-77".to_owned()),
        ]
    );
}

#[tokio::test]
async fn adding_the_same_identifier_twice_leaves_one() {
    let app = spawn().await;
    let seller = register_seller(&app, "twice").await;
    let other = register_seller(&app, "other").await;
    add_ok(&app, &seller, "DEVICE", "dev-1").await;
    let before = Before::take(&app).await;
    add_ok(&app, &seller, "DEVICE", "dev-1").await;
    add_ok(&app, &seller, "DEVICE", " DEV-1 ").await;
    before.unchanged(&app, "adding an identifier the seller has").await;
    // The same value of another kind, or for another seller, is another identifier.
    add_ok(&app, &seller, "IMAGE_HASH", "dev-1").await;
    add_ok(&app, &other, "DEVICE", "dev-1").await;
    assert_eq!(counts(&app).await.identifiers, 3);
}

#[tokio::test]
async fn identifier_email_without_at_is_bad_user_input() {
    let app = spawn().await;
    let seller = register_seller(&app, "bad").await;
    for (kind, value) in [
        ("EMAIL", "no-at-sign"),
        ("EMAIL", "@example.com"),
        ("EMAIL", "   "),
        ("PHONE", "call me"),
        ("ADDRESS", " ,.- "),
        ("DEVICE", "   "),
    ] {
        let before = Before::take(&app).await;
        let resp = add_identifier(&app, &admin(), &seller, kind, value).await;
        assert_error(&resp, "BAD_USER_INPUT", Some("value"));
        before.unchanged(&app, &format!("{kind} {value:?}")).await;
    }
    let resp = add_identifier(&app, &admin(), &gid(Kind::Seller, 999_999), "PHONE", "123").await;
    assert_error(&resp, "NOT_FOUND", None);
}
