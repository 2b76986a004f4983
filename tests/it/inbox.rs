//! The inbox driven key by key, checked against the database and the requests it makes of the
//! engine: what staff would notice.

use crate::common;

use common::inbox::{BEAUTY, Inbox, SHOP};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use pagedesk::model::{ConversationId, Filter, SendStatus};
use pagedesk::store::ListQuery;
use pagedesk::sync::EngineCommand;
use pagedesk::ui::Effect;

fn unread(inbox: &Inbox, id: &str) -> i64 {
    inbox
        .store()
        .conversation(&id.into())
        .unwrap()
        .unwrap()
        .unread_count
}

#[test]
fn enter_opens_the_conversation_marks_it_read_and_focuses_the_reply_box() {
    let mut inbox = Inbox::new(100, 30);
    assert_eq!(unread(&inbox, "t_lan"), 1);
    inbox.key(KeyCode::Enter);
    assert_eq!(unread(&inbox, "t_lan"), 0);
    assert_eq!(inbox.app.focus, pagedesk::ui::Pane::Compose);
    assert!(inbox.screen().contains("Enter send"));
}

#[test]
fn a_reply_goes_to_the_outbox_and_the_engine_is_asked_to_deliver_it() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Char('2'));
    inbox.key(KeyCode::Enter);
    inbox.keys("Dạ còn size M ạ");
    inbox.key(KeyCode::Enter);
    let messages = inbox.store().messages(&"t_thu".into()).unwrap();
    let reply = messages.last().unwrap();
    assert_eq!(reply.text, "Dạ còn size M ạ");
    assert_eq!(reply.status, SendStatus::Pending);
    assert_eq!(
        inbox.commands.try_recv().unwrap(),
        EngineCommand::Deliver(reply.row)
    );
    let screen = inbox.screen();
    assert!(
        screen.contains("Dạ còn size M ạ") && screen.contains("sending…"),
        "{screen}"
    );
    assert!(inbox.app.chat.compose.is_empty());
}

#[test]
fn alt_enter_writes_a_new_line_and_enter_sends_both_lines() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Enter);
    inbox.keys("Dạ xanh ạ");
    inbox
        .app
        .on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT));
    inbox.keys("350k ạ");
    inbox.key(KeyCode::Enter);
    let reply = inbox
        .store()
        .messages(&"t_lan".into())
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(reply.text, "Dạ xanh ạ\n350k ạ");
}

#[test]
fn esc_keeps_the_draft_of_each_conversation() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Enter);
    inbox.keys("Dạ để em xem");
    inbox.key(KeyCode::Esc);
    inbox.key(KeyCode::Char('j'));
    assert!(
        inbox.app.chat.compose.is_empty(),
        "another conversation, another draft"
    );
    inbox.key(KeyCode::Char('k'));
    assert_eq!(inbox.app.chat.compose.lines(), ["Dạ để em xem"]);
    assert!(
        inbox
            .store()
            .messages(&"t_lan".into())
            .unwrap()
            .iter()
            .all(|m| m.text != "Dạ để em xem"),
        "not sent"
    );
}

#[test]
fn pasted_text_is_inserted_as_text_without_control_sequences() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Enter);
    assert!(inbox.app.on_paste("Địa chỉ: 12 Ngõ Huế\u{1b}[2J\nHà Nội"));
    assert_eq!(
        inbox.app.chat.compose.lines(),
        ["Địa chỉ: 12 Ngõ Huế", "Hà Nội"]
    );
    assert_eq!(
        inbox.store().messages(&"t_lan".into()).unwrap().len(),
        3,
        "a newline in a paste does not send"
    );
}

#[test]
fn filters_and_pages_narrow_the_list() {
    let mut inbox = Inbox::new(140, 40);
    let titles = |inbox: &mut Inbox| {
        inbox
            .screen()
            .lines()
            .find(|l| l.contains("Conversations"))
            .unwrap()
            .to_owned()
    };
    assert!(titles(&mut inbox).contains("All (5)"));
    inbox.key(KeyCode::Char('2'));
    assert!(titles(&mut inbox).contains("Spam (2)"));
    inbox.key(KeyCode::Char('3'));
    assert!(titles(&mut inbox).contains("Unread (4)"));
    inbox.key(KeyCode::Char('4'));
    assert!(titles(&mut inbox).contains("Unreplied (4)"));
    inbox.key(KeyCode::Char('1'));
    inbox.key(KeyCode::Char(']'));
    assert_eq!(
        inbox.app.list_query(),
        ListQuery {
            page_id: Some(SHOP.into()),
            filter: Filter::All,
            ..ListQuery::default()
        }
    );
    assert!(titles(&mut inbox).contains("All (4)"));
    inbox.key(KeyCode::Char(']'));
    assert_eq!(inbox.app.list_query().page_id, Some(BEAUTY.into()));
    assert!(inbox.screen().contains("Hoàng Mỹ Linh"));
    assert!(!inbox.screen().contains("Trần Thị Thu"));
}

#[test]
fn the_sidebar_moves_between_pages_and_filters() {
    let mut inbox = Inbox::new(140, 40);
    inbox.key(KeyCode::BackTab);
    assert_eq!(inbox.app.focus, pagedesk::ui::Pane::Sidebar);
    inbox.key(KeyCode::Char('j'));
    assert_eq!(inbox.app.sidebar.page, Some(0));
    inbox.key(KeyCode::Char('G'));
    assert_eq!(inbox.app.list.filter, Filter::Orders);
}

#[test]
fn search_ignores_diacritics_and_n_walks_the_matches() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Char('/'));
    inbox.keys("gia");
    inbox.key(KeyCode::Enter);
    // "Giá bao nhiêu" (Nguyễn Thị Lan) and "giá sao" (Hoàng Mỹ Linh), newest first.
    let screen = inbox.screen();
    assert!(screen.contains("Match 1 of 2 for “gia”"), "{screen}");
    assert_eq!(
        inbox.app.chat.open.as_ref().unwrap().conversation.id,
        "t_lan"
    );
    inbox.key(KeyCode::Char('n'));
    assert_eq!(
        inbox.app.chat.open.as_ref().unwrap().conversation.id,
        "t_linh"
    );
    inbox.key(KeyCode::Char('n'));
    assert_eq!(
        inbox.app.chat.open.as_ref().unwrap().conversation.id,
        "t_lan"
    );
    inbox.key(KeyCode::Char('N'));
    assert_eq!(
        inbox.app.chat.open.as_ref().unwrap().conversation.id,
        "t_linh"
    );
    inbox.key(KeyCode::Char('/'));
    inbox.keys("dam cong so");
    inbox.key(KeyCode::Enter);
    assert_eq!(
        inbox.app.chat.open.as_ref().unwrap().conversation.id,
        "t_hoa",
        "đầm found as dam"
    );
    inbox.key(KeyCode::Char('/'));
    inbox.keys("xyz");
    inbox.key(KeyCode::Enter);
    assert!(inbox.screen().contains("No match for “xyz”"));
}

#[test]
fn search_respects_diacritics_typed_and_finds_phone_numbers_however_written() {
    let mut inbox = Inbox::new(100, 30);
    let search = |inbox: &mut Inbox, typed: &str| {
        inbox.key(KeyCode::Char('/'));
        inbox.keys(typed);
        inbox.key(KeyCode::Enter);
        inbox.screen()
    };
    // "ship về Đà Nẵng" (Trần Thị Thu), not "Kem chống nắng cho da dầu" (Hoàng Mỹ Linh).
    let screen = search(&mut inbox, "Đà Nẵng");
    assert!(screen.contains("Match 1 of 1 for “Đà Nẵng”"), "{screen}");
    assert_eq!(
        inbox.app.chat.open.as_ref().unwrap().conversation.id,
        "t_thu"
    );
    // Typed without them: every spelling.
    let screen = search(&mut inbox, "da nang");
    assert!(screen.contains("Match 1 of 2 for “da nang”"), "{screen}");
    // A tone on the other vowel is the same word ("hoà", "hòa").
    let mut store = inbox.store();
    let reply = store
        .enqueue_reply(
            &"t_minh".into(),
            "Dạ shop gửi hoà tốc cho anh, sđt shop 0912.345.678",
            common::inbox::now(),
        )
        .unwrap();
    store
        .mark_reply_sent(reply, &"m_hoa_toc".into(), false, common::inbox::now())
        .unwrap();
    let screen = search(&mut inbox, "hòa tốc");
    assert!(screen.contains("Match 1 of 1 for “hòa tốc”"), "{screen}");
    for typed in ["0912345678", "+84 912 345 678", "0912 345 678"] {
        let screen = search(&mut inbox, typed);
        assert!(
            screen.contains(&format!("Match 1 of 1 for “{typed}”")),
            "{screen}"
        );
        assert_eq!(
            inbox.app.chat.open.as_ref().unwrap().conversation.id,
            "t_minh"
        );
    }
    // A hit in a conversation marked done says where it is shown.
    store
        .mark_done(&"t_thu".into(), true, common::inbox::now())
        .unwrap();
    let screen = search(&mut inbox, "Đà Nẵng");
    assert!(
        screen.contains("in a conversation marked done: shown under Done"),
        "{screen}"
    );
}

#[test]
fn space_in_settings_saves_spam_sync_for_every_process() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Char('s'));
    inbox.key(KeyCode::Char('j'));
    inbox.key(KeyCode::Char(' '));
    assert!(
        inbox.store().spam_sync(&BEAUTY.into()).unwrap(),
        "saved in the database at once"
    );
    assert!(
        inbox
            .screen()
            .contains("Spam sync on for Mỹ Phẩm Hồng Nhung.")
    );
    inbox.key(KeyCode::Char(' '));
    assert!(!inbox.store().spam_sync(&BEAUTY.into()).unwrap());
    inbox.key(KeyCode::Esc);
    assert!(inbox.app.overlay.is_none());
    // A change made by another pagedesk shows up without a key press.
    inbox.store().set_spam_sync(&BEAUTY.into(), true).unwrap();
    assert!(inbox.app.poll_database());
    inbox.key(KeyCode::Char('s'));
    assert!(inbox.screen().contains("[x] on         5m"));
}

#[test]
fn p_in_settings_saves_a_pages_phone_hiding_for_every_process() {
    let mut inbox = Inbox::new(100, 30);
    let beauty = BEAUTY.into();
    inbox.key(KeyCode::Char('s'));
    inbox.key(KeyCode::Char('j'));
    assert_eq!(inbox.store().phone_hiding(&beauty).unwrap(), None);
    inbox.key(KeyCode::Char('p'));
    inbox.app.settle_writes();
    assert_eq!(inbox.store().phone_hiding(&beauty).unwrap(), Some(true));
    let screen = inbox.screen();
    assert!(
        screen.contains("Mỹ Phẩm Hồng Nhung: new comments with a phone number will be hidden."),
        "{screen}"
    );
    let hides = |screen: &str| {
        screen
            .lines()
            .any(|l| l.contains("│Mỹ Phẩm Hồng Nhung") && l.contains("5m         [x] on"))
    };
    assert!(hides(&screen), "{screen}");
    inbox.key(KeyCode::Char('p'));
    inbox.app.settle_writes();
    assert_eq!(inbox.store().phone_hiding(&beauty).unwrap(), Some(false));
    inbox.key(KeyCode::Esc);
    // A change made by another pagedesk shows up without a key press.
    inbox.store().set_phone_hiding(&beauty, true).unwrap();
    assert!(inbox.app.poll_database());
    inbox.key(KeyCode::Char('s'));
    let screen = inbox.screen();
    assert!(hides(&screen), "{screen}");
}

#[test]
fn comments_that_cannot_be_read_are_said_on_the_status_line_and_by_w() {
    let mut inbox = Inbox::new(100, 30);
    inbox
        .store()
        .comments_read(
            &SHOP.into(),
            Err("Facebook refused: (#10) pages_read_engagement"),
            common::inbox::now() - chrono::Duration::minutes(20),
        )
        .unwrap();
    inbox.app.poll_database();
    let screen = inbox.screen();
    assert!(
        screen.contains("Thời Trang Mai Anh: comments not read since 17:10"),
        "{screen}"
    );
    inbox.key(KeyCode::Char('w'));
    let screen = inbox.screen();
    assert!(
        screen.contains("messages sync, but comments have not been read since 17:10"),
        "{screen}"
    );
    assert!(screen.contains("pages_read_engagement"), "{screen}");
}

#[test]
fn a_quick_reply_is_inserted_with_the_customers_name_and_the_page() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Enter);
    inbox.keys("/cha");
    inbox.key(KeyCode::Tab);
    assert_eq!(
        inbox.app.chat.compose.lines(),
        ["Dạ Thời Trang Mai Anh xin chào Lan ạ!"]
    );
    inbox.key(KeyCode::Enter);
    let reply = inbox
        .store()
        .messages(&"t_lan".into())
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(reply.text, "Dạ Thời Trang Mai Anh xin chào Lan ạ!");
}

#[test]
fn esc_closes_the_picker_and_a_slash_message_can_still_be_sent() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Enter);
    inbox.keys("/ch");
    assert!(inbox.app.picker_matches().is_some());
    inbox.key(KeyCode::Esc);
    assert!(inbox.app.picker_matches().is_none());
    assert_eq!(inbox.app.focus, pagedesk::ui::Pane::Compose);
    inbox.key(KeyCode::Enter);
    assert_eq!(
        inbox
            .store()
            .messages(&"t_lan".into())
            .unwrap()
            .pop()
            .unwrap()
            .text,
        "/ch"
    );
}

#[test]
fn r_retries_a_failed_reply() {
    let mut inbox = Inbox::new(100, 30);
    let mut store = inbox.store();
    let reply = store
        .enqueue_reply(&"t_lan".into(), "Dạ", common::inbox::now())
        .unwrap();
    store
        .mark_reply_failed(
            reply,
            "the access token has expired",
            pagedesk::model::ReplyProblem::Token,
            true,
        )
        .unwrap();
    inbox.app.poll_database();
    inbox.key(KeyCode::Tab);
    inbox.key(KeyCode::Char('r'));
    assert_eq!(
        inbox.commands.try_recv().unwrap(),
        EngineCommand::Deliver(reply)
    );
    let message = inbox
        .store()
        .messages(&"t_lan".into())
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(message.status, SendStatus::Pending);
}

#[test]
fn new_customer_messages_ring_the_bell_and_appear_without_a_key() {
    use pagedesk::sync::{News, SyncEvent};
    let mut inbox = Inbox::new(100, 30);
    let event = SyncEvent::PageChanged {
        page_id: SHOP.into(),
        news: News {
            messages: 1,
            customer_messages: 1,
            ..News::default()
        },
    };
    inbox.app.on_sync_event(&event);
    assert!(inbox.app.effects().contains(&Effect::Bell));
    let config =
        common::inbox::CONFIG.replace("language = \"en\"", "language = \"en\"\nnotify = false");
    let mut silent = Inbox::with_config(100, 30, &config);
    silent.app.on_sync_event(&event);
    assert!(!silent.app.effects().contains(&Effect::Bell));
}

#[test]
fn pgup_scrolls_back_through_the_whole_history() {
    let mut inbox = Inbox::new(100, 30);
    let mut store = inbox.store();
    for i in 0..60 {
        let id = store
            .enqueue_reply(
                &"t_lan".into(),
                &format!("tin nhắn số {i}"),
                common::inbox::now(),
            )
            .unwrap();
        store
            .mark_reply_sent(id, &format!("m_x{i}").into(), false, common::inbox::now())
            .unwrap();
    }
    inbox.app.poll_database();
    let screen = inbox.screen();
    assert!(
        screen.contains("tin nhắn số 59") && !screen.contains("tin nhắn số 10 "),
        "{screen}"
    );
    for _ in 0..10 {
        inbox.key(KeyCode::PageUp);
    }
    let screen = inbox.screen();
    assert!(
        screen.contains("Chào shop, váy hoa nhí"),
        "the oldest message: {screen}"
    );
    inbox.key(KeyCode::PageDown);
    inbox.key(KeyCode::PageDown);
    assert!(!inbox.screen().contains("Chào shop, váy hoa nhí"));
}

#[test]
fn the_mouse_selects_and_scrolls() {
    let mut inbox = Inbox::new(140, 40);
    let list = inbox.app.areas().list;
    let click = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: list.x + 2,
        row: list.y + 2,
        modifiers: KeyModifiers::NONE,
    };
    assert!(inbox.app.on_mouse(click));
    assert_eq!(
        inbox.app.chat.open.as_ref().unwrap().conversation.id,
        "t_thu",
        "second row"
    );
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollDown,
        ..click
    };
    inbox.app.on_mouse(wheel);
    assert_eq!(inbox.app.list.selected, 2);
    let compose = inbox.app.areas().compose;
    inbox.app.on_mouse(MouseEvent {
        column: compose.x + 2,
        row: compose.y + 1,
        ..click
    });
    assert_eq!(inbox.app.focus, pagedesk::ui::Pane::Compose);
}

#[test]
fn q_and_ctrl_c_quit_but_q_in_the_reply_box_is_a_letter() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Enter);
    inbox.key(KeyCode::Char('q'));
    assert!(!inbox.app.effects().contains(&Effect::Quit));
    assert_eq!(inbox.app.chat.compose.lines(), ["q"]);
    inbox
        .app
        .on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(inbox.app.effects().contains(&Effect::Quit));
    let mut other = Inbox::new(100, 30);
    other.key(KeyCode::Char('q'));
    assert!(other.app.effects().contains(&Effect::Quit));
}

#[test]
fn without_colour_nothing_is_coloured() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Char('2'));
    inbox.key(KeyCode::Enter);
    let buffer = inbox.terminal.backend().buffer().clone();
    for cell in buffer.content() {
        assert_eq!(cell.fg, ratatui::style::Color::Reset);
        assert_eq!(cell.bg, ratatui::style::Color::Reset);
    }
}

#[test]
fn the_status_line_says_which_page_is_syncing_and_which_has_a_problem() {
    use pagedesk::sync::SyncEvent;
    let mut inbox = Inbox::new(140, 40);
    let status = |inbox: &mut Inbox| inbox.screen().lines().rev().nth(1).unwrap().to_owned();
    assert!(status(&mut inbox).contains("Thời Trang Mai Anh: synced 12 s ago"));
    assert!(
        status(&mut inbox)
            .contains("Mỹ Phẩm Hồng Nhung: token no longer works: run pagedesk connect")
    );
    assert!(status(&mut inbox).contains("1 spam waiting, next at 17:33"));
    inbox.app.on_sync_event(&SyncEvent::Syncing {
        page_id: SHOP.into(),
    });
    assert!(status(&mut inbox).contains("Thời Trang Mai Anh: syncing…"));
    inbox.app.on_sync_event(&SyncEvent::SyncStateChanged {
        page_id: SHOP.into(),
    });
    assert!(!status(&mut inbox).contains("syncing"));
    assert!(
        inbox
            .screen()
            .starts_with("Mỹ Phẩm Hồng Nhung: the access token no longer works"),
        "the banner"
    );
    // `w` names every page that fails, the one whose token died too.
    inbox.key(KeyCode::Char('w'));
    let why = inbox.screen();
    assert!(
        why.lines()
            .any(|l| l.contains("│Mỹ Phẩm Hồng Nhung: the access token no longer works")),
        "{why}"
    );
    inbox.key(KeyCode::Esc);
    // Rate limited: nothing comes in meanwhile, and the line says so.
    let mut store = inbox.store();
    let mut state = store.page_sync(&SHOP.into()).unwrap();
    state.rate_limited_until = Some(common::inbox::now() + chrono::Duration::minutes(30));
    state.last_error = Some("Facebook asks to slow down (error 613)".into());
    store.save_page_sync(&SHOP.into(), &state).unwrap();
    inbox.app.on_sync_event(&SyncEvent::SyncStateChanged {
        page_id: SHOP.into(),
    });
    assert!(
        status(&mut inbox).contains(
            "Thời Trang Mai Anh: Facebook asks to wait until 18:00; new buyers may be waiting unseen"
        ),
        "{}",
        status(&mut inbox)
    );
}

#[test]
fn r_does_not_offer_what_facebook_forbids() {
    let mut inbox = Inbox::new(100, 30);
    let mut store = inbox.store();
    let reply = store
        .enqueue_reply(&"t_hoa".into(), "Dạ còn ạ", common::inbox::now())
        .unwrap();
    store
        .mark_reply_failed(
            reply,
            "more than 7 days since the customer's last message: Facebook allows no reply",
            pagedesk::model::ReplyProblem::SevenDays,
            false,
        )
        .unwrap();
    inbox.app.poll_database();
    inbox.key(KeyCode::Char('2'));
    inbox.key(KeyCode::Char('j'));
    assert!(!inbox.screen().contains("r: retry"));
    inbox.key(KeyCode::Char('r'));
    assert!(inbox.commands.try_recv().is_err(), "nothing sent");
    assert!(inbox.screen().contains("cannot go through"));
}

#[test]
fn a_draft_survives_closing_the_inbox() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Enter);
    inbox.keys("Dạ để em kiểm tra kho");
    // The once-a-second tick saves what is being typed.
    inbox.app.poll_database();
    let config = pagedesk::config::Config::parse(common::inbox::CONFIG).unwrap();
    inbox.app.settle_writes();
    let mut reopened = pagedesk::ui::App::new(
        inbox.store(),
        inbox.store(),
        pagedesk::ui::UiSettings::from_config(&config),
        pagedesk::ui::Theme::plain(),
        None,
    );
    reopened.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert_eq!(
        reopened.chat.open.as_ref().unwrap().conversation.id,
        "t_lan"
    );
    assert_eq!(reopened.chat.compose.lines(), ["Dạ để em kiểm tra kho"]);
    // Sending takes the draft with it.
    reopened.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    reopened.settle_writes();
    assert_eq!(inbox.store().draft(&"t_lan".into()).unwrap(), None);
}

#[test]
fn who_cannot_be_answered_is_shown_so_in_the_list_and_the_chat() {
    use pagedesk::store::ConversationUpdate;
    use pagedesk::sync::SyncEvent;
    let mut inbox = Inbox::new(100, 30);
    let before = inbox.screen();
    assert!(before.contains("tag"), "{before}");
    let changed = SyncEvent::SyncStateChanged {
        page_id: SHOP.into(),
    };

    // Facebook reports the first conversation's person as no longer reachable.
    let mut store = inbox.store();
    let row = store.conversation(&"t_lan".into()).unwrap().unwrap();
    store
        .apply_conversation(&ConversationUpdate {
            id: row.id.clone(),
            page_id: row.page_id.clone(),
            folder: pagedesk::model::Folder::Inbox,
            customer_id: row.customer_id.clone(),
            customer_name: row.customer_name.clone(),
            snippet: row.snippet.clone(),
            updated_time: row.updated_time,
            unread_estimate: 0,
            can_reply: false,
            messages: Vec::new(),
        })
        .unwrap();
    inbox.app.on_sync_event(&changed);
    let screen = inbox.screen();
    assert!(
        screen
            .lines()
            .any(|l| l.contains("Màu xanh") && l.contains("no reply")),
        "{screen}"
    );
    inbox.key(KeyCode::Enter);
    assert!(
        inbox
            .screen()
            .contains("Facebook does not let the page message this person"),
        "{}",
        inbox.screen()
    );

    // Facebook refused the page's HUMAN_AGENT replies: "tag" is no longer offered, and
    // settings say so.
    store.refuse_human_agent(&SHOP.into()).unwrap();
    inbox.app.on_sync_event(&changed);
    assert!(!inbox.screen().contains(" tag"), "{}", inbox.screen());
    inbox.key(KeyCode::Esc);
    inbox.key(KeyCode::Char('s'));
    let settings = inbox.screen();
    assert!(
        settings.lines().any(|l| l.contains("Thời Trang Mai Anh")
            && l.contains("refused by Facebook (t: try again)")),
        "{settings}"
    );
    // Meta approved the permission: `t` offers late replies again, in every inbox.
    inbox.key(KeyCode::Char('t'));
    inbox.app.settle_writes();
    assert!(!store.human_agent_refused(&SHOP.into()).unwrap());
    let settings = inbox.screen();
    assert!(
        settings.contains("Thời Trang Mai Anh: late replies go with the HUMAN_AGENT tag again"),
        "{settings}"
    );
    assert!(!settings.contains("refused by Facebook"), "{settings}");
    inbox.key(KeyCode::Esc);
    assert!(inbox.screen().contains(" tag"), "{}", inbox.screen());
}

#[test]
fn the_help_scrolls_to_its_last_binding_and_says_where_it_is() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Char('?'));
    let top = inbox.screen();
    assert!(top.contains("Keys · 1-28/148"), "{top}");
    assert!(!top.contains("Ctrl-C"), "{top}");
    inbox.key(KeyCode::Char('G'));
    let bottom = inbox.screen();
    assert!(bottom.contains("Keys · 121-148/148"), "{bottom}");
    assert!(
        bottom.contains("Ctrl-C") && bottom.contains("Esc q ?"),
        "{bottom}"
    );
    inbox.key(KeyCode::Char('k'));
    assert!(inbox.screen().contains("Keys · 120-147/148"));
    inbox.key(KeyCode::Char('q'));
    assert!(!inbox.screen().contains("Keys ·"), "q closes the help");
    assert!(!inbox.app.effects().contains(&Effect::Quit));
}

#[test]
fn d_and_u_move_a_screenful_and_home_end_reach_the_ends() {
    let mut inbox = Inbox::new(100, 30);
    let last = inbox.app.list.total() - 1;
    inbox.key(KeyCode::End);
    assert_eq!(inbox.app.list.selected, last);
    inbox.key(KeyCode::Home);
    assert_eq!(inbox.app.list.selected, 0);
    inbox.key(KeyCode::Char('d'));
    assert_eq!(inbox.app.list.selected, inbox.app.list.capacity.min(last));
    inbox.key(KeyCode::Char('u'));
    assert_eq!(inbox.app.list.selected, 0);
}

/// Another process holding the database's write lock, as the engine does while it stores a
/// large sync, until told to let go.
fn hold_write_lock(inbox: &Inbox) -> (std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let database = inbox.dir.path().join("pagedesk.db");
    let (locked, is_locked) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let connection = rusqlite::Connection::open(database).unwrap();
        connection
            .execute_batch("BEGIN IMMEDIATE; UPDATE conversations SET unread_count = unread_count;")
            .unwrap();
        locked.send(()).unwrap();
        let _ = released.recv();
        connection.execute_batch("COMMIT").unwrap();
    });
    is_locked.recv().unwrap();
    (release, holder)
}

#[test]
fn keys_go_on_while_another_process_holds_the_write_lock_and_the_reply_is_stored_once_after() {
    let mut inbox = Inbox::new(100, 30);
    let (release, holder) = hold_write_lock(&inbox);
    // Pressed straight on the app: nothing waits for the writer here.
    let press = |inbox: &mut Inbox, code: KeyCode| {
        inbox.app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
    };
    press(&mut inbox, KeyCode::Enter);
    for c in "Dạ còn ạ".chars() {
        press(&mut inbox, KeyCode::Char(c));
    }
    press(&mut inbox, KeyCode::Enter);
    press(&mut inbox, KeyCode::Esc);
    press(&mut inbox, KeyCode::Char('j'));
    // Every key was taken while the lock is still held: the box is empty, the cursor moved,
    // and nothing is in the database yet.
    assert!(inbox.app.chat.compose.is_empty());
    assert_eq!(inbox.app.list.selected, 1);
    let stored = |inbox: &Inbox| {
        inbox
            .store()
            .messages(&"t_lan".into())
            .unwrap()
            .iter()
            .filter(|m| m.text == "Dạ còn ạ")
            .count()
    };
    assert_eq!(stored(&inbox), 0);
    assert!(inbox.commands.try_recv().is_err(), "nothing to deliver yet");
    release.send(()).unwrap();
    holder.join().unwrap();
    inbox.app.settle_writes();
    assert_eq!(stored(&inbox), 1);
    assert!(matches!(
        inbox.commands.try_recv(),
        Ok(EngineCommand::Deliver(_))
    ));
    assert_eq!(unread(&inbox, "t_lan"), 0);
    assert_eq!(inbox.app.notice(), Some("Sending…"));
}

#[test]
fn a_reply_the_database_refuses_comes_back_to_the_box_unsent() {
    let mut inbox = Inbox::new(100, 30);
    let database = inbox.dir.path().join("pagedesk.db");
    let refuse = rusqlite::Connection::open(database).unwrap();
    refuse
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON messages \
             BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
        )
        .unwrap();
    inbox.key(KeyCode::Enter);
    inbox.keys("Dạ còn size M ạ");
    inbox.key(KeyCode::Enter);
    assert_eq!(inbox.app.chat.compose.lines(), ["Dạ còn size M ạ"]);
    let screen = inbox.screen();
    assert!(screen.contains("The reply was not stored"), "{screen}");
    let status = inbox.app.notice().unwrap_or_default().to_owned();
    assert!(
        status.contains("disk is full") && status.contains("back in the reply box, not sent"),
        "{status}"
    );
    assert!(inbox.commands.try_recv().is_err(), "nothing to deliver");
    refuse.execute_batch("DROP TRIGGER refuse").unwrap();
    inbox.key(KeyCode::Enter);
    assert!(inbox.app.chat.compose.is_empty());
    let sent: Vec<_> = inbox
        .store()
        .messages(&"t_lan".into())
        .unwrap()
        .into_iter()
        .filter(|m| m.text == "Dạ còn size M ạ")
        .collect();
    assert_eq!(sent.len(), 1);
}

#[test]
fn a_notice_gives_way_to_the_sync_state_and_a_failing_page_says_why_whole_at_80x24() {
    let mut inbox = Inbox::new(80, 24);
    let reason = "Facebook did not answer in time (502 Bad Gateway from graph.facebook.com) \
                  on the conversations of the inbox folder, three tries in a row; the next \
                  cycle tries again";
    inbox
        .store()
        .save_page_sync(
            &SHOP.into(),
            &pagedesk::store::PageSync {
                last_attempt: Some(common::inbox::now()),
                last_success: Some(common::inbox::now() - chrono::Duration::minutes(8)),
                last_error: Some(reason.into()),
                last_error_kind: Some(pagedesk::model::SyncErrorKind::Transient),
                failing_since: Some(common::inbox::now() - chrono::Duration::minutes(7)),
                ..Default::default()
            },
        )
        .unwrap();
    inbox.app.poll_database();
    // A notice takes the status line for a while.
    inbox.key(KeyCode::Char('/'));
    inbox.keys("không có đâu");
    inbox.key(KeyCode::Enter);
    let status_line = |inbox: &mut Inbox| inbox.screen().lines().rev().nth(1).unwrap().to_owned();
    assert!(status_line(&mut inbox).contains("No match"));
    // Still there after 4 s; gone after 5 s, and the failing page shows with since when.
    let said = inbox.app.status.notice.as_ref().unwrap().shown;
    inbox.app.tick(said + std::time::Duration::from_secs(4));
    assert!(status_line(&mut inbox).contains("No match"));
    inbox.app.tick(said + std::time::Duration::from_secs(5));
    let screen = inbox.screen();
    assert!(
        status_line(&mut inbox).starts_with("Thời Trang Mai Anh: Facebook not answering since"),
        "{screen}"
    );
    // The state and the reason, whole, wrapped above the status line.
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let expected = format!(
        "⚠ Thời Trang Mai Anh: Facebook not answering since 17:23, retrying. Why: {}",
        words(reason)
    );
    assert!(words(&screen).contains(&expected), "{screen}");
    // Another page selected: its own state, not this page's reason.
    inbox.key(KeyCode::Char(']'));
    inbox.key(KeyCode::Char(']'));
    assert!(
        !inbox.screen().contains("502 Bad Gateway"),
        "{}",
        inbox.screen()
    );
}

#[test]
fn esc_and_a_key_arriving_together_are_esc_then_the_key_not_a_letter_in_the_reply() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Enter);
    inbox.keys("Dạ");
    // Esc j, read by the terminal as Alt-j.
    inbox
        .app
        .on_key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::ALT));
    inbox.app.settle_writes();
    assert_eq!(inbox.app.focus, pagedesk::ui::Pane::List);
    assert_eq!(inbox.app.list.selected, 1, "j moved down the list");
    let mine = inbox.store().as_staff(&inbox.app.settings.staff);
    assert_eq!(mine.draft(&"t_lan".into()).unwrap().as_deref(), Some("Dạ"));
    // Alt-Enter is a binding: a new line, not Esc then Enter.
    inbox.key(KeyCode::Enter);
    inbox.keys("a");
    inbox
        .app
        .on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT));
    inbox.keys("b");
    assert_eq!(inbox.app.chat.compose.lines(), ["a", "b"]);
    assert_eq!(inbox.app.focus, pagedesk::ui::Pane::Compose);
}

#[test]
fn a_waiting_reply_can_be_taken_back_or_edited_until_it_is_being_sent() {
    let mut inbox = Inbox::new(100, 30);
    let mut store = inbox.store();
    let typo = store
        .enqueue_reply(
            &"t_lan".into(),
            "Dạ còn size S ạ, giá 35.000đ",
            common::inbox::now(),
        )
        .unwrap();
    inbox.app.poll_database();
    inbox.key(KeyCode::Enter);
    inbox.keys("chị ơi");
    inbox.key(KeyCode::Esc);
    // e: the waiting reply comes back into the box, before what was typed; nothing is stored.
    inbox.key(KeyCode::Char('e'));
    assert_eq!(
        inbox.app.chat.compose.lines(),
        ["Dạ còn size S ạ, giá 35.000đ", "chị ơi"]
    );
    assert_eq!(inbox.app.focus, pagedesk::ui::Pane::Compose);
    // The cursor waits at the end of the reply taken back: typing goes on after it.
    inbox.keys(" nhé");
    assert_eq!(
        inbox.app.chat.compose.lines(),
        ["Dạ còn size S ạ, giá 35.000đ nhé", "chị ơi"]
    );
    assert!(
        store.reply_state(typo).unwrap().is_none(),
        "gone from the outbox"
    );
    assert!(store.due_replies(common::inbox::now()).unwrap().is_empty());
    assert_eq!(
        inbox.app.notice(),
        Some("Reply taken back into the box; nothing was sent.")
    );
    assert!(
        inbox.store().search("35.000", 10).unwrap().is_empty(),
        "nor in the search"
    );

    // x: a failed reply is deleted.
    let failed = store
        .enqueue_reply(&"t_lan".into(), "Dạ hết hàng ạ", common::inbox::now())
        .unwrap();
    store
        .mark_reply_failed(
            failed,
            "refused",
            pagedesk::model::ReplyProblem::Refused,
            false,
        )
        .unwrap();
    inbox.app.poll_database();
    inbox.key(KeyCode::Esc);
    inbox.key(KeyCode::Char('x'));
    assert!(store.reply_state(failed).unwrap().is_none());
    assert!(!inbox.screen().contains("Dạ hết hàng ạ"));

    // Once a pagedesk has claimed a reply to send it, it is too late.
    let claimed = store
        .enqueue_reply(&"t_lan".into(), "Dạ vâng", common::inbox::now())
        .unwrap();
    let claimant = pagedesk::store::Claimant {
        holder: "another pagedesk",
        pid: std::process::id(),
        alive: &|_, _| true,
    };
    assert!(
        store
            .claim_reply(
                claimed,
                &claimant,
                chrono::Utc::now(),
                chrono::Utc::now() + chrono::Duration::minutes(2)
            )
            .unwrap()
    );
    inbox.app.poll_database();
    inbox.key(KeyCode::Char('x'));
    assert!(store.reply_state(claimed).unwrap().is_some(), "still there");
    assert!(inbox.app.notice().unwrap().starts_with("Too late"));
    // One whose send may have reached Facebook (its answer lost) is taken back from the outbox
    // but stays, looked for on Facebook, until the engine knows.
    store
        .postpone_reply(
            claimed,
            common::inbox::now(),
            "lost",
            pagedesk::model::ReplyProblem::Facebook,
        )
        .unwrap();
    store
        .connection()
        .execute(
            "UPDATE outbox SET outcome_unknown = 1, first_attempt_at = ?2 WHERE message_id = ?1",
            [claimed, common::inbox::now().timestamp()],
        )
        .unwrap();
    inbox.app.poll_database();
    inbox.key(KeyCode::Char('x'));
    assert!(store.reply_state(claimed).unwrap().is_some(), "still there");
    assert!(
        inbox
            .app
            .notice()
            .unwrap()
            .starts_with("Taken back: it will not be tried again."),
        "{:?}",
        inbox.app.notice()
    );
    assert!(
        inbox.screen().contains("17:30 ⟲ taken back"),
        "{}",
        inbox.screen()
    );
}

#[test]
fn an_empty_reply_is_refused_without_storing_anything() {
    let mut inbox = Inbox::new(100, 30);
    let before = inbox.store().messages(&"t_lan".into()).unwrap().len();
    inbox.key(KeyCode::Enter);
    inbox.keys("   ");
    inbox.key(KeyCode::Enter);
    assert_eq!(
        inbox.store().messages(&"t_lan".into()).unwrap().len(),
        before
    );
    assert!(inbox.commands.try_recv().is_err());
    let refused = inbox
        .store()
        .enqueue_reply(&"t_lan".into(), " \t\n ", common::inbox::now());
    assert!(matches!(
        refused,
        Err(pagedesk::store::StoreError::EmptyReply)
    ));
    assert_eq!(
        inbox.store().messages(&"t_lan".into()).unwrap().len(),
        before
    );
}

#[test]
fn the_reply_box_wraps_counts_down_to_2000_and_refuses_what_facebook_would() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Enter);
    let long = "Dạ chị ơi, mẫu váy hoa nhí này còn đủ size S M L, chất voan lụa hai lớp, \
                giao trong ngày nội thành, đổi trả trong bảy ngày nếu không vừa ạ.";
    inbox.keys(long);
    let screen = inbox.screen();
    // Wrapped inside the box, not scrolled sideways: its start and its end both show.
    assert!(
        screen.contains("Dạ chị ơi, mẫu váy hoa nhí") && screen.contains("không vừa ạ."),
        "{screen}"
    );
    let left = 2000 - long.chars().count();
    assert!(
        screen.contains(&format!("23h left · {left} characters left")),
        "{screen}"
    );

    // Over 2000: said before Enter, and Enter stores nothing.
    let before = inbox.store().messages(&"t_lan".into()).unwrap().len();
    assert!(
        inbox
            .app
            .on_paste(&"x".repeat(2000 - long.chars().count() + 5))
    );
    assert!(inbox.screen().contains("5 characters over Facebook's 2000"));
    inbox.key(KeyCode::Enter);
    assert_eq!(
        inbox.store().messages(&"t_lan".into()).unwrap().len(),
        before
    );
    assert!(
        inbox
            .app
            .notice()
            .unwrap()
            .starts_with("Not sent: the reply is 2005 characters long")
    );
    assert!(inbox.commands.try_recv().is_err());

    // A conversation past 7 days takes no reply: said in the box, refused on Enter.
    inbox.key(KeyCode::Esc);
    inbox.key(KeyCode::End);
    inbox.key(KeyCode::Enter);
    assert_eq!(
        inbox.app.chat.open.as_ref().unwrap().conversation.id,
        "t_hoa"
    );
    assert!(inbox.screen().contains("closed · 2000 characters left"));
    inbox.keys("Dạ còn ạ");
    let before = inbox.store().messages(&"t_hoa".into()).unwrap().len();
    inbox.key(KeyCode::Enter);
    assert_eq!(
        inbox.store().messages(&"t_hoa".into()).unwrap().len(),
        before
    );
    assert_eq!(inbox.app.chat.compose.lines(), ["Dạ còn ạ"]);
    assert!(
        inbox.app.notice().unwrap().contains("more than 7 days"),
        "{:?}",
        inbox.app.notice()
    );
}

#[test]
fn the_list_says_how_long_each_buyer_has_waited_and_finds_who_waited_longest() {
    let mut inbox = Inbox::new(100, 30);
    let screen = inbox.screen();
    assert!(
        screen
            .lines()
            .any(|l| l.contains("Nguyễn Thị Lan") && l.contains("waiting 3m")),
        "{screen}"
    );
    // Written to twice since the page answered: when last, and waiting since the first.
    assert!(
        screen
            .lines()
            .any(|l| l.contains("Trần Thị Thu") && l.contains("12m · waiting 14m")),
        "{screen}"
    );
    // Answered: the last activity instead.
    assert!(
        screen
            .lines()
            .any(|l| l.contains("Trần Văn Minh") && l.contains(" 1d│")),
        "{screen}"
    );
    // Under All pages, each row says its page where the buyer's words leave room; where they
    // do not, the words win (the chat's header names the page).
    assert!(
        screen
            .lines()
            .any(|l| l.contains("Shop ơi? 👋") && l.contains("Thời Tran… · 23h left")),
        "{screen}"
    );
    assert!(
        screen
            .lines()
            .any(|l| l.contains("Kem chống nắng cho da dầu") && !l.contains("Mỹ Phẩm")),
        "{screen}"
    );

    // O: the Unreplied list, the customer waiting longest first.
    inbox.key(KeyCode::Char('O'));
    let names: Vec<String> = inbox
        .app
        .list
        .rows
        .iter()
        .map(|c| c.customer_name.clone())
        .collect();
    assert_eq!(
        names,
        [
            "Phạm Thị Hoa",
            "Hoàng Mỹ Linh",
            "Trần Thị Thu",
            "Nguyễn Thị Lan"
        ]
    );
    assert!(inbox.screen().contains("Unreplied (4) · oldest first"));
    // The open conversation keeps its place in that order when the list is read again.
    inbox.key(KeyCode::Char('j'));
    inbox.app.poll_database();
    inbox
        .app
        .on_sync_event(&pagedesk::sync::SyncEvent::SyncStateChanged {
            page_id: SHOP.into(),
        });
    assert_eq!(
        inbox.app.selected_conversation().unwrap().customer_name,
        "Hoàng Mỹ Linh"
    );
    inbox.key(KeyCode::Char('O'));
    assert_eq!(
        inbox.app.list.rows[0].customer_name, "Nguyễn Thị Lan",
        "newest first again"
    );

    // U: the next unread conversation, from the top again after the last.
    inbox.key(KeyCode::Char('1'));
    inbox.key(KeyCode::Char('j'));
    inbox.key(KeyCode::Char('j'));
    assert_eq!(
        inbox.app.selected_conversation().unwrap().customer_name,
        "Hoàng Mỹ Linh"
    );
    inbox.key(KeyCode::Char('U'));
    assert_eq!(
        inbox.app.selected_conversation().unwrap().customer_name,
        "Phạm Thị Hoa"
    );
    inbox.key(KeyCode::Char('U'));
    assert_eq!(
        inbox.app.selected_conversation().unwrap().customer_name,
        "Nguyễn Thị Lan"
    );
}

#[test]
fn a_reply_facebook_did_not_take_marks_its_row_and_bang_goes_to_the_next_one() {
    let mut inbox = Inbox::new(140, 40);
    inbox.key(KeyCode::Char('!'));
    assert!(
        inbox
            .screen()
            .contains("No reply waiting to be sent again here."),
        "{}",
        inbox.screen()
    );
    let mut store = inbox.store();
    for conversation in ["t_thu", "t_hoa"] {
        common::inbox::fail_a_reply(&mut store, conversation);
    }
    inbox
        .app
        .on_sync_event(&pagedesk::sync::SyncEvent::SyncStateChanged {
            page_id: SHOP.into(),
        });
    let screen = inbox.screen();
    for name in ["Trần Thị Thu", "Phạm Thị Hoa"] {
        assert!(
            screen
                .lines()
                .any(|l| l.contains(name) && l.matches("✗ not sent").count() == 1),
            "{screen}"
        );
    }
    // Narrower, and for a buyer outside Spam: once, with the wait kept whole.
    common::inbox::fail_a_reply(&mut store, "t_linh");
    for width in [70, 80, 100] {
        inbox.resize(width, 40);
        inbox.app.poll_database();
        let screen = inbox.screen();
        let row = screen
            .lines()
            .find(|l| l.contains("Hoàng Mỹ"))
            .unwrap_or_default();
        assert!(
            row.matches('✗').count() == 1 && row.contains("waiting 40m│"),
            "{width}: {screen}"
        );
    }
    inbox.resize(140, 40);
    assert!(
        !screen
            .lines()
            .any(|l| l.contains("Nguyễn Thị Lan") && l.contains("✗")),
        "{screen}"
    );
    let selected = |inbox: &Inbox| {
        inbox
            .app
            .selected_conversation()
            .unwrap()
            .customer_name
            .clone()
    };
    inbox.key(KeyCode::Char('!'));
    assert_eq!(selected(&inbox), "Trần Thị Thu");
    inbox.key(KeyCode::Char('!'));
    assert_eq!(selected(&inbox), "Hoàng Mỹ Linh");
    inbox.key(KeyCode::Char('!'));
    assert_eq!(selected(&inbox), "Phạm Thị Hoa");
    inbox.key(KeyCode::Char('!'));
    assert_eq!(selected(&inbox), "Trần Thị Thu", "from the top again");
    // 7: only those, first.
    inbox.key(KeyCode::Char('7'));
    let names: Vec<&str> = inbox
        .app
        .list
        .rows
        .iter()
        .map(|c| c.customer_name.as_str())
        .collect();
    assert_eq!(names, ["Trần Thị Thu", "Hoàng Mỹ Linh", "Phạm Thị Hoa"]);
    assert_eq!(inbox.app.list.counts.not_sent, 3);
    assert!(inbox.screen().contains("7 Not sent"), "{}", inbox.screen());
}

#[test]
fn a_buyers_messages_within_a_minute_share_one_header() {
    use common::inbox::{conversation, message};
    let mut inbox = Inbox::new(100, 30);
    let mut store = inbox.store();
    let at = |id: &str, text: &str, seconds_ago: i64| {
        let mut m = message(id, SHOP, false, "Lê Thu Hà", text, 0);
        m.created_time = common::inbox::now() - chrono::Duration::seconds(seconds_ago);
        m
    };
    conversation(
        &mut store,
        "t_ha",
        SHOP,
        "Lê Thu Hà",
        pagedesk::model::Folder::Inbox,
        0,
        vec![
            at("m_h1", "Shop ơi", 200),
            at("m_h2", "Váy hoa còn không", 190),
            at("m_h3", "Size M nha", 170),
            at("m_h4", "Shop ơi??", 60),
        ],
    );
    inbox.app.poll_database();
    inbox.key(KeyCode::Char('g'));
    inbox.key(KeyCode::Enter);
    let screen = inbox.screen();
    assert_eq!(
        inbox.app.chat.open.as_ref().unwrap().conversation.id,
        "t_ha"
    );
    let headers = screen.matches("← Lê Thu Hà ·").count();
    assert_eq!(
        headers, 2,
        "three within a minute, then one later: {screen}"
    );
    for text in ["Shop ơi", "Váy hoa còn không", "Size M nha", "Shop ơi??"] {
        assert!(screen.contains(text), "{screen}");
    }
}

#[test]
fn the_spam_banner_asks_for_a_reply_only_where_one_can_be_sent() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Char('2'));
    inbox.key(KeyCode::Enter);
    assert!(
        inbox.screen().contains("Reply to remove"),
        "Trần Thị Thu wrote 12 minutes ago: {}",
        inbox.screen()
    );
    inbox.key(KeyCode::Esc);
    while inbox.app.focus != pagedesk::ui::Pane::List {
        inbox.key(KeyCode::Tab);
    }
    inbox.key(KeyCode::Char('j'));
    inbox.key(KeyCode::Enter);
    let screen = inbox.screen();
    assert_eq!(
        inbox.app.chat.open.as_ref().unwrap().conversation.id,
        "t_hoa"
    );
    assert!(
        screen.contains("Its reply window") && !screen.contains("Reply to remove"),
        "Phạm Thị Hoa wrote 8 days ago: {screen}"
    );
}

#[test]
fn the_reply_boxs_editing_keys_work_and_are_in_the_help() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Enter);
    inbox.keys("Dạ còn hàng");
    let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    inbox.app.on_key(ctrl('w'));
    assert_eq!(inbox.app.chat.compose.lines(), ["Dạ còn "]);
    inbox.app.on_key(ctrl('u'));
    assert_eq!(inbox.app.chat.compose.lines(), ["Dạ còn hàng"], "undone");
    inbox.key(KeyCode::Esc);
    inbox.key(KeyCode::Char('?'));
    let mut help = String::new();
    for _ in 0..5 {
        help.push_str(&inbox.screen());
        inbox.key(KeyCode::Char('d'));
    }
    assert!(
        help.contains("Ctrl-W        delete the word before the cursor")
            && help.contains("Ctrl-K Ctrl-J delete to the end"),
        "{help}"
    );
}

#[test]
fn passing_over_a_conversation_in_the_list_does_not_tell_colleagues_it_is_open() {
    use std::time::{Duration, Instant};
    let mut inbox = Inbox::new(100, 30);
    let here = |inbox: &Inbox, conversation: &ConversationId| {
        inbox
            .store()
            .presence_in(conversation, "", chrono::DateTime::UNIX_EPOCH)
            .unwrap()
            .len()
    };
    while inbox.app.focus != pagedesk::ui::Pane::List {
        inbox.key(KeyCode::Tab);
    }
    inbox.key(KeyCode::Char('j'));
    let passing = inbox
        .app
        .chat
        .open
        .as_ref()
        .unwrap()
        .conversation
        .id
        .clone();
    let start = Instant::now();
    inbox.app.update_presence(start);
    inbox.app.settle_writes();
    assert_eq!(here(&inbox, &passing), 0, "shown in passing");
    // Staying on it a few seconds: looked at.
    inbox.app.update_presence(start + Duration::from_secs(4));
    inbox.app.settle_writes();
    assert_eq!(here(&inbox, &passing), 1);
    // Going into another (Enter): at once.
    inbox.key(KeyCode::Char('j'));
    inbox.key(KeyCode::Enter);
    let opened = inbox
        .app
        .chat
        .open
        .as_ref()
        .unwrap()
        .conversation
        .id
        .clone();
    assert_ne!(opened, passing);
    inbox.app.update_presence(Instant::now());
    inbox.app.settle_writes();
    assert_eq!((here(&inbox, &passing), here(&inbox, &opened)), (0, 1));
}

#[test]
fn a_replys_failure_is_said_once_and_goes_like_any_notice() {
    use std::time::{Duration, Instant};
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Enter);
    inbox.keys("Dạ còn ạ");
    inbox.key(KeyCode::Enter);
    inbox.app.settle_writes();
    let mut store = inbox.store();
    let reply = store.messages(&"t_lan".into()).unwrap().pop().unwrap();
    store
        .mark_reply_failed(
            reply.row,
            "this person isn't available right now (Facebook error 551)",
            pagedesk::model::ReplyProblem::Unavailable,
            true,
        )
        .unwrap();
    inbox.app.poll_database();
    assert!(
        inbox
            .app
            .notice()
            .is_some_and(|n| n.starts_with("Reply not sent")),
        "{:?}",
        inbox.app.notice()
    );
    inbox.app.tick(Instant::now() + Duration::from_secs(6));
    assert_eq!(inbox.app.notice(), None);
    // Other processes keep writing (presence, syncs): it is not said again.
    for on in [true, false] {
        store.set_spam_sync(&SHOP.into(), on).unwrap();
        inbox.app.poll_database();
        assert_eq!(inbox.app.notice(), None);
    }
}

#[test]
fn a_done_conversation_is_not_shown_as_waiting() {
    let mut inbox = Inbox::new(100, 30);
    inbox
        .store()
        .mark_done(&"t_linh".into(), true, common::inbox::now())
        .unwrap();
    inbox.app.poll_database();
    inbox.key(KeyCode::Char('5'));
    let screen = inbox.screen();
    let row = screen
        .lines()
        .find(|l| l.contains("│● Hoàng Mỹ Linh"))
        .unwrap_or_default();
    assert!(
        !row.contains("waiting") && row.contains(" 40m│"),
        "{screen}"
    );
}

#[test]
fn quitting_with_a_reply_not_sent_says_it_will_still_go_out() {
    let mut inbox = Inbox::new(100, 30);
    inbox
        .store()
        .enqueue_reply(&"t_lan".into(), "Dạ còn ạ", common::inbox::now())
        .unwrap();
    inbox.key(KeyCode::Char('q'));
    assert!(!inbox.app.effects().contains(&Effect::Quit));
    let notice = inbox.app.notice().unwrap().to_owned();
    assert!(
        notice.starts_with("1 reply is not sent yet") && notice.contains("q again quits"),
        "{notice}"
    );
    inbox.key(KeyCode::Char('q'));
    assert!(inbox.app.effects().contains(&Effect::Quit));

    // Once the warning has gone from the screen, q warns again rather than quitting.
    let mut inbox = Inbox::new(100, 30);
    inbox
        .store()
        .enqueue_reply(&"t_lan".into(), "Dạ còn ạ", common::inbox::now())
        .unwrap();
    inbox.key(KeyCode::Char('q'));
    inbox.key(KeyCode::Char('!'));
    inbox.key(KeyCode::Char('q'));
    assert!(!inbox.app.effects().contains(&Effect::Quit), "warned again");
    inbox.key(KeyCode::Char('q'));
    assert!(inbox.app.effects().contains(&Effect::Quit));

    // In Vietnamese the warning is longer than the line: wrapped, its key read whole.
    let config = common::inbox::CONFIG.replace("language = \"en\"", "language = \"vi\"");
    let mut inbox = Inbox::with_config(100, 30, &config);
    inbox
        .store()
        .enqueue_reply(&"t_lan".into(), "Dạ còn ạ", common::inbox::now())
        .unwrap();
    inbox.key(KeyCode::Char('q'));
    let screen = inbox.screen();
    let bottom: Vec<&str> = screen.lines().rev().skip(1).take(2).collect();
    assert!(
        bottom[0].trim_end().ends_with("Nhấn q lần nữa để thoát.")
            && bottom[1].starts_with("1 tin chưa gửi: tin vẫn nằm trong hộp thư đi"),
        "{screen}"
    );
}

#[test]
fn a_reason_longer_than_the_screen_has_room_for_is_shown_whole_on_w() {
    let mut inbox = Inbox::new(80, 24);
    let reason: Vec<String> = (1..=16)
        .map(|n| format!("part {n} of what Facebook answered (#2), an unexpected error;"))
        .collect();
    let reason = reason.join(" ");
    inbox
        .store()
        .save_page_sync(
            &SHOP.into(),
            &pagedesk::store::PageSync {
                last_attempt: Some(common::inbox::now()),
                last_error: Some(reason.clone()),
                last_error_kind: Some(pagedesk::model::SyncErrorKind::Facebook),
                failing_since: Some(common::inbox::now() - chrono::Duration::minutes(7)),
                ..Default::default()
            },
        )
        .unwrap();
    inbox.app.poll_database();
    let screen = inbox.screen();
    assert!(screen.contains("… w shows why in full"), "{screen}");
    inbox.key(KeyCode::Char('w'));
    // What the window holds, screen after screen (its lines between its borders).
    let inside = |screen: &str| {
        let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
        let top = lines
            .iter()
            .position(|l| {
                l.iter()
                    .collect::<String>()
                    .contains("┌Why pages do not sync")
            })
            .expect("the window is open");
        let left = lines[top].iter().position(|c| *c == '┌').unwrap();
        let right = left + lines[top][left..].iter().position(|c| *c == '┐').unwrap();
        lines[top + 1..]
            .iter()
            .take_while(|l| l.get(left) != Some(&'└'))
            .map(|l| l[left + 1..right.min(l.len())].iter().collect::<String>())
            .collect::<Vec<_>>()
    };
    let mut seen = Vec::new();
    for _ in 0..5 {
        for line in inside(&inbox.screen()) {
            if !seen.contains(&line) {
                seen.push(line);
            }
        }
        inbox.key(KeyCode::Char('d'));
    }
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let shown = words(&seen.join(" "));
    assert!(shown.contains(&words(&reason)), "{shown}");
    assert!(
        shown.starts_with("⚠ Thời Trang Mai Anh: not syncing since 17:23. Why:"),
        "{shown}"
    );
    inbox.key(KeyCode::Esc);
    assert!(inbox.app.overlay.is_none());
}

#[test]
fn a_waiting_file_taken_back_to_edit_goes_back_onto_the_reply() {
    let mut inbox = Inbox::new(100, 30);
    let photo = inbox.dir.path().join("vay-do.png");
    std::fs::write(&photo, b"\x89PNG dress").unwrap();
    let file = pagedesk::files::OutgoingFile::check(&photo).unwrap();
    let ids = inbox
        .store()
        .enqueue_reply_with_files(
            &"t_lan".into(),
            "Dạ ảnh đây ạ",
            std::slice::from_ref(&file),
            common::inbox::now(),
        )
        .unwrap();
    assert_eq!(ids.len(), 2, "the text, then the file");
    inbox.app.poll_database();
    inbox.key(KeyCode::Enter);
    inbox.key(KeyCode::Esc);
    // e takes the newest part back: the file, onto the reply, not into the text.
    inbox.key(KeyCode::Char('e'));
    assert_eq!(inbox.app.attached_here(), std::slice::from_ref(&file));
    assert!(inbox.app.chat.compose.is_empty());
    let screen = inbox.screen();
    assert!(
        screen.contains("Reply · 📎 1: vay-do.png (10 B)"),
        "{screen}"
    );
    let due = inbox.store().due_replies(common::inbox::now()).unwrap();
    assert_eq!(
        due.iter().map(|r| r.message_id).collect::<Vec<_>>(),
        [ids[0]]
    );
    // Kept like the draft: an inbox opened after this one closes has the file on the reply.
    inbox.app.settle_writes();
    let mut reopened = pagedesk::ui::App::new(
        inbox.store(),
        inbox.store(),
        pagedesk::ui::UiSettings::from_config(
            &pagedesk::config::Config::parse(common::inbox::CONFIG).unwrap(),
        ),
        pagedesk::ui::Theme::plain(),
        None,
    );
    reopened.on_key(crossterm::event::KeyEvent::new(
        KeyCode::Enter,
        crossterm::event::KeyModifiers::NONE,
    ));
    assert_eq!(reopened.attached_here(), std::slice::from_ref(&file));
    // Backspace in the empty box takes it off the reply, and out of the database.
    inbox.key(KeyCode::Backspace);
    assert!(inbox.app.attached_here().is_empty());
    assert!(
        inbox
            .store()
            .draft_files(&"t_lan".into())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_status_line_says_live_while_webhooks_arrive_and_since_when_they_stopped() {
    let mut inbox = Inbox::new(140, 40);
    let status = |inbox: &mut Inbox| inbox.screen().lines().rev().nth(1).unwrap().to_owned();
    let now = common::inbox::now();
    // `pagedesk serve` runs the engine: it receives the webhooks.
    let engine = |store: pagedesk::store::Store, holder: &str, receives_webhooks: bool| {
        let mut store = store;
        let claimant = pagedesk::store::Claimant {
            holder,
            pid: std::process::id(),
            alive: &|_, _| true,
        };
        let real_now = chrono::Utc::now();
        store
            .take_lease(
                &claimant,
                receives_webhooks,
                real_now,
                real_now + chrono::Duration::seconds(6),
            )
            .unwrap()
    };
    engine(inbox.store(), "serve", true);
    inbox
        .store()
        .webhook_arrived(&SHOP.into(), now - chrono::Duration::minutes(10))
        .unwrap();
    inbox.app.poll_database();
    assert!(
        status(&mut inbox).contains("Thời Trang Mai Anh: live (polled 12 s ago)"),
        "{}",
        status(&mut inbox)
    );
    // A poll found what no event brought.
    inbox.store().webhooks_missed(&SHOP.into(), now).unwrap();
    inbox.app.poll_database();
    let since = common::inbox::clock().hm(now - chrono::Duration::minutes(10));
    assert!(
        status(&mut inbox).contains(&format!(
            "Thời Trang Mai Anh: polling, webhooks not arriving since {since}"
        )),
        "{}",
        status(&mut inbox)
    );
    // An event again: live again.
    inbox.store().webhook_arrived(&SHOP.into(), now).unwrap();
    inbox.app.poll_database();
    assert!(status(&mut inbox).contains("Thời Trang Mai Anh: live"));
    // `serve` stops; an inbox's engine, which receives none, takes over: it polls, and says so.
    inbox.store().release_lease("serve").unwrap();
    engine(inbox.store(), "an inbox", false);
    inbox.app.poll_database();
    let line = status(&mut inbox);
    assert!(
        line.contains("Thời Trang Mai Anh: synced 12 s ago") && !line.contains("live"),
        "{line}"
    );
}

#[test]
fn d_marks_the_conversation_done_5_shows_the_done_ones_and_d_takes_it_back() {
    let mut inbox = Inbox::new(140, 40);
    let first = inbox.app.selected_conversation().unwrap().clone();
    let all_before = inbox.app.list.counts.all;
    inbox.key(KeyCode::Char('D'));
    let screen = inbox.screen();
    assert!(
        screen.contains(&format!("{}: done (D takes it back)", first.customer_name)),
        "{screen}"
    );
    assert_eq!(inbox.app.list.counts.all, all_before - 1);
    assert!(inbox.app.list.rows.iter().all(|c| c.id != first.id));
    let stored = inbox.store().conversation(&first.id).unwrap().unwrap();
    assert_eq!(
        stored.done_by.as_deref(),
        Some(inbox.app.settings.staff.as_str())
    );
    // Search finds it among the Done ones.
    inbox.key(KeyCode::Char('/'));
    inbox.keys(&first.customer_name);
    inbox.key(KeyCode::Enter);
    assert_eq!(inbox.app.list.filter, Filter::Done);
    assert_eq!(
        inbox.app.chat.open.as_ref().unwrap().conversation.id,
        first.id
    );
    inbox.key(KeyCode::Char('1'));
    inbox.key(KeyCode::Char('5'));
    assert_eq!(inbox.app.list.filter, Filter::Done);
    let ids: Vec<&str> = inbox.app.list.rows.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, [first.id.as_str()]);
    assert!(inbox.screen().contains("Done (1)"), "{}", inbox.screen());
    inbox.key(KeyCode::Char('D'));
    assert!(
        inbox
            .screen()
            .contains(&format!("{}: not done", first.customer_name))
    );
    assert!(inbox.app.list.rows.is_empty());
    assert_eq!(inbox.app.list.counts.all, all_before);
}

#[test]
fn a_gives_the_conversation_to_a_staff_member_and_f_narrows_the_list_to_a_label() {
    let config = format!(
        "{}\n[[staff]]\nname = \"Hà\"\n[[staff]]\nname = \"Minh\"\n",
        common::inbox::CONFIG
    );
    let mut inbox = Inbox::with_config(140, 40, &config);
    // Lan's, the newest, is selected.
    inbox.key(KeyCode::Char('a'));
    assert!(inbox.screen().contains("Assign Nguyễn Thị Lan to"));
    inbox.key(KeyCode::Char('j'));
    inbox.key(KeyCode::Enter);
    let lan = inbox
        .store()
        .conversation(&"t_lan".into())
        .unwrap()
        .unwrap();
    assert_eq!(lan.assignee.as_deref(), Some("Minh"));
    let screen = inbox.screen();
    assert!(screen.contains("→Minh"), "{screen}");
    assert!(
        screen.contains("Nguyễn Thị Lan: assigned to Minh"),
        "{screen}"
    );
    // Back to nobody: the last row of the picker.
    inbox.key(KeyCode::Char('a'));
    inbox.key(KeyCode::Char('G'));
    inbox.key(KeyCode::Enter);
    let lan = inbox
        .store()
        .conversation(&"t_lan".into())
        .unwrap()
        .unwrap();
    assert_eq!(lan.assignee, None);

    inbox.key(KeyCode::Char('l'));
    inbox.keys("gấp");
    inbox.key(KeyCode::Enter);
    inbox.key(KeyCode::Esc);
    inbox.key(KeyCode::Char('f'));
    inbox.keys("gap");
    inbox.key(KeyCode::Enter);
    inbox.key(KeyCode::Esc);
    let screen = inbox.screen();
    assert!(screen.contains("All (1) · Labels: gấp (any)"), "{screen}");
    assert_eq!(inbox.app.list.total(), 1);
    assert!(!screen.contains("Trần Thị Thu"), "{screen}");
    // Taken out of the filter again: the whole list.
    inbox.key(KeyCode::Char('f'));
    inbox.key(KeyCode::Enter);
    inbox.key(KeyCode::Esc);
    assert_eq!(inbox.app.list.total(), 5);
    // Renamed from its old name; Esc while renaming keeps it.
    let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    inbox.key(KeyCode::Char('l'));
    inbox.app.on_key(ctrl('r'));
    assert!(inbox.screen().contains("Rename “gấp” · Enter saves"));
    inbox.key(KeyCode::Esc);
    assert!(inbox.screen().contains("Labels of Nguyễn Thị Lan"));
    inbox.app.on_key(ctrl('r'));
    for _ in 0.."gấp".chars().count() {
        inbox.key(KeyCode::Backspace);
    }
    inbox.keys("giao gấp");
    inbox.key(KeyCode::Enter);
    let labels = inbox.store().labels().unwrap();
    assert_eq!(labels[0].name, "giao gấp");
    assert!(inbox.screen().contains("Label renamed: giao gấp"));
    // Deleting asks first, saying how many conversations carry it (one: not "conversations").
    inbox.app.on_key(ctrl('d'));
    assert!(
        inbox
            .screen()
            .contains("Delete label “giao gấp” from 1 conversation? Ctrl-d again"),
        "{}",
        inbox.screen()
    );
    // A colleague creates another label, listed first; the last row is chosen and deleted.
    // The inbox reads the database again (that colleague writing) before the writer's answer
    // comes, so the catalogue no longer has it: the notice still names it, and the cursor
    // moves onto the row that is left.
    inbox
        .store()
        .create_label("an toàn", None, common::inbox::now())
        .unwrap();
    inbox.app.read_changes();
    inbox.key(KeyCode::Down);
    inbox.app.on_key(ctrl('d'));
    inbox.app.settle_writes();
    inbox.app.on_key(ctrl('d'));
    let start = std::time::Instant::now();
    while inbox.store().labels().unwrap().len() > 1 {
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    inbox.app.read_changes();
    inbox.app.settle_writes();
    let screen = inbox.screen();
    assert!(
        screen.contains("Label “giao gấp” deleted from 1 conversation"),
        "{screen}"
    );
    let Some(pagedesk::ui::Overlay::Labels(picker)) = &inbox.app.overlay else {
        panic!("the picker stays open");
    };
    assert_eq!(picker.selected, 0, "on the one row left");
}

#[test]
fn a_note_goes_to_the_customer_the_panel_shows_even_if_the_list_moved_meanwhile() {
    let mut inbox = Inbox::new(140, 40);
    // Lan's, the newest, is selected: her panel opens and a note is begun.
    inbox.key(KeyCode::Char('c'));
    assert!(inbox.screen().contains("Customer · Nguyễn Thị Lan"));
    inbox.key(KeyCode::Char('n'));
    inbox.keys("Chị Lan hẹn chiều chuyển khoản");
    // Meanwhile a colleague marks Lan's conversation done: it leaves the list under the panel.
    inbox
        .store()
        .as_staff("Minh")
        .mark_done(&"t_lan".into(), true, common::inbox::now())
        .unwrap();
    inbox.app.poll_database();
    assert_ne!(
        inbox.app.selected_conversation().map(|c| c.id.as_str()),
        Some("t_lan")
    );
    inbox.key(KeyCode::Enter);
    let store = inbox.store();
    let lan = store.customer(&"t_lan".into()).unwrap().unwrap();
    assert_eq!(lan.notes.len(), 1, "the note is Lan's");
    assert_eq!(lan.notes[0].text, "Chị Lan hẹn chiều chuyển khoản");
    let now_selected = inbox.app.selected_conversation().unwrap().id.clone();
    assert!(
        store
            .customer(&now_selected)
            .unwrap()
            .unwrap()
            .notes
            .is_empty()
    );
    assert!(inbox.screen().contains("Customer · Nguyễn Thị Lan"));
}

#[test]
fn a_pasted_note_is_saved_whole_or_refused_whole_and_kept_in_the_box() {
    let mut inbox = Inbox::new(140, 40);
    inbox.key(KeyCode::Char('c'));
    inbox.key(KeyCode::Char('n'));
    // An order's details pasted: longer than a line, kept whole.
    let order = "Đơn 1: váy hoa size M, giao 12 Ngõ Huế.\n".repeat(40);
    assert!(order.chars().count() > 1_500);
    inbox.app.on_paste(&order);
    inbox.key(KeyCode::Enter);
    let lan = inbox.store().customer(&"t_lan".into()).unwrap().unwrap();
    assert_eq!(lan.notes.len(), 1);
    assert_eq!(lan.notes[0].text, order.replace('\n', " ").trim_end());
    // 100 KB: refused with the limit named, still in the box, nothing stored.
    inbox.key(KeyCode::Char('n'));
    inbox
        .app
        .on_paste(&"Khách quen, hay đổi size. ".repeat(4_000));
    inbox.key(KeyCode::Enter);
    let screen = inbox.screen();
    assert!(
        screen.contains("The note is longer than 20000 characters"),
        "{screen}"
    );
    assert!(
        screen.contains("Note: Khách quen, hay đổi size."),
        "{screen}"
    );
    let lan = inbox.store().customer(&"t_lan".into()).unwrap().unwrap();
    assert_eq!(lan.notes.len(), 1, "nothing more stored");
}

#[test]
fn the_conversation_being_assigned_stays_the_one_chosen_when_the_list_moves() {
    let config = format!(
        "{}\n[[staff]]\nname = \"Hà\"\n[[staff]]\nname = \"Minh\"\n",
        common::inbox::CONFIG
    );
    let mut inbox = Inbox::with_config(140, 40, &config);
    inbox.key(KeyCode::Char('a'));
    inbox.key(KeyCode::Char('j'));
    // A colleague marks Lan's done meanwhile: another conversation comes under the cursor.
    inbox
        .store()
        .as_staff("Hà")
        .mark_done(&"t_lan".into(), true, common::inbox::now())
        .unwrap();
    inbox.app.poll_database();
    assert!(inbox.screen().contains("Assign Nguyễn Thị Lan to"));
    inbox.key(KeyCode::Enter);
    let store = inbox.store();
    assert_eq!(
        store
            .conversation(&"t_lan".into())
            .unwrap()
            .unwrap()
            .assignee
            .as_deref(),
        Some("Minh")
    );
    let now_selected = inbox.app.selected_conversation().unwrap().id.clone();
    assert_eq!(
        store.conversation(&now_selected).unwrap().unwrap().assignee,
        None
    );
}

#[test]
fn a_file_link_stored_before_links_were_cleaned_is_offered_encoded_or_not_at_all() {
    let mut inbox = Inbox::new(120, 30);
    let file = |name: &str, url: &str| pagedesk::model::Attachment {
        mime_type: Some("application/pdf".into()),
        name: Some(name.into()),
        size: None,
        url: Some(url.into()),
        preview_url: None,
        kind: None,
        place: None,
    };
    let mut old = common::inbox::message("m_mai", SHOP, false, "Đỗ Thị Mai", "", 0);
    old.attachments = vec![
        file(
            "bang-gia.pdf",
            "https://cdn.example/bang-gia.pdf?x=1\u{1b}\\\u{1b}]0;pwned\u{7}",
        ),
        file("giam-gia.pdf", "javascript:alert(1)"),
    ];
    let mut store = inbox.store();
    common::inbox::conversation(
        &mut store,
        "t_mai",
        SHOP,
        "Đỗ Thị Mai",
        pagedesk::model::Folder::Inbox,
        1,
        vec![old],
    );
    inbox.app.poll_database();
    inbox.key(KeyCode::Char('g'));
    inbox.key(KeyCode::Enter);
    inbox.key(KeyCode::Esc);
    inbox.key(KeyCode::Char('L'));
    let link = "https://cdn.example/bang-gia.pdf?x=1%1B\\%1B]0;pwned";
    assert!(
        inbox.screen().contains("bang-gia.pdf (1/1, copied)"),
        "only the web link is offered:\n{}",
        inbox.screen()
    );
    assert_eq!(inbox.app.status.link.as_deref(), Some(link));
    assert!(
        inbox
            .app
            .effects()
            .contains(&Effect::Clipboard(link.to_owned()))
    );
}

/// A buyer whose newest message only shares a link: her row in the list names the link.
#[test]
fn a_last_message_that_only_shares_a_link_names_it_on_the_row() {
    let mut inbox = Inbox::new(100, 30);
    let mut shared = common::inbox::message("m_mai", SHOP, false, "Đỗ Thị Mai", "", 0);
    shared.shares = vec![pagedesk::store::SharedLink {
        link: "https://shop.example/vay".into(),
        name: Some("Váy hoa nhí".into()),
    }];
    common::inbox::conversation(
        &mut inbox.store(),
        "t_mai",
        SHOP,
        "Đỗ Thị Mai",
        pagedesk::model::Folder::Inbox,
        1,
        vec![shared],
    );
    inbox.app.poll_database();
    assert!(
        inbox.screen().contains("🔗 Váy hoa nhí"),
        "{}",
        inbox.screen()
    );
}

#[test]
fn a_quick_reply_in_a_threads_box_answers_in_public_and_o_opens_the_post() {
    let mut inbox = Inbox::new(100, 30);
    let thread = common::inbox::thread_under_a_post(&mut inbox.store());
    inbox.app.poll_database();
    inbox.key(KeyCode::Char('8'));
    inbox.key(KeyCode::Enter);
    inbox.keys("/cha");
    inbox.key(KeyCode::Tab);
    assert_eq!(
        inbox.app.chat.compose.lines(),
        ["Dạ Thời Trang Mai Anh xin chào Lan ạ!"]
    );
    inbox.key(KeyCode::Enter);
    let reply = inbox
        .store()
        .messages(&thread.as_str().into())
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(reply.text, "Dạ Thời Trang Mai Anh xin chào Lan ạ!");
    assert!(reply.public_reply, "under the post, not in Messenger");
    inbox.key(KeyCode::Esc);
    inbox.key(KeyCode::Char('o'));
    assert!(
        inbox
            .screen()
            .contains("The post on Facebook (copied): https://www.face")
    );
    assert_eq!(
        inbox.app.status.link.as_deref(),
        Some("https://www.facebook.com/1047000000000001/posts/77")
    );
}
