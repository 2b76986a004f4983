//! The engine in-process: what it tells its listeners (the UI will redraw on these events).

use std::sync::{Arc, Mutex};

use pagedesk::config::{PageConfig, SyncSettings};
use pagedesk::graph::{AccessToken, GraphClient};
use pagedesk::store::Store;
use pagedesk::sync::{Engine, SyncEvent, Trigger};
use pagedesk_emulator::{Emulator, Scenario};

/// An engine in this process over a scenario's pages (named in the config when `name` is
/// given), with a fresh store and its event channel.
struct InProcess {
    emulator: Emulator,
    _dir: tempfile::TempDir,
    store: Arc<Mutex<Store>>,
    pages: Vec<PageConfig>,
    engine: Arc<Engine>,
    received: tokio::sync::mpsc::UnboundedReceiver<SyncEvent>,
}

async fn in_process(scenario: &str, name: Option<&str>) -> InProcess {
    let emulator = Emulator::start(
        Scenario::named(scenario).unwrap(),
        "127.0.0.1:0".parse().unwrap(),
        false,
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(Store::open(dir.path()).unwrap()));
    let pages: Vec<PageConfig> = emulator
        .pages()
        .iter()
        .map(|(id, _, token)| PageConfig::new(id, name, AccessToken::new(token)))
        .collect();
    let graph =
        GraphClient::new(&emulator.url, "v25.0", std::time::Duration::from_secs(5)).unwrap();
    let (events, received) = tokio::sync::mpsc::unbounded_channel();
    let engine = Arc::new(Engine::new(
        store.clone(),
        graph,
        pages.clone(),
        SyncSettings::default(),
        Some(events),
    ));
    InProcess {
        emulator,
        _dir: dir,
        store,
        pages,
        engine,
        received,
    }
}

#[tokio::test]
async fn a_cycle_reports_new_messages_and_state_changes_as_events() {
    let InProcess {
        emulator,
        store,
        engine,
        mut received,
        ..
    } = in_process("demo", None).await;

    let outcomes = engine.cycle(Trigger::Background).await;
    assert!(outcomes.iter().all(|o| o.result.is_ok()));
    let mut seen = Vec::new();
    while let Ok(event) = received.try_recv() {
        seen.push(event);
    }
    for (id, _, _) in emulator.pages() {
        assert!(seen.contains(&SyncEvent::SyncStateChanged {
            page_id: id.clone().into()
        }));
        assert!(seen.iter().any(|e| matches!(e, SyncEvent::PageChanged { page_id, news } if page_id.as_str() == id && news.customer_messages > 0)));
    }
    // Page names come from Facebook when the config has none.
    let names: Vec<String> = store
        .lock()
        .unwrap()
        .pages()
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert!(
        names.contains(&"Thời Trang Mai Anh".to_owned()),
        "{names:?}"
    );

    engine.cycle(Trigger::Background).await;
    while let Ok(event) = received.try_recv() {
        assert!(
            !matches!(event, SyncEvent::PageChanged { .. }),
            "nothing new: {event:?}"
        );
    }
}

#[tokio::test]
async fn background_syncs_slow_down_as_a_page_nears_its_usage_limit() {
    let InProcess {
        emulator,
        pages,
        engine,
        ..
    } = in_process("empty", Some("Shop")).await;
    let control = emulator.control();
    control.usage(pages[0].id.as_str(), 95).await.unwrap();
    let calls = |page: String| {
        let control = control.clone();
        async move {
            control
                .requests()
                .await
                .unwrap()
                .iter()
                .filter(|r| r["page_id"] == page.as_str())
                .count()
        }
    };
    engine.cycle(Trigger::Background).await;
    let (busy, quiet) = (
        calls(pages[0].id.clone().to_string()).await,
        calls(pages[1].id.clone().to_string()).await,
    );
    // A cycle lists the inbox folder and the first page of the Done folder.
    assert_eq!((busy, quiet), (2, 2));
    engine.cycle(Trigger::Background).await;
    assert_eq!(
        calls(pages[0].id.clone().to_string()).await,
        2,
        "the page at 95 % sits this cycle out"
    );
    assert_eq!(
        calls(pages[1].id.clone().to_string()).await,
        4,
        "the other page does not"
    );
    engine.cycle(Trigger::Person).await;
    assert_eq!(
        calls(pages[0].id.clone().to_string()).await,
        4,
        "a person asking syncs it anyway"
    );
}

#[tokio::test]
async fn an_engine_that_panics_gives_its_lease_up_and_says_so() {
    let InProcess {
        emulator,
        store,
        pages,
        ..
    } = in_process("empty", None).await;
    // Settings made in code skip the config's checks: an interval no clock can add up to makes
    // the engine panic after its first cycle.
    let settings = SyncSettings {
        interval: std::time::Duration::MAX,
        ..SyncSettings::default()
    };
    let graph =
        GraphClient::new(&emulator.url, "v25.0", std::time::Duration::from_secs(5)).unwrap();
    let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
    let engine = Arc::new(Engine::new(
        store.clone(),
        graph,
        pages,
        settings,
        Some(events),
    ));
    let (_commands, queue) = tokio::sync::mpsc::unbounded_channel();
    tokio::time::timeout(std::time::Duration::from_secs(10), engine.run(queue))
        .await
        .expect("the engine ends instead of holding its lease idle");
    let mut led = false;
    let mut stopped = None;
    while let Ok(event) = received.try_recv() {
        match event {
            SyncEvent::Leading => led = true,
            SyncEvent::Stopped { reason } => stopped = Some(reason),
            _ => {}
        }
    }
    assert!(led, "it ran the engine");
    let reason = stopped.expect("it said it stopped");
    assert!(reason.contains("overflow"), "{reason}");
    assert_eq!(
        store
            .lock()
            .unwrap()
            .lease_holder(chrono::Utc::now())
            .unwrap(),
        None,
        "the lease is free for another pagedesk"
    );
}
