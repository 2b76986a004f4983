//! Screens as staff see them, drawn into ratatui's TestBackend and kept as insta snapshots.

mod common;

use common::inbox::Inbox;
use crossterm::event::KeyCode;

#[test]
fn the_inbox_at_80x24() {
    let mut inbox = Inbox::new(80, 24);
    insta::assert_snapshot!(inbox.screen());
}

#[test]
fn the_inbox_at_140x40() {
    let mut inbox = Inbox::new(140, 40);
    insta::assert_snapshot!(inbox.screen());
}

#[test]
fn a_spam_conversation_with_its_banner() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Char('2'));
    inbox.key(KeyCode::Enter);
    insta::assert_snapshot!(inbox.screen());
}

#[test]
fn the_help_overlay() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Char('?'));
    insta::assert_snapshot!(inbox.screen());
}

#[test]
fn the_settings_screen() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Char('s'));
    insta::assert_snapshot!(inbox.screen());
}

#[test]
fn the_quick_reply_picker() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Enter);
    inbox.keys("/ch");
    insta::assert_snapshot!(inbox.screen());
}

#[test]
fn a_failed_reply_with_its_reason_and_retry_key() {
    let mut inbox = Inbox::new(100, 30);
    let mut store = inbox.store();
    let reply = store
        .enqueue_reply("t_thu", "Dạ còn ạ", common::inbox::now())
        .unwrap();
    store
        .mark_reply_failed(
            reply,
            "this person isn't available right now (Facebook error 551)",
            "unavailable",
            true,
        )
        .unwrap();
    inbox.key(KeyCode::Char('2'));
    insta::assert_snapshot!(inbox.screen());
}

#[test]
fn the_inbox_in_vietnamese() {
    let config = common::inbox::CONFIG.replace("language = \"en\"", "language = \"vi\"");
    let mut inbox = Inbox::with_config(100, 30, &config);
    insta::assert_snapshot!(inbox.screen());
}

#[test]
fn any_terminal_size_draws_without_a_panic() {
    for (width, height) in [
        (1, 1),
        (10, 3),
        (20, 5),
        (40, 10),
        (59, 24),
        (60, 12),
        (109, 30),
        (300, 80),
    ] {
        let mut inbox = Inbox::new(width, height);
        for key in [
            KeyCode::Char('?'),
            KeyCode::Esc,
            KeyCode::Char('s'),
            KeyCode::Esc,
            KeyCode::Enter,
            KeyCode::Char('/'),
        ] {
            inbox.key(key);
        }
        inbox.screen();
    }
}
