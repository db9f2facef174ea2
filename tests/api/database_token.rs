//! The remote database's token (`OCC_DATABASE_AUTH_TOKEN`): the server checks it on every
//! request, as Turso does, and a token it does not trust fails clearly, never as an empty
//! answer. Remote mode only: an embedded file has no token.

use occ_core::config::{DatabaseLocation, Secret};
use occ_core::store::Store;

use crate::helpers::{TestDb, new_signing_key, remote_mode, sign_database_token, spawn_app_with};

#[tokio::test]
async fn a_token_the_server_does_not_trust_is_refused_with_a_clear_error() {
    if !remote_mode() {
        return;
    }
    let db = TestDb::new();
    // The right token works.
    let conn = db.conn().await;
    conn.query_all("SELECT 1", (), |_| Ok(())).await.expect("the signed token is accepted");

    let cases = [
        ("a token signed with another key", Some(sign_database_token(&new_signing_key()))),
        ("a token that is not a JWT", Some("not-a-token".to_owned())),
        ("no token", None),
    ];
    for (case, token) in cases {
        let mut config = db.config();
        let DatabaseLocation::Remote { auth_token, .. } = &mut config.database else { unreachable!("remote mode") };
        *auth_token = token.map(Secret::new);
        let store = Store::open(&config).await.expect("a remote store is only located");
        let failed = match store.connect().await {
            Err(err) => err,
            Ok(conn) => conn.query_all("SELECT 1", (), |_| Ok(())).await.expect_err(case),
        };
        let text = format!("{:#}", anyhow::Error::from(failed)).to_ascii_lowercase();
        assert!(
            text.contains("401") || text.contains("unauthorized") || text.contains("authentication"),
            "{case}: the error says the token was refused: {text}"
        );
    }

    // The server reports the database unreachable (and logs why), never a half-made answer.
    let app = spawn_app_with(
        |config| {
            if let DatabaseLocation::Remote { auth_token, .. } = &mut config.database {
                *auth_token = Some(Secret::new(sign_database_token(&new_signing_key())));
            }
        },
        false,
    )
    .await;
    let health = app.send_raw(app.client.get(app.url("/api/v1/health"))).await;
    assert_eq!(health.status, 503, "{}", health.text);
    assert!(health.text.contains("unreachable"), "{}", health.text);
}
