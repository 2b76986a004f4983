//! The emulator as a command, and the demo: the inbox on the emulator's Vietnamese shop pages,
//! through the same engine and HTTP client as production, with buyers who keep writing.

use super::output::out;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use serde_json::json;

use super::{open_inbox, open_store, start_log};
use crate::config::{Config, NewConversations, PageConfig, Staff, StaffMember};
use crate::graph::AccessToken;
use pagedesk_emulator::{CONTROL_PREFIX, Control, Emulator, PRODUCT_PHOTOS, Scenario};

pub async fn serve_emulator(listen: SocketAddr, scenario: &str, public: bool) -> Result<ExitCode> {
    let scenario = Scenario::named(scenario).map_err(anyhow::Error::msg)?;
    let emulator = Emulator::start(scenario, listen, public).await?;
    out!("Graph API emulator at {}", emulator.url);
    out!("Control API at {}{CONTROL_PREFIX}", emulator.url);
    out!("User token: {}", emulator.user_token());
    for (id, name, token) in emulator.pages() {
        out!("Page {id}  {name}  token {token}");
    }
    out!(
        "[graph] base_url = \"{}\" in the config points pagedesk at it. Ctrl-C stops it.",
        emulator.url
    );
    tokio::signal::ctrl_c().await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn run(data_dir: Option<PathBuf>) -> Result<ExitCode> {
    let scenario = Scenario::named("demo").map_err(anyhow::Error::msg)?;
    let emulator = Emulator::start(scenario, "127.0.0.1:0".parse()?, false).await?;
    // Started again on a data dir it kept, the demo's new buyers are new people, as on
    // Facebook: their ids count on from the clock (ten a second), past any earlier run's.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    emulator.count_ids_from(now.saturating_mul(10));
    let throwaway = match data_dir {
        Some(_) => None,
        // Private from its first byte, like every data dir.
        None => Some({
            use std::os::unix::fs::PermissionsExt;
            tempfile::Builder::new()
                .permissions(std::fs::Permissions::from_mode(0o700))
                .tempdir()?
        }),
    };
    let data_dir =
        data_dir.unwrap_or_else(|| throwaway.as_ref().expect("made above").path().to_owned());
    super::secure_data_dir(&data_dir)?;
    let _log = start_log(&data_dir, super::startup::LogAlso::Nowhere);
    let mut config =
        Config::parse(include_str!("../../config.example.toml")).map_err(anyhow::Error::msg)?;
    config.graph.base_url = emulator.url.clone();
    // A lively demo: new messages show within seconds.
    config.sync.interval = Duration::from_secs(5);
    // The shop's product photos, for Ctrl-O in the reply box, and its catalogue, for orders.
    config.attachments.library = Some(product_photos(&data_dir)?);
    let catalogue = data_dir.join("catalogue.csv");
    std::fs::write(&catalogue, DEMO_CATALOGUE)?;
    config.orders.catalogue = Some(catalogue);
    config.pages = emulator
        .pages()
        .into_iter()
        .map(|(id, _, token)| PageConfig::new(&id, None, AccessToken::new(&token)))
        .collect();
    // A team of three, you among them, all on shift: new buyers are given out in turn.
    let me = config.staff_name();
    config.staff = Some(Staff::Team(
        [me.as_str(), "Minh", "Lan"]
            .into_iter()
            .map(|name| StaffMember {
                name: name.to_owned(),
                user: None,
            })
            .collect(),
    ));
    config.assignment.new_conversations = NewConversations::RoundRobin;
    {
        // Spam sync on for the first page, off for the second: both cases are on show.
        let store = open_store(&data_dir)?;
        let mut store = store.lock().expect("store");
        for (index, page) in config.pages.iter().enumerate() {
            store.set_spam_sync(&page.id, index == 0)?;
        }
        for name in config.team() {
            store.set_available(&name, true, chrono::Utc::now())?;
        }
    }
    let buyers = tokio::spawn(keep_buyers_writing(
        emulator.control(),
        config.pages.clone(),
    ));
    let result = open_inbox(None, &config, &data_dir).await;
    buyers.abort();
    result
}

/// The demo shop's product-photo folder, written into the demo's data directory.
fn product_photos(data_dir: &std::path::Path) -> Result<PathBuf> {
    let folder = data_dir.join("product-photos");
    std::fs::create_dir_all(&folder)?;
    for (name, bytes) in PRODUCT_PHOTOS {
        std::fs::write(folder.join(name), bytes)?;
    }
    Ok(folder)
}

/// What the demo's two shops sell, as a shop keeps it in Excel (BOM and all).
const DEMO_CATALOGUE: &str = "\u{feff}code,name,variant,price,stock
VH-S,Váy hoa nhí,S,350.000,3
VH-M,Váy hoa nhí,M,350.000,5
VH-L,Váy hoa nhí,L,350.000,0
AK-BE-M,Áo khoác dạ,Be · M,690k,2
AK-DEN-L,Áo khoác dạ,Đen · L,690k,4
SM-XL,Áo sơ mi nam,XL,280.000,8
KCN-50,Kem chống nắng da dầu,50ml,245.000,12
SRM-100,Sữa rửa mặt,100ml,159k,20
";

const BUYERS: &[&str] = &[
    "Nguyễn Thị Lan",
    "Trần Văn Minh",
    "Phạm Quốc Bảo",
    "Hoàng Mỹ Linh",
    "Bùi Thu Trang",
    "Đỗ Hải Yến",
    "Vũ Đức Anh",
    "Lê Khánh Vy",
    "Ngô Thanh Hương",
    "Đinh Gia Bảo",
];

const QUESTIONS: &[&str] = &[
    "Shop ơi mẫu này còn hàng không ạ?",
    "Giá bao nhiêu vậy shop?",
    "Ship về Cần Thơ mất mấy ngày ạ?",
    "Mình lấy 2 cái được giảm giá không shop?",
    "Có màu đen không shop? 🖤",
    "Chốt đơn nha shop, giao giờ hành chính giúp mình",
    "Size M có vừa người 52kg không ạ?",
    "Shop có nhận COD không?",
    "Đơn của mình giao chưa shop ơi",
    "Cho mình xem thêm ảnh thật với ạ",
    "Chốt 1 váy size M nha shop. Sđt 0912 345 678\nĐịa chỉ: 25 Nguyễn Huệ, Phường Bến Nghé, Quận 1, TP.HCM",
    "Lấy mình 1 kem chống nắng, số 0987.654.321, giao 14 ngõ 5 Láng Hạ, Đống Đa, Hà Nội",
];

const STAFF_ANSWERS: &[&str] = &[
    "Dạ còn ạ, chị lấy size nào ạ?",
    "Dạ shop nhận COD toàn quốc ạ.",
    "Dạ đơn của mình đã giao cho bên vận chuyển rồi ạ.",
];

/// A small deterministic-per-run random source; the demo needs variety, not quality.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % below as u64) as usize
    }
}

/// Plays the world around the shop through the emulator's control API: buyers write every 20
/// to 60 seconds (some land in Spam), and now and then staff answer in Facebook's own inbox.
async fn keep_buyers_writing(control: Control, pages: Vec<PageConfig>) {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64)
        | 1;
    let mut dice = Dice(seed);
    let mut conversations: Vec<String> = Vec::new();
    loop {
        tokio::time::sleep(Duration::from_secs(20 + dice.roll(41) as u64)).await;
        if !conversations.is_empty() && dice.roll(5) == 0 {
            let id = &conversations[dice.roll(conversations.len())];
            let text = STAFF_ANSWERS[dice.roll(STAFF_ANSWERS.len())];
            let _ = control.page_message(id, text, 0).await;
            continue;
        }
        let page = &pages[dice.roll(pages.len())];
        let folder = if dice.roll(4) == 0 { "spam" } else { "inbox" };
        let customer_name = BUYERS[dice.roll(BUYERS.len())];
        // One buyer in four sends a photo of what they want.
        let body = if dice.roll(4) == 0 {
            let (asset, _) = PRODUCT_PHOTOS[dice.roll(PRODUCT_PHOTOS.len())];
            json!({
                "customer_name": customer_name,
                "attachment": { "name": "anh.png", "mime_type": "image/png", "asset": asset },
                "folder": folder,
            })
        } else {
            json!({
                "customer_name": customer_name,
                "text": QUESTIONS[dice.roll(QUESTIONS.len())],
                "folder": folder,
            })
        };
        if let Ok(value) = control.buyer_message(page.id.as_str(), body).await
            && let Some(id) = value["conversation_id"].as_str()
            && !conversations.iter().any(|c| c == id)
        {
            conversations.push(id.to_owned());
        }
    }
}
