//! Team work through the binary against the emulator: Done (here and in Meta Business Suite).

use crate::common;

use common::{TestWorld, find};
use pagedesk_emulator::Folder;
use serde_json::json;

#[tokio::test]
async fn done_leaves_the_inbox_until_the_buyer_writes_and_meta_business_suites_done_comes_in() {
    let world = TestWorld::start("").await;
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Cảm ơn shop nhé", "inbox", 120)
        .await;
    let minh = world
        .buyer_writes(0, "Trần Văn Minh", "Ship COD nhé", "inbox", 60)
        .await;
    world.sync().await;
    let run = world.pagedesk(&["done", &lan]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Nguyễn Thị Lan: done"),
        "{}",
        run.stdout
    );
    assert!(find(&world.conversations(&[]).await, &lan).is_none());
    let done = world.conversations(&["--filter", "done"]).await;
    assert_eq!(find(&done, &lan).unwrap()["done"], true);
    // The buyer writes again: open again.
    world
        .buyer_writes(
            0,
            "Nguyễn Thị Lan",
            "À shop ơi, đổi size được không?",
            "inbox",
            0,
        )
        .await;
    world.sync().await;
    let all = world.conversations(&[]).await;
    assert_eq!(find(&all, &lan).unwrap()["done"], false);
    assert!(world.conversations(&["--filter", "done"]).await.is_empty());

    // Staff click Done in Meta Business Suite: done here at the next sync, by them.
    world
        .control
        .move_conversation(&minh, Folder::PageDone)
        .await
        .unwrap();
    world.sync().await;
    let done = world.conversations(&["--filter", "done"]).await;
    assert_eq!(
        find(&done, &minh).unwrap()["done_by"],
        "Meta Business Suite"
    );
    // Taken back here: not done again by the next sync while Facebook still lists it.
    let run = world.pagedesk(&["done", &minh, "--undo"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    world.sync().await;
    assert_eq!(
        find(&world.conversations(&[]).await, &minh).unwrap()["done"],
        false
    );
    // Nothing to mark: said, exit 1.
    let run = world.pagedesk(&["done", "t_404"]).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("no conversation t_404"),
        "{}",
        run.stderr
    );
}

/// Done holds against a buyer's message written before it was marked, that a later sync brings
/// (Facebook had not listed it yet); one written after reopens it. Through the binary.
#[tokio::test]
async fn a_buyers_message_from_before_the_done_mark_keeps_it_done_and_a_newer_one_reopens_it() {
    let world = TestWorld::start("").await;
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Cảm ơn shop nhé", "inbox", 180)
        .await;
    world.sync().await;
    let run = world.pagedesk(&["done", &lan]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    // A message the buyer wrote a minute before the mark, brought by the sync after it.
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Nhận hàng rồi ạ", "inbox", 60)
        .await;
    world.sync().await;
    assert_eq!(world.messages(&lan).await.len(), 2, "the sync brought it");
    let done = world.conversations(&["--filter", "done"]).await;
    assert_eq!(
        find(&done, &lan).map(|c| &c["done"]),
        Some(&json!(true)),
        "still done: {done:?}"
    );
    assert!(find(&world.conversations(&[]).await, &lan).is_none());

    // Written after the mark: open again.
    world
        .buyer_writes(
            0,
            "Nguyễn Thị Lan",
            "Shop ơi, đổi size được không?",
            "inbox",
            0,
        )
        .await;
    world.sync().await;
    let all = world.conversations(&[]).await;
    assert_eq!(find(&all, &lan).unwrap()["done"], false);
    assert!(world.conversations(&["--filter", "done"]).await.is_empty());
}

/// A team of three in the config, new conversations given in turn.
const TEAM: &str = "
[assignment]
new_conversations = \"round-robin\"

[[staff]]
name = \"Hà\"
[[staff]]
name = \"Minh\"
user = \"minh\"
[[staff]]
name = \"Lan\"
";

/// `pagedesk` as a staff member of the team.
async fn as_staff(world: &TestWorld, staff: &str, args: &[&str]) -> common::Run {
    let output = world
        .command(args)
        .env("PAGEDESK_STAFF", staff)
        .output()
        .await
        .unwrap();
    common::Run::from(output)
}

#[tokio::test]
async fn labels_assignment_and_notes_through_the_binary_and_new_buyers_in_turn() {
    let world = TestWorld::start(TEAM).await;
    // Hà and Lan are on shift; Minh, known by his login, is away.
    for (staff, state) in [("Hà", "available"), ("Lan", "available")] {
        let run = as_staff(&world, staff, &["staff", state]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let minh_login = world
        .command(&["staff", "away"])
        .env_remove("PAGEDESK_STAFF")
        .env("USER", "minh")
        .output()
        .await
        .unwrap();
    let minh_login = common::Run::from(minh_login);
    assert_eq!(
        minh_login.stdout.trim(),
        "Minh: away",
        "{}",
        minh_login.stderr
    );
    // On a server, staff open pagedesk with `sudo -u pagedesk`: known by the login sudo was
    // run from, not the service's user.
    let through_sudo = world
        .command(&["staff", "away"])
        .env_remove("PAGEDESK_STAFF")
        .env("USER", "pagedesk")
        .env("SUDO_USER", "minh")
        .output()
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&through_sudo.stdout).trim(),
        "Minh: away"
    );
    let listed = world.pagedesk(&["staff"]).await;
    let state_of = |name: &str| {
        let line = listed.stdout.lines().find(|l| l.starts_with(name));
        line.and_then(|l| l.split_whitespace().nth(1))
            .map(str::to_owned)
    };
    assert_eq!(
        state_of("Hà").as_deref(),
        Some("available"),
        "{}",
        listed.stdout
    );
    assert_eq!(
        state_of("Minh").as_deref(),
        Some("away"),
        "{}",
        listed.stdout
    );
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Váy này còn không shop?", "inbox", 120)
        .await;
    let minh = world
        .buyer_writes(0, "Trần Văn Minh", "Ship COD nhé", "inbox", 60)
        .await;
    let thu = world
        .buyer_writes(1, "Trần Thị Thu", "Cho mình hỏi giá", "inbox", 30)
        .await;
    world.sync().await;
    let all = world.conversations(&[]).await;
    let given: Vec<String> = [&lan, &minh, &thu]
        .iter()
        .map(|id| {
            find(&all, id).unwrap()["assignee"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    // Three new buyers, two on shift, in turn: Hà, Lan, Hà; Minh is away.
    let count = |name: &str| given.iter().filter(|n| *n == name).count();
    assert_eq!(
        (count("Hà"), count("Lan"), count("Minh")),
        (2, 1, 0),
        "{given:?}"
    );

    // Minh takes Lan's conversation by hand; Mine lists it for him only.
    let run = world.pagedesk(&["assign", &lan, "Minh"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mine = as_staff(
        &world,
        "Minh",
        &["conversations", "--filter", "mine", "--json"],
    )
    .await;
    let mine: Vec<serde_json::Value> = serde_json::from_str(&mine.stdout).unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["id"], lan.as_str());
    let run = world.pagedesk(&["assign", &lan, "Tuấn"]).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("Tuấn is not in the config's [[staff]]"),
        "{}",
        run.stderr
    );

    // Labels: created on first use, listed, filtered any/all, renamed and deleted everywhere.
    for (id, label) in [
        (&lan, "chờ chuyển khoản"),
        (&lan, "đã chốt"),
        (&minh, "chờ chuyển khoản"),
    ] {
        let run = as_staff(&world, "Hà", &["label", id, "add", label]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let waiting = world.conversations(&["--label", "chờ chuyển khoản"]).await;
    assert_eq!(waiting.len(), 2);
    let both = world
        .conversations(&[
            "--label",
            "chờ chuyển khoản",
            "--label",
            "đã chốt",
            "--all-labels",
        ])
        .await;
    assert_eq!(both.len(), 1);
    assert_eq!(both[0]["labels"][1]["name"], "đã chốt");
    let run = world
        .pagedesk(&["labels", "rename", "chờ chuyển khoản", "chờ CK"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let all = world.conversations(&[]).await;
    assert_eq!(find(&all, &minh).unwrap()["labels"][0]["name"], "chờ CK");
    let listed = world.pagedesk(&["conversations"]).await;
    let minh_line = listed
        .stdout
        .lines()
        .find(|l| l.contains(minh.as_str()))
        .unwrap_or_default();
    assert!(minh_line.contains("[chờ CK] Ship COD nhé"), "{minh_line}");
    let run = world.pagedesk(&["label", &minh, "remove", "chờ CK"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = world.pagedesk(&["labels", "delete", "đã chốt"]).await;
    assert!(
        run.stdout.contains("from 1 conversation\n"),
        "{}",
        run.stdout
    );
    let all = world.conversations(&[]).await;
    assert_eq!(
        find(&all, &lan).unwrap()["labels"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let run = world
        .pagedesk(&["label", &minh, "remove", "không có"])
        .await;
    assert_eq!(run.code, 1);

    // A note about Lan, with who wrote it; an empty one is refused.
    let run = as_staff(&world, "Hà", &["note", &lan, "Khách quen, hay đổi size"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = world.pagedesk(&["note", &lan, "  "]).await;
    assert_eq!(run.code, 1);
    let data = world.store();
    let customer = data.customer(&(&lan).into()).unwrap().unwrap();
    assert_eq!(customer.notes.len(), 1);
    assert_eq!(customer.notes[0].author, "Hà");
}

#[tokio::test]
async fn a_note_too_long_is_refused_whole_and_one_at_the_limit_is_saved_whole() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    // 100 KB pasted into the command line.
    let long = "Khach quen, hay doi size. ".repeat(4_000);
    let run = world.pagedesk(&["note", &lan, &long]).await;
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr.contains(
            "The note is longer than 20000 characters, the most a note takes: nothing was saved."
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("saved"), "{}", run.stdout);
    let at_the_limit = "a".repeat(20_000);
    let run = world.pagedesk(&["note", &lan, &at_the_limit]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let data = world.store();
    let notes = data.customer(&(&lan).into()).unwrap().unwrap().notes;
    assert_eq!(notes.len(), 1, "only the one that fits");
    assert_eq!(notes[0].text, at_the_limit, "saved whole");
}

#[tokio::test]
async fn stats_over_a_year_are_refused_and_no_number_panics() {
    let (world, _) = TestWorld::with_a_buyer("").await;
    for since in [
        "3650d",
        "99999999d",
        "367d",
        "18446744073709551615s",
        "9000000h",
    ] {
        let run = world.pagedesk(&["stats", "--since", since]).await;
        assert_eq!(run.code, 1, "{since}: {}", run.stdout);
        assert!(
            run.stderr.contains(&format!(
                "--since {since}: the numbers cover at most 366 days"
            )),
            "{since}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{since}: {}", run.stdout);
    }
    // Too large to be a number at all: said, no panic.
    let run = world
        .pagedesk(&["stats", "--since", "99999999999999999999999d"])
        .await;
    assert_ne!(run.code, 0);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.stderr.contains("--since"), "{}", run.stderr);
    let run = world.pagedesk(&["stats", "--since", "366d"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let days = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Replies per day"))
        .count();
    assert!(days <= 368, "{days} lines");
}

#[tokio::test]
async fn stats_of_a_known_history() {
    let world = TestWorld::start(TEAM).await;
    let run = world
        .pagedesk(&["spam-sync", "on", "--page", world.page(0)])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Two buyers answered in Facebook's Page inbox after 10 minutes and 2 minutes; one waits
    // two hours; one in Spam (15 minutes) rescued by Hà's reply from pagedesk.
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Còn size S không?", "inbox", 3600)
        .await;
    world
        .control
        .page_message(&lan, "Dạ còn ạ", 3000)
        .await
        .unwrap();
    let minh = world
        .buyer_writes(0, "Trần Văn Minh", "Ship COD nhé", "inbox", 1800)
        .await;
    world
        .control
        .page_message(&minh, "Dạ được ạ", 1680)
        .await
        .unwrap();
    world
        .buyer_writes(0, "Phạm Thị Hoa", "Đầm đen còn không?", "inbox", 7200)
        .await;
    let thu = world
        .buyer_writes(0, "Trần Thị Thu", "Giá bao nhiêu ạ?", "spam", 900)
        .await;
    // And one in Spam (20 minutes) rescued by a reply typed in Facebook's own Page inbox.
    let hung = world
        .buyer_writes(0, "Nguyễn Văn Hùng", "Váy maxi giá sao ạ?", "spam", 1200)
        .await;
    world.sync().await;
    let run = as_staff(&world, "Hà", &["reply", &thu, "Dạ 250k ạ"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    world
        .control
        .page_message(&hung, "Dạ 320k ạ", 0)
        .await
        .unwrap();
    world.sync().await;

    let run = world.pagedesk(&["stats", "--since", "1d", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let stats = run.json();
    let page = &stats["pages"][0];
    assert_eq!(page["name"], world.page_name(0));
    assert_eq!(page["replies"], 4);
    assert_eq!(page["answered"], 4);
    // 2 min, 10 min, about 15 and about 20: the second of four, and the fourth.
    assert_eq!(page["first_response_median_s"], 600);
    let p90 = page["first_response_p90_s"].as_i64().unwrap();
    assert!((1195..=1260).contains(&p90), "{p90}");
    assert_eq!(page["waiting_now"], 1);
    let longest = page["longest_wait_s"].as_i64().unwrap();
    assert!((7200..7260).contains(&longest), "{longest}");
    assert_eq!(page["spam_rescued"], 2);
    let staff = stats["staff"].as_array().unwrap();
    let of = |name: &str| staff.iter().find(|s| s["name"] == name).unwrap().clone();
    let facebook = of("Facebook Page inbox");
    assert_eq!(facebook["replies"], 3);
    assert_eq!(facebook["spam_rescued"], 1);
    assert_eq!(facebook["first_response_median_s"], 600);
    let ha = of("Hà");
    assert_eq!(ha["replies"], 1);
    assert_eq!(ha["spam_rescued"], 1);
    let to_ha = ha["first_response_median_s"].as_i64().unwrap();
    assert!((895..=960).contains(&to_ha), "{to_ha}");
    let days = stats["replies_per_day"].as_array().unwrap();
    let total: i64 = days.iter().map(|d| d[1].as_i64().unwrap()).sum();
    assert_eq!(total, 4);
    // And in words.
    let run = world.pagedesk(&["stats"]).await;
    assert!(run.stdout.contains("Facebook Page inbox"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_user_or_logname_a_reply_carries_the_login_name_from_the_user_database() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    let output = world
        .command(&["reply", &lan, "Dạ shop chào chị ạ"])
        .env_remove("USER")
        .env_remove("LOGNAME")
        .env_remove("PAGEDESK_STAFF")
        .output()
        .await
        .unwrap();
    let run = common::Run::from(output);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let login = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let login = String::from_utf8(login.stdout).unwrap().trim().to_owned();
    let sent: Vec<_> = world
        .messages(&lan)
        .await
        .into_iter()
        .filter(|m| m["direction"] == "out")
        .collect();
    assert_eq!(sent[0]["sent_by"], login.as_str(), "{sent:?}");
}

#[tokio::test]
async fn listing_the_staff_without_a_team_says_how_to_make_one() {
    let world = TestWorld::start("").await;
    let run = world.pagedesk(&["staff"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("No team in the config"),
        "{}",
        run.stdout
    );
}
