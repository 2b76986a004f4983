//! The engine in-process: what it tells its listeners (the UI will redraw on these events).

use std::sync::{Arc, Mutex};

use pagedesk::config::{PageConfig, SyncSettings};
use pagedesk::emulator::{Emulator, Scenario};
use pagedesk::graph::{AccessToken, GraphClient};
use pagedesk::store::Store;
use pagedesk::sync::{Engine, ReplyTiming, SyncEvent};

#[tokio::test]
async fn a_cycle_reports_new_messages_and_state_changes_as_events() {
    let emulator = Emulator::start(
        Scenario::named("demo").unwrap(),
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
        .map(|(id, _, token)| PageConfig::new(id, None, AccessToken::new(token)))
        .collect();
    let graph =
        GraphClient::new(&emulator.url, "v25.0", std::time::Duration::from_secs(5)).unwrap();
    let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
    let engine = Arc::new(Engine::new(
        store.clone(),
        graph,
        pages.clone(),
        SyncSettings::default(),
        Some(events),
    ));

    let outcomes = engine.cycle(ReplyTiming::Due).await;
    assert!(outcomes.iter().all(|o| o.result.is_ok()));
    let mut seen = Vec::new();
    while let Ok(event) = received.try_recv() {
        seen.push(event);
    }
    for (id, _, _) in emulator.pages() {
        assert!(seen.contains(&SyncEvent::SyncStateChanged {
            page_id: id.clone()
        }));
        assert!(seen.iter().any(|e| matches!(e, SyncEvent::PageChanged { page_id, news } if *page_id == id && news.customer_messages > 0)));
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

    engine.cycle(ReplyTiming::Due).await;
    while let Ok(event) = received.try_recv() {
        assert!(
            !matches!(event, SyncEvent::PageChanged { .. }),
            "nothing new: {event:?}"
        );
    }
}
