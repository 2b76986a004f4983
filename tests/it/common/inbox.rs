//! A shop's inbox in a temp database with fixed times, for drawing and driving the TUI without a
//! terminal.
#![allow(dead_code)]

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use pagedesk::config::Config;
use pagedesk::model::{Direction, Folder};
use pagedesk::store::{ConversationUpdate, NewMessage, PageSync, Store, WaitingSpam};
use pagedesk::sync::EngineCommand;
use pagedesk::ui::{App, Clock, Theme, UiSettings, draw_at};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

pub const SHOP: &str = "1047000000000001";
pub const BEAUTY: &str = "1047000000000002";

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 30, 0).unwrap()
}

/// Vietnam's time zone, as the shop sees it.
pub fn clock() -> Clock {
    Clock {
        now: now(),
        zone: FixedOffset::east_opt(7 * 3600).unwrap(),
    }
}

pub fn message(
    id: &str,
    page: &str,
    from_page: bool,
    name: &str,
    text: &str,
    minutes_ago: i64,
) -> NewMessage {
    NewMessage {
        fb_id: id.into(),
        direction: if from_page {
            Direction::Out
        } else {
            Direction::In
        },
        from_id: if from_page {
            page.to_owned()
        } else {
            format!("psid-{name}")
        },
        from_name: name.to_owned(),
        text: text.to_owned(),
        sticker: None,
        attachments: Vec::new(),
        shares: Vec::new(),
        created_time: now() - Duration::minutes(minutes_ago),
        unavailable: false,
        reply_to: None,
    }
}

pub fn conversation(
    store: &mut Store,
    id: &str,
    page: &str,
    customer: &str,
    folder: Folder,
    unread: i64,
    messages: Vec<NewMessage>,
) {
    let update = ConversationUpdate {
        id: id.to_owned().into(),
        page_id: page.to_owned().into(),
        folder,
        customer_id: format!("psid-{customer}").into(),
        customer_name: customer.to_owned(),
        snippet: messages.last().map(|m| m.text.clone()).unwrap_or_default(),
        updated_time: messages.last().unwrap().created_time,
        unread_estimate: unread,
        can_reply: true,
        messages,
    };
    store.apply_conversation(&update).unwrap();
}

pub struct Inbox {
    /// Shared by the inboxes open on the same data (see [`Inbox::beside`]).
    pub dir: std::rc::Rc<tempfile::TempDir>,
    pub app: App,
    pub commands: mpsc::UnboundedReceiver<EngineCommand>,
    pub terminal: Terminal<TestBackend>,
}

pub const CONFIG: &str = r#"
language = "en"
[[pages]]
id = "1047000000000001"
access_token = "x"
[[pages]]
id = "1047000000000002"
access_token = "y"
[[quick_replies]]
shortcut = "chao"
text = "Dạ {page} xin chào {first_name} ạ!"
[[quick_replies]]
shortcut = "chot"
text = "Dạ {first_name} cho shop xin số điện thoại và địa chỉ ạ."
[[quick_replies]]
shortcut = "ship"
text = "Dạ shop giao toàn quốc ạ."
"#;

pub fn store_with_shop(dir: &std::path::Path) -> Store {
    let mut store = Store::open(dir).unwrap();
    store.upsert_page(SHOP, "Thời Trang Mai Anh").unwrap();
    store.upsert_page(BEAUTY, "Mỹ Phẩm Hồng Nhung").unwrap();
    store.set_spam_sync(&SHOP.into(), true).unwrap();
    let shop = "Thời Trang Mai Anh";
    conversation(
        &mut store,
        "t_lan",
        SHOP,
        "Nguyễn Thị Lan",
        Folder::Inbox,
        1,
        vec![
            message(
                "m_1",
                SHOP,
                false,
                "Nguyễn Thị Lan",
                "Chào shop, váy hoa nhí còn size S không ạ?",
                95,
            ),
            message(
                "m_2",
                SHOP,
                true,
                shop,
                "Dạ còn 2 chiếc ạ. Chị lấy màu xanh hay hồng ạ?",
                90,
            ),
            message(
                "m_3",
                SHOP,
                false,
                "Nguyễn Thị Lan",
                "Màu xanh nha. Giá bao nhiêu vậy shop?",
                3,
            ),
        ],
    );
    conversation(
        &mut store,
        "t_thu",
        SHOP,
        "Trần Thị Thu",
        Folder::Spam,
        2,
        vec![
            message(
                "m_4",
                SHOP,
                false,
                "Trần Thị Thu",
                "Shop ơi áo khoác dạ màu be còn size M không ạ? Mình muốn đặt 2 cái, ship về Đà Nẵng.",
                14,
            ),
            message("m_5", SHOP, false, "Trần Thị Thu", "Shop ơi? 👋", 12),
        ],
    );
    conversation(
        &mut store,
        "t_minh",
        SHOP,
        "Trần Văn Minh",
        Folder::Inbox,
        0,
        vec![
            message(
                "m_6",
                SHOP,
                false,
                "Trần Văn Minh",
                "Áo sơ mi nam có size XL không shop?",
                30 * 60,
            ),
            message("m_7", SHOP, true, shop, "Dạ có anh ơi.", 29 * 60),
        ],
    );
    conversation(
        &mut store,
        "t_linh",
        BEAUTY,
        "Hoàng Mỹ Linh",
        Folder::Inbox,
        1,
        vec![message(
            "m_8",
            BEAUTY,
            false,
            "Hoàng Mỹ Linh",
            "Kem chống nắng cho da dầu giá sao shop?",
            40,
        )],
    );
    conversation(
        &mut store,
        "t_hoa",
        SHOP,
        "Phạm Thị Hoa",
        Folder::Spam,
        1,
        vec![message(
            "m_9",
            SHOP,
            false,
            "Phạm Thị Hoa",
            "Còn đầm công sở màu đen size L không ạ?",
            8 * 24 * 60,
        )],
    );
    store
        .save_page_sync(
            &SHOP.into(),
            &PageSync {
                last_success: Some(now() - Duration::seconds(12)),
                ..PageSync::default()
            },
        )
        .unwrap();
    store
        .save_page_sync(
            &BEAUTY.into(),
            &PageSync {
                last_error: Some("the access token has expired (Facebook error 190/463)".into()),
                last_error_kind: Some(pagedesk::model::SyncErrorKind::Token),
                ..PageSync::default()
            },
        )
        .unwrap();
    store
        .record_waiting(&WaitingSpam {
            conversation_id: "t_hung".into(),
            page_id: SHOP.into(),
            customer_name: "Nguyễn Văn Hùng".into(),
            last_customer_message_time: now() - Duration::minutes(2),
            due_time: now() + Duration::minutes(3),
        })
        .unwrap();
    store
}

impl Inbox {
    pub fn new(width: u16, height: u16) -> Inbox {
        Self::with_config(width, height, CONFIG)
    }

    pub fn with_config(width: u16, height: u16, config: &str) -> Inbox {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_shop(dir.path());
        Self::open(std::rc::Rc::new(dir), store, width, height, config)
    }

    /// Another inbox on this one's data, as another staff member (`config`'s) runs it.
    pub fn beside(&self, width: u16, height: u16, config: &str) -> Inbox {
        let store = Store::open(self.dir.path()).unwrap();
        Self::open(self.dir.clone(), store, width, height, config)
    }

    fn open(
        dir: std::rc::Rc<tempfile::TempDir>,
        store: Store,
        width: u16,
        height: u16,
        config: &str,
    ) -> Inbox {
        let config = Config::parse(config).unwrap();
        let (commands, queue) = mpsc::unbounded_channel();
        let app = App::new(
            store,
            Store::open(dir.path()).unwrap(),
            UiSettings {
                clock,
                ..UiSettings::from_config(&config)
            },
            Theme::plain(),
            Some(commands),
        );
        let mut inbox = Inbox {
            dir,
            app,
            commands: queue,
            terminal: Terminal::new(TestBackend::new(width, height)).unwrap(),
        };
        inbox.app.resize(width, height);
        inbox.draw();
        inbox
    }

    /// Another connection to the same database, as the engine or another process has.
    pub fn store(&self) -> Store {
        Store::open(self.dir.path()).unwrap()
    }

    pub fn draw(&mut self) {
        let clock = clock();
        let app = &self.app;
        self.terminal
            .draw(|frame| draw_at(frame, app, clock))
            .unwrap();
    }

    pub fn screen(&mut self) -> String {
        self.draw();
        let buffer = self.terminal.backend().buffer().clone();
        let mut lines = Vec::new();
        for y in 0..buffer.area.height {
            let mut line = String::new();
            let mut x = 0;
            while x < buffer.area.width {
                // A wide character covers the next cell too, whatever that cell still holds.
                let symbol = buffer[(x, y)].symbol();
                line.push_str(symbol);
                x += unicode_width::UnicodeWidthStr::width(symbol).max(1) as u16;
            }
            lines.push(line.trim_end().to_owned());
        }
        lines.join("\n")
    }

    /// The terminal becomes `width` x `height`; the next draw fits it.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.terminal.backend_mut().resize(width, height);
        self.app.resize(width, height);
        self.draw();
    }

    /// A key pressed, what it asked of the database written, and the screen drawn.
    pub fn key(&mut self, code: KeyCode) {
        self.app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
        self.app.settle(std::time::Duration::from_secs(5));
        self.draw();
    }

    pub fn keys(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }
}

/// A reply to `conversation` that Facebook refused: the person is not available (551), which
/// trying again may get past.
pub fn fail_a_reply(store: &mut Store, conversation: &str) -> i64 {
    let reply = store
        .enqueue_reply(&conversation.into(), "Dạ còn ạ", now())
        .unwrap();
    store
        .mark_reply_failed(
            reply,
            "this person isn't available right now (Facebook error 551)",
            pagedesk::model::ReplyProblem::Unavailable,
            true,
        )
        .unwrap();
    reply
}

/// A post of the shop's with a picture, and Lan's comment under it with the page's answer:
/// her thread's id.
pub fn thread_under_a_post(store: &mut Store) -> String {
    use pagedesk::store::comments::{CommentRead, PostRead, Protection};
    let comment =
        |id: &str, parent: Option<&str>, from: (&str, &str), text: &str, ago: i64| CommentRead {
            id: id.into(),
            parent: parent.map(Into::into),
            from_id: from.0.to_owned(),
            from_name: from.1.to_owned(),
            message: text.to_owned(),
            created_time: now() - chrono::Duration::minutes(ago),
            hidden: false,
            liked: false,
        };
    let lan = ("6100000000000901", "Nguyễn Thị Lan");
    let post = PostRead {
        id: format!("{SHOP}_77").into(),
        page_id: SHOP.into(),
        message: "Váy hoa nhí mùa hè, 350k.\nComment \"ib\" để shop tư vấn ạ!".to_owned(),
        created_time: now() - chrono::Duration::hours(3),
        updated_time: None,
        comment_count: Some(2),
        permalink: Some(format!("https://www.facebook.com/{SHOP}/posts/77")),
        picture: Some("https://scontent.example/vay-hoa.jpg".to_owned()),
        comments: vec![
            comment("77_1", None, lan, "còn size M không shop?", 40),
            comment(
                "77_2",
                Some("77_1"),
                (SHOP, "Thời Trang Mai Anh"),
                "Dạ còn ạ",
                30,
            ),
        ],
        complete: true,
    };
    store.apply_post(&post, &Protection::default()).unwrap();
    format!("{SHOP}_77/{}", lan.0)
}
