//! The send path against a scripted server: retries, non-retries, unknown
//! outcomes, redirects, token refresh, paging, decoding, clock skew.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use mde_api::{Error, Filter, IsolationType, MachineId, Query};
use support::mock::*;

fn id() -> MachineId {
    MachineId::parse(MACHINE_ID).unwrap()
}

#[tokio::test]
async fn isolate_sends_documented_body_and_bearer() {
    let mock = Mock::start(|r, _| {
        if r.is_token() {
            token_reply()
        } else {
            Reply::json(201, action_json("Pending"))
        }
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    let action = client
        .isolate(&id(), IsolationType::Selective, "alert 1234: it's bad")
        .await
        .unwrap();
    assert_eq!(action.status, mde_api::ActionStatus::Pending);

    let token = &mock.requests()[0];
    assert!(token.target.ends_with("/tenant-1/oauth2/v2.0/token"));
    let form = token.body_text();
    for field in [
        "grant_type=client_credentials",
        "client_id=client-1",
        "client_secret=s3cret-value",
        "scope=https%3A%2F%2Fapi.securitycenter.microsoft.com%2F.default",
    ] {
        assert!(form.contains(field), "{form} lacks {field}");
    }

    let post = &mock.api_requests()[0];
    assert_eq!(post.method, "POST");
    assert_eq!(post.target, format!("/api/machines/{MACHINE_ID}/isolate"));
    assert!(
        post.header("authorization")
            .unwrap()
            .starts_with("Bearer ey")
    );
    assert_eq!(post.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"Comment": "alert 1234: it's bad", "IsolationType": "Selective"})
    );

    client.unisolate(&id(), "done").await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&mock.api_requests()[1].body).unwrap();
    assert_eq!(body, serde_json::json!({"Comment": "done"}));
    assert_eq!(mock.token_requests(), 1, "the token is cached");
}

#[tokio::test]
async fn post_500_is_not_retried() {
    let mock = Mock::start(|r, _| {
        if r.is_token() {
            token_reply()
        } else {
            Reply::json(
                500,
                r#"{"error":{"code":"InternalServerError","message":"boom","target":"corr-1"}}"#,
            )
        }
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    let err = client
        .isolate(&id(), IsolationType::Full, "c")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.correlation_id(), Some("corr-1"));
    assert_eq!(mock.api_requests().len(), 1, "exactly one POST");
}

/// An action's 429 is never resent by the client: it is returned at once with its
/// `Retry-After`, for the caller to decide (Cordon's runner checks for a cancel first).
/// It still holds the API: the caller's next POST waits the `Retry-After` out.
#[tokio::test]
async fn post_429_is_returned_at_once_and_holds_the_api() {
    let mock = Mock::start(|r, n| {
        if r.is_token() {
            token_reply()
        } else if n == 0 {
            Reply::Status(429, vec![("Retry-After", "1".into())], String::new())
        } else {
            Reply::json(201, action_json("Pending"))
        }
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    let err = client
        .isolate(&id(), IsolationType::Full, "c")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.code(), Some("TooManyRequests"));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(mock.api_requests().len(), 1, "not resent by the client");

    // The caller's own resend goes out only after the Retry-After.
    client
        .isolate(&id(), IsolationType::Full, "c")
        .await
        .unwrap();
    let posts = mock.api_requests();
    assert_eq!(posts.len(), 2);
    assert!(
        posts[1].at - posts[0].at >= Duration::from_secs(1),
        "Retry-After honoured"
    );
}

/// Every action POST (isolate, release, cancel) answered 429 is sent once, even with
/// no `Retry-After` and retries left in the options.
#[tokio::test]
async fn action_429s_are_never_resent() {
    let mock = Mock::start(|r, _| {
        if r.is_token() {
            token_reply()
        } else {
            Reply::Status(429, vec![], String::new())
        }
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    let isolate = client
        .isolate(&id(), IsolationType::Full, "c")
        .await
        .unwrap_err();
    assert_eq!(isolate.status(), Some(429));
    assert_eq!(isolate.retry_after(), None);
    assert_eq!(mock.api_requests().len(), 1);
    let release = client.unisolate(&id(), "c").await.unwrap_err();
    assert_eq!(release.status(), Some(429));
    assert_eq!(mock.api_requests().len(), 2);
    let cancel = client
        .cancel_action("7d1a6e4e-3b8e-4a5b-9f61-1a2b3c4d5e6f", "c")
        .await
        .unwrap_err();
    assert_eq!(cancel.status(), Some(429));
    let posts = mock.api_requests();
    assert_eq!(posts.len(), 3, "one POST per call");
    assert!(posts.iter().all(|p| p.method == "POST"));
}

/// Reads keep their retries: a GET's 429 is waited out and sent again.
#[tokio::test]
async fn get_429_is_still_waited_out() {
    let mock = Mock::start(|r, n| {
        if r.is_token() {
            token_reply()
        } else if n == 0 {
            Reply::Status(429, vec![("Retry-After", "1".into())], String::new())
        } else {
            Reply::json(200, r#"{"value":[]}"#)
        }
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    client.list_machine_actions(&Query::new()).await.unwrap();
    let gets = mock.api_requests();
    assert_eq!(gets.len(), 2);
    assert!(gets[1].at - gets[0].at >= Duration::from_secs(1));
}

#[tokio::test]
async fn retry_after_above_the_cap_is_returned() {
    let mock = Mock::start(|r, _| {
        if r.is_token() {
            token_reply()
        } else {
            Reply::Status(429, vec![("Retry-After", "600".into())], String::new())
        }
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    let err = client.list_machines(&Query::new()).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(600)));
    assert_eq!(err.code(), Some("TooManyRequests"));
    assert_eq!(mock.api_requests().len(), 1);
}

#[tokio::test]
async fn post_dropped_after_sending_is_outcome_unknown() {
    let mock = Mock::start(|r, _| {
        if r.is_token() {
            token_reply()
        } else {
            Reply::Drop
        }
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    let err = client
        .isolate(&id(), IsolationType::Full, "c")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(mock.api_requests().len(), 1);
}

#[tokio::test]
async fn post_timeout_is_outcome_unknown_and_get_timeout_is_transport() {
    let mock = Mock::start(|r, _| {
        if r.is_token() {
            token_reply()
        } else {
            Reply::Hang
        }
    })
    .await;
    let options = mde_api::ClientOptions {
        timeout: Duration::from_millis(300),
        max_get_retries: 1,
        ..fast_options()
    };
    let client = client_for(&mock.base, options);
    let err = client.unisolate(&id(), "c").await.unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    let err = client.get_machine(MACHINE_ID).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                timed_out: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        mock.api_requests().len(),
        3,
        "1 POST, then a GET tried twice"
    );
}

#[tokio::test]
async fn refused_connection_is_transport() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = client_for(
        &base,
        mde_api::ClientOptions {
            max_get_retries: 0,
            ..fast_options()
        },
    );
    let err = client
        .isolate(&id(), IsolationType::Full, "c")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn get_5xx_is_retried() {
    let mock = Mock::start(|r, n| {
        if r.is_token() {
            token_reply()
        } else if n < 2 {
            Reply::json(503, "")
        } else {
            Reply::json(200, r#"{"value":[]}"#)
        }
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    let actions = client.list_machine_actions(&Query::new()).await.unwrap();
    assert!(actions.is_empty());
    assert_eq!(mock.api_requests().len(), 3);
}

#[tokio::test]
async fn get_4xx_is_not_retried() {
    let mock = Mock::start(|r, _| {
        if r.is_token() {
            token_reply()
        } else {
            Reply::json(
                400,
                r#"{"error":{"code":"ODataError","message":"bad filter","target":"x"}}"#,
            )
        }
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    // With `$top` no `$count` is asked: exactly one request.
    let err = client
        .list_machine_actions(&Query::new().top(50))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ODataError"));
    assert_eq!(mock.api_requests().len(), 1);
    // Without: the first page asks `$count`; a 400 is asked once more without it
    // (the count may be what was refused), then reported, not retried.
    let err = client
        .list_machine_actions(&Query::new())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ODataError"));
    assert_eq!(mock.api_requests().len(), 3);
}

#[tokio::test]
async fn unauthorized_reacquires_the_token_once() {
    let mock = Mock::start(|r, n| {
        if r.is_token() {
            token_reply()
        } else if n == 0 {
            Reply::json(
                401,
                r#"{"error":{"code":"Unauthorized","message":"expired"}}"#,
            )
        } else {
            Reply::json(201, action_json("Pending"))
        }
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    client
        .isolate(&id(), IsolationType::Full, "c")
        .await
        .unwrap();
    assert_eq!(mock.token_requests(), 2);
    let posts = mock.api_requests();
    assert_eq!(posts.len(), 2);
    assert_ne!(
        posts[0].header("authorization"),
        posts[1].header("authorization")
    );

    let always = Mock::start(|r, _| {
        if r.is_token() {
            token_reply()
        } else {
            Reply::json(401, r#"{"error":{"code":"Unauthorized","message":"no"}}"#)
        }
    })
    .await;
    let client = client_for(&always.base, fast_options());
    let err = client.get_machine(MACHINE_ID).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(always.api_requests().len(), 2, "one retry, no loop");
    assert_eq!(always.token_requests(), 2);
}

#[tokio::test]
async fn redirects_are_never_followed() {
    let attacker = Mock::start(|_, _| Reply::json(200, "{}")).await;
    let location = format!("{}/steal", attacker.base);
    let loc = location.clone();
    let mock = Mock::start(move |r, _| {
        if r.is_token() {
            token_reply()
        } else {
            Reply::Status(302, vec![("Location", loc.clone())], String::new())
        }
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    let err = client.get_machine(MACHINE_ID).await.unwrap_err();
    assert_eq!(
        err,
        Error::Redirect {
            status: 302,
            location: Some(location.clone())
        }
    );

    // The token endpoint redirecting is refused too.
    let loc = location.clone();
    let auth =
        Mock::start(move |_, _| Reply::Status(307, vec![("Location", loc.clone())], String::new()))
            .await;
    let client = client_for(&auth.base, fast_options());
    let err = client.get_machine(MACHINE_ID).await.unwrap_err();
    assert!(
        matches!(err, Error::Redirect { status: 307, .. }),
        "{err:?}"
    );
    assert!(attacker.requests().is_empty(), "the attacker saw nothing");
}

#[tokio::test]
async fn token_refused_is_auth_error() {
    let mock = Mock::start(|_, _| {
        Reply::json(
            401,
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215],"timestamp":"2024-01-01 00:00:00Z","trace_id":"t","correlation_id":"corr-9"}"#,
        )
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    let err = client.list_machines(&Query::new()).await.unwrap_err();
    match &err {
        Error::Auth {
            status,
            error,
            description,
            correlation_id,
        } => {
            assert_eq!(*status, 401);
            assert_eq!(error, "invalid_client");
            assert!(description.starts_with("AADSTS7000215"));
            assert_eq!(correlation_id.as_deref(), Some("corr-9"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(mock.requests().len(), 1, "a refused secret is not retried");
    assert!(!format!("{err:?} {err}").contains("s3cret-value"));
}

#[tokio::test]
async fn malformed_json_keeps_the_raw_body() {
    let mock = Mock::start(|r, _| {
        if r.is_token() {
            token_reply()
        } else {
            Reply::json(
                200,
                r#"{"id": "abc", "osPlatform": "Windows10" "Windows11"}"#,
            )
        }
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    match client.get_machine("abc").await.unwrap_err() {
        Error::Decode {
            status, raw_body, ..
        } => {
            assert_eq!(status, 200);
            assert!(raw_body.contains(r#""Windows10" "Windows11""#));
        }
        other => panic!("{other:?}"),
    }
}

fn machines(from: usize, n: usize) -> String {
    let value: Vec<_> = (from..from + n)
        .map(|i| serde_json::json!({"id": format!("{i:040x}"), "rbacGroupId": i}))
        .collect();
    serde_json::json!({ "value": value }).to_string()
}

fn query_param(target: &str, key: &str) -> Option<String> {
    let url = url::Url::parse(&format!("http://x{target}")).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn pages_with_top_and_skip_until_a_short_page() {
    let mock = Mock::start(|r, _| {
        if r.is_token() {
            return token_reply();
        }
        let top: usize = query_param(&r.target, "$top").unwrap().parse().unwrap();
        let skip: usize = query_param(&r.target, "$skip").map_or(0, |s| s.parse().unwrap());
        let total: usize = 7;
        Reply::json(200, machines(skip, top.min(total.saturating_sub(skip))))
    })
    .await;
    let options = mde_api::ClientOptions {
        page_size: 3,
        ..fast_options()
    };
    let client = client_for(&mock.base, options);
    let q = Query::new().filter(Filter::eq("healthStatus", "Active"));
    let all = client.list_machines(&q).await.unwrap();
    assert_eq!(all.len(), 7);
    assert_eq!(all[6].rbac_group_id.as_deref(), Some("6"));
    let targets: Vec<String> = mock
        .api_requests()
        .iter()
        .map(|r| r.target.clone())
        .collect();
    assert_eq!(targets.len(), 3);
    assert_eq!(
        query_param(&targets[0], "$filter").as_deref(),
        Some("healthStatus eq 'Active'")
    );
    assert_eq!(query_param(&targets[2], "$skip").as_deref(), Some("6"));

    // A total `top` is honoured across pages.
    let some = client
        .list_machines(&Query::new().top(4).skip(1))
        .await
        .unwrap();
    assert_eq!(some.len(), 4);
    assert_eq!(some[0].rbac_group_id.as_deref(), Some("1"));
}

#[tokio::test]
async fn a_known_count_ends_paging_at_the_last_full_page() {
    let mock = Mock::start(|r, _| {
        if r.is_token() {
            return token_reply();
        }
        let top: usize = query_param(&r.target, "$top").unwrap().parse().unwrap();
        let skip: usize = query_param(&r.target, "$skip").map_or(0, |s| s.parse().unwrap());
        let total: usize = 6;
        let mut page: serde_json::Value =
            serde_json::from_str(&machines(skip, top.min(total.saturating_sub(skip)))).unwrap();
        if query_param(&r.target, "$count").as_deref() == Some("true") {
            page["@odata.count"] = total.into();
        }
        Reply::json(200, page.to_string())
    })
    .await;
    let options = mde_api::ClientOptions {
        page_size: 3,
        ..fast_options()
    };
    let client = client_for(&mock.base, options);
    let all = client.list_machines(&Query::new()).await.unwrap();
    assert_eq!(all.len(), 6);
    let targets: Vec<String> = mock
        .api_requests()
        .iter()
        .map(|r| r.target.clone())
        .collect();
    // Two full pages and no empty third one; only the first asks for the count.
    assert_eq!(targets.len(), 2, "{targets:?}");
    assert_eq!(query_param(&targets[0], "$count").as_deref(), Some("true"));
    assert_eq!(query_param(&targets[1], "$count"), None);
}

#[tokio::test]
async fn a_refused_count_is_asked_once_then_never_again() {
    let mock = Mock::start(|r, _| {
        if r.is_token() {
            return token_reply();
        }
        if query_param(&r.target, "$count").is_some() {
            return Reply::json(
                400,
                r#"{"error":{"code":"ODataError","message":"$count is not supported","target":"x"}}"#,
            );
        }
        Reply::json(200, machines(0, 2))
    })
    .await;
    let options = mde_api::ClientOptions {
        page_size: 3,
        ..fast_options()
    };
    let client = client_for(&mock.base, options);
    assert_eq!(client.list_machines(&Query::new()).await.unwrap().len(), 2);
    assert_eq!(client.list_machines(&Query::new()).await.unwrap().len(), 2);
    let with_count = mock
        .api_requests()
        .iter()
        .filter(|r| query_param(&r.target, "$count").is_some())
        .count();
    assert_eq!(
        mock.api_requests().len(),
        3,
        "one refusal, then one call per list"
    );
    assert_eq!(with_count, 1);
}

#[tokio::test]
async fn empty_machine_list_404_is_empty() {
    let mock = Mock::start(|r, _| {
        if r.is_token() {
            token_reply()
        } else {
            Reply::json(
                404,
                r#"{"error":{"code":"ResourceNotFound","message":"No machines","target":"x"}}"#,
            )
        }
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    assert!(
        client
            .list_machines(&Query::new())
            .await
            .unwrap()
            .is_empty()
    );
    // Elsewhere a 404 stays an error.
    let err = client.get_machine(MACHINE_ID).await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFound"));
}

#[tokio::test]
async fn next_link_is_followed_on_the_same_origin_only() {
    let mock = Mock::start(|r, _| {
        if r.is_token() {
            return token_reply();
        }
        if r.target.contains("page=2") {
            Reply::json(200, machines(3, 1))
        } else if r.target.contains("elsewhere") {
            Reply::json(
                200,
                r#"{"value":[{"id":"a"}],"@odata.nextLink":"https://evil.example/api/alerts"}"#,
            )
        } else {
            let host = r.header("host").unwrap().to_owned();
            let mut page: serde_json::Value = serde_json::from_str(&machines(0, 3)).unwrap();
            page["@odata.nextLink"] = format!("http://{host}/api/machines?page=2").into();
            Reply::json(200, page.to_string())
        }
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    let all = client.list_machines(&Query::new()).await.unwrap();
    assert_eq!(all.len(), 4);
    let err = client
        .list_alerts(&Query::new().filter(Filter::eq("id", "elsewhere")))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidEndpoint { .. }), "{err:?}");
}

#[tokio::test]
async fn invalid_ids_send_nothing() {
    let mock = Mock::start(|r, _| {
        if r.is_token() {
            token_reply()
        } else {
            Reply::json(200, "{}")
        }
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    assert!(MachineId::parse("../../alerts").is_err());
    let err = client.get_machine_action("../machines").await.unwrap_err();
    assert!(matches!(err, Error::InvalidId { .. }));
    let err = client.cancel_action("not-a-guid", "c").await.unwrap_err();
    assert!(matches!(err, Error::InvalidId { .. }));
    let err = client.get_machine("..").await.unwrap_err();
    assert!(matches!(err, Error::InvalidMachineId { .. }));
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn names_are_percent_encoded_into_one_segment() {
    let mock = Mock::start(|r, _| {
        if r.is_token() {
            token_reply()
        } else {
            Reply::json(200, r#"{"id":"1e5bc9d7e413ddd7902c2932e418702b84d0cc07"}"#)
        }
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    client.get_machine("a/b?c#d e").await.unwrap();
    assert_eq!(
        mock.api_requests()[0].target,
        "/api/machines/a%2Fb%3Fc%23d%20e"
    );
}

#[tokio::test]
async fn server_now_follows_the_date_header() {
    let mock = Mock::start(|r, _| {
        let date = (chrono::Utc::now() + chrono::Duration::hours(5))
            .to_rfc2822()
            .replace("+0000", "GMT");
        if r.is_token() {
            let Reply::Status(s, mut h, b) = token_reply() else {
                unreachable!()
            };
            h.push(("Date", date));
            Reply::Status(s, h, b)
        } else {
            Reply::Status(200, vec![("Date", date)], r#"{"value":[]}"#.into())
        }
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    let before = client.server_now();
    assert!((before - chrono::Utc::now()).num_seconds().abs() <= 1);
    client.list_machine_actions(&Query::new()).await.unwrap();
    let skew = client.server_now() - chrono::Utc::now();
    assert!(
        (skew - chrono::Duration::hours(5)).num_seconds().abs() <= 2,
        "{skew}"
    );
}

#[tokio::test]
async fn granted_permissions_reads_the_token() {
    let mock = Mock::start(|_, _| token_reply()).await;
    let client = client_for(&mock.base, fast_options());
    assert_eq!(
        client.granted_permissions().await.unwrap(),
        ["Machine.Isolate", "Machine.Read.All"]
    );
}

#[tokio::test]
async fn concurrent_calls_share_one_token() {
    let mock = Mock::start(|r, _| {
        if r.is_token() {
            token_reply()
        } else {
            Reply::json(200, r#"{"value":[]}"#)
        }
    })
    .await;
    let client = client_for(&mock.base, fast_options());
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.list_machine_actions(&Query::new()).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(mock.token_requests(), 1);
    assert_eq!(mock.api_requests().len(), 50);
}

#[test]
fn client_refuses_cleartext_to_remote_hosts_and_hides_secrets() {
    let endpoints = mde_api::Endpoints {
        authority: url::Url::parse("http://login.example.com").unwrap(),
        api_base: url::Url::parse("http://api.example.com").unwrap(),
        scope: mde_api::DEFENDER_SCOPE.into(),
    };
    let creds = mde_api::Credentials::client_secret("t", "c", "s3cret-value");
    let err = mde_api::Client::new(endpoints, creds.clone(), fast_options()).unwrap_err();
    assert!(matches!(err, Error::InvalidEndpoint { .. }), "{err:?}");

    let client = mde_api::Client::new(mde_api::Endpoints::global(), creds, fast_options()).unwrap();
    assert!(!format!("{client:?}").contains("s3cret"));
    let bad_tenant = mde_api::Credentials::client_secret("../x", "c", "s");
    assert!(
        mde_api::Client::new(mde_api::Endpoints::global(), bad_tenant, fast_options()).is_err()
    );
}
