//! Badges by hand over HTTP: `POST admin/users/{name}/achievements/`
//! grants (cause `granted`, points credited, audited with actor and
//! reason, notified), `DELETE admin/users/{name}/achievements/{key}/`
//! revokes (points taken back, audited); the CLI's `grant` and `revoke`.
//! On the backend `ACHIEVEMENTS_TEST_BACKEND` names.

#![allow(clippy::unwrap_used)]

use achievements_testkit::{TestServer, binary, event, keys};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_is_earned_credited_audited_and_notified() {
    let server = TestServer::start().await;
    let root = server.add_user("root", "UTC", true);
    let ann = server.add_user("ann", "UTC", false);
    let path = "/api/v1/admin/users/ann/achievements/";
    let body = json!({"key": "50_projects", "reason": "migrated from the old site"});

    assert_eq!(server.send(Method::POST, path, None, body.clone()).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(server.send(Method::POST, path, Some(&ann), body.clone()).await.0, StatusCode::FORBIDDEN);
    let (status, granted) = server.send(Method::POST, path, Some(&root), body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{granted}");
    assert_eq!(granted["cause"], "granted");
    assert_eq!(granted["unlocked"], json!(["50_projects", "100_points"]), "its points set off 100_points");
    assert_eq!(granted["points"], 110);
    assert_eq!(granted["reason"], "migrated from the old site");

    // Seen by the user: earned, points, notifications.
    let (_, earned) = server.get("/api/v1/achievements/earned/", Some(&ann)).await;
    let mut earned_keys = keys(&earned["results"]);
    earned_keys.sort();
    assert_eq!(earned_keys, ["100_points", "50_projects"], "{earned}");
    let (_, me) = server.get("/api/v1/me/", Some(&ann)).await;
    assert_eq!(me["points"], 110, "{me}");
    let (_, notes) = server.get("/api/v1/notifications/", Some(&ann)).await;
    let causes: Vec<(String, String)> = notes["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["key"].as_str().unwrap().to_owned(), n["cause"].as_str().unwrap().to_owned()))
        .collect();
    assert!(causes.contains(&("50_projects".into(), "granted".into())), "{notes}");
    assert!(causes.contains(&("100_points".into(), "points".into())), "{notes}");

    // Audited with the actor and the reason.
    let audit = server.rows(
        "SELECT a.achievement_key, a.cause, x.name, a.reason FROM unlock_audit a JOIN actors x ON x.id = a.actor_id \
         ORDER BY a.seq",
    );
    let who = |k: &str, c: &str| {
        vec![
            Some(k.to_owned()),
            Some(c.to_owned()),
            Some("user:root".to_owned()),
            Some("migrated from the old site".to_owned()),
        ]
    };
    assert_eq!(audit, [who("50_projects", "granted"), who("100_points", "points")]);

    // A second grant of the same badge is a conflict; an unknown key or user a 404.
    let (status, again) = server.send(Method::POST, path, Some(&root), body).await;
    assert_eq!((status, again["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "{again}");
    let unknown = json!({"key": "no_such_badge", "reason": "x"});
    assert_eq!(server.send(Method::POST, path, Some(&root), unknown).await.0, StatusCode::NOT_FOUND);
    let nobody = "/api/v1/admin/users/nobody/achievements/";
    let first = json!({"key": "first_login", "reason": "x"});
    assert_eq!(server.send(Method::POST, nobody, Some(&root), first).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_needs_a_key_and_a_reason_and_nothing_else() {
    let server = TestServer::start().await;
    let root = server.add_user("root", "UTC", true);
    server.add_user("ann", "UTC", false);
    let path = "/api/v1/admin/users/ann/achievements/";
    for body in [
        json!({"key": "first_login"}),
        json!({"key": "first_login", "reason": "  "}),
        json!({"key": "first_login", "reason": "x".repeat(1001)}),
        json!({"reason": "why"}),
        json!({"key": 7, "reason": "why"}),
        json!({"key": "first_login", "reason": "why", "points": 5}),
        json!(["first_login"]),
    ] {
        let (status, answer) = server.send(Method::POST, path, Some(&root), body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
    }
    assert_eq!(server.count("SELECT count(*) FROM earned"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_removes_the_badge_takes_its_points_back_and_is_audited() {
    let server = TestServer::start().await;
    let root = server.add_user("root", "UTC", true);
    let ann = server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    server.post_events(&service, &event("e1", "ann", "project_created", "2026-03-20T10:00:00Z")).await;
    let (_, me) = server.get("/api/v1/me/", Some(&ann)).await;
    assert_eq!(me["points"], 10, "first_project: {me}");

    let path = "/api/v1/admin/users/ann/achievements/first_project/";
    let reason = json!({"reason": "a test project, not a real one"});
    assert_eq!(server.send(Method::DELETE, path, None, reason.clone()).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(server.send(Method::DELETE, path, Some(&ann), reason.clone()).await.0, StatusCode::FORBIDDEN);
    let (status, missing) = server.send(Method::DELETE, path, Some(&root), json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required: {missing}");
    let (status, revoked) = server.send(Method::DELETE, path, Some(&root), reason.clone()).await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert_eq!((revoked["cause"].as_str(), revoked["points"].as_i64()), (Some("event"), Some(0)));

    let (_, earned) = server.get("/api/v1/achievements/earned/", Some(&ann)).await;
    assert_eq!(earned["count"], 0, "{earned}");
    let (_, me) = server.get("/api/v1/me/", Some(&ann)).await;
    assert_eq!(me["points"], 0, "{me}");
    let audit = server.rows(
        "SELECT r.achievement_key, r.cause, x.name, r.reason FROM revocations r JOIN actors x ON x.id = r.actor_id",
    );
    let expected = ["first_project", "event", "user:root", "a test project, not a real one"];
    assert_eq!(audit, [expected.map(|s| Some(s.to_owned())).to_vec()]);
    assert_eq!(server.count("SELECT count(*) FROM unlock_audit"), 1, "the unlock's audit row stays");

    // Revoking what is not earned: 404, nothing recorded.
    let (status, again) = server.send(Method::DELETE, path, Some(&root), reason.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{again}");
    let nobody = "/api/v1/admin/users/nobody/achievements/first_project/";
    assert_eq!(server.send(Method::DELETE, nobody, Some(&root), reason).await.0, StatusCode::NOT_FOUND);
    assert_eq!(server.count("SELECT count(*) FROM revocations"), 1);

    // Granted back by hand, it is earned again.
    let grant = json!({"key": "first_project", "reason": "it was real after all"});
    let (status, _) = server.send(Method::POST, "/api/v1/admin/users/ann/achievements/", Some(&root), grant).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, me) = server.get("/api/v1/me/", Some(&ann)).await;
    assert_eq!(me["points"], 10, "{me}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_commands_grant_and_revoke_as_cli() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let run = |args: &[&str]| {
        let output = binary!().args(args).arg("--db").arg(server.db_arg()).output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        (output.status.success(), stdout, String::from_utf8_lossy(&output.stderr).into_owned())
    };
    let (ok, out, err) = run(&["grant", "--user", "ann", "--achievement", "50_projects", "--reason", "imported"]);
    assert!(ok, "{err}");
    assert_eq!(out, "granted 50_projects to ann (points now 110); also unlocked: 100_points\n");
    let (ok, _, err) = run(&["grant", "--user", "ann", "--achievement", "50_projects", "--reason", "twice"]);
    assert!(!ok && err.contains("already earned"), "{err}");
    let (ok, out, err) = run(&["revoke", "--user", "ann", "--achievement", "50_projects", "--reason", "oops"]);
    assert!(ok, "{err}");
    assert_eq!(out, "revoked 50_projects from ann (points now 10)\n");
    let (ok, _, err) = run(&["revoke", "--user", "ann", "--achievement", "50_projects", "--reason", "again"]);
    assert!(!ok && err.contains("not earned"), "{err}");
    let (ok, _, err) = run(&["revoke", "--user", "ann", "--achievement", "100_points", "--reason", ""]);
    assert!(!ok && err.contains("--reason"), "{err}");

    let actors = server.rows(
        "SELECT x.name, a.reason FROM unlock_audit a JOIN actors x ON x.id = a.actor_id WHERE a.achievement_key = '50_projects'",
    );
    assert_eq!(actors, [vec![Some("cli".to_owned()), Some("imported".to_owned())]]);
    // A server that had the state cached sees the command's changes within its cache lifetime;
    // this one never read it, so it answers from the database.
    let (_, earned) = server.get("/api/v1/achievements/earned/", Some(&ann)).await;
    assert_eq!(keys(&earned["results"]), ["100_points"]);
}
