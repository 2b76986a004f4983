//! Screens as staff see them, drawn into ratatui's TestBackend and kept as insta snapshots.

use crate::common;

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
fn the_settings_screen_when_facebook_refused_the_human_agent_tag_in_both_languages() {
    for language in ["en", "vi"] {
        let config = common::inbox::CONFIG
            .replace("language = \"en\"", &format!("language = \"{language}\""));
        let mut inbox = Inbox::with_config(100, 30, &config);
        inbox
            .store()
            .refuse_human_agent(&common::inbox::SHOP.into())
            .unwrap();
        inbox.key(KeyCode::Char('s'));
        insta::assert_snapshot!(format!("settings_tag_refused_{language}"), inbox.screen());
    }
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
    common::inbox::fail_a_reply(&mut store, "t_thu");
    inbox.key(KeyCode::Char('2'));
    insta::assert_snapshot!(inbox.screen());
}

#[test]
fn a_failed_reply_marks_its_row_in_vietnamese() {
    let config = common::inbox::CONFIG.replace("language = \"en\"", "language = \"vi\"");
    let mut inbox = Inbox::with_config(140, 30, &config);
    let mut store = inbox.store();
    common::inbox::fail_a_reply(&mut store, "t_thu");
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
    // Every size from 1x1 to 140x45, in each screen: the inbox, help, settings, search and the
    // reply box (found a zero-width underflow once).
    let screens: [&[KeyCode]; 5] = [
        &[],
        &[KeyCode::Char('?')],
        &[KeyCode::Char('s')],
        &[KeyCode::Char('/'), KeyCode::Char('v')],
        &[KeyCode::Enter, KeyCode::Char('d'), KeyCode::Char('a')],
    ];
    for keys in screens {
        let mut inbox = Inbox::new(80, 24);
        for key in keys {
            inbox.key(*key);
        }
        for width in 1..=140 {
            for height in 1..=45 {
                inbox.resize(width, height);
            }
        }
    }
}

/// The team's windows (labels with one on, assigning, the customer with a note, the numbers)
/// at every width up to 140, each at heights from 1 to 45: no panic.
#[test]
fn the_team_windows_draw_at_any_size() {
    let config = format!(
        "{}\n[[staff]]\nname = \"Hà\"\n[[staff]]\nname = \"Minh\"\n",
        common::inbox::CONFIG
    );
    let mut inbox = Inbox::with_config(80, 24, &config);
    inbox.key(KeyCode::Char('l'));
    enter(&mut inbox, "chờ chuyển khoản rất dài để cắt bớt");
    inbox.key(KeyCode::Esc);
    inbox.key(KeyCode::Char('c'));
    inbox.key(KeyCode::Char('n'));
    enter(
        &mut inbox,
        "Ghi chú dài về khách hàng này, nhiều chữ để xuống dòng nhiều lần",
    );
    inbox.key(KeyCode::Esc);
    let windows: [&[KeyCode]; 5] = [
        &[KeyCode::Char('l')],
        &[KeyCode::Char('f')],
        &[KeyCode::Char('a')],
        &[KeyCode::Char('c'), KeyCode::Char('n'), KeyCode::Char('x')],
        &[KeyCode::Char('T')],
    ];
    for keys in windows {
        for key in keys {
            inbox.key(*key);
        }
        for width in 1..=140 {
            for height in [1, 2, 3, 4, 6, 9, 14, 20, 24, 31, 45] {
                inbox.resize(width, height);
            }
        }
        // Out of the window (and of a note being written) before the next.
        inbox.key(KeyCode::Esc);
        inbox.key(KeyCode::Esc);
        inbox.resize(80, 24);
    }
}

/// The attach picker and a picture whole pane at sizes from tiny to large: no panic.
#[test]
fn the_attach_picker_and_a_picture_draw_at_any_size() {
    use pagedesk::sync::SyncEvent;
    let mut inbox = Inbox::new(80, 24);
    inbox.key(KeyCode::Enter);
    inbox.app.on_key(crossterm::event::KeyEvent::new(
        KeyCode::Char('o'),
        crossterm::event::KeyModifiers::CONTROL,
    ));
    inbox.app.settle_writes();
    let picture = pagedesk::model::Thumbnail {
        width: 3,
        height: 5,
        rgb: vec![200; 45],
    };
    for (width, height) in (1..=140).step_by(3).zip((1..=45).cycle()) {
        inbox.resize(width, height);
    }
    inbox.key(KeyCode::Esc);
    inbox.app.on_sync_event(&SyncEvent::Picture {
        key: "m_1/0".into(),
        picture: Ok(picture),
    });
    inbox.app.overlay = Some(pagedesk::ui::Overlay::Picture {
        key: "m_1/0".into(),
    });
    for (width, height) in (1..=140).step_by(3).zip((1..=45).cycle()) {
        inbox.resize(width, height);
    }
}

#[test]
fn the_inbox_at_its_minimum_70x20_with_a_page_chosen() {
    let mut inbox = Inbox::new(70, 20);
    inbox.key(KeyCode::Char(']'));
    insta::assert_snapshot!(inbox.screen());
}

#[test]
fn a_window_below_the_minimum_asks_for_more_room() {
    let mut inbox = Inbox::new(60, 20);
    insta::assert_snapshot!(inbox.screen());
    // Keys act on nothing unseen: the orders window does not open behind the message.
    inbox.key(KeyCode::Char('t'));
    assert!(
        inbox.app.overlay.is_none(),
        "a key acted on a screen too small to show it"
    );
    let config = common::inbox::CONFIG.replace("language = \"en\"", "language = \"vi\"");
    let mut vietnamese = Inbox::with_config(69, 30, &config);
    insta::assert_snapshot!(vietnamese.screen());
}

/// A page Facebook has not answered for minutes, and another staff member typing in the open
/// conversation, in Vietnamese.
#[test]
fn a_failing_page_and_a_colleague_replying_in_vietnamese() {
    let config = common::inbox::CONFIG.replace("language = \"en\"", "language = \"vi\"");
    let mut inbox = Inbox::with_config(100, 30, &config);
    let mut store = inbox.store();
    store
        .save_page_sync(
            &common::inbox::SHOP.into(),
            &pagedesk::store::PageSync {
                last_attempt: Some(common::inbox::now()),
                last_success: Some(common::inbox::now() - chrono::Duration::minutes(9)),
                last_error: Some("Facebook did not answer in time (HTTP 502)".into()),
                last_error_kind: Some(pagedesk::model::SyncErrorKind::Transient),
                failing_since: Some(common::inbox::now() - chrono::Duration::minutes(7)),
                ..Default::default()
            },
        )
        .unwrap();
    store
        .as_staff("Minh")
        .set_presence(
            "another-inbox",
            Some((&"t_lan".into(), true)),
            common::inbox::now(),
        )
        .unwrap();
    inbox.app.poll_database();
    inbox.key(KeyCode::Enter);
    insta::assert_snapshot!(inbox.screen());
}

/// A buyer's two photos: one Facebook no longer has, one still being fetched; in a terminal
/// without colour each is its name, size and where it stands.
#[test]
fn pictures_in_the_chat_say_where_they_stand_without_colour() {
    use pagedesk::model::{Attachment, Direction, Folder};
    use pagedesk::store::{ConversationUpdate, NewMessage};
    use pagedesk::sync::{EngineCommand, SyncEvent};
    let mut inbox = Inbox::new(100, 30);
    let photo = |name: &str| Attachment {
        mime_type: Some("image/jpeg".into()),
        name: Some(name.into()),
        size: Some(182_000),
        url: Some(format!("https://scontent.xx.fbcdn.net/v/{name}?oe=6700")),
        preview_url: None,
        kind: None,
        place: None,
    };
    let at = common::inbox::now() - chrono::Duration::minutes(3);
    let message = |id: &str, attachment: Attachment| NewMessage {
        fb_id: id.into(),
        direction: Direction::In,
        from_id: "psid-yen".into(),
        from_name: "Đỗ Hải Yến".into(),
        text: String::new(),
        sticker: None,
        attachments: vec![attachment],
        shares: Vec::new(),
        created_time: at,
        unavailable: false,
        reply_to: None,
    };
    inbox
        .store()
        .apply_conversation(&ConversationUpdate {
            id: "t_yen".into(),
            page_id: common::inbox::SHOP.into(),
            folder: Folder::Inbox,
            customer_id: "psid-yen".into(),
            customer_name: "Đỗ Hải Yến".into(),
            snippet: String::new(),
            updated_time: at,
            unread_estimate: 2,
            can_reply: true,
            messages: vec![
                message("m_yen_1", photo("vay-cuoi.jpg")),
                message("m_yen_2", photo("mau-toc.jpg")),
            ],
        })
        .unwrap();
    inbox.app.reload();
    inbox.key(KeyCode::Char('g'));
    inbox.key(KeyCode::Enter);
    // The inbox asked the engine for both, and the engine could not have the first.
    let mut asked = Vec::new();
    while let Ok(command) = inbox.commands.try_recv() {
        if let EngineCommand::FetchPicture(wanted) = command {
            asked.push(wanted.key());
        }
    }
    assert_eq!(
        asked,
        ["m_yen_2/0", "m_yen_1/0"],
        "the newest first:\n{}",
        inbox.screen()
    );
    inbox.app.on_sync_event(&SyncEvent::Picture {
        key: "m_yen_1/0".into(),
        picture: Err("Facebook's link to this file does not work".into()),
    });
    insta::assert_snapshot!(inbox.screen());
}

/// The attach picker on the product-photo folder, searched by typing.
#[test]
fn the_attach_picker() {
    let library = tempfile::tempdir().unwrap();
    std::fs::create_dir(library.path().join("váy")).unwrap();
    for name in [
        "vay-hoa-do.png",
        "vay-xanh.jpg",
        "ao-thun.png",
        "bang-gia.pdf",
    ] {
        std::fs::write(library.path().join(name), b"x").unwrap();
    }
    let config = format!(
        "{}\n[attachments]\nlibrary = \"{}\"\n",
        common::inbox::CONFIG,
        library.path().display()
    );
    let mut inbox = Inbox::with_config(100, 30, &config);
    inbox.key(KeyCode::Enter);
    inbox.app.on_key(crossterm::event::KeyEvent::new(
        KeyCode::Char('o'),
        crossterm::event::KeyModifiers::CONTROL,
    ));
    inbox.app.settle_writes();
    inbox.keys("va");
    let screen = inbox.screen();
    // The folder's name changes with each run: the snapshot is of the rest.
    let screen = screen.replace(&library.path().display().to_string(), "LIBRARY");
    insta::assert_snapshot!(screen);
}

/// A typed line into the inbox, then Enter.
fn enter(inbox: &mut Inbox, text: &str) {
    inbox.keys(text);
    inbox.key(KeyCode::Enter);
}

#[test]
fn labels_in_the_picker_and_on_the_list_row() {
    let mut inbox = Inbox::new(140, 40);
    // Lan's, the newest, is selected: two labels created from the picker and put on it.
    inbox.key(KeyCode::Char('l'));
    enter(&mut inbox, "chờ chuyển khoản");
    enter(&mut inbox, "đã chốt");
    inbox.keys("gi");
    let picker = inbox.screen();
    assert!(picker.contains("+ new label \"gi\""), "{picker}");
    insta::assert_snapshot!("the_label_picker", picker);
    inbox.key(KeyCode::Esc);
    let list = inbox.screen();
    assert!(
        list.contains("Nguyễn Thị Lan   [chờ chuyển khoản] +1 waiting"),
        "{list}"
    );
    insta::assert_snapshot!("labels_on_the_list_row", list);
    let row = inbox
        .store()
        .conversation(&"t_lan".into())
        .unwrap()
        .unwrap();
    let names: Vec<&str> = row.labels.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["chờ chuyển khoản", "đã chốt"]);
}

#[test]
fn the_customer_panel_with_phone_address_and_a_note() {
    let config = format!("staff = \"Hà\"\n{}", common::inbox::CONFIG);
    let mut inbox = Inbox::with_config(100, 30, &config);
    let mut store = inbox.store();
    common::inbox::conversation(
        &mut store,
        "t_lan",
        common::inbox::SHOP,
        "Nguyễn Thị Lan",
        pagedesk::model::Folder::Inbox,
        0,
        vec![common::inbox::message(
            "m_addr",
            common::inbox::SHOP,
            false,
            "Nguyễn Thị Lan",
            "Gửi về Số 12 ngõ 34 Nguyễn Trãi, Thanh Xuân, Hà Nội\nSđt 0912 345 678",
            1,
        )],
    );
    inbox.app.poll_database();
    inbox.key(KeyCode::Char('c'));
    inbox.key(KeyCode::Char('n'));
    enter(&mut inbox, "Khách quen, hay đổi size");
    let screen = inbox.screen();
    assert!(screen.contains("0912345678"), "{screen}");
    assert!(screen.contains("Số 12 ngõ 34 Nguyễn Trãi"), "{screen}");
    assert!(screen.contains("Hà: Khách quen, hay đổi size"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn the_team_stats_overlay() {
    let mut inbox = Inbox::new(100, 30);
    inbox.key(KeyCode::Char('T'));
    let screen = inbox.screen();
    assert!(screen.contains("Replies per day"), "{screen}");
    insta::assert_snapshot!(screen);
}

/// Messages Facebook no longer shows in full stand in the chat as one line per run, with their
/// times and where to read them, between the messages around them.
#[test]
fn a_message_facebook_no_longer_shows_in_full_says_so_in_the_chat() {
    use pagedesk::model::{Direction, Folder};
    use pagedesk::store::{ConversationUpdate, NewMessage};
    let mut inbox = Inbox::new(100, 30);
    let at = |minutes: i64| common::inbox::now() - chrono::Duration::minutes(minutes);
    let message = |id: &str, text: &str, minutes: i64, unavailable: bool| NewMessage {
        fb_id: id.into(),
        direction: Direction::In,
        from_id: if unavailable { "" } else { "psid-yen" }.into(),
        from_name: if unavailable { "" } else { "Đỗ Hải Yến" }.into(),
        text: text.into(),
        sticker: None,
        attachments: Vec::new(),
        shares: Vec::new(),
        created_time: at(minutes),
        unavailable,
        reply_to: None,
    };
    inbox
        .store()
        .apply_conversation(&ConversationUpdate {
            id: "t_yen".into(),
            page_id: common::inbox::SHOP.into(),
            folder: Folder::Inbox,
            customer_id: "psid-yen".into(),
            customer_name: "Đỗ Hải Yến".into(),
            snippet: "Size M nhé".into(),
            updated_time: at(3),
            unread_estimate: 1,
            can_reply: true,
            messages: vec![
                message("m_yen_1", "Shop ơi", 9, false),
                message("m_yen_2", "", 8, true),
                message("m_yen_3", "", 7, true),
                message("m_yen_4", "Size M nhé", 3, false),
            ],
        })
        .unwrap();
    inbox.app.reload();
    inbox.key(KeyCode::Char('g'));
    inbox.key(KeyCode::Enter);
    let screen = inbox.screen();
    assert!(
        screen.contains("17:22–17:23 [2 messages Facebook no longer shows in"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

/// Lan came from an ad; she answered the shop's reply, edited her question, loved the reply,
/// sent a place and a product card, and unsent her husband's number; a chatbot has the
/// conversation. Kept as `pagedesk serve` keeps what the events say, then her conversation
/// stored.
fn lan_changed_things(inbox: &Inbox) {
    use pagedesk::model::{Attachment, AttachmentKind, Direction, Folder, Referral};
    use pagedesk::store::{Amend, ConversationUpdate, KeptChange, NewMessage, QueuedMessage};
    let at = |minutes: i64| common::inbox::now() - chrono::Duration::minutes(minutes);
    let lan = "psid-lan-ad";
    let message = |id: &str, direction: Direction, text: &str, minutes: i64| QueuedMessage {
        page_id: common::inbox::SHOP.into(),
        person_id: lan.into(),
        message: NewMessage {
            fb_id: id.into(),
            direction,
            from_id: lan.into(),
            from_name: String::new(),
            text: text.into(),
            sticker: None,
            attachments: Vec::new(),
            shares: Vec::new(),
            created_time: at(minutes),
            unavailable: false,
            reply_to: None,
        },
    };
    let card =
        |kind: AttachmentKind, name: &str, url: Option<&str>, place: Option<&str>| Attachment {
            mime_type: None,
            name: Some(name.into()),
            size: None,
            url: url.map(Into::into),
            preview_url: None,
            kind: Some(kind),
            place: place.map(Into::into),
        };
    let mut answering = message("m_ad_3", Direction::In, "Vậy lấy cho em 1 chiếc", 6);
    answering.message.reply_to = Some("m_ad_2".into());
    let mut place = message("m_ad_4", Direction::In, "", 5);
    place.message.attachments = vec![card(
        AttachmentKind::Place,
        "Chợ Bến Thành",
        None,
        Some("10.77250, 106.69810"),
    )];
    let mut product = message("m_ad_5", Direction::In, "", 4);
    product.message.attachments = vec![card(
        AttachmentKind::Link,
        "Váy hoa nhí 350k",
        Some("https://shop.example/vay-hoa-nhi"),
        None,
    )];
    let messages = [
        message("m_ad_1", Direction::In, "Váy hoa còn size M không?", 9),
        message("m_ad_2", Direction::Out, "Dạ còn ạ", 8),
        answering,
        place,
        product,
        message("m_ad_6", Direction::In, "Chồng em số 0912 345 678", 3),
    ];
    let change = |minutes: i64, change: Amend| KeptChange {
        page_id: common::inbox::SHOP.into(),
        person_id: lan.into(),
        at: at(minutes),
        change,
    };
    let changes = [
        change(
            10,
            Amend::Referred(Referral {
                source: "ADS".into(),
                ad_id: Some("120210".into()),
                ad_title: Some("Váy hoa nhí giảm 30%".into()),
                photo_url: Some("https://scontent.xx.fbcdn.net/v/ad-vay-hoa.jpg".into()),
                at: at(10),
                ..Referral::default()
            }),
        ),
        change(
            7,
            Amend::Edited {
                mid: "m_ad_1".into(),
                text: "Váy hoa còn size L không?".into(),
                edit_count: 1,
            },
        ),
        change(
            7,
            Amend::Reacted {
                mid: "m_ad_2".into(),
                reactor: lan.into(),
                emoji: Some("❤".into()),
            },
        ),
        change(
            2,
            Amend::Unsent {
                mid: "m_ad_6".into(),
            },
        ),
        change(
            1,
            Amend::Routed {
                app_id: Some("777000111".into()),
                ours: false,
            },
        ),
    ];
    let mut store = inbox.store();
    store
        .keep_events(&messages, &changes, common::inbox::now())
        .unwrap();
    store
        .apply_conversation(&ConversationUpdate {
            id: "t_lan_ad".into(),
            page_id: common::inbox::SHOP.into(),
            folder: Folder::Inbox,
            customer_id: lan.into(),
            customer_name: "Nguyễn Thị Lan".into(),
            snippet: String::new(),
            updated_time: at(3),
            unread_estimate: 1,
            can_reply: true,
            messages: Vec::new(),
        })
        .unwrap();
}

#[test]
fn what_a_buyer_changed_and_where_she_came_from_show_in_the_chat() {
    use pagedesk::sync::{EngineCommand, SyncEvent};
    let mut inbox = Inbox::new(100, 40);
    lan_changed_things(&inbox);
    inbox.app.reload();
    inbox.key(KeyCode::Char('g'));
    inbox.key(KeyCode::Enter);
    // The ad's photo is asked of the engine like a message's, by its link.
    let mut asked = Vec::new();
    while let Ok(command) = inbox.commands.try_recv() {
        if let EngineCommand::FetchPicture(wanted) = command {
            asked.push((wanted.key(), wanted.link));
        }
    }
    assert!(
        asked.contains(&(
            "ad-of-t_lan_ad/0".to_owned(),
            Some("https://scontent.xx.fbcdn.net/v/ad-vay-hoa.jpg".to_owned())
        )),
        "{asked:?}"
    );
    // Under the line, where it is drawn (here: said, as the inbox says where a picture stands
    // without colour).
    let below_origin = |screen: &str| {
        let lines: Vec<&str> = screen.lines().collect();
        let origin = lines
            .iter()
            .position(|l| l.contains("📣 Came from the ad"))
            .unwrap();
        lines[origin + 1].to_owned()
    };
    assert!(
        below_origin(&inbox.screen()).contains("loading the picture"),
        "{}",
        inbox.screen()
    );
    inbox.app.on_sync_event(&SyncEvent::Picture {
        key: "ad-of-t_lan_ad/0".into(),
        picture: Err("Facebook's link to this file does not work".into()),
    });
    assert!(
        below_origin(&inbox.screen()).contains("picture not shown"),
        "{}",
        inbox.screen()
    );
    let screen = inbox.screen();
    for shown in [
        "📣 Came from the ad \"Váy hoa nhí giảm 30%\"",
        "🤖 App 777000111 holds this conversation since 17:29",
        "Váy hoa còn size L không?",
        "· edited",
        "↩ answering Thời Trang Mai Anh: Dạ còn ạ",
        "❤",
        "[place: Chợ Bến Thành 10.77250, 106.69810]",
        "[link: Váy hoa nhí 350k",
        "https://shop.example/vay-hoa-nhi]",
        "[the buyer unsent this message]",
        "Message unsent",
    ] {
        assert!(screen.contains(shown), "{shown:?} not shown:\n{screen}");
    }
    assert!(!screen.contains("0912"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn what_a_buyer_changed_reads_in_vietnamese() {
    let config = common::inbox::CONFIG.replace("language = \"en\"", "language = \"vi\"");
    let mut inbox = Inbox::with_config(100, 34, &config);
    lan_changed_things(&inbox);
    inbox.app.reload();
    inbox.key(KeyCode::Char('g'));
    inbox.key(KeyCode::Enter);
    let screen = inbox.screen();
    for shown in [
        "📣 Khách đến từ quảng cáo \"Váy hoa nhí giảm 30%\"",
        "🤖 Ứng dụng 777000111 giữ hội thoại từ 17:29",
        "· đã sửa",
        "↩ trả lời",
        "[vị trí: Chợ Bến Thành",
        "[khách đã thu hồi tin nhắn này]",
        "Tin nhắn đã",
    ] {
        assert!(screen.contains(shown), "{shown:?} not shown:\n{screen}");
    }
}

#[test]
fn a_thread_of_comments_with_its_post_and_its_picture_in_both_languages() {
    for language in ["en", "vi"] {
        let config = common::inbox::CONFIG
            .replace("language = \"en\"", &format!("language = \"{language}\""));
        let mut inbox = Inbox::with_config(100, 30, &config);
        common::inbox::thread_under_a_post(&mut inbox.store());
        inbox.app.poll_database();
        inbox.key(KeyCode::Char('8'));
        inbox.key(KeyCode::Enter);
        inbox.key(KeyCode::Tab);
        insta::assert_snapshot!(format!("thread_{language}"), inbox.screen());
    }
}

/// An earlier order of Lan's phone on the other page, returned ("bom hàng").
fn returned_on_the_other_page(inbox: &Inbox) {
    use pagedesk::orders::OrderState;
    use pagedesk::store::orders::{NewOrder, OrderLine, OrderMove, Payment};
    let mut store = inbox.store().as_staff("Hùng");
    let id = store
        .create_order(
            &NewOrder {
                conversation_id: "t_linh".into(),
                customer_name: None,
                phone: "0912345678".into(),
                address: "12 Lê Lợi".into(),
                lines: vec![OrderLine {
                    code: None,
                    name: "Kem chống nắng".into(),
                    variant: None,
                    quantity: 1,
                    price: 250_000,
                }],
                shipping_fee: 0,
                discount: 0,
                paid_by: Payment::Cod,
                note: String::new(),
            },
            common::inbox::now(),
        )
        .unwrap();
    for (to, carrier) in [
        (OrderState::Confirmed, None),
        (OrderState::Shipped, Some("GHN")),
        (OrderState::Returned, None),
    ] {
        let change = OrderMove {
            to,
            seen_version: None,
            run_hook: false,
            carrier: carrier.map(str::to_owned),
            tracking: carrier.map(|_| "GHN123".to_owned()),
        };
        store.move_order(id, &change, common::inbox::now()).unwrap();
    }
}

#[test]
fn the_order_form_in_both_languages() {
    for language in ["en", "vi"] {
        let (mut inbox, _catalogue) = crate::order_form::shop_inbox(100, 30, language);
        returned_on_the_other_page(&inbox);
        inbox.key(KeyCode::Char('t'));
        inbox.key(KeyCode::Char('n'));
        inbox.keys("vay hoa");
        inbox.key(KeyCode::Enter);
        inbox.keys("vay");
        insta::assert_snapshot!(format!("order_form_{language}"), inbox.screen());
    }
}

#[test]
fn a_conversations_orders_in_both_languages() {
    for language in ["en", "vi"] {
        let (mut inbox, _catalogue) = crate::order_form::shop_inbox(100, 30, language);
        inbox.key(KeyCode::Char('t'));
        inbox.key(KeyCode::Char('n'));
        inbox.keys("vh-m");
        inbox.key(KeyCode::Enter);
        inbox.app.on_key(crossterm::event::KeyEvent::new(
            KeyCode::Char('s'),
            crossterm::event::KeyModifiers::CONTROL,
        ));
        inbox.app.settle_writes();
        inbox.keys("c");
        insta::assert_snapshot!(format!("orders_window_{language}"), inbox.screen());
    }
}
