//! A test world: the emulator on 127.0.0.1:0 in this process, a temp data dir and config, and the
//! real `pagedesk` binary run against them.
#![allow(dead_code)]

pub mod inbox;
pub mod postgres;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Output;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, BufReader};

use pagedesk_emulator::{Control, Emulator, Scenario};
use serde_json::{Value, json};

pub struct TestWorld {
    pub emulator: Emulator,
    /// The emulator's control API: the world around Facebook, played by the test.
    pub control: Control,
    pub dir: tempfile::TempDir,
    pub config_path: PathBuf,
    pub data_dir: PathBuf,
    /// (id, name, token) of each page.
    pub pages: Vec<(String, String, String)>,
    /// The team's database on PostgreSQL, when this world keeps its data there
    /// (the tests under `on_postgres`, or every test with `PAGEDESK_TESTS_ENGINE=postgres`).
    pub database_url: Option<String>,
    http: reqwest::Client,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(output: Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// The stderr line about page `page_id` ("" when there is none).
    pub fn line_about(&self, page_id: &str) -> String {
        self.stderr
            .lines()
            .find(|l| l.contains(page_id))
            .unwrap_or_default()
            .to_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

impl TestWorld {
    /// The `empty` scenario (two pages, no conversations) and a config with both pages;
    /// `sync_settings` is added under `[sync]`.
    pub async fn start(sync_settings: &str) -> TestWorld {
        Self::start_with_timeout(sync_settings, "3s").await
    }

    /// As [`TestWorld::start`], with the Graph API request timeout given.
    pub async fn start_with_timeout(sync_settings: &str, timeout: &str) -> TestWorld {
        let emulator = Emulator::start(
            Scenario::named("empty").unwrap(),
            "127.0.0.1:0".parse().unwrap(),
            false,
        )
        .await
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let config_path = dir.path().join("config.toml");
        let data_dir = dir.path().join("data");
        let pages = emulator.pages();
        let mut config = format!(
            "[graph]\nbase_url = \"{}\"\ntimeout = \"{timeout}\"\n\n[sync]\n{sync_settings}\n",
            emulator.url
        );
        for (id, _, token) in &pages {
            config.push_str(&format!(
                "\n[[pages]]\nid = \"{id}\"\naccess_token = \"{token}\"\n"
            ));
        }
        std::fs::write(&config_path, config).unwrap();
        std::fs::set_permissions(&config_path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let mut world = TestWorld {
            control: emulator.control(),
            emulator,
            dir,
            config_path,
            data_dir,
            pages,
            database_url: None,
            http: reqwest::Client::new(),
        };
        if on_postgres() {
            // With no PostgreSQL to use (said once), the test runs on SQLite as its twin does.
            let url = postgres::fresh_database().await.map(|(_, url)| url);
            world.database_url = url;
        }
        world
    }

    /// Every text the database holds: each column of each table (SQLite's virtual ones
    /// included), on whichever engine this world keeps it.
    pub async fn database_text(&self) -> String {
        let Some(url) = &self.database_url else {
            return sqlite_text(&self.data_dir.join("pagedesk.db"));
        };
        let client = postgres::client(url).await;
        let tables = client
            .query(
                "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = current_schema()",
                &[],
            )
            .await
            .unwrap();
        let mut text = String::new();
        for table in tables {
            let table: String = table.get(0);
            let rows: String = client
                .query_one(
                    &format!(
                        "SELECT COALESCE(string_agg(t::text, chr(10)), '') FROM \"{table}\" t"
                    ),
                    &[],
                )
                .await
                .unwrap()
                .get(0);
            text.push_str(&rows);
            text.push('\n');
        }
        text
    }

    /// A world whose data is on the tests' PostgreSQL, whichever test asks; `None` (said once)
    /// when there is none.
    pub async fn start_on_postgres(sync_settings: &str) -> Option<TestWorld> {
        let mut world = Self::start(sync_settings).await;
        if world.database_url.is_none() {
            world.database_url = Some(postgres::fresh_database().await?.1);
        }
        Some(world)
    }

    /// The environment variable that puts a pagedesk on this world's PostgreSQL, if it uses
    /// one: for commands made by hand (another config, a terminal, a plain child).
    pub fn database_env(&self) -> Option<(&'static str, &str)> {
        self.database_url
            .as_deref()
            .map(|url| ("PAGEDESK_DATABASE_URL", url))
    }

    /// The store pagedesk uses in this world (the data directory's, or PostgreSQL's).
    pub fn store(&self) -> pagedesk::store::Store {
        match &self.database_url {
            Some(url) => {
                let target = pagedesk::store::postgres::Target::parse(url).unwrap();
                pagedesk::store::Store::open_postgres(&target, &self.data_dir).unwrap()
            }
            None => pagedesk::store::Store::open(&self.data_dir).unwrap(),
        }
    }

    /// This world's store with its first page, for a test that stores what a read of
    /// Facebook brings as the engine does.
    pub fn store_with_first_page(&self) -> pagedesk::store::Store {
        let mut store = self.store();
        store.upsert_page(self.page(0), "Shop").unwrap();
        store
    }

    /// Stores Lan's conversation (`t_lan`, PSID `psid-Lan`) on the first page with `messages`,
    /// as a read of Facebook brings it.
    pub fn store_lans_conversation(
        &self,
        store: &mut pagedesk::store::Store,
        messages: Vec<pagedesk::store::NewMessage>,
    ) {
        inbox::conversation(
            store,
            "t_lan",
            self.page(0),
            "Lan",
            pagedesk::model::Folder::Inbox,
            1,
            messages,
        );
    }

    pub fn page(&self, index: usize) -> &str {
        &self.pages[index].0
    }

    pub fn page_name(&self, index: usize) -> &str {
        &self.pages[index].1
    }

    /// `pagedesk` with this world's config and data dir, and `args`.
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_pagedesk"));
        command
            .arg("--config")
            .arg(&self.config_path)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(args)
            .env_remove("PAGEDESK_CONFIG")
            .env_remove("PAGEDESK_DATA_DIR")
            // Tests run from a sudo shell name staff as the tests say, not as sudo's user.
            .env_remove("SUDO_USER");
        match &self.database_url {
            Some(url) => command.env("PAGEDESK_DATABASE_URL", url),
            None => command.env_remove("PAGEDESK_DATABASE_URL"),
        };
        command
    }

    pub async fn pagedesk(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().await.unwrap())
    }

    /// `pagedesk` started in the background, its output discarded; killed when dropped.
    pub fn spawn(&self, args: &[&str]) -> tokio::process::Child {
        self.command(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap()
    }

    /// `pagedesk sync --once`, which must succeed.
    pub async fn sync(&self) -> Run {
        let run = self.pagedesk(&["sync", "--once"]).await;
        assert_eq!(run.code, 0, "sync failed: {}\n{}", run.stdout, run.stderr);
        run
    }

    pub async fn conversations(&self, extra: &[&str]) -> Vec<Value> {
        let mut args = vec!["conversations", "--json"];
        args.extend_from_slice(extra);
        let run = self.pagedesk(&args).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.json().as_array().unwrap().clone()
    }

    pub async fn messages(&self, conversation_id: &str) -> Vec<Value> {
        let run = self
            .pagedesk(&["messages", conversation_id, "--json"])
            .await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.json().as_array().unwrap().clone()
    }

    /// A buyer writes to page `page`; returns the conversation id.
    pub async fn buyer_writes(
        &self,
        page: usize,
        name: &str,
        text: &str,
        folder: &str,
        seconds_ago: i64,
    ) -> String {
        let page_id = self.page(page).to_owned();
        let answer = self.control.buyer_message(&page_id, json!({ "customer_name": name, "text": text, "folder": folder, "seconds_ago": seconds_ago })).await.unwrap();
        answer["conversation_id"].as_str().unwrap().to_owned()
    }

    /// A buyer sends a file (a photo, with `mime_type` image/...) to page `page`; returns the
    /// conversation id.
    pub async fn buyer_sends_file(
        &self,
        page: usize,
        name: &str,
        file_name: &str,
        mime_type: &str,
        bytes: Vec<u8>,
    ) -> String {
        let media = self
            .control
            .media(file_name, mime_type, bytes)
            .await
            .unwrap();
        let page_id = self.page(page).to_owned();
        let answer = self
            .control
            .buyer_message(
                &page_id,
                json!({ "customer_name": name, "attachment": { "name": file_name,
                    "mime_type": mime_type, "media": media["media"] } }),
            )
            .await
            .unwrap();
        answer["conversation_id"].as_str().unwrap().to_owned()
    }

    /// `count` buyers, "Khách 0" to "Khách {count-1}", write "alo" to page `page`, one second
    /// apart, the first `oldest_seconds_ago` ago: "Khách {count-1}" is the newest.
    pub async fn buyers_write(&self, page: usize, count: i64, oldest_seconds_ago: i64) {
        for i in 0..count {
            self.buyer_writes(
                page,
                &format!("Khách {i}"),
                "alo",
                "inbox",
                oldest_seconds_ago - i,
            )
            .await;
        }
    }

    /// The first conversation list page of page `page` comes through; every try (three) at the
    /// next one fails with HTTP 503.
    pub async fn fail_list_pages_after_the_first(&self, page: usize) {
        let path = format!("/{}/conversations", self.page(page));
        self.fault(json!({ "path_contains": path, "skip": 1, "count": 3, "fault": { "kind": "http", "http_status": 503, "body": "<html>Service Unavailable</html>" } }))
            .await;
    }

    /// Whether the first conversation list call made for page `page` since the log was cleared
    /// continued from a saved cursor.
    pub async fn first_list_call_resumed(&self, page: usize) -> bool {
        let path = format!("/{}/conversations", self.page(page));
        let requests = self.requests().await;
        let first = requests
            .iter()
            .find(|r| r["path"].as_str().unwrap().ends_with(&path))
            .expect("a list call");
        first["query"]
            .as_array()
            .unwrap()
            .iter()
            .any(|pair| pair[0] == "after")
    }

    pub async fn age(&self, conversation_id: &str, seconds: i64) {
        self.control.age(conversation_id, seconds).await.unwrap();
    }

    /// Injects `fault` into the next `count` conversation list calls of page `page`.
    pub async fn fault_page_lists(&self, page: usize, count: u32, fault: Value) {
        let path = format!("/{}/conversations", self.page(page));
        self.fault(json!({ "path_contains": path, "count": count, "fault": fault }))
            .await;
    }

    pub async fn fault(&self, rule: Value) {
        self.control.add_fault(rule).await.unwrap();
    }

    /// The Graph calls that read one person's conversation (`user_id`).
    pub async fn person_reads(&self) -> Vec<Value> {
        self.requests()
            .await
            .into_iter()
            .filter(|r| {
                r["query"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|pair| pair[0] == "user_id")
            })
            .collect()
    }

    /// Every Graph request the emulator has seen.
    pub async fn requests(&self) -> Vec<Value> {
        self.control.requests().await.unwrap()
    }

    /// How many sends (`POST`s) reached Facebook.
    pub async fn sends(&self) -> usize {
        self.requests()
            .await
            .iter()
            .filter(|r| r["method"] == "POST")
            .count()
    }

    /// What the page said in a conversation, as Facebook holds it, oldest first.
    pub async fn page_texts_on_facebook(&self, conversation: &str) -> Vec<String> {
        self.messages_on_facebook(conversation)
            .await
            .iter()
            .filter(|m| m["from_page"] == true)
            .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// A world whose page 0 has one conversation, synced: Nguyễn Thị Lan wrote a minute ago.
    pub async fn with_a_buyer(sync_settings: &str) -> (TestWorld, String) {
        let world = TestWorld::start(sync_settings).await;
        let id = world.a_buyer_synced().await;
        (world, id)
    }

    /// As [`TestWorld::with_a_buyer`], the world's data on the tests' PostgreSQL; `None` (said
    /// once) when there is none.
    pub async fn with_a_buyer_on_postgres(sync_settings: &str) -> Option<(TestWorld, String)> {
        let world = TestWorld::start_on_postgres(sync_settings).await?;
        let id = world.a_buyer_synced().await;
        Some((world, id))
    }

    /// Lan writes to the first page, and a sync stores it: her conversation.
    async fn a_buyer_synced(&self) -> String {
        let id = self
            .buyer_writes(0, "Nguyễn Thị Lan", "Chốt đơn nhé", "inbox", 60)
            .await;
        self.sync().await;
        id
    }

    pub async fn clear_faults(&self) {
        self.control.clear_faults().await.unwrap();
    }

    pub async fn clear_requests(&self) {
        self.control.clear_requests().await.unwrap();
    }

    /// Graph requests of one page for one folder's conversation list.
    pub async fn list_calls(&self, page: usize, folder: &str) -> usize {
        let path = format!("/{}/conversations", self.page(page));
        self.requests()
            .await
            .iter()
            .filter(|r| {
                r["path"].as_str().unwrap().ends_with(&path)
                    && r["query"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|pair| pair[0] == "folder" && pair[1] == folder)
            })
            .count()
    }

    /// The messages of a conversation as Facebook holds them, oldest first.
    pub async fn messages_on_facebook(&self, id: &str) -> Vec<Value> {
        self.emulated_conversation(id).await["messages"]
            .as_array()
            .unwrap()
            .clone()
    }

    pub async fn emulated_conversation(&self, id: &str) -> Value {
        self.control.conversation(id).await.unwrap()
    }
}

/// A named pipe at `path`, as `mkfifo` makes it: opening it to read waits for a writer.
/// Every text of the SQLite database at `path`.
fn sqlite_text(path: &std::path::Path) -> String {
    let db = rusqlite::Connection::open(path).unwrap();
    let tables: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut text = String::new();
    for table in tables {
        let mut rows = db.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = rows.column_count();
        let mut rows = rows.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for column in 0..columns {
                match row.get_ref(column).unwrap() {
                    rusqlite::types::ValueRef::Text(bytes)
                    | rusqlite::types::ValueRef::Blob(bytes) => {
                        text.push_str(&String::from_utf8_lossy(bytes));
                        text.push('\n');
                    }
                    _ => {}
                }
            }
        }
    }
    text
}

/// Whether this test runs on PostgreSQL: it is one of `on_postgres`'s (the test harness names
/// each test's thread after the test), or every test is (`PAGEDESK_TESTS_ENGINE=postgres`).
pub fn on_postgres() -> bool {
    std::thread::current()
        .name()
        .is_some_and(|name| name.starts_with("on_postgres::"))
        || std::env::var("PAGEDESK_TESTS_ENGINE").as_deref() == Ok("postgres")
}

pub fn fifo(path: &std::path::Path) {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
}

pub fn find<'a>(conversations: &'a [Value], id: &str) -> Option<&'a Value> {
    conversations.iter().find(|c| c["id"] == id)
}

/// A long-running `pagedesk sync` whose output (stdout and stderr) is collected as it comes.
pub struct Service {
    pub child: tokio::process::Child,
    pub output: Arc<Mutex<String>>,
}

impl Service {
    pub fn start(world: &TestWorld) -> Service {
        Self::run(world, &["sync"])
    }

    /// `pagedesk` with `args` (`sync`, `serve ...`), running until dropped.
    pub fn run(world: &TestWorld, args: &[&str]) -> Service {
        Self::spawn(world.command(args))
    }

    /// `command` (made by [`TestWorld::command`]), running until dropped.
    pub fn spawn(mut command: tokio::process::Command) -> Service {
        let mut child = command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let output = output.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stream).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let mut output = output.lock().unwrap();
                    output.push_str(&line);
                    output.push('\n');
                }
            });
        }
        Service { child, output }
    }

    /// Sends `signal` and waits for the service to end: exit 0 within a few seconds, and no
    /// engine lease left behind (another pagedesk syncs at once, not after it expires).
    pub async fn stops_cleanly(mut self, world: &TestWorld, signal: i32) {
        let pid = self.child.id().expect("running") as i32;
        // SAFETY: a plain kill(2) of our own child.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        // The work under way gets 4 s, giving the lease up 4 s more: a loaded machine (the
        // whole suite on two cores) may need both.
        let status = tokio::time::timeout(std::time::Duration::from_secs(10), self.child.wait())
            .await
            .unwrap_or_else(|_| {
                let said = self.output.lock().unwrap();
                panic!("still running 10 s after signal {signal}:\n{said}")
            })
            .unwrap();
        let said = self.output.lock().unwrap().clone();
        assert_eq!(status.code(), Some(0), "{said}");
        let store = world.store();
        assert_eq!(
            store.lease_holder(chrono::Utc::now()).unwrap(),
            None,
            "the lease was given up:\n{said}"
        );
        let log = std::fs::read_to_string(world.data_dir.join("pagedesk.log")).unwrap();
        let name = match signal {
            libc::SIGTERM => "SIGTERM",
            _ => "SIGINT",
        };
        let told = format!("told to stop: settling the work under way signal=\"{name}\"");
        let told = log
            .rfind(&told)
            .unwrap_or_else(|| panic!("{told} not in the log:\n{log}"));
        assert!(log[told..].contains("stopped"), "the stop is in the log");
    }

    pub fn said(&self, text: &str) -> bool {
        self.output.lock().unwrap().contains(text)
    }

    pub fn leads(&self) -> bool {
        let output = self.output.lock().unwrap();
        let led = output.rfind("now runs the sync engine");
        let stood = output.rfind("standing by");
        led > stood
    }
}
