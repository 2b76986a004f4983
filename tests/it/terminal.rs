//! End to end on a real terminal: the `pagedesk` binary in a pseudo-terminal against the
//! emulator, its screen read through a terminal parser, driven as a person would.

use crate::common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::TestWorld;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// What the program asked of the terminal beyond drawing: window titles, clipboard writes,
/// the bell.
#[derive(Default)]
struct Requests {
    titles: Vec<String>,
    bells: usize,
    clipboard_writes: usize,
    /// What was put on the clipboard, decoded.
    clipboard: Vec<String>,
}

impl vt100::Callbacks for Requests {
    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.bells += 1;
    }

    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.titles
            .push(String::from_utf8_lossy(title).into_owned());
    }

    fn set_window_icon_name(&mut self, _: &mut vt100::Screen, name: &[u8]) {
        self.titles.push(String::from_utf8_lossy(name).into_owned());
    }

    fn copy_to_clipboard(&mut self, _: &mut vt100::Screen, _: &[u8], data: &[u8]) {
        use base64::Engine;
        self.clipboard_writes += 1;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap_or_default();
        self.clipboard
            .push(String::from_utf8_lossy(&decoded).into_owned());
    }
}

/// What a terminal without pictures answers (xterm's device attributes, status fine), as
/// every terminal answers the status request at least.
const PLAIN_TERMINAL: &str = "\x1b[?62;22c\x1b[0n";
/// What kitty answers: its graphics protocol works, cells of 8 x 16 pixels.
const KITTY: &str = "\x1b_Gi=31;OK\x1b\\\x1b[?62;22c\x1b[6;16;8t\x1b[0n";

struct Terminal {
    screen: Arc<Mutex<vt100::Parser<Requests>>>,
    /// Every byte the program wrote to the terminal.
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    // Dropping the master hangs up on the program.
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Terminal {
    fn start(world: &TestWorld, cols: u16, rows: u16) -> Terminal {
        Self::start_with(world, &world.config_path, cols, rows, &[])
    }

    /// The inbox with another config on the same data dir (another staff member), and `env`.
    fn start_with(
        world: &TestWorld,
        config: &std::path::Path,
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
    ) -> Terminal {
        Self::launch(world, config, cols, rows, env, PLAIN_TERMINAL)
    }

    /// The inbox on a terminal that answers what it is asked as `answers` says: after the
    /// device status request (`ESC [5n`) that ends every question, `answers` is typed back.
    fn launch(
        world: &TestWorld,
        config: &std::path::Path,
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
        answers: &'static str,
    ) -> Terminal {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_pagedesk"));
        command.arg("--config");
        command.arg(config);
        command.arg("--data-dir");
        command.arg(&world.data_dir);
        command.env("TERM", "xterm-256color");
        command.env("LANG", "en_US.UTF-8");
        command.env_remove("PAGEDESK_CONFIG");
        command.env_remove("PAGEDESK_DATA_DIR");
        for (name, value) in env.iter().copied().chain(world.database_env()) {
            command.env(name, value);
        }
        let child = pty.slave.spawn_command(command).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = Arc::new(Mutex::new(pty.master.take_writer().unwrap()));
        let screen = Arc::new(Mutex::new(vt100::Parser::new_with_callbacks(
            rows.try_into().unwrap(),
            cols.try_into().unwrap(),
            0,
            Requests::default(),
        )));
        let parser = screen.clone();
        let raw = Arc::new(Mutex::new(Vec::new()));
        let written = raw.clone();
        let answering = writer.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            let mut scanned = 0;
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                let mut all = written.lock().unwrap();
                all.extend_from_slice(&buffer[..n]);
                // A question may come split over two reads: look from before this one. One
                // escaped for tmux to pass through (ESC ESC [5n) is the outer terminal's to
                // answer: like tmux with no terminal attached, nobody does.
                let asked = (scanned..all.len().saturating_sub(3))
                    .filter(|&at| {
                        &all[at..at + 4] == b"\x1b[5n" && (at == 0 || all[at - 1] != 0x1b)
                    })
                    .count();
                scanned = all.len().saturating_sub(3);
                drop(all);
                for _ in 0..asked {
                    let mut keyboard = answering.lock().unwrap();
                    keyboard.write_all(answers.as_bytes()).unwrap();
                    keyboard.flush().unwrap();
                }
                parser.lock().unwrap().process(&buffer[..n]);
            }
        });
        Terminal {
            screen,
            raw,
            writer,
            child,
            _master: pty.master,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn type_text(&mut self, text: &str) {
        let mut keyboard = self.writer.lock().unwrap();
        keyboard.write_all(text.as_bytes()).unwrap();
        keyboard.flush().unwrap();
    }

    /// Waits until the screen shows what `done` looks for; fails with the screen after 20 s.
    async fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let contents = self.contents();
            if done(&contents) {
                return contents;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "waited for {what}; the screen:\n{contents}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for the program to end after `key`; fails if it has not within 10 s.
    async fn exit(&mut self, key: &str) -> portable_pty::ExitStatus {
        self.exit_within(key, Duration::from_secs(10)).await
    }

    /// Waits for the program to end after `key`; fails if it has not `within`.
    async fn exit_within(&mut self, key: &str, within: Duration) -> portable_pty::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < within, "{key} did not quit in {within:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Enter on the selected conversation: it opens, the cursor in the reply box.
    async fn open_reply_box(&mut self) {
        self.type_text("\r");
        self.wait_for_text("Enter send").await;
    }

    /// Esc out of wherever the inbox is, then q: it must end.
    async fn leave_and_quit(&mut self) {
        self.type_text("\u{1b}");
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.type_text("q");
        self.exit("q").await;
    }

    async fn wait_for_text(&self, text: &str) -> String {
        self.wait_for(text, |screen| screen.contains(text)).await
    }
}

/// A buyer writing while the inbox is open rings the terminal's bell (once for her message),
/// and not with `notify = false`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_writing_rings_the_bell_unless_notify_is_off() {
    for notify in [true, false] {
        let world = TestWorld::start("interval = \"1s\"").await;
        lan_writes(&world, "Váy hoa nhí còn không shop?").await;
        let config = std::fs::read_to_string(&world.config_path).unwrap();
        std::fs::write(&world.config_path, format!("notify = {notify}\n{config}")).unwrap();
        let mut terminal = Terminal::start(&world, 100, 30);
        terminal.wait_for_text("Nguyễn Thị Lan").await;
        // Whatever the first sync rang has rung.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before = terminal.screen.lock().unwrap().callbacks().bells;
        world
            .buyer_writes(0, "Trần Văn Minh", "Shop ơi ship COD không?", "inbox", 0)
            .await;
        terminal.wait_for_text("Trần Văn Minh").await;
        // The bell goes with the redraw that shows him (or the loop's next turn).
        tokio::time::sleep(Duration::from_millis(500)).await;
        let rung = terminal.screen.lock().unwrap().callbacks().bells - before;
        assert_eq!(rung, usize::from(notify), "notify = {notify}");
        terminal.leave_and_quit().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_answer_a_spam_buyer_and_the_spam_mark_goes() {
    // The next sync is an hour away: what takes the mark off is the reply itself.
    let world = TestWorld::start("interval = \"1h\"").await;
    assert_eq!(
        world
            .pagedesk(&["spam-sync", "on", "--page", world.page(0)])
            .await
            .code,
        0
    );
    let spam = world
        .buyer_writes(
            0,
            "Trần Thị Thu",
            "Áo khoác dạ còn size M không?",
            "spam",
            600,
        )
        .await;
    world
        .buyer_writes(
            0,
            "Nguyễn Thị Lan",
            "Váy hoa nhí còn không shop?",
            "inbox",
            300,
        )
        .await;

    let mut terminal = Terminal::start(&world, 100, 30);
    terminal.wait_for_text("Trần Thị Thu").await;
    terminal.type_text("2");
    terminal.wait_for_text("Spam (1)").await;
    terminal.type_text("\r");
    terminal
        .wait_for_text("Facebook put this conversation in Spam")
        .await;
    terminal.type_text("Dạ còn size M ạ");
    terminal.wait_for_text("Dạ còn size M ạ").await;
    let folder_reads = || async {
        world
            .requests()
            .await
            .iter()
            .filter(|r| r["path"].as_str().unwrap().ends_with("/conversations"))
            .count()
    };
    let reads_before = folder_reads().await;
    terminal.type_text("\r");
    let screen = terminal
        .wait_for("the reply sent and the banner gone", |s| {
            s.contains("✓ sent") && !s.contains("Facebook put this conversation in Spam")
        })
        .await;
    assert!(
        screen.contains("Spam (0)"),
        "out of the Spam filter:\n{screen}"
    );
    assert_eq!(world.emulated_conversation(&spam).await["folder"], "inbox");
    assert_eq!(
        folder_reads().await,
        reads_before,
        "no folder read since the reply: the reply took the mark off"
    );

    terminal.type_text("\x1b");
    tokio::time::sleep(Duration::from_millis(200)).await;
    terminal.type_text("q");
    let status = terminal.exit("q").await;
    assert!(status.success());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let parser = terminal.screen.lock().unwrap();
    let screen = parser.screen();
    assert!(!screen.alternate_screen(), "back on the main screen");
    assert_eq!(
        screen.mouse_protocol_mode(),
        vt100::MouseProtocolMode::None,
        "mouse released"
    );
    assert!(!screen.bracketed_paste(), "bracketed paste off");
    assert!(!screen.hide_cursor(), "cursor shown again");
    drop(parser);

    // No token anywhere: not on the screen, not in the database, not in the log.
    let output = String::from_utf8_lossy(&terminal.raw.lock().unwrap()).into_owned();
    let mut files = String::new();
    let mut folders = vec![world.data_dir.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
            }
        }
    }
    assert!(
        files.contains("Trần Thị Thu"),
        "the scan reads the database"
    );
    for (_, _, token) in &world.pages {
        assert!(!output.contains(token.as_str()) && !files.contains(token.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_who_writes_while_nobody_touches_a_key_shows_up_by_itself() {
    let world = TestWorld::start("interval = \"1s\"").await;
    lan_writes(&world, "Váy hoa nhí còn không shop?").await;
    let mut terminal = Terminal::start(&world, 100, 30);
    terminal.wait_for_text("All (1)").await;
    world
        .buyer_writes(1, "Lê Khánh Vy", "Cho mình hỏi giá son", "inbox", 0)
        .await;
    terminal.wait_for_text("Lê Khánh Vy").await;
    terminal.wait_for_text("All (2)").await;
    terminal.leave_and_quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_strangers_write_cannot_drive_the_terminal() {
    let world = TestWorld::start("interval = \"1s\"").await;
    let evil_page = "Shop\u{1b}]2;pwned-page\u{7} One";
    world
        .control
        .rename_page(world.page(0), evil_page)
        .await
        .unwrap();
    let name = "Lan\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[H\u{202e}nóH";
    let long = "x".repeat(3000);
    let text = format!(
        "gia\u{301} \u{1b}[31mđỏ\u{1b}[0m \u{1b}P1$qm\u{1b}\\ \u{9b}2J \u{9d}0;pwn\u{9c} \u{0} end \u{1b}[?1049l\u{1b}[?1000l {long}"
    );
    world.buyer_writes(0, name, &text, "inbox", 60).await;

    let mut terminal = Terminal::start(&world, 100, 30);
    terminal.wait_for_text("LannóH").await;
    terminal.type_text("\r");
    // The list row shows the words too: the reply box's keys say the chat has the focus.
    terminal.wait_for_text("Enter send").await;
    let screen = terminal.wait_for_text("giá đỏ").await;
    // Pasted text with its own escape sequences goes in as text.
    terminal.type_text("\u{1b}[200~Địa chỉ\u{1b}]0;pwned-paste\u{7} 12 Ngõ Huế\u{1b}[201~");
    let after_paste = terminal.wait_for_text("Địa chỉ 12 Ngõ Huế").await;
    for screen in [&screen, &after_paste] {
        assert!(
            screen.contains("Shop One"),
            "the page name, cleaned:\n{screen}"
        );
        assert!(
            screen.contains("Conversations") && screen.contains("Reply"),
            "nothing cleared the screen:\n{screen}"
        );
        assert!(!screen.contains("pwn"), "{screen}");
    }
    {
        let parser = terminal.screen.lock().unwrap();
        let state = parser.screen();
        assert!(
            parser.callbacks().titles.is_empty(),
            "no title set: {:?}",
            parser.callbacks().titles
        );
        assert_eq!(parser.callbacks().clipboard_writes, 0);
        assert!(state.alternate_screen(), "still on the inbox's screen");
        assert_ne!(
            state.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "mouse still on"
        );
        // The frame's corners are where the inbox drew them: nothing moved the cursor elsewhere.
        let first_row = state.rows(0, 100).next().unwrap();
        assert!(
            first_row.contains("All pages") || first_row.starts_with('┌'),
            "{first_row}"
        );
    }
    terminal.leave_and_quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_and_ids_from_facebook_cannot_drive_the_terminal() {
    use base64::Engine;
    let world = TestWorld::start("interval = \"1s\"").await;
    // What each link and the PSID carry after an `ESC \` that would end the link: a window
    // title, the staff member's clipboard replaced, the screen cleared.
    let clip = base64::engine::general_purpose::STANDARD.encode("pwned-clip");
    let payload =
        |what: &str| format!("\u{1b}\\\u{1b}]0;pwned-{what}\u{7}\u{1b}]52;c;{clip}\u{7}\u{1b}[2J");
    // Nothing answers there: the sticker's picture fails at once.
    let file_link = format!("http://127.0.0.1:1/bang-gia.pdf?oh=1{}", payload("file"));
    let sticker_link = format!("http://127.0.0.1:1/sticker.png?oh=2{}", payload("sticker"));
    let psid = format!("9001{}", payload("psid"));
    let page = world.page(0).to_owned();
    for (content, seconds_ago) in [
        (
            serde_json::json!({ "attachment": { "name": "bang-gia.pdf",
                "mime_type": "application/pdf", "url": file_link } }),
            90,
        ),
        (serde_json::json!({ "sticker": sticker_link }), 60),
    ] {
        let mut body = serde_json::json!({ "customer_name": "Nguyễn Thị Lan",
            "customer_id": psid, "folder": "inbox", "seconds_ago": seconds_ago });
        body.as_object_mut()
            .unwrap()
            .extend(content.as_object().unwrap().clone());
        world.control.buyer_message(&page, body).await.unwrap();
    }
    world.sync().await;

    let mut terminal = Terminal::start(&world, 120, 30);
    terminal.wait_for_text("Nguyễn Thị Lan").await;
    terminal.type_text("\r");
    terminal.wait_for_text("[file: bang-gia.pdf").await;
    terminal.type_text("\x1b");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let clears_before = count(&terminal.raw.lock().unwrap(), b"\x1b[2J");
    // Each link shown, clickable and copied: the sticker's, the file's, Meta Business Suite's.
    terminal.type_text("L");
    terminal.wait_for_text("Sticker (1/2, copied)").await;
    terminal.type_text("L");
    terminal.wait_for_text("bang-gia.pdf (2/2, copied)").await;
    terminal.type_text("o");
    let screen = terminal.wait_for_text("business.facebook.com").await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let written = terminal.raw.lock().unwrap().clone();
    assert_eq!(
        count(&written, b"\x1b[2J"),
        clears_before,
        "a link cleared the screen"
    );
    for smuggled in [&b"\x1b]0;"[..], format!("\x1b]52;c;{clip}").as_bytes()] {
        assert_eq!(
            count(&written, smuggled),
            0,
            "{:?} reached the terminal",
            String::from_utf8_lossy(smuggled)
        );
    }
    let written = String::from_utf8_lossy(&written).into_owned();
    // The links are there, encoded: the file's as it came, the PSID cleaned where it entered.
    assert!(
        written.contains("\u{1b}]8;;http://127.0.0.1:1/bang-gia.pdf?oh=1%1B"),
        "the file's link is not there, encoded"
    );
    assert!(
        written.contains("\u{1b}]8;;http://127.0.0.1:1/sticker.png?oh=2%1B"),
        "the sticker's link is not there, encoded"
    );
    assert!(
        written.contains(&format!(
            "\u{1b}]8;;https://business.facebook.com/latest/inbox/all?asset_id={page}&selected_item_id=9001\u{1b}\\"
        )),
        "the Meta Business Suite link"
    );
    assert!(
        screen.contains("Conversations") && screen.contains("Reply"),
        "nothing cleared the screen:\n{screen}"
    );
    {
        let parser = terminal.screen.lock().unwrap();
        let requests = parser.callbacks();
        assert!(requests.titles.is_empty(), "{:?}", requests.titles);
        assert_eq!(requests.clipboard.len(), 3, "{:?}", requests.clipboard);
        assert!(
            requests.clipboard.iter().all(|c| c != "pwned-clip"),
            "{:?}",
            requests.clipboard
        );
    }
    terminal.type_text("q");
    terminal.exit("q").await;
}

/// How many times `what` occurs in `bytes`.
fn count(bytes: &[u8], what: &[u8]) -> usize {
    bytes.windows(what.len()).filter(|w| *w == what).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rebound_in_the_config_drive_the_inbox_and_its_help() {
    let world = TestWorld::start("interval = \"1s\"").await;
    let mut config = std::fs::read_to_string(&world.config_path).unwrap();
    config.push_str("\n[keys.inbox]\nquit = \"Q\"\n\n[keys.move]\ndown = [\"h\", \"Down\"]\n");
    std::fs::write(&world.config_path, &config).unwrap();
    two_buyers(&world).await;

    // Tall enough that the help's first screen reaches the quit key.
    let mut terminal = Terminal::start(&world, 100, 52);
    terminal.wait_for_text("Q quit").await;
    terminal
        .wait_for("the newest conversation shown", |s| {
            s.contains("┌Nguyễn Thị Lan")
        })
        .await;
    terminal.type_text("j");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        terminal.contents().contains("┌Nguyễn Thị Lan"),
        "j is unbound"
    );
    terminal.type_text("h");
    terminal
        .wait_for("h moved down", |s| s.contains("┌Trần Văn Minh"))
        .await;
    terminal.type_text("q");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        terminal.child.try_wait().unwrap().is_none(),
        "q no longer quits"
    );
    terminal.type_text("?");
    let help = terminal.wait_for_text("Keys ·").await;
    assert!(
        help.lines()
            .any(|l| l.contains("│Q ") && l.contains("quit")),
        "the help shows the binding in effect:\n{help}"
    );
    terminal.type_text("\u{1b}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    terminal.type_text("Q");
    assert!(terminal.exit("Q").await.success());

    // A key meaning two things at once is refused before anything starts, both named.
    config.push_str("up = \"n\"\n");
    std::fs::write(&world.config_path, &config).unwrap();
    let run = world.pagedesk(&[]).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr
            .contains("`n` is bound to both inbox.next_match and move.up"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_notice_gives_way_to_facebook_failing_with_since_when() {
    let world = TestWorld::start("interval = \"1s\"").await;
    lan_writes(&world, "Váy hoa nhí còn không shop?").await;
    let mut terminal = Terminal::start(&world, 80, 24);
    terminal.wait_for_text("Nguyễn Thị Lan").await;
    // From now on Facebook answers the page's lists with 502s; sending still works.
    world
        .fault_page_lists(
            0,
            100_000,
            serde_json::json!({ "kind": "http", "http_status": 502, "body": "<html>Bad Gateway</html>" }),
        )
        .await;
    terminal.type_text("\r");
    terminal.type_text("Dạ còn ạ");
    terminal.wait_for_text("Dạ còn ạ").await;
    terminal.type_text("\r");
    terminal.wait_for_text("Reply sent").await;
    let screen = terminal
        .wait_for("the failing page back in the status line", |s| {
            s.contains("Facebook not answering since") && !s.contains("Reply sent")
        })
        .await;
    assert!(
        screen.contains("Why:") && screen.contains("502"),
        "{screen}"
    );
    terminal.leave_and_quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esc_and_j_in_one_burst_leave_the_reply_box_and_send_nothing() {
    let world = TestWorld::start("interval = \"1s\"").await;
    two_buyers(&world).await;
    let mut terminal = Terminal::start(&world, 100, 30);
    terminal.wait_for_text("Trần Văn Minh").await;
    terminal.open_reply_box().await;
    // Esc and j as one read, as they often arrive over SSH; then Enter.
    terminal.type_text("\u{1b}j");
    terminal
        .wait_for("the next conversation shown", |s| {
            s.contains("┌Trần Văn Minh")
        })
        .await;
    terminal.open_reply_box().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = serde_json::Value::Array(world.requests().await);
    let sends = sent
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["path"].as_str().unwrap_or_default().contains("/messages") && r["method"] == "POST"
        })
        .count();
    assert_eq!(sends, 0, "nothing was sent to a buyer");
    assert!(!terminal.contents().contains("✓ sent"));
    terminal.leave_and_quit().await;
}

/// Nguyễn Thị Lan wrote `text` to the first page a minute ago: the conversation's id.
async fn lan_writes(world: &TestWorld, text: &str) -> String {
    world
        .buyer_writes(0, "Nguyễn Thị Lan", text, "inbox", 60)
        .await
}

/// Lan (2 minutes ago, the newest) and Minh (10 minutes ago) wrote to the first page.
async fn two_buyers(world: &TestWorld) {
    world
        .buyer_writes(
            0,
            "Nguyễn Thị Lan",
            "Váy hoa nhí còn không shop?",
            "inbox",
            120,
        )
        .await;
    world
        .buyer_writes(0, "Trần Văn Minh", "Ship về Huế mấy ngày?", "inbox", 600)
        .await;
}

/// A copy of the world's config for the staff member `staff`.
fn config_for(world: &TestWorld, staff: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = world
        .config_path
        .with_file_name(format!("config-{staff}.toml"));
    let config = std::fs::read_to_string(&world.config_path).unwrap();
    std::fs::write(&path, format!("staff = \"{staff}\"\n{config}")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_staff_on_one_data_dir_keep_their_own_drafts_and_see_each_other() {
    let world = TestWorld::start("interval = \"1s\"").await;
    lan_writes(&world, "Váy hoa nhí còn size M không shop?").await;
    let mut ha = Terminal::start_with(&world, &config_for(&world, "Hà"), 100, 30, &[]);
    ha.wait_for_text("Nguyễn Thị Lan").await;
    ha.type_text("\r");
    ha.type_text("Dạ còn ạ");
    ha.wait_for_text("Dạ còn ạ").await;
    // A file on her draft, by its path.
    let price_list = world.dir.path().join("bang-gia.pdf");
    std::fs::write(&price_list, b"%PDF-1.4 price list").unwrap();
    ha.type_text("\u{f}");
    ha.wait_for_text("Attach").await;
    ha.type_text(&price_list.display().to_string());
    ha.wait_for_text("> /").await;
    ha.type_text("\r");
    ha.wait_for_text("📎 1: bang-gia.pdf").await;
    // Her draft is in the database before Minh opens: only then does his box being empty
    // show that drafts are each one's own.
    let conversation = world.conversations(&[]).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let start = Instant::now();
    while world
        .store()
        .as_staff("Hà")
        .draft(&(&conversation).into())
        .unwrap()
        .as_deref()
        != Some("Dạ còn ạ")
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "Hà's draft not saved"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let mut minh = Terminal::start_with(&world, &config_for(&world, "Minh"), 100, 30, &[]);
    minh.wait_for_text("Hà replying…").await;
    minh.type_text("\r");
    let screen = minh.wait_for_text("Enter send").await;
    assert!(
        !screen.contains("Dạ còn ạ") && !screen.contains("📎"),
        "Hà's draft and its file are Hà's own:\n{screen}"
    );
    ha.wait_for_text("Minh has it open").await;
    minh.type_text("Dạ size M còn 1 chiếc ạ");
    minh.wait_for_text("Dạ size M còn 1 chiếc ạ").await;
    minh.type_text("\r");
    // Hà sees who sent it, and still has her own draft.
    let screen = ha
        .wait_for("Minh's reply, sent, with his name", |s| {
            s.contains("(Minh)") && s.contains("Dạ size M còn 1 chiếc ạ") && s.contains("✓ sent")
        })
        .await;
    assert!(
        screen.contains("Dạ còn ạ"),
        "Hà's draft is untouched:\n{screen}"
    );
    let sent: Vec<_> = world
        .messages(&conversation)
        .await
        .into_iter()
        .filter(|m| m["direction"] == "out")
        .collect();
    assert_eq!(sent.len(), 1, "only Minh's reply went out: {sent:?}");
    assert_eq!(sent[0]["text"], "Dạ size M còn 1 chiếc ạ");
    assert_eq!(sent[0]["sent_by"], "Minh");
    // Minh closes: Hà no longer sees him.
    minh.leave_and_quit().await;
    // Closing says so at once (not by going quiet for a while).
    let here = world
        .store()
        .presence_in(&(&conversation).into(), "", chrono::DateTime::UNIX_EPOCH)
        .unwrap();
    assert!(here.iter().all(|p| p.staff != "Minh"), "{here:?}");
    ha.wait_for("Minh gone", |s| {
        !s.contains("Minh has it open") && !s.contains("Minh replying")
    })
    .await;
    ha.leave_and_quit().await;
    // Her draft and its file wait for her in the next inbox she opens.
    let mut ha = Terminal::start_with(&world, &config_for(&world, "Hà"), 100, 30, &[]);
    ha.wait_for_text("Nguyễn Thị Lan").await;
    ha.type_text("\r");
    let screen = ha.wait_for_text("📎 1: bang-gia.pdf").await;
    assert!(screen.contains("Dạ còn ạ"), "{screen}");
    ha.leave_and_quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_hà_marks_done_leaves_minhs_list_too() {
    let world = TestWorld::start("interval = \"1s\"").await;
    two_buyers(&world).await;
    world.sync().await;
    let mut ha = Terminal::start_with(&world, &config_for(&world, "Hà"), 100, 30, &[]);
    let minh = Terminal::start_with(&world, &config_for(&world, "Minh"), 100, 30, &[]);
    ha.wait_for_text("Trần Văn Minh").await;
    minh.wait_for_text("Nguyễn Thị Lan").await;
    // Lan's, the newest, is selected.
    ha.type_text("D");
    ha.wait_for_text("Nguyễn Thị Lan: done").await;
    minh.wait_for("Lan gone from Minh's list", |s| {
        !s.contains("Nguyễn Thị Lan") && s.contains("5:1")
    })
    .await;
    ha.leave_and_quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_label_hà_puts_on_shows_in_minhs_list() {
    let world = TestWorld::start("interval = \"1s\"").await;
    two_buyers(&world).await;
    world.sync().await;
    let mut ha = Terminal::start_with(&world, &config_for(&world, "Hà"), 140, 30, &[]);
    let minh = Terminal::start_with(&world, &config_for(&world, "Minh"), 140, 30, &[]);
    ha.wait_for_text("Trần Văn Minh").await;
    minh.wait_for_text("Nguyễn Thị Lan").await;
    // Lan's, the newest, is selected: a new label created and put on it from the picker.
    ha.type_text("l");
    ha.wait_for_text("Labels of Nguyễn Thị Lan").await;
    ha.type_text("đã chốt");
    ha.wait_for_text("+ new label \"đã chốt\"").await;
    ha.type_text("\r");
    ha.wait_for_text("Label “đã chốt” created").await;
    // Minh's inbox reads other processes' writes every 200 ms (how soon: the latency bench).
    minh.wait_for_text("[đã chốt]").await;
    ha.type_text("\x1b");
    ha.leave_and_quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_hà_assigns_to_minh_shows_as_his_in_his_inbox() {
    let world = TestWorld::start("interval = \"1s\"").await;
    two_buyers(&world).await;
    world.sync().await;
    // The team in the config; each of them says who they are in their own environment.
    let config = std::fs::read_to_string(&world.config_path).unwrap();
    std::fs::write(
        &world.config_path,
        format!("{config}\n[[staff]]\nname = \"Hà\"\n[[staff]]\nname = \"Minh\"\n"),
    )
    .unwrap();
    let as_staff = |name| [("PAGEDESK_STAFF", name)];
    let mut ha = Terminal::start_with(&world, &world.config_path, 100, 30, &as_staff("Hà"));
    let mut minh = Terminal::start_with(&world, &world.config_path, 100, 30, &as_staff("Minh"));
    ha.wait_for_text("Trần Văn Minh").await;
    minh.wait_for_text("6:0").await;
    // Lan's, the newest, is selected: the picker lists the team in order, Minh second.
    ha.type_text("a");
    ha.wait_for_text("Assign Nguyễn Thị Lan to").await;
    ha.type_text("j");
    ha.type_text("\r");
    ha.wait_for_text("Nguyễn Thị Lan: assigned to Minh").await;
    minh.wait_for("Lan's row says Minh has her", |s| {
        s.contains("→Minh") && s.contains("6:1")
    })
    .await;
    minh.type_text("6");
    let screen = minh.wait_for_text("Mine (1)").await;
    assert!(
        screen.contains("Nguyễn Thị Lan") && !screen.contains("Trần Văn Minh"),
        "only Lan's is Minh's:\n{screen}"
    );
    ha.leave_and_quit().await;
    minh.leave_and_quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paste_without_bracketed_paste_is_one_reply_not_several() {
    let world = TestWorld::start("interval = \"1s\"").await;
    let conversation = lan_writes(&world, "Shop gửi địa chỉ giúp mình").await;
    let mut terminal = Terminal::start(&world, 100, 30);
    terminal.wait_for_text("Nguyễn Thị Lan").await;
    terminal.open_reply_box().await;
    // A terminal without bracketed paste types the clipboard, new lines as Enter, at once.
    terminal.type_text("Địa chỉ: 12 Ngõ Huế\rHai Bà Trưng, Hà Nội\r");
    terminal.wait_for_text("Hai Bà Trưng, Hà Nội").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let out = |messages: Vec<serde_json::Value>| {
        messages
            .into_iter()
            .filter(|m| m["direction"] == "out")
            .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(
        out(world.messages(&conversation).await).is_empty(),
        "nothing sent yet"
    );
    // Enter pressed by itself sends it, as one reply.
    terminal.type_text("\r");
    terminal.wait_for_text("✓ sent").await;
    assert_eq!(
        out(world.messages(&conversation).await),
        ["Địa chỉ: 12 Ngõ Huế\nHai Bà Trưng, Hà Nội"]
    );
    terminal.leave_and_quit().await;
}

/// The replies sent to a conversation, as `messages --json` lists them.
async fn replies_of(world: &TestWorld, conversation: &str) -> Vec<String> {
    world
        .messages(conversation)
        .await
        .into_iter()
        .filter(|m| m["direction"] == "out")
        .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn wait_for_replies(world: &TestWorld, conversation: &str, count: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        let replies = replies_of(world, conversation).await;
        if replies.len() >= count {
            return replies;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "waited for {count} replies: {replies:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_typed_with_its_word_or_20_to_50_ms_after_it_sends() {
    let world = TestWorld::start("interval = \"1h\"").await;
    let conversation = lan_writes(&world, "Shop kiểm tra đơn giúp em").await;
    let mut terminal = Terminal::start(&world, 100, 30);
    terminal.wait_for_text("Nguyễn Thị Lan").await;
    terminal.open_reply_box().await;
    // Typed letter by letter, then an input method (Unikey, EVKey) commits the last word and
    // its Enter in one write.
    for c in "Dạ shop kiểm tra đơn ".chars() {
        terminal.type_text(&c.to_string());
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    terminal.type_text("xong\r");
    assert_eq!(
        wait_for_replies(&world, &conversation, 1).await,
        ["Dạ shop kiểm tra đơn xong"]
    );
    // A fast typist: letters and Enter 20 to 50 ms apart.
    for (i, c) in "Dạ vâng ạ\r".chars().enumerate() {
        terminal.type_text(&c.to_string());
        tokio::time::sleep(Duration::from_millis(20 + (i as u64 * 7) % 31)).await;
    }
    assert_eq!(
        wait_for_replies(&world, &conversation, 2).await,
        ["Dạ shop kiểm tra đơn xong", "Dạ vâng ạ"]
    );
    // A paste with Enters inside, from a terminal without bracketed paste, stays one text.
    terminal.type_text("Địa chỉ: 12 Ngõ Huế\rHai Bà Trưng\r");
    terminal.wait_for_text("Hai Bà Trưng").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(replies_of(&world, &conversation).await.len(), 2);
    terminal.type_text("\r");
    assert_eq!(
        wait_for_replies(&world, &conversation, 3).await[2],
        "Địa chỉ: 12 Ngõ Huế\nHai Bà Trưng"
    );
    // Once the terminal has marked a paste as one, keys arriving together are typing: an
    // Enter among them sends what was typed before it.
    terminal.type_text("\u{1b}[200~mã đơn\u{1b}[201~");
    terminal.wait_for_text("mã đơn").await;
    terminal.type_text(" 123\rcảm ơn chị\r");
    assert_eq!(
        wait_for_replies(&world, &conversation, 5).await[3..],
        ["mã đơn 123", "cảm ơn chị"]
    );
    terminal.leave_and_quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_e_writes_the_reply_in_the_editor_and_brings_it_back() {
    use std::os::unix::fs::PermissionsExt;
    let world = TestWorld::start("interval = \"1s\"").await;
    let conversation = lan_writes(&world, "Còn váy hoa nhí không shop?").await;
    // An editor that adds to what it is given, as staff would.
    let editor = world.config_path.with_file_name("editor.sh");
    std::fs::write(&editor, "#!/bin/sh\nprintf ' còn hàng ạ' >> \"$1\"\n").unwrap();
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o700)).unwrap();
    let editor = editor.to_str().unwrap().to_owned();
    let mut terminal = Terminal::start_with(
        &world,
        &world.config_path,
        100,
        30,
        &[("EDITOR", editor.as_str()), ("VISUAL", "")],
    );
    terminal.wait_for_text("Nguyễn Thị Lan").await;
    terminal.open_reply_box().await;
    terminal.type_text("Dạ");
    terminal.wait_for_text("│Dạ").await;
    terminal.type_text("\u{5}");
    let screen = terminal.wait_for_text("Dạ còn hàng ạ").await;
    assert!(
        screen.contains("Conversations"),
        "the inbox is back:\n{screen}"
    );
    terminal.type_text("\r");
    terminal.wait_for_text("✓ sent").await;
    let sent: Vec<_> = world
        .messages(&conversation)
        .await
        .into_iter()
        .filter(|m| m["direction"] == "out")
        .map(|m| m["text"].clone())
        .collect();
    assert_eq!(sent, ["Dạ còn hàng ạ"]);
    terminal.leave_and_quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_e_without_an_editor_set_uses_nano_and_says_so() {
    use std::os::unix::fs::PermissionsExt;
    let world = TestWorld::start("interval = \"1s\"").await;
    lan_writes(&world, "Còn váy hoa nhí không shop?").await;
    // nano as the machine has it (here: one that adds to what it is given).
    let bin = world.config_path.with_file_name("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let nano = bin.join("nano");
    std::fs::write(&nano, "#!/bin/sh\nprintf ' size M ạ' >> \"$1\"\n").unwrap();
    std::fs::set_permissions(&nano, std::fs::Permissions::from_mode(0o700)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut terminal = Terminal::start_with(
        &world,
        &world.config_path,
        100,
        30,
        &[("EDITOR", ""), ("VISUAL", ""), ("PATH", path.as_str())],
    );
    terminal.wait_for_text("Nguyễn Thị Lan").await;
    terminal.open_reply_box().await;
    terminal.type_text("Dạ còn");
    terminal.wait_for_text("│Dạ còn").await;
    terminal.type_text("\u{5}");
    terminal.wait_for_text("Dạ còn size M ạ").await;
    terminal
        .wait_for_text("No $VISUAL or $EDITOR set: the reply was written in nano")
        .await;
    terminal.leave_and_quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_fixed_in_the_config_is_used_without_a_restart() {
    let world = TestWorld::start("interval = \"1s\"").await;
    lan_writes(&world, "Còn váy hoa nhí không shop?").await;
    let good = std::fs::read_to_string(&world.config_path).unwrap();
    let token = world.pages[0].2.clone();
    std::fs::write(
        &world.config_path,
        good.replace(&token, "EAAstaleTokenThatFacebookRefuses"),
    )
    .unwrap();
    let mut terminal = Terminal::start(&world, 100, 30);
    terminal.wait_for_text("access token no longer works").await;
    assert!(!terminal.contents().contains("Nguyễn Thị Lan"));
    // Staff put the right token in the config; pagedesk stays open.
    std::fs::write(&world.config_path, &good).unwrap();
    let screen = terminal
        .wait_for("the page synced with the new token", |s| {
            s.contains("Nguyễn Thị Lan") && !s.contains("access token no longer works")
        })
        .await;
    assert!(
        screen.contains("read again") || screen.contains("synced"),
        "{screen}"
    );
    // A config broken while open is said, and the one read before stays in use.
    std::fs::write(&world.config_path, "[[pages]\n").unwrap();
    terminal.wait_for_text("cannot be used").await;
    terminal.type_text("q");
    terminal.exit("q").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_copy_a_message_a_phone_number_and_the_link_over_ssh() {
    let world = TestWorld::start("interval = \"1s\"").await;
    lan_writes(&world, "Giao giúp mình về 12 Ngõ Huế, sđt 0912.345.678 nhé").await;
    let mut terminal = Terminal::start(&world, 120, 30);
    terminal.wait_for_text("Nguyễn Thị Lan").await;
    terminal.type_text("y");
    terminal.wait_for_text("Copied: Giao giúp mình").await;
    // A number and an address: offered to pick, newest first, the address alone.
    terminal.type_text("P");
    let picker = terminal.wait_for_text("Copy: numbers and addresses").await;
    let row = |offer: &str| {
        picker
            .lines()
            .position(|l| l.contains(&format!("│{offer}  ")))
    };
    let (number, address) = (row("0912345678"), row("12 Ngõ Huế"));
    assert!(
        number.is_some() && address == number.map(|n| n + 1),
        "the number, then the address alone: {picker}"
    );
    terminal.type_text("\r");
    terminal.wait_for_text("Copied: 0912345678").await;
    terminal.type_text("P");
    terminal.wait_for_text("Copy: numbers and addresses").await;
    terminal.type_text("j");
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    terminal.type_text("\r");
    terminal.wait_for_text("Copied: 12 Ngõ Huế").await;
    terminal.type_text("o");
    terminal.wait_for_text("business.facebook.com").await;
    // A link the terminal opens on a click: the frame that carries it may follow the one whose
    // words the screen shows first (a loaded machine, CI).
    let link = b"\x1b]8;;https://business.facebook.com/latest/inbox/all?asset_id=";
    let asked = std::time::Instant::now();
    while !terminal
        .raw
        .lock()
        .unwrap()
        .windows(link.len())
        .any(|w| w == link)
    {
        assert!(asked.elapsed().as_secs() < 5, "no OSC 8 link");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    {
        let parser = terminal.screen.lock().unwrap();
        let copied = &parser.callbacks().clipboard;
        assert_eq!(
            copied[0],
            "Giao giúp mình về 12 Ngõ Huế, sđt 0912.345.678 nhé"
        );
        assert_eq!(copied[1], "0912345678");
        assert_eq!(copied[2], "12 Ngõ Huế");
        assert!(
            copied[3].starts_with("https://business.facebook.com/latest/inbox/all?asset_id=")
                && copied[3].contains(world.page(0)),
            "{copied:?}"
        );
    }
    // M lets the terminal select text; M again takes the mouse back.
    terminal.type_text("M");
    terminal.wait_for_text("Mouse off").await;
    assert_eq!(
        terminal
            .screen
            .lock()
            .unwrap()
            .screen()
            .mouse_protocol_mode(),
        vt100::MouseProtocolMode::None
    );
    terminal.type_text("M");
    terminal.wait_for_text("Mouse on.").await;
    assert_ne!(
        terminal
            .screen
            .lock()
            .unwrap()
            .screen()
            .mouse_protocol_mode(),
        vt100::MouseProtocolMode::None
    );
    terminal.type_text("q");
    terminal.exit("q").await;
}

/// A picture in PNG: red on its top half, blue on its bottom half.
fn red_over_blue() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(40, 40, |_, y| {
        if y < 20 {
            image::Rgb([255, 0, 0])
        } else {
            image::Rgb([0, 0, 255])
        }
    });
    let mut png = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut png, image::ImageFormat::Png).unwrap();
    png.into_inner()
}

/// Nguyễn Thị Lan sends a photo of the dress she wants (red over blue).
async fn lan_sends_the_dress_photo(world: &TestWorld) {
    world
        .buyer_sends_file(
            0,
            "Nguyễn Thị Lan",
            "mau-vay.png",
            "image/png",
            red_over_blue(),
        )
        .await;
}

/// Cells drawn as half blocks in a colour (the top pixel's) on the screen.
fn half_blocks_in(terminal: &Terminal, colour: vt100::Color) -> usize {
    let parser = terminal.screen.lock().unwrap();
    let screen = parser.screen();
    let (rows, cols): (u16, u16) = (screen.size().0.into(), screen.size().1.into());
    (0..rows)
        .flat_map(|row| (0..cols).map(move |col| (row, col)))
        .filter_map(|(row, col)| screen.cell(row, col))
        .filter(|cell| cell.contents() == "▀" && cell.fgcolor() == colour)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyers_photo_shows_in_the_chat_and_whole_pane_even_after_its_link_expired() {
    let world = TestWorld::start("interval = \"1s\"").await;
    world
        .buyer_sends_file(
            0,
            "Nguyễn Thị Lan",
            "bang-gia.pdf",
            "application/pdf",
            b"%PDF-1.4 price list".to_vec(),
        )
        .await;
    lan_sends_the_dress_photo(&world).await;
    world
        .buyer_sends_file(
            0,
            "Trần Văn Minh",
            "hong.jpg",
            "image/jpeg",
            b"not a jpeg".to_vec(),
        )
        .await;
    world.sync().await;
    // Facebook's CDN links expire: the one stored by the sync no longer works.
    world.control.expire_cdn_links().await.unwrap();
    world.clear_requests().await;

    let mut terminal = Terminal::start(&world, 100, 30);
    let screen = terminal.wait_for_text("Trần Văn Minh").await;
    assert!(
        screen.contains("📷 Photo"),
        "the list says what came:\n{screen}"
    );
    // Minh's "photo" is not one: said, not drawn.
    terminal.type_text("\r");
    terminal
        .wait_for_text("picture not shown: not a picture pagedesk can show")
        .await;
    terminal.type_text("\x1b");
    tokio::time::sleep(Duration::from_millis(200)).await;
    terminal.type_text("j");
    terminal.wait_for_text("[image: mau-vay.png").await;
    let red = vt100::Color::Rgb(255, 0, 0);
    let start = Instant::now();
    while half_blocks_in(&terminal, red) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no picture drawn:\n{}",
            terminal.contents()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let in_chat = half_blocks_in(&terminal, red);
    // Whole pane, larger.
    terminal.type_text("v");
    terminal.wait_for_text("Picture · Esc").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(half_blocks_in(&terminal, red) > in_chat * 2);
    terminal.type_text("\x1b");
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The expired link was replaced by reading the message again; the file came once.
    let requests = world.requests().await;
    let message_reads = requests
        .iter()
        .filter(|r| r["path"].as_str().unwrap().contains("/m_"))
        .count();
    assert!(message_reads >= 1, "{requests:#?}");
    // Every file's link, the newest first: shown, clickable, copied.
    terminal.type_text("L");
    terminal.wait_for_text("mau-vay.png (1/2, copied)").await;
    terminal.type_text("L");
    terminal.wait_for_text("bang-gia.pdf (2/2, copied)").await;
    terminal.type_text("L");
    terminal.wait_for_text("mau-vay.png (1/2, copied)").await;
    let copied = terminal
        .screen
        .lock()
        .unwrap()
        .callbacks()
        .clipboard
        .clone();
    assert_eq!(copied.len(), 3, "{copied:?}");
    assert!(copied[0].contains("/mau-vay.png?"), "{copied:?}");
    assert!(copied[1].contains("/bang-gia.pdf?"), "{copied:?}");
    let written = String::from_utf8_lossy(&terminal.raw.lock().unwrap()).into_owned();
    assert!(
        written.contains(&format!("\u{1b}]8;;{}", copied[1])),
        "the PDF's link is not clickable"
    );
    terminal.type_text("q");
    terminal.exit("q").await;
    let cached = std::fs::read_dir(world.data_dir.join("pictures"))
        .unwrap()
        .count();
    assert_eq!(cached, 2, "both files kept in the cache");
}

/// A photo of `width` x `height` pixels of noise, which PNG cannot make much smaller: about
/// 3 bytes a pixel.
fn noise_photo(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let mut state = seed;
    let picture = image::RgbImage::from_fn(width, height, |_, _| {
        // A linear congruential generator: noise enough, and the same at every run.
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let [r, g, b, _] = state.to_be_bytes();
        image::Rgb([r, g, b])
    });
    let mut png = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut png, image::ImageFormat::Png).unwrap();
    png.into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_picture_cache_keeps_no_more_than_the_config_allows() {
    let world = TestWorld::start("interval = \"1h\"").await;
    let config = std::fs::read_to_string(&world.config_path).unwrap();
    std::fs::write(
        &world.config_path,
        format!("[attachments]\ncache_mb = 1\n{config}"),
    )
    .unwrap();
    // Three photos of over half a megabyte: two together are over the cache's 1 MB.
    let mut sizes = Vec::new();
    for seed in 1..=3 {
        let photo = noise_photo(600, 320, seed);
        sizes.push(photo.len());
        world
            .buyer_sends_file(
                0,
                "Nguyễn Thị Lan",
                &format!("mau-{seed}.png"),
                "image/png",
                photo,
            )
            .await;
    }
    assert!(sizes.iter().all(|&size| size > 512 * 1024), "{sizes:?}");
    let mut terminal = Terminal::start(&world, 100, 60);
    terminal.wait_for_text("Nguyễn Thị Lan").await;
    let start = Instant::now();
    loop {
        let fetched = world
            .requests()
            .await
            .iter()
            .filter(|r| r["path"].as_str().unwrap().contains("/mau-"))
            .count();
        if fetched >= 3 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the three photos are not all fetched ({fetched}):\n{}",
            terminal.contents()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A fetched photo is kept in the cache before it is drawn: once none is loading any more,
    // every one was kept (and the oldest made room for the next).
    terminal.wait_for_text("[image: mau-1.png").await;
    terminal
        .wait_for("every photo drawn", |s| !s.contains("loading the picture"))
        .await;
    let kept = || -> Vec<u64> {
        std::fs::read_dir(world.data_dir.join("pictures"))
            .unwrap()
            .map(|entry| entry.unwrap().metadata().unwrap().len())
            .collect()
    };
    let start = Instant::now();
    while kept().is_empty() && start.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let kept = kept();
    assert!(
        !kept.is_empty() && kept.iter().sum::<u64>() <= 1024 * 1024,
        "the cache holds {kept:?} bytes"
    );
    terminal.leave_and_quit().await;
}

/// The pictures sent to the terminal in kitty's graphics protocol: for each, its size in
/// pixels and its first pixel (RGBA). One still arriving is not counted yet.
fn kitty_pictures(written: &str) -> Vec<((u32, u32), Vec<u8>)> {
    use base64::Engine;
    written
        .split("\x1b_Gq=2,i=")
        .skip(1)
        .filter(|command| command.contains("a=T,U=1,f=32,"))
        .filter_map(|command| {
            let field = |name: &str| -> Option<u32> {
                let from = command.find(name)? + name.len();
                let digits: String = command[from..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                digits.parse().ok()
            };
            let data = &command[command.find(';')? + 1..];
            let data = &data[..data.find('\x1b')?];
            let pixels = base64::engine::general_purpose::STANDARD
                .decode(data.get(..8)?)
                .ok()?;
            Some(((field(",s=")?, field(",v=")?), pixels[..4].to_vec()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_tmux_with_nobody_to_answer_the_first_key_still_reaches_the_inbox() {
    let world = TestWorld::start("interval = \"1s\"").await;
    two_buyers(&world).await;
    world.sync().await;
    // ratatui-image asks through tmux's passthrough; nothing outside answers it, and its reader
    // of the answer used to take the first key typed.
    let mut terminal = Terminal::launch(
        &world,
        &world.config_path,
        100,
        30,
        &[("TERM", "tmux-256color")],
        PLAIN_TERMINAL,
    );
    terminal.wait_for_text("Trần Văn Minh").await;
    terminal.type_text("c");
    terminal.wait_for_text("Customer · Nguyễn Thị Lan").await;
    terminal.type_text("\x1b");
    terminal.leave_and_quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_kitty_the_buyers_photo_is_drawn_by_the_terminal_itself() {
    let world = TestWorld::start("interval = \"1s\"").await;
    lan_sends_the_dress_photo(&world).await;
    world.sync().await;
    let mut terminal = Terminal::launch(&world, &world.config_path, 100, 30, &[], KITTY);
    terminal.wait_for_text("📷 Photo").await;
    // The question was answered, and keys still reach the inbox.
    terminal.type_text("\r");
    terminal.wait_for_text("[image: mau-vay.png").await;
    let start = Instant::now();
    let in_chat = loop {
        let written = String::from_utf8_lossy(&terminal.raw.lock().unwrap()).into_owned();
        // The picture is sent, then its placeholder cells (maybe in a later read).
        if let Some(picture) = kitty_pictures(&written).first()
            && written.contains('\u{10EEEE}')
        {
            break picture.clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no kitty picture sent:\n{}",
            terminal.contents()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // The buyer's photo, red at its top, in whole cells of 8 x 16 pixels; no half blocks.
    let ((width, height), first_pixel) = in_chat;
    assert_eq!(first_pixel, [255, 0, 0, 255]);
    assert_eq!((width % 8, height % 16), (0, 0), "{width} x {height}");
    assert_eq!(half_blocks_in(&terminal, vt100::Color::Rgb(255, 0, 0)), 0);
    // Whole pane: sent again, larger.
    terminal.type_text("\x1b");
    tokio::time::sleep(Duration::from_millis(200)).await;
    terminal.type_text("v");
    terminal.wait_for_text("Picture · Esc").await;
    let start = Instant::now();
    loop {
        let written = String::from_utf8_lossy(&terminal.raw.lock().unwrap()).into_owned();
        let pictures = kitty_pictures(&written);
        if pictures.len() >= 2 {
            let ((w, h), first) = &pictures[1];
            assert_eq!(first, &[255, 0, 0, 255]);
            assert!(
                w * h > width * height * 4,
                "{w} x {h} after {width} x {height}"
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "not sent whole pane"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    terminal.type_text("\x1b");
    tokio::time::sleep(Duration::from_millis(200)).await;
    terminal.type_text("q");
    terminal.exit("q").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_attach_product_photos_from_the_library_and_send_them_after_the_text() {
    let world = TestWorld::start("interval = \"1s\"").await;
    let library = world.dir.path().join("anh san pham");
    std::fs::create_dir_all(library.join("giày")).unwrap();
    std::fs::write(library.join("vay-hoa-do.png"), red_over_blue()).unwrap();
    std::fs::write(library.join("ao-thun.png"), red_over_blue()).unwrap();
    std::fs::write(library.join("giày").join("sneaker.png"), b"\x89PNG shoe").unwrap();
    let big = library.join("catalogue.pdf");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(26 * 1024 * 1024)
        .unwrap();
    use_library(&world, &library);
    let lan = lan_writes(&world, "Cho xem ảnh váy hoa với shop").await;

    let mut terminal = Terminal::start(&world, 110, 32);
    terminal.wait_for_text("Nguyễn Thị Lan").await;
    terminal.open_reply_box().await;
    // Typed letters find the photo, accents and order as staff remember them.
    terminal.type_text("\u{f}");
    terminal.wait_for_text("anh san pham").await;
    terminal.type_text("vhd");
    let screen = terminal
        .wait_for("only the dress", |s| {
            s.contains("vay-hoa-do.png") && !s.contains("ao-thun.png")
        })
        .await;
    assert!(screen.contains("> vhd"), "{screen}");
    terminal.type_text("\r");
    terminal.wait_for_text("📎 vay-hoa-do.png").await;
    // A path into a folder, completed with Tab.
    terminal.type_text("\u{f}");
    terminal.wait_for_text("Attach").await;
    terminal.type_text("gi");
    terminal.wait_for_text("giày/").await;
    terminal.type_text("\t");
    terminal.wait_for_text("> giày/").await;
    terminal.wait_for_text("sneaker.png").await;
    terminal.type_text("\r");
    terminal.wait_for_text("Reply · 📎 2: vay-hoa-do.png").await;
    // Facebook's 25 MB: refused, naming the file; the rest of the reply is kept.
    terminal.type_text("\u{f}");
    terminal.wait_for_text("Attach").await;
    terminal.type_text("catalogue");
    terminal.wait_for_text("catalogue.pdf").await;
    terminal.type_text("\r");
    terminal
        .wait_for_text("catalogue.pdf is 26.0 MB; Facebook takes files up to 25 MB")
        .await;
    terminal.type_text("Dạ ảnh thật đây ạ");
    terminal.wait_for_text("Dạ ảnh thật đây ạ").await;
    terminal.type_text("\r");
    terminal
        .wait_for("three parts sent", |s| s.matches("✓ sent").count() >= 3)
        .await;
    let on_facebook: Vec<String> = world
        .messages_on_facebook(&lan)
        .await
        .iter()
        .filter(|m| m["from_page"] == true)
        .map(|m| match m["attachment"]["name"].as_str() {
            Some(name) => format!("file:{name}"),
            None => m["text"].as_str().unwrap().to_owned(),
        })
        .collect();
    assert_eq!(
        on_facebook,
        [
            "Dạ ảnh thật đây ạ",
            "file:vay-hoa-do.png",
            "file:sneaker.png"
        ]
    );
    terminal.leave_and_quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipe_chosen_in_the_attach_picker_is_refused_and_the_inbox_goes_on() {
    let world = TestWorld::start("interval = \"1s\"").await;
    let library = world.dir.path().join("anh san pham");
    std::fs::create_dir_all(&library).unwrap();
    // Opening a named pipe to read waits until something writes to it: nothing ever will.
    common::fifo(&library.join("vay-moi.jpg"));
    use_library(&world, &library);
    let lan = lan_writes(&world, "Cho xem ảnh váy mới với shop").await;

    let mut terminal = Terminal::start(&world, 110, 32);
    terminal.wait_for_text("Nguyễn Thị Lan").await;
    terminal.open_reply_box().await;
    terminal.type_text("Dạ ảnh váy mới đây ạ");
    terminal.wait_for_text("Dạ ảnh váy mới đây ạ").await;
    terminal.type_text("\u{f}");
    terminal.wait_for_text("anh san pham").await;
    terminal.type_text("vay");
    terminal.wait_for_text("vay-moi.jpg").await;
    terminal.type_text("\r");
    let screen = terminal.wait_for_text("Not attached: ").await;
    assert!(
        screen.contains("vay-moi.jpg is not a file"),
        "the pipe is named with why:\n{screen}"
    );
    assert!(
        screen.contains("Dạ ảnh váy mới đây ạ"),
        "the reply typed is still in the box:\n{screen}"
    );
    // The inbox still stores and sends: the reply goes, without the pipe.
    terminal.type_text("\r");
    terminal.wait_for_text("✓ sent").await;
    assert_eq!(
        world.page_texts_on_facebook(&lan).await,
        ["Dạ ảnh váy mới đây ạ"]
    );
    terminal.leave_and_quit().await;
}

/// The config's product-photo folder (`[attachments] library`) is `library`.
fn use_library(world: &TestWorld, library: &std::path::Path) {
    let config = std::fs::read_to_string(&world.config_path).unwrap();
    std::fs::write(
        &world.config_path,
        format!(
            "[attachments]\nlibrary = \"{}\"\n{config}",
            library.display()
        ),
    )
    .unwrap();
}

#[tokio::test]
async fn a_failed_public_answer_retried_with_r_goes_under_its_comment_again() {
    let world = TestWorld::start("interval = \"1s\"").await;
    let page = world.page(0).to_owned();
    let post = world
        .control
        .publish(&page, "Váy hoa nhí 350k", None, 600)
        .await
        .unwrap();
    let comment = world
        .control
        .buyer_comment(&post, "Lê Thị Hồng", "còn size M không shop?", None, 60)
        .await
        .unwrap();
    world.sync().await;
    // The page lost the permission to answer comments.
    world
        .control
        .permissions(&page, &["pages_messaging", "pages_read_engagement"])
        .await
        .unwrap();
    let mut terminal = Terminal::start(&world, 100, 30);
    terminal.wait_for_text("Lê Thị Hồng").await;
    terminal.type_text("8");
    terminal.wait_for_text("Comments (1)").await;
    // The row names its post, in a few words.
    terminal.wait_for_text("“Váy hoa nhí").await;
    terminal.type_text("\r");
    terminal.wait_for_text("Answer in public").await;
    terminal.type_text("Dạ còn ạ");
    terminal.wait_for_text("Dạ còn ạ").await;
    terminal.type_text("\r");
    terminal.wait_for_text("r: retry").await;
    world
        .control
        .permissions(&page, &["pages_messaging", "pages_manage_engagement"])
        .await
        .unwrap();
    terminal.type_text("\u{1b}");
    terminal.type_text("r");
    terminal
        .wait_for("the answer sent", |s| s.contains("✓ sent"))
        .await;
    let on_facebook = world.control.post_on_facebook(&post).await.unwrap();
    let answers: Vec<&serde_json::Value> = on_facebook["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["from"].is_null())
        .collect();
    assert_eq!(answers.len(), 1, "{on_facebook}");
    assert_eq!(answers[0]["parent_id"], comment.as_str());
    assert_eq!(answers[0]["message"], "Dạ còn ạ");
    let to_messenger = world
        .requests()
        .await
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap().ends_with("/messages"))
        .count();
    assert_eq!(to_messenger, 0, "nothing went to Messenger");
    terminal.leave_and_quit().await;
}

#[tokio::test]
async fn ctrl_t_answers_a_comment_privately_h_hides_and_plus_likes_the_persons_comments() {
    let world = TestWorld::start("interval = \"1s\"").await;
    let page = world.page(0).to_owned();
    let post = world
        .control
        .publish(&page, "Váy hoa nhí 350k", Some("asset:vay-hoa-do.png"), 600)
        .await
        .unwrap();
    let comment = world
        .control
        .buyer_comment(&post, "Lê Thị Hồng", "size M 0901 234 567", None, 60)
        .await
        .unwrap();
    world.sync().await;
    let mut terminal = Terminal::start(&world, 100, 30);
    terminal.wait_for_text("Lê Thị Hồng").await;
    terminal.type_text("8");
    terminal.wait_for_text("Comments (1)").await;
    terminal.type_text("\r");
    terminal.wait_for_text("Answer in public").await;
    // The post stands above the thread, in its words and its picture.
    terminal
        .wait_for("the post's picture drawn", |s| {
            s.contains("“Váy hoa nhí 350k”")
                && s.contains('▀')
                && !s.contains("loading the picture")
                && !s.contains("picture not shown")
        })
        .await;
    terminal.type_text("Dạ shop inbox chị ạ");
    terminal.wait_for_text("Dạ shop inbox chị ạ").await;
    // Ctrl-T: privately, in Messenger.
    terminal.type_text("\u{14}");
    terminal
        .wait_for("the private answer sent", |s| {
            s.contains("✓ sent · private")
        })
        .await;
    // The banner says no second private answer is possible, before anyone tries.
    terminal
        .wait_for_text("answered privately already (Facebook takes one)")
        .await;
    terminal.type_text("\u{1b}");
    terminal.type_text("H");
    terminal
        .wait_for("the comment hidden", |s| s.contains("· hidden"))
        .await;
    terminal.type_text("+");
    terminal
        .wait_for("the comment liked", |s| s.contains("· liked"))
        .await;
    // The customer panel shows her thread and the Messenger conversation the private answer
    // started together.
    terminal.type_text("c");
    terminal
        .wait_for("her Messenger conversation in the panel", |s| {
            s.contains("Also wrote to the page") && s.contains("Messenger · ")
        })
        .await;
    terminal.type_text("\u{1b}");
    terminal
        .wait_for("the panel closed", |s| {
            !s.contains("Also wrote to the page")
        })
        .await;
    // That conversation waits for her answer: Facebook opens its window only then.
    terminal.type_text("1");
    terminal.wait_for_text("until they answer").await;
    let on_facebook = world.control.post_on_facebook(&post).await.unwrap();
    let hers = &on_facebook["comments"][0];
    assert_eq!(hers["id"], comment.as_str());
    assert_eq!(hers["is_hidden"], true);
    assert_eq!(hers["liked"], true);
    let conversation = hers["private_reply_conversation"].as_str().unwrap();
    assert_eq!(
        world.page_texts_on_facebook(conversation).await,
        ["Dạ shop inbox chị ạ"]
    );
    assert_eq!(
        page_comments(&on_facebook),
        0,
        "nothing was answered in public"
    );
    terminal.leave_and_quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p_in_settings_hides_comments_with_a_phone_number_on_that_page_only() {
    let world = TestWorld::start("interval = \"1s\"").await;
    let mut terminal = Terminal::start(&world, 100, 30);
    terminal.wait_for_text(world.page_name(1)).await;
    terminal.type_text("s");
    terminal.wait_for_text("Hide phones").await;
    terminal.type_text("p");
    terminal
        .wait_for_text("new comments with a phone number will be hidden.")
        .await;
    terminal.type_text("\u{1b}");
    let mut comments = Vec::new();
    for page in [0, 1] {
        let post = world
            .control
            .publish(world.page(page), "Váy hoa nhí 350k", None, 600)
            .await
            .unwrap();
        let comment = world
            .control
            .buyer_comment(&post, "Lê Thị Hồng", "size M 0901 234 567", None, 30)
            .await
            .unwrap();
        comments.push((post, comment));
    }
    let hidden_on_facebook = |post: serde_json::Value| post["comments"][0]["is_hidden"] == true;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let first = world
            .control
            .post_on_facebook(&comments[0].0)
            .await
            .unwrap();
        if hidden_on_facebook(first) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the comment on the first page was never hidden"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // The other page's engine cycles went by; its buyer's number stays public.
    terminal.type_text("8");
    terminal
        .wait_for("both threads", |s| s.contains("Comments (2)"))
        .await;
    let second = world
        .control
        .post_on_facebook(&comments[1].0)
        .await
        .unwrap();
    assert!(!hidden_on_facebook(second));
    terminal.leave_and_quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_private_answer_edited_with_e_goes_privately_again_never_in_public() {
    let world = TestWorld::start("interval = \"1s\"").await;
    let post = world
        .control
        .publish(world.page(0), "Váy hoa nhí 350k", None, 600)
        .await
        .unwrap();
    let comment = world
        .control
        .buyer_comment(&post, "Lê Thị Hồng", "size M 0901 234 567", None, 60)
        .await
        .unwrap();
    world.sync().await;
    world
        .fault(
            serde_json::json!({ "method": "POST", "path_contains": "/messages", "count": 1,
            "fault": { "kind": "error", "code": 100, "http_status": 400,
                "message": "(#100) Invalid parameter" } }),
        )
        .await;
    let mut terminal = Terminal::start(&world, 100, 30);
    terminal.wait_for_text("Lê Thị Hồng").await;
    terminal.type_text("8");
    terminal.wait_for_text("Comments (1)").await;
    terminal.type_text("\r");
    terminal
        .wait_for_text("Ctrl-t privately in Messenger")
        .await;
    terminal.type_text("Dạ shop inbox chị ạ");
    terminal.wait_for_text("Dạ shop inbox chị ạ").await;
    terminal.type_text("\u{14}");
    terminal.wait_for_text("✗ not sent").await;
    // Facebook's own words, with its code, inside the staff's sentence; the banner says what
    // is left to do, not that a private answer went.
    terminal
        .wait_for_text("Facebook refused the reply (error 100: (#100) Invalid parameter)")
        .await;
    terminal
        .wait_for_text("its private answer was not sent: r sends it again")
        .await;
    terminal.type_text("\u{1b}");
    terminal.type_text("e");
    terminal
        .wait_for_text("Answer privately in Messenger")
        .await;
    terminal.type_text(" nhé");
    terminal.wait_for_text("chị ạ nhé").await;
    terminal.type_text("\r");
    terminal
        .wait_for("the private answer sent", |s| {
            s.contains("✓ sent · private")
        })
        .await;
    let on_facebook = world.control.post_on_facebook(&post).await.unwrap();
    let hers = &on_facebook["comments"][0];
    assert_eq!(hers["id"], comment.as_str());
    let conversation = hers["private_reply_conversation"].as_str().unwrap();
    assert_eq!(
        world.page_texts_on_facebook(conversation).await,
        ["Dạ shop inbox chị ạ nhé"]
    );
    assert_eq!(page_comments(&on_facebook), 0, "nothing went in public");
    terminal.leave_and_quit().await;
}

/// How many of a post's comments, as Facebook holds them, are the page's.
fn page_comments(post: &serde_json::Value) -> usize {
    post["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["from"].is_null())
        .count()
}

/// An order taken on a real terminal as people type: letters 20 to 50 ms apart, an input
/// method committing a word with its Enter, a two-line address pasted by a terminal without
/// bracketed paste (one field, not two), Ctrl-S; then Ctrl-C stops the inbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_is_taken_in_the_form_at_the_speed_people_type() {
    let world = TestWorld::start("interval = \"1h\"").await;
    lan_writes(
        &world,
        "Chốt váy nha. Sđt 0912 345 678, địa chỉ 12 Lê Lợi, Quận 1",
    )
    .await;
    sells_from_catalogue(&world, "code,name,variant,price\nVH-M,Váy hoa nhí,M,350k\n");
    let mut terminal = Terminal::start(&world, 100, 30);
    terminal.wait_for_text("Nguyễn Thị Lan").await;
    terminal.type_text("t");
    terminal.wait_for_text("Take a new order").await;
    terminal.type_text("n");
    terminal.wait_for_text("New order").await;
    let typist = |i: usize| Duration::from_millis(20 + (i as u64 * 7) % 31);
    for (i, c) in "vay hoa\r".chars().enumerate() {
        terminal.type_text(&c.to_string());
        tokio::time::sleep(typist(i)).await;
    }
    terminal.wait_for_text("VH-M Váy hoa nhí (M)").await;
    // To the shipping fee, which an input method commits with the Enter after it.
    terminal.type_text("\t");
    tokio::time::sleep(typist(3)).await;
    terminal.type_text("30k\r");
    terminal.wait_for_text("Total 380.000đ").await;
    // Enter went on to the discount. Back to the address (five fields up), emptied, and a
    // two-line address pasted into it.
    for i in 0..5 {
        terminal.type_text("\u{1b}[Z");
        tokio::time::sleep(typist(i)).await;
    }
    for i in 0..30 {
        terminal.type_text("\u{7f}");
        tokio::time::sleep(typist(i) / 4).await;
    }
    terminal.type_text("12 Ngõ Huế\rHai Bà Trưng, Hà Nội\r");
    terminal
        .wait_for_text("12 Ngõ Huế Hai Bà Trưng, Hà Nội")
        .await;
    terminal.type_text("\u{13}");
    terminal.wait_for_text("Order #1 saved").await;
    let run = world.pagedesk(&["orders", "--json"]).await;
    let orders = run.json();
    let order = &orders[0];
    assert_eq!(order["phone"], "0912345678");
    assert_eq!(order["shipping_fee"], 30_000);
    assert_eq!(order["lines"][0]["code"], "VH-M");
    assert_eq!(order["address"], "12 Ngõ Huế Hai Bà Trưng, Hà Nội");
    assert_eq!(orders.as_array().unwrap().len(), 1, "one order");
    terminal.type_text("\u{3}");
    assert!(terminal.exit("Ctrl-C").await.success());
}

/// The world's config given a catalogue of `csv` (`code,name,variant,price` lines).
fn sells_from_catalogue(world: &TestWorld, csv: &str) {
    let catalogue = world.config_path.with_file_name("catalogue.csv");
    std::fs::write(&catalogue, csv).unwrap();
    let mut config = std::fs::read_to_string(&world.config_path).unwrap();
    config.push_str(&format!(
        "\n[orders]\ncatalogue = \"{}\"\n",
        catalogue.display()
    ));
    std::fs::write(&world.config_path, config).unwrap();
}

/// The terminal closing (an SSH session dropped: SIGHUP) or SIGTERM ends the inbox as `q`
/// does: the order form typed into a moment before is kept, and so is a reply's draft.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_session_keeps_what_was_typed_the_moment_before() {
    let world = TestWorld::start("interval = \"1h\"").await;
    let conversation = lan_writes(&world, "Sđt 0912 345 678, địa chỉ 12 Lê Lợi, Quận 1").await;
    for (signal, name) in [(libc::SIGHUP, "SIGHUP"), (libc::SIGTERM, "SIGTERM")] {
        let mut terminal = Terminal::start(&world, 100, 30);
        terminal.wait_for_text("Nguyễn Thị Lan").await;
        terminal.type_text("t");
        terminal.wait_for_text("Orders of").await;
        terminal.type_text("n");
        terminal.wait_for_text("New order").await;
        if signal == libc::SIGTERM {
            // What the first session was looking for is there again; cleared word by word.
            terminal.wait_for_text("khau trang▏").await;
            terminal.type_text("\u{17}");
            tokio::time::sleep(Duration::from_millis(40)).await;
            terminal.type_text("\u{17}");
            terminal.wait_for_text("Add           ▏").await;
        }
        terminal.type_text(&format!("Túi quà {name}\r"));
        terminal.wait_for_text(&format!("Túi quà {name}")).await;
        // Its price, then back to the product field for a product looked for, not added yet.
        terminal.type_text("20k");
        tokio::time::sleep(Duration::from_millis(40)).await;
        terminal.type_text("\t");
        tokio::time::sleep(Duration::from_millis(40)).await;
        terminal.type_text("khau trang");
        terminal.wait_for_text("khau trang▏").await;
        let pid = terminal.child.process_id().unwrap() as i32;
        // SAFETY: a plain kill(2) of our own child.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        let status = terminal.exit(name).await;
        assert!(status.success(), "{name}: {status:?}");
        let store = world.store();
        let kept = store
            .order_draft(&conversation.as_str().into())
            .unwrap()
            .unwrap_or_else(|| panic!("{name}: the form's draft is lost"));
        let names: Vec<&str> = kept.draft.lines.iter().map(|l| l.name.as_str()).collect();
        assert!(
            names.contains(&format!("Túi quà {name}").as_str()),
            "{name}: {names:?}"
        );
        assert_eq!(kept.draft.adding, "khau trang", "{name}: {kept:?}");
    }
}

/// Two inboxes open while a backup is taken: it goes; a restore is refused while either is
/// open (its files pulled from under a running inbox would be lost typing), and goes once
/// both have quit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_waits_for_every_inbox_to_close() {
    let world = TestWorld::start("interval = \"1h\"").await;
    lan_writes(&world, "Shop ơi còn hàng không?").await;
    let mut mai = Terminal::start(&world, 100, 30);
    let mut ha = Terminal::start_with(&world, &config_for(&world, "Hà"), 100, 30, &[]);
    mai.wait_for_text("Nguyễn Thị Lan").await;
    ha.wait_for_text("Nguyễn Thị Lan").await;
    mai.open_reply_box().await;
    mai.type_text("Dạ còn ạ");
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("pagedesk.db");
    let backup = world.pagedesk(&["backup", file.to_str().unwrap()]).await;
    assert_eq!(backup.code, 0, "{}", backup.stderr);
    let refused = world.pagedesk(&["restore", file.to_str().unwrap()]).await;
    assert_ne!(refused.code, 0, "restored under two open inboxes");
    assert!(
        refused.stderr.contains("stop it first"),
        "{}",
        refused.stderr
    );
    mai.leave_and_quit().await;
    let refused = world.pagedesk(&["restore", file.to_str().unwrap()]).await;
    assert_ne!(refused.code, 0, "restored under Hà's open inbox");
    ha.leave_and_quit().await;
    let restored = world.pagedesk(&["restore", file.to_str().unwrap()]).await;
    assert_eq!(restored.code, 0, "{}", restored.stderr);
}

/// Two staff in two inboxes (two processes) on one buyer's order form, saving at the same
/// moment: one order, and the other is told who saved it or changed it meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_staff_saving_one_order_form_at_once_in_two_inboxes_make_one_order() {
    let world = TestWorld::start("interval = \"1h\"").await;
    lan_writes(
        &world,
        "Chốt nha. Sđt 0912 345 678, địa chỉ 12 Lê Lợi, Quận 1",
    )
    .await;
    sells_from_catalogue(
        &world,
        "code,name,variant,price\nVH-M,Váy hoa nhí,M,350k\nAT01,Áo thun,Trắng,150k\n",
    );
    let mut mai = Terminal::start_with(
        &world,
        &world.config_path,
        100,
        30,
        &[("PAGEDESK_STAFF", "Mai")],
    );
    let mut hung = Terminal::start_with(
        &world,
        &world.config_path,
        100,
        30,
        &[("PAGEDESK_STAFF", "Hùng")],
    );
    for (terminal, product, shown) in [
        (&mut mai, "vay hoa\r", "VH-M Váy hoa nhí (M)"),
        (&mut hung, "ao thun\r", "AT01 Áo thun (Trắng)"),
    ] {
        terminal.wait_for_text("Nguyễn Thị Lan").await;
        terminal.type_text("t");
        terminal.wait_for_text("Take a new order").await;
        terminal.type_text("n");
        terminal.wait_for_text("New order").await;
        terminal.type_text(product);
        terminal.wait_for_text(shown).await;
    }
    // Ctrl-S in both at once.
    mai.type_text("\u{13}");
    hung.type_text("\u{13}");
    let start = std::time::Instant::now();
    // An order saved, and the other inbox told; then a moment for a second order to appear.
    loop {
        let orders = world.pagedesk(&["orders", "--json"]).await.json();
        let told = [&mai, &hung].iter().any(|t| {
            let screen = t.contents();
            screen.contains("saved this order meanwhile") || screen.contains("changed it meanwhile")
        });
        if !orders.as_array().unwrap().is_empty() && told {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{orders}\n{}\n{}",
            mai.contents(),
            hung.contents()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let orders = world.pagedesk(&["orders", "--json"]).await.json();
    assert_eq!(
        orders.as_array().unwrap().len(),
        1,
        "one order, not two: {orders}"
    );
    for terminal in [&mut mai, &mut hung] {
        terminal.type_text("\u{1b}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        terminal.type_text("\u{3}");
    }
    assert!(mai.exit("Ctrl-C").await.success());
    assert!(hung.exit("Ctrl-C").await.success());
}

/// Passing over the list while the team's database does not answer (the list cuts each
/// buyer's words at its width: only the chat shows their end): a conversation shown
/// lately shows again as it was read, with its reply box's words, at once; one never shown
/// says why its messages are missing (not "pick a conversation"); nothing is said undone; and
/// once the server answers the messages come.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversations_shown_lately_show_again_while_postgres_does_not_answer() {
    let settings = "interval = \"1h\"\n\n[store]\nanswer_within = \"2s\"";
    let Some(mut world) = TestWorld::start_on_postgres(settings).await else {
        return;
    };
    let Some(link) = common::postgres::Link::to_own_server() else {
        return;
    };
    world.database_url = world
        .database_url
        .as_deref()
        .map(|url| format!("{}&connect_timeout=2", link.url(url)));
    for (name, text, ago) in [
        (
            "Nguyễn Thị Lan",
            "Váy hoa nhí còn không shop? Mình lấy 2 cái màu xanh",
            60,
        ),
        (
            "Trần Văn Minh",
            "Áo khoác size L còn không? Cho mình xem ảnh thật",
            120,
        ),
        (
            "Lê Thu Hà",
            "Ship về Đà Nẵng mấy ngày? Mình cần gấp trước thứ bảy",
            180,
        ),
    ] {
        world.buyer_writes(0, name, text, "inbox", ago).await;
    }
    world.sync().await;
    let mut inbox = Terminal::start(&world, 100, 30);
    inbox.wait_for_text("lấy 2 cái màu xanh").await;
    inbox.open_reply_box().await;
    inbox.type_text("Dạ còn ạ");
    inbox.wait_for_text("Dạ còn ạ").await;
    inbox.type_text("\u{1b}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    inbox.type_text("j");
    inbox.wait_for_text("xem ảnh thật").await;

    link.freeze();
    inbox.wait_for_text("cannot reach the database").await;
    inbox.type_text("k");
    let back = Instant::now();
    let screen = inbox.wait_for_text("lấy 2 cái màu xanh").await;
    assert!(
        screen.contains("Dạ còn ạ"),
        "the reply box as it was: {screen}"
    );
    // One ask of a server known silent (2 s here), never one per thing the chat shows.
    assert!(
        back.elapsed() < Duration::from_secs(5),
        "shown after {:?}",
        back.elapsed()
    );
    inbox.type_text("j");
    tokio::time::sleep(Duration::from_millis(300)).await;
    inbox.type_text("j");
    let screen = inbox
        .wait_for_text("messages cannot be read while the")
        .await;
    assert!(!screen.contains("Pick a conversation"), "{screen}");
    assert!(!screen.contains("Not done"), "{screen}");

    link.thaw();
    inbox.wait_for_text("cần gấp trước thứ bảy").await;
    inbox.leave_and_quit().await;
}

/// A team on PostgreSQL whose database goes out of reach (the server down, the network cut):
/// the inbox keeps what it shows and says why, a reply typed meanwhile goes back into the box
/// unsent, and once the database is back the inbox reads again and the reply goes, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_keeps_what_it_shows_while_postgres_is_out_of_reach_and_sends_once_back() {
    let Some(mut world) = TestWorld::start_on_postgres("interval = \"1h\"").await else {
        return;
    };
    let Some(link) = common::postgres::Link::to_own_server() else {
        return;
    };
    world.database_url = world.database_url.as_deref().map(|url| link.url(url));
    let lan = lan_writes(&world, "Váy hoa nhí còn không shop?").await;
    world.sync().await;
    let mut inbox = Terminal::start(&world, 100, 30);
    inbox.wait_for_text("Váy hoa nhí còn không shop?").await;
    inbox.open_reply_box().await;

    link.cut();
    let screen = inbox.wait_for_text("cannot reach the database").await;
    assert!(screen.contains("Nguyễn Thị Lan"), "{screen}");
    assert!(screen.contains("Váy hoa nhí còn không shop?"), "{screen}");
    // Why no buyer comes in: the inbox says it cannot tell, not that every page syncs.
    inbox.type_text("\u{1b}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    inbox.type_text("w");
    let why = inbox
        .wait_for_text("This inbox cannot reach the database")
        .await;
    assert!(!why.contains("Every page shown syncs"), "{why}");
    inbox.type_text("\u{1b}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    inbox.open_reply_box().await;
    inbox.type_text("Dạ còn ạ");
    tokio::time::sleep(Duration::from_millis(300)).await;
    inbox.type_text("\r");
    let screen = inbox.wait_for_text("back in the reply box").await;
    assert!(
        screen.contains("PostgreSQL"),
        "names the database: {screen}"
    );
    assert_eq!(world.sends().await, 0);

    link.mend();
    inbox
        .wait_for("the inbox reading again", |screen| {
            !screen.contains("cannot reach the database")
        })
        .await;
    inbox.type_text("\r");
    inbox.wait_for_text("Reply sent").await;
    let sent = world.page_texts_on_facebook(&lan).await;
    assert_eq!(
        sent.iter().filter(|text| *text == "Dạ còn ạ").count(),
        1,
        "{sent:?}"
    );
    inbox.leave_and_quit().await;
}

/// An inbox opened while the team's PostgreSQL does not answer says so and waits, then opens by
/// itself once it answers; another, waiting, stops at Ctrl-C.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbox_opened_while_postgres_is_out_of_reach_waits_and_opens_once_it_answers() {
    let Some((mut world, _lan)) = TestWorld::with_a_buyer_on_postgres("interval = \"1h\"").await
    else {
        return;
    };
    let Some(link) = common::postgres::Link::to_own_server() else {
        return;
    };
    world.database_url = world.database_url.as_deref().map(|url| link.url(url));
    link.cut();
    let mut inbox = Terminal::start(&world, 100, 30);
    inbox
        .wait_for_text("Cannot reach the database (PostgreSQL")
        .await;
    link.mend();
    inbox.wait_for_text("Chốt đơn nhé").await;
    inbox.leave_and_quit().await;

    link.cut();
    let mut waiting = Terminal::start(&world, 100, 30);
    waiting.wait_for_text("Ctrl-C to stop").await;
    waiting.type_text("\u{3}");
    let status = waiting.exit("Ctrl-C").await;
    assert!(!status.success(), "{status:?}");
}

/// A team's PostgreSQL that stops answering without closing anything (its machine paused: the
/// kernel still takes every packet, so TCP notices nothing) is given up on within `[store]
/// answer_within`: the inbox says the database is out of reach and goes on from what it shows,
/// what staff type shows as they type it, a list asked for meanwhile ends with the cause, and
/// once the server answers again the inbox reads on and the words typed go to the buyer once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_server_that_stops_answering_is_given_up_on_and_the_inbox_goes_on() {
    let settings = "interval = \"1h\"\n\n[store]\nanswer_within = \"2s\"";
    let Some((mut world, lan)) = TestWorld::with_a_buyer_on_postgres(settings).await else {
        return;
    };
    let Some(link) = common::postgres::Link::to_own_server() else {
        return;
    };
    let direct = world.database_url.clone().unwrap();
    world.database_url = Some(format!("{}&connect_timeout=2", link.url(&direct)));
    let mut inbox = Terminal::start(&world, 100, 30);
    inbox.wait_for_text("Chốt đơn nhé").await;
    inbox.open_reply_box().await;
    inbox.type_text("Dạ còn hàng ạ");
    inbox.wait_for_text("Dạ còn hàng ạ").await;
    // Enter just as the server freezes, before anything says so.
    link.freeze();
    let frozen = Instant::now();
    inbox.type_text("\r");
    inbox.wait_for_text("cannot reach the database").await;
    // The 2 s asked, with room for a machine loaded by the whole suite: without a deadline
    // it is never said.
    assert!(
        frozen.elapsed() < Duration::from_secs(12),
        "said after {:?}",
        frozen.elapsed()
    );
    // The reply's write, on the inbox's other connection, ends with the look that found the
    // server silent (alone, it would wait a write's 22 s): back in the box, never lost, and
    // whether it was stored cannot be told.
    inbox
        .wait_for_text("Cannot tell whether the reply was stored")
        .await;
    assert!(
        frozen.elapsed() < Duration::from_secs(14),
        "handed back after {:?}",
        frozen.elapsed()
    );
    // Typing goes on at people's pace, each key shown while the server stays silent.
    for (word, shown) in [(" shop", "ạ shop"), (" nhé", "shop nhé")] {
        inbox.type_text(word);
        let typed = Instant::now();
        inbox.wait_for_text(shown).await;
        assert!(
            typed.elapsed() < Duration::from_secs(3),
            "{word:?} shown after {:?}",
            typed.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let asked = Instant::now();
    let list = world.pagedesk(&["conversations"]).await;
    assert_ne!(list.code, 0);
    assert!(
        list.stderr.contains("the server stopped answering"),
        "{}",
        list.stderr
    );
    assert!(
        asked.elapsed() < Duration::from_secs(12),
        "{:?}",
        asked.elapsed()
    );
    link.thaw();
    inbox
        .wait_for("the database back", |screen| {
            !screen.contains("cannot reach the database")
        })
        .await;
    inbox.type_text("\r");
    inbox.wait_for_text("Reply sent").await;
    // Quit as the server freezes again: the goodbye writes give up with the inbox's look
    // (2 s), each then waiting no more than a look's time, the whole within 20 s on a machine
    // loaded by the whole suite (about 5 s alone); without the look the first alone waits a
    // write's 22 s.
    inbox.type_text("\u{1b}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    link.freeze();
    inbox.type_text("q");
    inbox.exit_within("q", Duration::from_secs(20)).await;
    link.thaw();
    assert_eq!(
        world.page_texts_on_facebook(&lan).await,
        ["Dạ còn hàng ạ shop nhé"],
        "sent once, as typed"
    );
}

/// Lan's question, and "Dạ còn ạ" sent from an inbox while the server carries out its commit
/// slowly, the link cut under it: the inbox, the world, Lan's conversation and the link.
async fn a_reply_sent_as_its_commit_is_cut()
-> Option<(Terminal, TestWorld, String, common::postgres::Link)> {
    let (world, lan, link) = crate::postgres::a_reply_committing_slowly().await?;
    let mut inbox = Terminal::start(&world, 100, 30);
    inbox.wait_for_text("Chốt đơn nhé").await;
    inbox.open_reply_box().await;
    inbox.type_text("Dạ còn ạ");
    inbox.wait_for_text("Dạ còn ạ").await;
    inbox.type_text("\r");
    crate::postgres::committing(&world, true).await;
    link.cut();
    Some((inbox, world, lan, link))
}

/// A reply sent from the inbox whose commit the connection loses while the server carries it
/// out: the inbox asks whether it was stored (after that commit, in the writers' turn), finds
/// it was, and it goes once, the box left empty. Handed back to the box as "not stored" (as it
/// was before), staff sending it again would send it twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_whose_commit_the_inbox_lost_is_found_stored_and_goes_once() {
    let Some((mut inbox, world, lan, link)) = a_reply_sent_as_its_commit_is_cut().await else {
        return;
    };
    link.mend();
    inbox.wait_for_text("✓ sent").await;
    inbox.leave_and_quit().await;
    world.sync().await;
    assert_eq!(
        world.page_texts_on_facebook(&lan).await,
        ["Dạ còn ạ"],
        "once"
    );
    // Nothing waits in the box (kept as the staff member's draft) to be sent again.
    let kept: i64 = common::postgres::client(world.database_url.as_deref().unwrap())
        .await
        .query_one("SELECT count(*) FROM drafts WHERE text LIKE '%còn ạ%'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(kept, 0, "the reply handed back to the box");
}

/// The same, the link staying down: the inbox cannot ask, so the reply comes back to the box
/// (never lost) with "cannot tell: look before sending it again", not "not stored"; once the
/// database is back the stored reply goes once by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_whose_commit_the_inbox_lost_for_good_is_said_unknown_and_goes_once() {
    let Some((mut inbox, world, lan, link)) = a_reply_sent_as_its_commit_is_cut().await else {
        return;
    };
    inbox
        .wait_for_text("Cannot tell whether the reply was stored")
        .await;
    link.mend();
    inbox.wait_for_text("✓ sent").await;
    inbox.leave_and_quit().await;
    world.sync().await;
    assert_eq!(
        world.page_texts_on_facebook(&lan).await,
        ["Dạ còn ạ"],
        "once"
    );
}

/// A new inbox on Lan's conversation (saying `said` first, when given) whose reply box shows
/// `typed` as put back, sent with Enter.
async fn reopened(world: &TestWorld, said: Option<&str>, typed: &str) -> Terminal {
    let mut inbox = Terminal::start(world, 100, 30);
    if let Some(said) = said {
        inbox.wait_for_text(said).await;
    }
    inbox.wait_for_text("Váy hoa nhí còn không shop?").await;
    inbox.open_reply_box().await;
    inbox.wait_for_text(typed).await;
    inbox.type_text("\r");
    inbox.wait_for_text("Reply sent").await;
    inbox
}

/// A draft typed while the team's PostgreSQL is out of reach outlives the inbox: closed with
/// `q`, killed a moment after typing, or left open until the database is back, what goes to
/// the buyer is the draft as typed, once: the start the database took before the outage is
/// not doubled. The file that kept it meanwhile is the owner's alone, and gone once the
/// database has the draft, whether a later inbox puts it back or the open one writes it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_typed_while_postgres_is_out_of_reach_outlives_the_inbox_closed_or_killed() {
    use std::os::unix::fs::PermissionsExt;
    let Some(mut world) = TestWorld::start_on_postgres("interval = \"1h\"").await else {
        return;
    };
    let Some(link) = common::postgres::Link::to_own_server() else {
        return;
    };
    let direct = world.database_url.clone().unwrap();
    world.database_url = Some(link.url(&direct));
    let lan = lan_writes(&world, "Váy hoa nhí còn không shop?").await;
    world.sync().await;
    let kept = world.data_dir.join("unsaved-drafts");
    let files_kept = || {
        std::fs::read_dir(&kept)
            .map(|dir| dir.flatten().map(|e| e.path()).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let database = common::postgres::client(&direct).await;
    // Typed until the database holds it (saved each second), then the link is cut.
    let typed_then_cut = |inbox: &mut Terminal, start: &'static str| {
        inbox.type_text(start);
        let database = &database;
        let link = &link;
        async move {
            for _ in 0..100 {
                let stored = database
                    .query("SELECT text FROM drafts", &[])
                    .await
                    .unwrap();
                if stored.iter().any(|row| row.get::<_, String>(0) == start) {
                    link.cut();
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("the draft {start:?} never reached the database");
        }
    };
    let sent_once = |text: &'static str| {
        let world = &world;
        let lan = &lan;
        async move {
            let sent = world.page_texts_on_facebook(lan).await;
            assert_eq!(
                sent.iter().filter(|t| *t == text).count(),
                1,
                "{text:?} once, as typed: {sent:?}"
            );
        }
    };

    // Closed with q during the outage.
    let mut inbox = Terminal::start(&world, 100, 30);
    inbox.wait_for_text("Váy hoa nhí còn không shop?").await;
    inbox.open_reply_box().await;
    typed_then_cut(&mut inbox, "Dạ còn ạ, ").await;
    inbox.wait_for_text("cannot reach the database").await;
    inbox.type_text("chị lấy size nào?");
    tokio::time::sleep(Duration::from_millis(300)).await;
    inbox.leave_and_quit().await;
    inbox
        .wait_for_text("What you typed in 1 conversation(s) is not in the database yet")
        .await;
    let files = files_kept();
    assert_eq!(files.len(), 1, "{files:?}");
    let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    link.mend();
    let mut again = reopened(
        &world,
        Some("What you typed during the database outage is back"),
        "chị lấy size nào?",
    )
    .await;
    assert!(files_kept().is_empty(), "{:?}", files_kept());
    sent_once("Dạ còn ạ, chị lấy size nào?").await;

    // Left open until the database is back: written again by the open inbox.
    again.wait_for_text("Enter send").await;
    typed_then_cut(&mut again, "Màu đỏ ").await;
    again.wait_for_text("cannot reach the database").await;
    again.type_text("còn ạ");
    again
        .wait_for("the draft kept on disk", |_| !files_kept().is_empty())
        .await;
    link.mend();
    again
        .wait_for("the draft written again, off the disk", |_| {
            files_kept().is_empty()
        })
        .await;
    again.child.kill().unwrap();
    let mut third = reopened(&world, None, "Màu đỏ còn ạ").await;
    sent_once("Màu đỏ còn ạ").await;

    // Killed a moment after typing, the database still out of reach.
    third.wait_for_text("Enter send").await;
    typed_then_cut(&mut third, "Size M ").await;
    third.wait_for_text("cannot reach the database").await;
    third.type_text("nhé chị");
    third
        .wait_for("the draft kept on disk", |_| !files_kept().is_empty())
        .await;
    third.child.kill().unwrap();
    link.mend();
    let mut fourth = reopened(&world, None, "Size M nhé chị").await;
    sent_once("Size M nhé chị").await;
    fourth.leave_and_quit().await;
}
