//! Who may call each mutation (CONTRACT.md section 3).

use super::*;

// =============================================================================================
// Roles (CONTRACT.md section 3, the mutation table)
// =============================================================================================

/// Asserts that `query` with `variables` answers `code` for every token of `tokens` and changes
/// nothing.
async fn refused_for(app: &TestApp, tokens: &[(&str, String)], query: &str, variables: Value, code: &str) {
    for (who, tok) in tokens {
        let before = Before::take(app).await;
        let resp = app.gql(Some(tok), query, variables.clone()).await;
        assert_eq!(crate::harness::code(&resp), code, "{who}: {resp:#}");
        assert_error(&resp, code, None);
        before.unchanged(app, who).await;
    }
}

/// Tokens of every role but those in `allowed`, acting for `s`'s brand and seller.
fn others(s: &Scene, allowed: &[Role]) -> Vec<(&'static str, String)> {
    let all = [
        ("ADMIN", Role::Admin, admin()),
        ("REVIEWER", Role::Reviewer, reviewer()),
        ("ANALYST", Role::Analyst, analyst()),
        ("BRAND_AGENT", Role::BrandAgent, agent(&s.brand)),
        ("SELLER", Role::Seller, seller_token(&s.seller)),
    ];
    all.into_iter().filter(|(_, r, _)| !allowed.contains(r)).map(|(n, _, t)| (n, t)).collect()
}

#[tokio::test]
async fn create_brand_is_admin_only() {
    let app = spawn().await;
    let s = scene(&app, 0).await;
    let vars = json!({"input": {"name": "Nope", "country": "FR"}});
    refused_for(&app, &others(&s, &[Role::Admin]), CREATE_BRAND, vars.clone(), "FORBIDDEN").await;
    app.data(&admin(), CREATE_BRAND, vars).await;
}

#[tokio::test]
async fn register_seller_is_admin_only() {
    let app = spawn().await;
    let s = scene(&app, 0).await;
    let vars = json!({"input": {"handle": "nope-shop", "displayName": "Nope", "country": "FR"}});
    refused_for(&app, &others(&s, &[Role::Admin]), REGISTER_SELLER, vars.clone(), "FORBIDDEN").await;
    app.data(&admin(), REGISTER_SELLER, vars).await;
}

#[tokio::test]
async fn add_seller_identifier_is_admin_only() {
    let app = spawn().await;
    let s = scene(&app, 0).await;
    let vars = json!({"input": {"sellerId": s.seller, "kind": "PHONE", "value": "+1 555 0100"}});
    refused_for(&app, &others(&s, &[Role::Admin]), ADD_IDENTIFIER, vars.clone(), "FORBIDDEN").await;
    app.data(&admin(), ADD_IDENTIFIER, vars).await;
}

#[tokio::test]
async fn register_trademark_is_for_admin_and_the_brands_agent() {
    let app = spawn().await;
    let s = scene(&app, 0).await;
    let other = create_brand(&app, "Other").await;
    let vars = json!({"input": trademark_input(&s.brand, "ROLE-1", "US")});
    refused_for(&app, &others(&s, &[Role::Admin, Role::BrandAgent]), REGISTER_TRADEMARK, vars.clone(), "FORBIDDEN")
        .await;
    // Another brand's agent may see the brand but not act for it.
    refused_for(&app, &[("other agent", agent(&other))], REGISTER_TRADEMARK, vars.clone(), "FORBIDDEN").await;
    let data = app.data(&agent(&s.brand), REGISTER_TRADEMARK, vars).await;
    assert_eq!(data["registerTrademark"]["status"], "PENDING_VERIFICATION");
    app.data(&admin(), REGISTER_TRADEMARK, json!({"input": trademark_input(&s.brand, "ROLE-2", "US")})).await;
}

#[tokio::test]
async fn verify_trademark_is_for_admin_and_reviewer() {
    let app = spawn().await;
    let s = scene(&app, 0).await;
    let a = register_trademark(&app, &s.brand, "V-1", "US").await;
    let b = register_trademark(&app, &s.brand, "V-2", "US").await;
    let vars = json!({"input": {"trademarkId": a, "approve": true}});
    refused_for(&app, &others(&s, &[Role::Admin, Role::Reviewer]), VERIFY_TRADEMARK, vars.clone(), "FORBIDDEN").await;
    assert_eq!(app.data(&reviewer(), VERIFY_TRADEMARK, vars).await["verifyTrademark"]["status"], "VERIFIED");
    let vars = json!({"input": {"trademarkId": b, "approve": false}});
    assert_eq!(app.data(&admin(), VERIFY_TRADEMARK, vars).await["verifyTrademark"]["status"], "REJECTED");
}

#[tokio::test]
async fn create_listing_is_for_admin_and_the_seller_itself() {
    let app = spawn().await;
    let s = scene(&app, 0).await;
    let other = register_seller(&app, "other").await;
    let vars = json!({"input": listing_input(&s.seller)});
    refused_for(&app, &others(&s, &[Role::Admin, Role::Seller]), CREATE_LISTING, vars.clone(), "FORBIDDEN").await;
    // Another seller may see the seller but not list for it.
    refused_for(&app, &[("other seller", seller_token(&other))], CREATE_LISTING, vars.clone(), "FORBIDDEN").await;
    app.data(&seller_token(&s.seller), CREATE_LISTING, vars).await;
    app.data(&admin(), CREATE_LISTING, json!({"input": listing_input(&s.seller)})).await;
}

#[tokio::test]
async fn submit_notice_is_for_admin_and_the_brands_agent() {
    let app = spawn().await;
    let s = scene(&app, 3).await;
    let other = create_brand(&app, "Other").await;
    let vars = json!({"input": notice_input_all(&s.brand, &s.tm, &s.listings[..1])});
    refused_for(&app, &others(&s, &[Role::Admin, Role::BrandAgent]), SUBMIT, vars.clone(), "FORBIDDEN").await;
    refused_for(&app, &[("other agent", agent(&other))], SUBMIT, vars.clone(), "FORBIDDEN").await;
    submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings[..1])).await;
    submit_as(&app, &admin(), notice_input_all(&s.brand, &s.tm, &s.listings[1..2])).await;
}

#[tokio::test]
async fn withdraw_notice_is_for_admin_and_the_brands_agent() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    let other = create_brand(&app, "Other").await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings[..1]).await;
    let m = submit(&app, &s.brand, &s.tm, &s.listings[1..]).await;
    let vars = json!({"id": n.id});
    refused_for(&app, &others(&s, &[Role::Admin, Role::BrandAgent]), WITHDRAW, vars.clone(), "FORBIDDEN").await;
    // Another brand's agent cannot see the notice.
    refused_for(&app, &[("other agent", agent(&other))], WITHDRAW, vars.clone(), "NOT_FOUND").await;
    assert_eq!(app.data(&agent(&s.brand), WITHDRAW, vars).await["withdrawNotice"]["status"], "WITHDRAWN");
    assert_eq!(app.data(&admin(), WITHDRAW, json!({"id": m.id})).await["withdrawNotice"]["status"], "WITHDRAWN");
}

#[tokio::test]
async fn decide_notice_item_is_for_admin_and_reviewer() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    let other = create_brand(&app, "Other").await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    let vars = json!({"input": decide_input(&n.items[0], "REMOVE", None)});
    refused_for(&app, &others(&s, &[Role::Admin, Role::Reviewer]), DECIDE, vars.clone(), "FORBIDDEN").await;
    refused_for(&app, &[("other agent", agent(&other))], DECIDE, vars.clone(), "FORBIDDEN").await;
    assert_eq!(app.data(&reviewer(), DECIDE, vars).await["decideNoticeItem"]["status"], "REMOVED");
    let vars = json!({"input": decide_input(&n.items[1], "REJECT", Some("no"))});
    assert_eq!(app.data(&admin(), DECIDE, vars).await["decideNoticeItem"]["status"], "REJECTED");
    // An item's event says who decided it.
    let read = notice(&app, &n.id).await;
    assert_eq!(
        event_kinds(&read)[1..],
        vec![("ITEM_REMOVED".into(), "REVIEWER".into()), ("ITEM_REJECTED".into(), "ADMIN".into())]
    );
}

#[tokio::test]
async fn file_counter_notice_is_for_the_seller_whose_listing_it_is() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let intruder = register_seller(&app, "intruder").await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    let vars = json!({"input": counter_input(&n.items[0])});
    refused_for(&app, &others(&s, &[Role::Seller]), FILE_COUNTER, vars.clone(), "FORBIDDEN").await;
    // Another seller cannot see the item.
    refused_for(&app, &[("other seller", seller_token(&intruder))], FILE_COUNTER, vars.clone(), "NOT_FOUND").await;
    file_counter(&app, &s.seller, &n.items[0]).await;
}

#[tokio::test]
async fn resolve_counter_notice_is_for_admin_and_reviewer() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    remove(&app, &n.items[1]).await;
    let a = file_counter(&app, &s.seller, &n.items[0]).await;
    let b = file_counter(&app, &s.seller, &n.items[1]).await;
    let vars = json!({"input": {"counterNoticeId": a, "decision": "REINSTATE"}});
    refused_for(&app, &others(&s, &[Role::Admin, Role::Reviewer]), RESOLVE_COUNTER, vars.clone(), "FORBIDDEN").await;
    assert_eq!(app.data(&reviewer(), RESOLVE_COUNTER, vars).await["resolveCounterNotice"]["status"], "ACCEPTED");
    let vars = json!({"input": {"counterNoticeId": b, "decision": "UPHOLD"}});
    assert_eq!(app.data(&admin(), RESOLVE_COUNTER, vars).await["resolveCounterNotice"]["status"], "REJECTED");
}

#[tokio::test]
async fn mutations_without_a_token_are_unauthenticated() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    let cases = [
        (CREATE_BRAND, json!({"input": {"name": "X", "country": "US"}})),
        (SUBMIT, json!({"input": notice_input_all(&s.brand, &s.tm, &s.listings)})),
        (DECIDE, json!({"input": decide_input(&n.items[0], "REMOVE", None)})),
        (WITHDRAW, json!({"id": n.id})),
    ];
    for (query, vars) in cases {
        let before = Before::take(&app).await;
        let resp = app.gql(None, query, vars).await;
        assert_error(&resp, "UNAUTHENTICATED", None);
        before.unchanged(&app, "anonymous mutation").await;
    }
    // A token with an unknown seller id is usable, and sees nothing to counter.
    let stranger = token(Role::Seller, None, Some(999_999));
    let before = Before::take(&app).await;
    let resp = app.gql(Some(&stranger), FILE_COUNTER, json!({"input": counter_input(&n.items[0])})).await;
    assert_error(&resp, "NOT_FOUND", None);
    before.unchanged(&app, "counter-notice by a seller that does not exist").await;
}
