//! Message-to-screen latency (issue 13): how long after a buyer's message reaches Facebook (the
//! emulator, in this process) the staff's inbox shows it, the real binary in a pseudo-terminal.
//! By webhook: `pagedesk serve` receiving the emulator's signed events. By poll: the inbox's own
//! engine at the default 30 s interval. `cargo bench --bench latency` prints a Markdown table.

mod common;

use std::time::{Duration, Instant};

use common::{Inbox, percentile};
use pagedesk_emulator::{Emulator, Scenario};
use serde_json::json;

const VERIFY_TOKEN: &str = "bench-verify-token";
const BY_WEBHOOK: usize = 20;
const BY_POLL: usize = 6;
/// Past this a message is taken as never shown.
const WITHIN: Duration = Duration::from_secs(120);

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let emulator = runtime
        .block_on(Emulator::start(
            Scenario::named("empty").unwrap(),
            "127.0.0.1:0".parse().unwrap(),
            false,
        ))
        .unwrap();
    let control = emulator.control();
    let (_, secret) = emulator.app();
    let page = emulator.pages()[0].clone();
    let dir = tempfile::tempdir().unwrap();
    let mut rows = Vec::new();
    for by_webhook in [true, false] {
        let data_dir = dir.path().join(if by_webhook { "webhook" } else { "poll" });
        let config_path = dir.path().join("config.toml");
        let config = format!(
            "language = \"en\"\nnotify = false\n[graph]\nbase_url = \"{}\"\napp_secret = \"{secret}\"\n\
             [attachments]\ngraphics = \"half-blocks\"\n[webhook]\nverify_token = \"{VERIFY_TOKEN}\"\n\
             [[pages]]\nid = \"{}\"\naccess_token = \"{}\"\n",
            emulator.url, page.0, page.2
        );
        std::fs::write(&config_path, config).unwrap();
        std::fs::set_permissions(
            &config_path,
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let _serve = by_webhook.then(|| {
            let child = std::process::Command::new(env!("CARGO_BIN_EXE_pagedesk"))
                .args(["--config", config_path.to_str().unwrap()])
                .args(["--data-dir", data_dir.to_str().unwrap()])
                .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_secs(2));
            runtime
                .block_on(control.subscribe_webhooks(&format!("http://127.0.0.1:{port}/webhook")))
                .unwrap();
            KillOnDrop(child)
        });
        let inbox = Inbox::start(&config_path, &data_dir, 70, 140);
        inbox.wait_for("Conversations", Instant::now(), WITHIN);
        std::thread::sleep(Duration::from_secs(2));
        let count = if by_webhook { BY_WEBHOOK } else { BY_POLL };
        let mut samples = Vec::new();
        for i in 0..count {
            // Messages come at any moment of the poll's cycle.
            std::thread::sleep(Duration::from_millis(300 + (i as u64 * 7_919) % 4_000));
            let name = format!("Khach {}{i:03}", if by_webhook { "W" } else { "P" });
            let written = Instant::now();
            runtime
                .block_on(control.buyer_message(
                    &page.0,
                    json!({ "customer_name": name, "text": "alo shop" }),
                ))
                .unwrap();
            samples.push(inbox.wait_for(&name, written, WITHIN));
        }
        let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
        let (p50, p90) = (percentile(&mut samples, 0.5), percentile(&mut samples, 0.9));
        rows.push(format!(
            "| {} | {} | {:.0} ms | {:.0} ms | {:.0} ms |",
            if by_webhook {
                "by webhook (`pagedesk serve`)"
            } else {
                "by poll (the inbox's engine, 30 s interval)"
            },
            count,
            p50.as_secs_f64() * 1000.0,
            p90.as_secs_f64() * 1000.0,
            mean.as_secs_f64() * 1000.0,
        ));
    }
    println!("| buyer's message to the inbox's screen | messages | p50 | p90 | mean |");
    println!("| --- | --- | --- | --- | --- |");
    for row in rows {
        println!("{row}");
    }
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
