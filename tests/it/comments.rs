//! Comments under the pages' posts, through the binary against the emulator: read into threads,
//! answered in public and once privately (exactly once whatever Facebook answers), hidden and
//! shown, edited and removed on Facebook.

use crate::common;

use common::TestWorld;
use serde_json::{Value, json};

/// Page 0 publishes a post; returns its id.
async fn post(world: &TestWorld) -> String {
    world
        .control
        .publish(
            world.page(0),
            "Váy hoa nhí mùa hè, 350k. Comment \"ib\" để shop tư vấn ạ!",
            Some("asset:vay-hoa-do.png"),
            3600,
        )
        .await
        .unwrap()
}

/// The threads `pagedesk comments --json` lists.
async fn threads(world: &TestWorld) -> Vec<Value> {
    let run = world.pagedesk(&["comments", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json().as_array().unwrap().clone()
}

/// The thread of `name`, synced.
async fn thread_of(world: &TestWorld, name: &str) -> String {
    world.sync().await;
    let threads = threads(world).await;
    let thread = threads
        .iter()
        .find(|t| t["customer_name"] == name)
        .unwrap_or_else(|| panic!("no thread of {name}: {threads:?}"));
    thread["id"].as_str().unwrap().to_owned()
}

/// `name` comments `text` under `post`, `seconds_ago`; then a sync: the comment and the
/// thread it is in.
async fn thread_under(
    world: &TestWorld,
    post: &str,
    name: &str,
    text: &str,
    seconds_ago: i64,
) -> (String, String) {
    let comment = world
        .control
        .buyer_comment(post, name, text, None, seconds_ago)
        .await
        .unwrap();
    (comment, thread_of(world, name).await)
}

/// The page's comments under `post` as Facebook holds them.
async fn page_comments_on_facebook(world: &TestWorld, post: &str) -> Vec<Value> {
    let post = world.control.post_on_facebook(post).await.unwrap();
    post["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["from"].is_null())
        .cloned()
        .collect()
}

fn posts_to(requests: &[Value], path_end: &str) -> usize {
    requests
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap().ends_with(path_end))
        .count()
}

#[tokio::test]
async fn comments_become_one_thread_per_person_per_post_with_the_pages_answers() {
    let world = TestWorld::start("").await;
    let post = post(&world).await;
    let control = &world.control;
    let asked = control
        .buyer_comment(&post, "Nguyễn Thị Lan", "giá?", None, 600)
        .await
        .unwrap();
    control
        .buyer_comment(&post, "Trần Văn Minh", "size M 0901 234 567", None, 300)
        .await
        .unwrap();
    world.sync().await;
    let listed = threads(&world).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    let lan = listed
        .iter()
        .find(|t| t["customer_name"] == "Nguyễn Thị Lan")
        .unwrap();
    assert_eq!(lan["post_id"], post.as_str());
    assert_eq!(lan["snippet"], "giá?");
    assert!(lan["unread_count"].as_i64().unwrap() > 0);
    let messages = world.messages(lan["id"].as_str().unwrap()).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["id"], asked.as_str());
    assert_eq!(messages[0]["direction"], "in");
    // The comments also count under Messenger's All, and only they under Comments.
    let comments = world.conversations(&["--filter", "comments"]).await;
    assert_eq!(comments.len(), 2);

    // A quiet cycle reads the posts once and no post's comments again.
    world.clear_requests().await;
    world.sync().await;
    let requests = world.requests().await;
    let reads: Vec<&str> = requests
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .filter(|p| p.contains("published_posts") || p.ends_with("/comments"))
        .collect();
    // One listing of posts per page, and no post's comments read again.
    assert!(
        reads.len() == 2 && reads.iter().all(|p| p.ends_with("/published_posts")),
        "{reads:?}"
    );
}

#[tokio::test]
async fn a_public_answer_goes_once_though_facebooks_answer_to_it_is_lost() {
    let world = TestWorld::start("").await;
    let post = post(&world).await;
    let (_, thread) = thread_under(&world, &post, "Nguyễn Thị Lan", "giá?", 600).await;
    world.clear_requests().await;
    world
        .fault(json!({ "method": "POST", "path_contains": "/comments",
            "fault": { "kind": "answer_lost" } }))
        .await;
    world
        .pagedesk(&["comment", "reply", &thread, "Dạ 350k ạ, chị ib shop nhé"])
        .await;
    world.sync().await;
    world.sync().await;
    let answers = page_comments_on_facebook(&world, &post).await;
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(answers[0]["message"], "Dạ 350k ạ, chị ib shop nhé");
    assert_eq!(posts_to(&world.requests().await, "/comments"), 1);
    let messages = world.messages(&thread).await;
    let out: Vec<&Value> = messages
        .iter()
        .filter(|m| m["direction"] == "out")
        .collect();
    assert_eq!(out.len(), 1, "{messages:?}");
    assert_eq!(out[0]["status"], "sent");
    assert_eq!(out[0]["id"], answers[0]["id"]);
}

#[tokio::test]
async fn a_comment_gets_one_private_reply_and_a_second_is_refused_before_it_is_stored() {
    let world = TestWorld::start("").await;
    let post = post(&world).await;
    let (comment, thread) =
        thread_under(&world, &post, "Trần Văn Minh", "size M 0901 234 567", 600).await;
    world.clear_requests().await;
    // Facebook takes the first; its answer is lost on the way back.
    world
        .fault(json!({ "method": "POST", "path_contains": "/messages",
            "fault": { "kind": "answer_lost" } }))
        .await;
    world
        .pagedesk(&["comment", "private", &thread, "Dạ shop đã inbox anh ạ"])
        .await;
    world.sync().await;
    world.sync().await;
    assert_eq!(posts_to(&world.requests().await, "/messages"), 1);
    let on_facebook = world.control.post_on_facebook(&post).await.unwrap();
    let replied = on_facebook["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == comment.as_str())
        .unwrap();
    let conversation = replied["private_reply_conversation"].as_str().unwrap();
    assert_eq!(
        world.page_texts_on_facebook(conversation).await,
        ["Dạ shop đã inbox anh ạ"]
    );
    let messages = world.messages(&thread).await;
    let out: Vec<&Value> = messages
        .iter()
        .filter(|m| m["direction"] == "out")
        .collect();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["status"], "sent");
    assert_eq!(out[0]["private_reply"], true);

    let again = world
        .pagedesk(&["comment", "private", &thread, "Dạ anh ơi"])
        .await;
    assert_ne!(again.code, 0);
    assert!(
        again.stderr.contains("only one private reply"),
        "{}",
        again.stderr
    );
    assert_eq!(
        world.messages(&thread).await.len(),
        messages.len(),
        "nothing stored"
    );
    assert_eq!(
        posts_to(&world.requests().await, "/messages"),
        1,
        "nothing sent"
    );
    // The Messenger conversation it started is the person's own, beside the thread.
    let conversations = world.conversations(&[]).await;
    assert!(
        conversations
            .iter()
            .any(|c| c["id"] == conversation && c["customer_name"] == "Trần Văn Minh"),
        "{conversations:?}"
    );
}

#[tokio::test]
async fn a_comment_older_than_seven_days_is_not_answered_privately() {
    let world = TestWorld::start("").await;
    let post = world
        .control
        .publish(world.page(0), "Áo thun trắng", None, 60)
        .await
        .unwrap();
    // Read within the window of posts, written 8 days ago by Facebook's clock.
    world
        .control
        .buyer_comment(&post, "Lê Thu Hà", "còn không shop", None, 8 * 24 * 3600)
        .await
        .unwrap();
    let thread = thread_of(&world, "Lê Thu Hà").await;
    let refused = world
        .pagedesk(&["comment", "private", &thread, "Dạ còn ạ"])
        .await;
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("more than 7 days"),
        "{}",
        refused.stderr
    );
    assert_eq!(posts_to(&world.requests().await, "/messages"), 0);
    // In public it goes.
    let public = world
        .pagedesk(&["comment", "reply", &thread, "Dạ còn ạ"])
        .await;
    assert_eq!(public.code, 0, "{}", public.stderr);
    assert_eq!(page_comments_on_facebook(&world, &post).await.len(), 1);
}

#[tokio::test]
async fn hiding_a_thread_hides_its_comments_on_facebook_and_a_refusal_is_kept() {
    let world = TestWorld::start("").await;
    let post = post(&world).await;
    let (comment, thread) =
        thread_under(&world, &post, "Trần Văn Minh", "0901 234 567 gọi em", 600).await;
    let asked = world.pagedesk(&["comment", "hide", &thread]).await;
    assert_eq!(asked.code, 0, "{}", asked.stderr);
    let hidden = |post: Value| {
        post["comments"].as_array().unwrap()[0]["is_hidden"]
            .as_bool()
            .unwrap()
    };
    // Facebook down for a moment: no refusal kept, tried again the next round.
    world
        .fault(
            json!({ "method": "POST", "path_contains": comment.as_str(), "count": 1,
            "fault": { "kind": "error", "code": 2, "http_status": 503,
                "message": "Service temporarily unavailable" } }),
        )
        .await;
    world.sync().await;
    let store = world.store();
    assert_eq!(
        store.moderation_refused(&thread.as_str().into()).unwrap(),
        None
    );
    world.sync().await;
    assert!(hidden(world.control.post_on_facebook(&post).await.unwrap()));
    assert_eq!(world.messages(&thread).await[0]["hidden"], true);

    // Without the engagement permission Facebook refuses: the comment stays hidden.
    world
        .control
        .permissions(world.page(0), &["pages_messaging", "pages_read_engagement"])
        .await
        .unwrap();
    world.pagedesk(&["comment", "show", &comment]).await;
    world.sync().await;
    assert!(hidden(world.control.post_on_facebook(&post).await.unwrap()));
    assert_eq!(world.messages(&thread).await[0]["hidden"], true);
    // The thread says why, in the staff's words (the inbox's banner).
    let store = world.store();
    assert_eq!(
        store.moderation_refused(&thread.as_str().into()).unwrap(),
        Some((
            pagedesk::model::Moderation::Show,
            "comment_permission".to_owned()
        ))
    );
}

#[tokio::test]
async fn a_comment_edited_or_removed_on_facebook_changes_or_goes_here() {
    let world = TestWorld::start("").await;
    let post = post(&world).await;
    let control = &world.control;
    let first = control
        .buyer_comment(&post, "Nguyễn Thị Lan", "size S", None, 600)
        .await
        .unwrap();
    let second = control
        .buyer_comment(&post, "Nguyễn Thị Lan", "0912 345 678", None, 500)
        .await
        .unwrap();
    let thread = thread_of(&world, "Nguyễn Thị Lan").await;
    control.edit_comment(&first, "size M nha").await.unwrap();
    control.remove_comment(&second).await.unwrap();
    world.sync().await;
    let messages = world.messages(&thread).await;
    assert_eq!(messages[0]["text"], "size M nha");
    assert_eq!(messages[1]["removed"], true);
    assert_eq!(messages[1]["text"], "");
    // Said as a comment removed, not as a message unsent.
    let shown = world.pagedesk(&["messages", &thread]).await.stdout;
    assert!(
        shown.contains("[the buyer deleted this comment]"),
        "{shown}"
    );
    let listed = world.pagedesk(&["comments"]).await.stdout;
    assert!(listed.contains("Comment removed"), "{listed}");
    // A buyer whose only comment went leaves nothing to answer.
    let (gone, hong) = thread_under(&world, &post, "Lê Thị Hồng", "alo shop", 300).await;
    control.remove_comment(&gone).await.unwrap();
    world.sync().await;
    let unreplied = world
        .pagedesk(&["conversations", "--filter", "unreplied", "--json"])
        .await
        .json();
    let ids: Vec<&str> = unreplied
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&hong.as_str()), "{ids:?}");
    assert!(
        ids.contains(&thread.as_str()),
        "her first comment still waits: {ids:?}"
    );
    let store = world.store();
    assert!(
        store.search("0912", 10).unwrap().is_empty(),
        "its words left the search"
    );
    assert_eq!(store.search("size M", 10).unwrap().len(), 1);
}

#[tokio::test]
async fn a_comment_with_a_phone_number_is_hidden_and_answered_once_when_turned_on() {
    let world = TestWorld::start("").await;
    let mut config = std::fs::read_to_string(&world.config_path).unwrap();
    config.push_str(
        "\n[comments]\nhide_phone_numbers = true\nprivate_reply = \"Dạ shop đã inbox chị ạ\"\n\
         public_reply = \"Shop đã inbox ạ\"\n",
    );
    std::fs::write(&world.config_path, config).unwrap();
    let post = post(&world).await;
    let phone = world
        .control
        .buyer_comment(
            &post,
            "Lê Thị Hồng",
            "size M 0901.234.567 ship Đà Nẵng",
            None,
            120,
        )
        .await
        .unwrap();
    world
        .control
        .buyer_comment(&post, "Nguyễn Thị Lan", "giá?", None, 60)
        .await
        .unwrap();
    world.sync().await;
    world.sync().await;
    let on_facebook = world.control.post_on_facebook(&post).await.unwrap();
    let comments = on_facebook["comments"].as_array().unwrap();
    let hong = comments.iter().find(|c| c["id"] == phone.as_str()).unwrap();
    assert_eq!(hong["is_hidden"], true);
    let conversation = hong["private_reply_conversation"].as_str().unwrap();
    assert_eq!(
        world.page_texts_on_facebook(conversation).await,
        ["Dạ shop đã inbox chị ạ"]
    );
    let answers = page_comments_on_facebook(&world, &post).await;
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(answers[0]["message"], "Shop đã inbox ạ");
    assert_eq!(answers[0]["parent_id"], phone.as_str());
    let lan = comments.iter().find(|c| c["message"] == "giá?").unwrap();
    assert_eq!(lan["is_hidden"], false, "no number, nothing done");
    // The thread says why; the next cycles do nothing more.
    let thread = thread_of(&world, "Lê Thị Hồng").await;
    let messages = world.messages(&thread).await;
    assert_eq!(messages[0]["hidden_for_phone"], true);
    world.sync().await;
    let requests = world.requests().await;
    assert_eq!(posts_to(&requests, "/messages"), 1);
    assert_eq!(posts_to(&requests, "/comments"), 1);
    // pagedesk's own answers are no one's time to answer: the buyer still waits for staff.
    let run = world.pagedesk(&["stats", "--json"]).await;
    let page = &run.json()["pages"][0];
    assert_eq!(page["comments_answered"], 0, "{page}");
    assert_eq!(page["answered"], 0, "{page}");
}

#[tokio::test]
async fn comments_that_cannot_be_read_leave_messenger_syncing() {
    let world = TestWorld::start("").await;
    world
        .fault(
            json!({ "method": "GET", "path_contains": "/published_posts", "count": 100,
            "fault": { "kind": "error", "code": 10, "http_status": 403,
                "message": "(#10) This endpoint requires the pages_read_engagement permission" } }),
        )
        .await;
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Chốt đơn nhé", "inbox", 60)
        .await;
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(world.messages(&lan).await.len(), 1);
    // Kept for the inbox to say, until a read goes through.
    let problem = || {
        world
            .store()
            .comments_problem(&world.page(0).into())
            .unwrap()
    };
    let (why, _) = problem().expect("the failed read is kept");
    assert!(why.contains("pages_read_engagement"), "{why}");
    world.clear_faults().await;
    world.sync().await;
    assert_eq!(problem(), None);
}

#[tokio::test]
async fn comments_with_phone_numbers_are_left_alone_until_turned_on() {
    let world = TestWorld::start("").await;
    let post = post(&world).await;
    world
        .control
        .buyer_comment(&post, "Lê Thị Hồng", "0901 234 567", None, 60)
        .await
        .unwrap();
    world.sync().await;
    let on_facebook = world.control.post_on_facebook(&post).await.unwrap();
    assert_eq!(on_facebook["comments"][0]["is_hidden"], false);
    assert_eq!(posts_to(&world.requests().await, ""), 0, "nothing sent");
}

#[tokio::test]
async fn an_answer_to_a_reply_is_looked_for_where_facebook_puts_it_and_goes_once() {
    let world = TestWorld::start("").await;
    let post = post(&world).await;
    let control = &world.control;
    let top = control
        .buyer_comment(&post, "Trần Văn Minh", "còn size L không?", None, 600)
        .await
        .unwrap();
    // Lan answers Minh's comment: her newest comment is a reply, under his.
    control
        .buyer_comment(
            &post,
            "Nguyễn Thị Lan",
            "mình cũng hỏi size L",
            Some(&top),
            300,
        )
        .await
        .unwrap();
    let thread = thread_of(&world, "Nguyễn Thị Lan").await;
    world
        .fault(json!({ "method": "POST", "path_contains": "/comments",
            "fault": { "kind": "answer_lost" } }))
        .await;
    world
        .pagedesk(&["comment", "reply", &thread, "Dạ size L còn ạ"])
        .await;
    world.sync().await;
    world.sync().await;
    let answers = page_comments_on_facebook(&world, &post).await;
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(answers[0]["parent_id"], top.as_str());
    let out = world.messages(&thread).await;
    assert_eq!(out.iter().filter(|m| m["direction"] == "out").count(), 1);
}

#[tokio::test]
async fn the_same_words_answered_twice_go_twice_though_the_second_attempt_failed_unheard() {
    let world = TestWorld::start("").await;
    let post = post(&world).await;
    let (_, thread) = thread_under(&world, &post, "Nguyễn Thị Lan", "giá?", 600).await;
    let first = world
        .pagedesk(&["comment", "reply", &thread, "Dạ ok ạ"])
        .await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    // A proxy's 503: Facebook never had it, but pagedesk cannot know, and looks first.
    world
        .fault(json!({ "method": "POST", "path_contains": "/comments",
            "fault": { "kind": "http", "http_status": 503, "body": "x",
                "content_type": "text/plain" } }))
        .await;
    world
        .pagedesk(&["comment", "reply", &thread, "Dạ ok ạ"])
        .await;
    world.sync().await;
    let answers = page_comments_on_facebook(&world, &post).await;
    assert_eq!(
        answers.len(),
        2,
        "the earlier answer is not taken for this one: {answers:?}"
    );
    let out: Vec<Value> = world
        .messages(&thread)
        .await
        .into_iter()
        .filter(|m| m["direction"] == "out")
        .collect();
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|m| m["status"] == "sent"), "{out:?}");
    assert_ne!(out[0]["id"], out[1]["id"]);
}

#[tokio::test]
async fn hiding_then_showing_before_the_engine_comes_leaves_them_shown() {
    let world = TestWorld::start("").await;
    let post = post(&world).await;
    let (_, thread) = thread_under(&world, &post, "Lê Thị Hồng", "0901 234 567", 60).await;
    world.pagedesk(&["comment", "hide", &thread]).await;
    let show = world.pagedesk(&["comment", "show", &thread]).await;
    assert_eq!(show.code, 0, "{}", show.stderr);
    world.sync().await;
    let on_facebook = world.control.post_on_facebook(&post).await.unwrap();
    assert_eq!(on_facebook["comments"][0]["is_hidden"], false);
}

#[tokio::test]
async fn the_comment_commands_refuse_a_messenger_conversation_and_a_reply_too_long() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    let refused = world.pagedesk(&["comment", "reply", &lan, "Dạ"]).await;
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("Messenger conversation"),
        "{}",
        refused.stderr
    );
    let post = post(&world).await;
    let (_, thread) = thread_under(&world, &post, "Lê Thị Hồng", "giá?", 60).await;
    let long = "a".repeat(2001);
    let refused = world.pagedesk(&["comment", "reply", &thread, &long]).await;
    assert_ne!(refused.code, 0);
    let refused = world
        .pagedesk(&["comment", "private", "nothere", "Dạ"])
        .await;
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("(see pagedesk comments)"),
        "{}",
        refused.stderr
    );
    assert_eq!(posts_to(&world.requests().await, ""), 0, "nothing sent");
}

#[tokio::test]
async fn a_comment_removed_under_a_busy_post_goes_here_too() {
    let world = TestWorld::start("").await;
    let post = post(&world).await;
    let mut ids = Vec::new();
    // More than one page of comments (100) beyond the newest read with the post.
    for n in 0..130 {
        let id = world
            .control
            .buyer_comment(
                &post,
                &format!("Khách {n}"),
                &format!("giá? {n}"),
                None,
                3000 - n,
            )
            .await
            .unwrap();
        ids.push(id);
    }
    world.sync().await;
    assert_eq!(threads(&world).await.len(), 130);
    // An old one, far below the newest comments read with the post.
    world.control.remove_comment(&ids[2]).await.unwrap();
    world.sync().await;
    let thread = threads(&world)
        .await
        .into_iter()
        .find(|t| t["customer_name"] == "Khách 2")
        .unwrap();
    let messages = world.messages(thread["id"].as_str().unwrap()).await;
    assert_eq!(messages[0]["removed"], true, "{messages:?}");
}

#[tokio::test]
async fn doctor_says_whether_comments_can_be_read_and_answered() {
    let world = TestWorld::start("").await;
    let page = world.page(0).to_owned();
    let doctor = world.pagedesk(&["doctor"]).await;
    let said = &doctor.stdout;
    let line = |label: &str| {
        said.lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line("comments ").contains("readable"), "{said}");
    // Without the app's secret Facebook is not asked which permissions the token has.
    assert!(line("answer comments").contains("unknown"), "{said}");

    let (app_id, secret) = world.emulator.app();
    let config = std::fs::read_to_string(&world.config_path).unwrap();
    let config = config.replacen(
        "[graph]\n",
        &format!("[graph]\napp_id = \"{app_id}\"\napp_secret = \"{secret}\"\n"),
        1,
    );
    std::fs::write(&world.config_path, config).unwrap();
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(
        doctor.stdout.contains("allowed (pages_manage_engagement)"),
        "{}",
        doctor.stdout
    );
    world
        .control
        .permissions(&page, &["pages_messaging", "pages_read_engagement"])
        .await
        .unwrap();
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(
        doctor
            .stdout
            .contains("not allowed: the token lacks pages_manage_engagement"),
        "{}",
        doctor.stdout
    );
}

#[tokio::test]
async fn two_staff_answering_one_comment_privately_at_once_send_one() {
    let world = TestWorld::start("").await;
    let post = post(&world).await;
    let (_, thread) =
        thread_under(&world, &post, "Trần Văn Minh", "size M 0901 234 567", 600).await;
    // Facebook holds each send a while: both pagedesks are at it at once.
    world
        .fault(json!({ "method": "POST", "count": 10, "fault": { "kind": "delay", "ms": 500 } }))
        .await;
    let as_lan = ["comment", "private", &thread, "Dạ Lan inbox anh ạ"];
    let as_ha = ["comment", "private", &thread, "Dạ Hà inbox anh ạ"];
    let (lan, ha) = tokio::join!(world.pagedesk(&as_lan), world.pagedesk(&as_ha));
    let sent = [&lan, &ha].iter().filter(|run| run.code == 0).count();
    assert_eq!(sent, 1, "lan: {}\nha: {}", lan.stderr, ha.stderr);
    let refused = if lan.code == 0 { &ha } else { &lan };
    assert!(
        refused.stderr.contains("only one private reply"),
        "{}",
        refused.stderr
    );
    assert_eq!(posts_to(&world.requests().await, "/messages"), 1);
    let out = world.messages(&thread).await;
    assert_eq!(out.iter().filter(|m| m["direction"] == "out").count(), 1);
}

#[tokio::test]
async fn stats_count_comments_answered_and_the_customer_panel_joins_a_thread_and_messenger() {
    let world = TestWorld::start("").await;
    let post = post(&world).await;
    let (_, lan) = thread_under(&world, &post, "Nguyễn Thị Lan", "giá?", 600).await;
    let (_, minh) = thread_under(&world, &post, "Trần Văn Minh", "ib", 300).await;
    let run = world
        .pagedesk(&["comment", "reply", &lan, "Dạ 350k ạ"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = world
        .pagedesk(&["comment", "private", &minh, "Dạ shop inbox anh ạ"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    world.sync().await;
    let run = world.pagedesk(&["stats", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = &run.json()["pages"][0];
    assert_eq!(page["comments_answered"], 2, "{page}");
    let median = page["comment_response_median_s"].as_i64().unwrap();
    assert!((300..400).contains(&median), "{median}");
    let run = world.pagedesk(&["stats"]).await;
    assert!(
        run.stdout.contains("Comments under posts, answered")
            && run.stdout.contains(": 2 answered"),
        "{}",
        run.stdout
    );
    // The private answer started Minh's Messenger conversation: his panel shows it beside
    // his thread, and his thread in the conversation's.
    let store = world.store();
    let customer = store.customer(&minh.as_str().into()).unwrap().unwrap();
    assert_eq!(customer.elsewhere.len(), 1, "{:?}", customer.elsewhere);
    let messenger = &customer.elsewhere[0];
    assert_eq!(messenger.post_id, None);
    assert_eq!(messenger.snippet, "Dạ shop inbox anh ạ");
    let customer = store.customer(&messenger.id).unwrap().unwrap();
    assert_eq!(customer.elsewhere.len(), 1);
    assert_eq!(customer.elsewhere[0].id.as_str(), minh);
    let lan = store.customer(&lan.as_str().into()).unwrap().unwrap();
    assert!(lan.elsewhere.is_empty(), "{:?}", lan.elsewhere);
}

#[tokio::test]
async fn new_threads_go_to_the_team_in_turn_as_new_conversations_do() {
    let world = TestWorld::start(
        "[assignment]\nnew_conversations = \"round-robin\"\n[[staff]]\nname = \"Hà\"\n\
         [[staff]]\nname = \"Lan\"\n",
    )
    .await;
    for staff in ["Hà", "Lan"] {
        let run = world
            .command(&["staff", "available"])
            .env("PAGEDESK_STAFF", staff)
            .output()
            .await
            .unwrap();
        assert!(run.status.success());
    }
    let post = post(&world).await;
    for (name, ago) in [
        ("Nguyễn Thị Lan", 600),
        ("Trần Văn Minh", 300),
        ("Lê Thị Hồng", 2 * 86_400),
    ] {
        world
            .control
            .buyer_comment(&post, name, "giá?", None, ago)
            .await
            .unwrap();
    }
    world.sync().await;
    let threads = threads(&world).await;
    let assignee = |name: &str| {
        let thread = threads.iter().find(|t| t["customer_name"] == name).unwrap();
        thread["assignee"].as_str().map(str::to_owned)
    };
    let given = [assignee("Nguyễn Thị Lan"), assignee("Trần Văn Minh")];
    assert!(
        given == [Some("Hà".into()), Some("Lan".into())]
            || given == [Some("Lan".into()), Some("Hà".into())],
        "{given:?}"
    );
    assert_eq!(
        assignee("Lê Thị Hồng"),
        None,
        "a comment two days old is no new buyer"
    );
}

#[tokio::test]
async fn pagedesk_comment_like_likes_one_comment_or_a_thread_through_the_engine() {
    let world = TestWorld::start("").await;
    let post = post(&world).await;
    let (first, thread) = thread_under(&world, &post, "Nguyễn Thị Lan", "đẹp quá", 600).await;
    let (second, _) = thread_under(&world, &post, "Nguyễn Thị Lan", "chốt 1 cái", 300).await;
    let run = world.pagedesk(&["comment", "like", &first]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Liking 1 comment"), "{}", run.stdout);
    world.sync().await;
    let liked = |post: Value| -> Vec<bool> {
        post["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["liked"] == true)
            .collect()
    };
    let on_facebook = world.control.post_on_facebook(&post).await.unwrap();
    assert_eq!(on_facebook["comments"][0]["id"], first.as_str());
    assert_eq!(liked(on_facebook), [true, false]);
    // The thread: what is not liked yet, once.
    let run = world.pagedesk(&["comment", "like", &thread]).await;
    assert!(run.stdout.contains("Liking 1 comment"), "{}", run.stdout);
    world.sync().await;
    let on_facebook = world.control.post_on_facebook(&post).await.unwrap();
    assert_eq!(on_facebook["comments"][1]["id"], second.as_str());
    assert_eq!(liked(on_facebook), [true, true]);
    let messages = world.messages(&thread).await;
    assert!(messages.iter().all(|m| m["liked"] == true), "{messages:?}");
    let run = world.pagedesk(&["comment", "like", &thread]).await;
    assert!(
        run.stdout.contains("No comment to change"),
        "{}",
        run.stdout
    );
    let likes = world
        .requests()
        .await
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap().ends_with("/likes"))
        .count();
    assert_eq!(likes, 2);
}

#[tokio::test]
async fn a_running_sync_takes_the_configs_phone_hiding_when_it_changes_and_stops_on_sigterm() {
    let world = TestWorld::start("interval = \"1s\"").await;
    let post = post(&world).await;
    let sync = common::Service::start(&world);
    let hidden = |post: Value, id: &str| {
        post["comments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id && c["is_hidden"] == true)
    };
    let first = world
        .control
        .buyer_comment(&post, "Lê Thị Hồng", "0901 234 567", None, 10)
        .await
        .unwrap();
    let wait_for = |what: &'static str| {
        let world = &world;
        let post = post.clone();
        async move {
            let start = std::time::Instant::now();
            loop {
                let threads = threads(world).await;
                if threads.iter().any(|t| t["snippet"] == what) {
                    return world.control.post_on_facebook(&post).await.unwrap();
                }
                assert!(start.elapsed().as_secs() < 20, "{what} never read");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    };
    assert!(!hidden(wait_for("0901 234 567").await, &first));
    let mut config = std::fs::read_to_string(&world.config_path).unwrap();
    config.push_str("\n[comments]\nhide_phone_numbers = true\n");
    std::fs::write(&world.config_path, config).unwrap();
    // The config is looked at every 2 s.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let second = world
        .control
        .buyer_comment(&post, "Trần Văn Minh", "0912 345 678", None, 10)
        .await
        .unwrap();
    wait_for("0912 345 678").await;
    let start = std::time::Instant::now();
    while !hidden(
        world.control.post_on_facebook(&post).await.unwrap(),
        &second,
    ) {
        assert!(
            start.elapsed().as_secs() < 20,
            "the new setting was not used"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    sync.stops_cleanly(&world, libc::SIGTERM).await;
}
