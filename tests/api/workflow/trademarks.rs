//! Trademarks: registration, verification, expiry.

use super::*;

// =============================================================================================
// Trademarks
// =============================================================================================

#[tokio::test]
async fn trademark_starts_pending_and_verification_makes_it_verified_or_rejected() {
    let app = spawn().await;
    let brand = create_brand(&app, "Acme").await;
    let a = register_trademark(&app, &brand, "US-1001", "US").await;
    let b = register_trademark(&app, &brand, "US-1002", "US").await;
    assert_eq!(verify_trademark(&app, &a, true).await, "VERIFIED");
    assert_eq!(verify_trademark(&app, &b, false).await, "REJECTED");
    let read = app.data(&admin(), "query($id: ID!) { trademark(id: $id) { status } }", json!({"id": a})).await;
    assert_eq!(read["trademark"]["status"], "VERIFIED");

    // A decided trademark cannot be verified again.
    for (tm, approve) in [(&a, true), (&a, false), (&b, true)] {
        let before = Before::take(&app).await;
        let resp =
            app.gql(Some(&admin()), VERIFY_TRADEMARK, json!({"input": {"trademarkId": tm, "approve": approve}})).await;
        assert_error(&resp, "CONFLICT", None);
        before.unchanged(&app, "re-verification").await;
    }
    // An unknown trademark is NOT_FOUND.
    let resp = app
        .gql(
            Some(&admin()),
            VERIFY_TRADEMARK,
            json!({"input": {"trademarkId": gid(Kind::Trademark, 999_999), "approve": true}}),
        )
        .await;
    assert_error(&resp, "NOT_FOUND", None);
}

#[tokio::test]
async fn trademark_expired_reads_expired() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let future = (Utc::now() + chrono::Duration::days(30)).date_naive();
    let mut input = trademark_input(&s.brand, "EXP-1", "US");
    input["expiresOn"] = json!(future.to_string());
    let data = app.data(&admin(), REGISTER_TRADEMARK, json!({ "input": input })).await;
    let tm = str_at(&data, "/registerTrademark/id");
    assert_eq!(verify_trademark(&app, &tm, true).await, "VERIFIED");

    // Time passes: the registration's expiry date is now behind us. (Registration refuses a date
    // in the past, so the stored date is moved back directly.)
    let row = entity::trademark::Entity::find_by_id(key(&tm)).one(&app.app.db).await.expect("read").expect("row");
    let mut row = row.into_active_model();
    row.expires_on = Set(Some((Utc::now() - chrono::Duration::days(2)).date_naive()));
    row.update(&app.app.db).await.expect("update");

    let read = app.data(&admin(), "query($id: ID!) { trademark(id: $id) { status } }", json!({"id": tm})).await;
    assert_eq!(read["trademark"]["status"], "EXPIRED");
    // An expired mark cannot ground a notice.
    refused_submit(&app, notice_input(&s.brand, &[(&s.listings[0], &tm)]), "BAD_USER_INPUT", "items.0.trademarkId")
        .await;
}

#[tokio::test]
async fn registration_number_unique_per_jurisdiction() {
    let app = spawn().await;
    let acme = create_brand(&app, "Acme").await;
    let other = create_brand(&app, "Other").await;
    register_trademark(&app, &acme, "REG-77", "US").await;

    for (brand, number) in [(&acme, "REG-77"), (&other, "REG-77"), (&other, "reg-77"), (&other, " REG-77 ")] {
        let before = Before::take(&app).await;
        let resp =
            app.gql(Some(&admin()), REGISTER_TRADEMARK, json!({"input": trademark_input(brand, number, "US")})).await;
        assert_error(&resp, "CONFLICT", Some("registrationNumber"));
        before.unchanged(&app, "duplicate registration").await;
    }
    // The same number at another office is another registration.
    register_trademark(&app, &other, "REG-77", "EM").await;
    register_trademark(&app, &other, "REG-77", "DE").await;
    assert_eq!(counts(&app).await.trademarks, 3);
}
