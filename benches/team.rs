//! A team's store, SQLite and PostgreSQL side by side: a first sync of 10,000 conversations, a
//! key while the engine stores it, a colleague's change heard by another inbox, and how many
//! inboxes one database serves before a key's p99 passes a frame (16 ms). PostgreSQL is the
//! tests' own (`tests/it/common/postgres.rs`: `initdb` into a temp dir, on this machine), or
//! `PAGEDESK_TEST_DATABASE_URL`.
//!
//!     cargo bench --bench team

// Only its percentile: the pseudo-terminal is for the benches that start the binary.
#[allow(dead_code)]
mod common;
#[path = "../tests/it/common/postgres.rs"]
#[allow(dead_code)]
mod pg;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::percentile;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use pagedesk::config::{Config, PageConfig, SyncSettings};
use pagedesk::graph::{AccessToken, GraphClient};
use pagedesk::store::Store;
use pagedesk::sync::{Engine, Trigger};
use pagedesk::ui::{App, Clock, Theme, UiSettings, draw_at};
use pagedesk_emulator::{Emulator, Scenario};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Where a run keeps its data: a data directory's SQLite file, or a database of PostgreSQL.
#[derive(Clone)]
enum Kept {
    Sqlite,
    Postgres(String),
}

impl Kept {
    fn name(&self) -> &'static str {
        match self {
            Kept::Sqlite => "SQLite",
            Kept::Postgres(_) => "PostgreSQL",
        }
    }

    fn open(&self, dir: &Path) -> Store {
        match self {
            Kept::Sqlite => Store::open(dir).unwrap(),
            Kept::Postgres(url) => {
                let target = pagedesk::store::postgres::Target::parse(url).unwrap();
                Store::open_postgres(&target, dir).unwrap()
            }
        }
    }
}

/// A shop of 10,000 conversations (10 messages each) on the emulator, and an engine to sync it
/// into `kept`.
struct Shop {
    emulator: Emulator,
    page: (String, String),
    dir: tempfile::TempDir,
    kept: Kept,
}

impl Shop {
    fn new(rt: &tokio::runtime::Runtime, kept: Kept) -> Shop {
        let emulator = rt
            .block_on(Emulator::start(
                Scenario::named("empty").unwrap(),
                "127.0.0.1:0".parse().unwrap(),
                false,
            ))
            .unwrap();
        let (id, _, token) = emulator.pages()[0].clone();
        rt.block_on(emulator.control().generate(&id, 10000, 10, 20))
            .unwrap();
        Shop {
            emulator,
            page: (id, token),
            dir: tempfile::tempdir().unwrap(),
            kept,
        }
    }

    fn store(&self) -> Store {
        self.kept.open(self.dir.path())
    }

    fn engine(&self) -> Arc<Engine> {
        let settings = SyncSettings {
            backfill_conversations: 10_000,
            ..SyncSettings::default()
        };
        let graph = GraphClient::new(&self.emulator.url, "v25.0", Duration::from_secs(30)).unwrap();
        let (id, token) = &self.page;
        let pages = vec![PageConfig::new(id, Some("Shop"), AccessToken::new(token))];
        let store = Arc::new(Mutex::new(self.store()));
        Arc::new(Engine::new(store, graph, pages, settings, None))
    }

    fn inbox(&self) -> App {
        let mut config = Config::parse("language = \"en\"").unwrap();
        let (id, token) = &self.page;
        config.pages = vec![PageConfig::new(id, Some("Shop"), AccessToken::new(token))];
        let mut app = App::new(
            self.store(),
            self.store(),
            UiSettings::from_config(&config),
            Theme::plain(),
            None,
        );
        app.resize(120, 40);
        app
    }
}

fn clock() -> Clock {
    Clock {
        now: chrono::Utc::now(),
        zone: chrono::FixedOffset::east_opt(7 * 3600).unwrap(),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// A shop synced: the time its first sync of 10,000 conversations took.
fn first_sync(rt: &tokio::runtime::Runtime, kept: &Kept) -> (Arc<Shop>, Duration) {
    let shop = Shop::new(rt, kept.clone());
    let engine = shop.engine();
    let started = Instant::now();
    let outcome = rt.block_on(engine.cycle(Trigger::Person));
    assert!(outcome[0].result.is_ok(), "{:?}", outcome[0].result);
    (Arc::new(shop), started.elapsed())
}

/// `others` inboxes open on `shop`, each as an open inbox does: looking for changes every
/// 200 ms and reading again what it shows when there are; until `stop`.
fn open_inboxes(
    shop: &Arc<Shop>,
    others: usize,
    stop: &Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<()>> {
    (0..others)
        .map(|_| {
            let (shop, stop) = (shop.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut inbox = shop.inbox();
                while !stop.load(Ordering::Relaxed) {
                    inbox.poll_database();
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
        })
        .collect()
}

/// `keys` pressed in turn (each with its draw, and the inbox's look for changes every
/// 200 ms) in an inbox of `shop` until `done`: each key's time, as p50, p99 and how many.
fn press(shop: &Shop, keys: &[KeyCode], done: impl Fn() -> bool) -> (Duration, Duration, usize) {
    let mut app = shop.inbox();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let (mut per_key, mut last_look, mut round) = (Vec::new(), Instant::now(), 0);
    while !done() {
        let started = Instant::now();
        app.on_key(KeyEvent::new(keys[round % keys.len()], KeyModifiers::NONE));
        app.apply_writes();
        if last_look.elapsed() >= Duration::from_millis(200) {
            app.poll_database();
            last_look = Instant::now();
        }
        terminal.draw(|f| draw_at(f, &app, clock())).unwrap();
        per_key.push(started.elapsed());
        round += 1;
        std::thread::sleep(Duration::from_millis(5));
    }
    let count = per_key.len();
    (
        percentile(&mut per_key, 0.5),
        percentile(&mut per_key, 0.99),
        count,
    )
}

/// Keys pressed in one inbox while the engine stores a first sync of 10,000 conversations,
/// `others` more inboxes open: moving, opening (a read mark), typing (a draft), leaving.
fn keys_while_ingesting(
    rt: &tokio::runtime::Runtime,
    kept: &Kept,
    others: usize,
) -> (Duration, Duration, usize) {
    let shop = Arc::new(Shop::new(rt, kept.clone()));
    let engine = shop.engine();
    let stop = Arc::new(AtomicBool::new(false));
    let inboxes = open_inboxes(&shop, others, &stop);
    let keys = [
        KeyCode::Char('j'),
        KeyCode::Char('j'),
        KeyCode::Char('k'),
        KeyCode::Enter,
        KeyCode::Char('D'),
        KeyCode::Char('ạ'),
        KeyCode::Esc,
        KeyCode::Char('j'),
    ];
    let sync = rt.spawn(async move { engine.cycle(Trigger::Person).await });
    let pressed = press(&shop, &keys, || sync.is_finished());
    let outcome = rt.block_on(sync).unwrap();
    assert!(outcome[0].result.is_ok(), "{:?}", outcome[0].result);
    stop.store(true, Ordering::Relaxed);
    for inbox in inboxes {
        inbox.join().unwrap();
    }
    pressed
}

/// Keys pressed in one inbox on a synced shop of 10,000 conversations in a day's work: a
/// colleague marks a conversation done or not every 500 ms, `others` more inboxes open; 5 s.
fn keys_in_a_days_work(shop: &Arc<Shop>, others: usize) -> (Duration, Duration, usize) {
    let stop = Arc::new(AtomicBool::new(false));
    let mut busy = open_inboxes(shop, others, &stop);
    busy.push({
        let (shop, stop) = (shop.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut colleague = shop.store().as_staff("Hà");
            let ids: Vec<_> = colleague
                .conversation_window(&Default::default(), 0, 20)
                .unwrap()
                .into_iter()
                .map(|c| c.id)
                .collect();
            let mut done = true;
            while !stop.load(Ordering::Relaxed) {
                for id in &ids {
                    colleague.mark_done(id, done, chrono::Utc::now()).unwrap();
                    std::thread::sleep(Duration::from_millis(500));
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                }
                done = !done;
            }
        })
    });
    let keys = [
        KeyCode::Char('j'),
        KeyCode::Char('j'),
        KeyCode::Char('k'),
        KeyCode::Enter,
        KeyCode::Esc,
    ];
    let started = Instant::now();
    let pressed = press(shop, &keys, || started.elapsed() >= Duration::from_secs(5));
    stop.store(true, Ordering::Relaxed);
    for thread in busy {
        thread.join().unwrap();
    }
    pressed
}

/// How long a colleague's change (a conversation marked done in one inbox's store) takes to be
/// heard by another inbox looking for changes without pause: the median and slowest of 50.
fn colleague_heard(shop: &Shop) -> (Duration, Duration) {
    let mut writer = shop.store().as_staff("Lan");
    let reader = shop.store();
    let ids: Vec<_> = reader
        .conversation_window(&Default::default(), 0, 50)
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    let mut seen = reader.data_version().unwrap();
    let mut heard = Vec::new();
    for id in &ids {
        let started = Instant::now();
        writer.mark_done(id, true, chrono::Utc::now()).unwrap();
        loop {
            let now = reader.data_version().unwrap();
            if now != seen {
                seen = now;
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the change never heard"
            );
            std::thread::sleep(Duration::from_micros(200));
        }
        heard.push(started.elapsed());
    }
    (percentile(&mut heard, 0.5), *heard.iter().max().unwrap())
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut kinds = vec![Kept::Sqlite];
    match rt.block_on(pg::fresh_database()) {
        Some(_) => kinds.push(Kept::Postgres(String::new())),
        None => println!("PostgreSQL not found: SQLite alone"),
    }
    // Each measure on PostgreSQL gets a database of its own.
    let fresh = |kept: &Kept| match kept {
        Kept::Sqlite => Kept::Sqlite,
        Kept::Postgres(_) => Kept::Postgres(rt.block_on(pg::fresh_database()).unwrap().1),
    };
    println!(
        "| measure | {} |",
        kinds.iter().map(Kept::name).collect::<Vec<_>>().join(" | ")
    );
    println!("| --- |{}", " --- |".repeat(kinds.len()));
    let row = |what: &str, cells: Vec<String>| println!("| {what} | {} |", cells.join(" | "));
    let synced: Vec<(Arc<Shop>, Duration)> =
        kinds.iter().map(|k| first_sync(&rt, &fresh(k))).collect();
    row(
        "first sync of 10,000 conversations, 100,000 messages, from the emulator",
        synced
            .iter()
            .map(|(_, took)| format!("{:.1} s", took.as_secs_f64()))
            .collect(),
    );
    let cell = |(p50, p99, n): (Duration, Duration, usize)| {
        let met = if p99 < Duration::from_millis(16) {
            ""
        } else {
            " ✗"
        };
        format!("{}{met} ({}; {n})", ms(p99), ms(p50))
    };
    for others in [0, 10, 25, 50] {
        row(
            &format!(
                "a key (+ draw) in an inbox in a day's work (a colleague's change every 500 ms), {others} other inboxes open: p99 (p50; keys)"
            ),
            synced
                .iter()
                .map(|(shop, _)| cell(keys_in_a_days_work(shop, others)))
                .collect(),
        );
    }
    row(
        "a colleague's change heard by another inbox's connection (looked for without pause): median (slowest of 50)",
        synced
            .iter()
            .map(|(shop, _)| {
                let (median, slowest) = colleague_heard(shop);
                format!("{} ({})", ms(median), ms(slowest))
            })
            .collect(),
    );
    for others in [0, 25] {
        row(
            &format!(
                "a key (+ draw) in an inbox while the engine stores a first sync of 10,000 conversations, {others} other inboxes open: p99 (p50; keys)"
            ),
            kinds
                .iter()
                .map(|k| cell(keys_while_ingesting(&rt, &fresh(k), others)))
                .collect(),
        );
    }
}
