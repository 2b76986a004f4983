//! Orders in the inbox (issue 27): the form filled in from what the buyer wrote, products
//! picked from the catalogue by typing without accents, the checks a shop makes, the draft
//! kept until the order is saved, and the order moved along from its window, refused when
//! someone else changed it meanwhile.

use crate::common;

use common::inbox::{Inbox, conversation, message};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use pagedesk::model::Folder;
use pagedesk::orders::OrderState;
use pagedesk::store::orders::OrderMove;

const CATALOGUE: &str = "\u{feff}code,name,variant,price,stock\n\
    VH-M,Váy hoa nhí,M,350.000,4\n\
    VH-L,Váy hoa nhí,L,350.000,0\n\
    AT01,\"Áo thun, cổ tròn\",Trắng,150k,10\n";

/// The test inbox's config for staff member `staff`, in `language`, with the catalogue at
/// `catalogue`.
fn config(language: &str, staff: &str, catalogue: &std::path::Path) -> String {
    let top = format!("language = \"{language}\"\nstaff = \"{staff}\"");
    format!(
        "{}\n[orders]\ncatalogue = \"{}\"\n",
        common::inbox::CONFIG.replace("language = \"en\"", &top),
        catalogue.display()
    )
}

/// The test inbox with a catalogue, Lan having written her phone and address last; the
/// catalogue's folder.
pub fn shop_inbox(width: u16, height: u16, language: &str) -> (Inbox, tempfile::TempDir) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("catalogue.csv");
    std::fs::write(&path, CATALOGUE).unwrap();
    let mut inbox = Inbox::with_config(width, height, &config(language, "Mai", &path));
    let mut store = inbox.store();
    conversation(
        &mut store,
        "t_lan",
        common::inbox::SHOP,
        "Nguyễn Thị Lan",
        Folder::Inbox,
        1,
        vec![message(
            "m_lan_address",
            common::inbox::SHOP,
            false,
            "Nguyễn Thị Lan",
            "Chốt 1 váy nha shop. Sđt 0912 345 678\nĐịa chỉ: 12 Lê Lợi, Phường Bến Nghé, Quận 1, TP.HCM",
            1,
        )],
    );
    inbox.app.reload();
    inbox.draw();
    (inbox, folder)
}

fn ctrl(inbox: &mut Inbox, letter: char) {
    inbox
        .app
        .on_key(KeyEvent::new(KeyCode::Char(letter), KeyModifiers::CONTROL));
    inbox.app.settle(std::time::Duration::from_secs(5));
    inbox.draw();
}

fn lan_orders(inbox: &Inbox) -> Vec<pagedesk::store::orders::Order> {
    inbox.store().conversation_orders(&"t_lan".into()).unwrap()
}

/// The list's first row is Lan's: `t` shows her orders, `n` opens the form.
fn open_form(inbox: &mut Inbox) {
    assert!(
        inbox.app.selected_conversation().unwrap().id.as_str() == "t_lan",
        "Lan's conversation is selected"
    );
    inbox.key(KeyCode::Char('t'));
    inbox.key(KeyCode::Char('n'));
}

/// Writes `text` as the catalogue at `path`, changed `seconds` from now (a clock that moves on
/// even when a test writes twice in the same instant).
fn rewrite_catalogue(path: &std::path::Path, text: &str, seconds: u64) {
    std::fs::write(path, text).unwrap();
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(seconds))
        .unwrap();
}

#[test]
fn a_changed_catalogue_is_offered_as_typed_and_a_broken_one_keeps_the_last_good() {
    let (mut inbox, folder) = shop_inbox(100, 30, "en");
    let path = folder.path().join("catalogue.csv");
    open_form(&mut inbox);
    rewrite_catalogue(
        &path,
        "code,name,variant,price\nVH-M,Váy hoa nhí,M,390k\n",
        1,
    );
    // The price changed while the form was open: the next letter typed offers the new one.
    inbox.keys("vay hoa m");
    let screen = inbox.screen();
    assert!(
        screen.contains("VH-M Váy hoa nhí · M · 390.000đ"),
        "{screen}"
    );
    rewrite_catalogue(&path, "code,name\nVH-M,Váy hoa nhí\n", 2);
    inbox.key(KeyCode::Backspace);
    inbox.keys("m");
    let screen = inbox.screen();
    assert!(
        screen.contains("The catalogue cannot be used") && screen.contains("price"),
        "said why:\n{screen}"
    );
    assert!(
        screen.contains("VH-M Váy hoa nhí · M · 390.000đ"),
        "the last good products are still offered:\n{screen}"
    );
}

#[test]
fn the_form_is_filled_in_from_the_conversation_and_the_order_is_kept_with_its_totals() {
    let (mut inbox, _catalogue) = shop_inbox(100, 30, "en");
    open_form(&mut inbox);
    let screen = inbox.screen();
    assert!(screen.contains("Nguyễn Thị Lan"), "{screen}");
    assert!(
        screen.contains("0912345678"),
        "the newest phone number:\n{screen}"
    );
    assert!(
        screen.contains("12 Lê Lợi, Phường Bến Nghé, Quận 1, TP.HCM"),
        "the address she wrote:\n{screen}"
    );
    // Typed without accents, as staff type fast: the catalogue's dress is offered.
    inbox.keys("vay hoa m");
    let screen = inbox.screen();
    assert!(
        screen.contains("VH-M Váy hoa nhí · M · 350.000đ · 4 in stock"),
        "{screen}"
    );
    inbox.key(KeyCode::Enter);
    inbox.key(KeyCode::Tab);
    inbox.keys("30k");
    let screen = inbox.screen();
    assert!(
        screen.contains("Total 380.000đ · collect on delivery 380.000đ"),
        "{screen}"
    );
    ctrl(&mut inbox, 's');
    let orders = lan_orders(&inbox);
    assert_eq!(orders.len(), 1, "one order kept");
    let order = &orders[0];
    assert_eq!(order.phone, "0912345678");
    assert_eq!(order.address, "12 Lê Lợi, Phường Bến Nghé, Quận 1, TP.HCM");
    assert_eq!(order.lines[0].code.as_deref(), Some("VH-M"));
    assert_eq!((order.total, order.cod_amount), (380_000, 380_000));
    assert_eq!(order.created_by, "Mai");
    assert_eq!(
        inbox.store().order_draft(&"t_lan".into()).unwrap(),
        None,
        "the draft went with the order"
    );
    let screen = inbox.screen();
    assert!(
        screen.contains("Order #1 saved for Nguyễn Thị Lan: 380.000đ."),
        "{screen}"
    );
    assert!(
        screen.contains("#1 · new · 380.000đ"),
        "back on her orders:\n{screen}"
    );
}

#[test]
fn what_a_shop_would_refuse_is_said_on_the_form_and_nothing_is_kept() {
    let (mut inbox, _catalogue) = shop_inbox(100, 30, "en");
    open_form(&mut inbox);
    // No line yet.
    ctrl(&mut inbox, 's');
    let screen = inbox.screen();
    assert!(
        screen.contains("an order needs at least one line"),
        "{screen}"
    );
    // A line typed freely, its price forgotten.
    inbox.keys("Túi quà");
    inbox.key(KeyCode::Enter);
    ctrl(&mut inbox, 's');
    let screen = inbox.screen();
    assert!(screen.contains("Túi quà has no price yet"), "{screen}");
    inbox.keys("20k");
    // A phone number that is none.
    for _ in 0..12 {
        inbox.key(KeyCode::BackTab);
    }
    inbox.key(KeyCode::Tab);
    for _ in 0..10 {
        inbox.key(KeyCode::Backspace);
    }
    inbox.keys("12345");
    ctrl(&mut inbox, 's');
    let screen = inbox.screen();
    assert!(
        screen.contains("12345 is not a Vietnamese phone number"),
        "{screen}"
    );
    assert!(lan_orders(&inbox).is_empty(), "nothing kept");
}

#[test]
fn the_draft_is_kept_until_the_order_is_saved_even_by_another_inbox() {
    let (mut inbox, catalogue_folder) = shop_inbox(100, 30, "vi");
    open_form(&mut inbox);
    inbox.keys("ao thun");
    inbox.key(KeyCode::Enter);
    inbox.key(KeyCode::Tab);
    inbox.keys("25k");
    inbox.key(KeyCode::Esc);
    let screen = inbox.screen();
    assert!(screen.contains("+ Soạn tiếp đơn đang nháp"), "{screen}");
    let kept = inbox
        .store()
        .order_draft(&"t_lan".into())
        .unwrap()
        .expect("the draft is in the database");
    assert_eq!(kept.draft.lines[0].code.as_deref(), Some("AT01"));
    assert_eq!(kept.draft.shipping, "25k");
    // Another staff member's inbox on the same data sees the same draft.
    let catalogue = catalogue_folder.path().join("catalogue.csv");
    let mut other = inbox.beside(100, 30, &config("vi", "Hùng", &catalogue));
    other.key(KeyCode::Char('t'));
    other.key(KeyCode::Enter);
    let screen = other.screen();
    assert!(screen.contains("AT01 Áo thun, cổ tròn (Trắng)"), "{screen}");
    assert!(screen.contains("25k"), "{screen}");
    ctrl(&mut other, 's');
    assert_eq!(lan_orders(&inbox).len(), 1);
    assert_eq!(inbox.store().order_draft(&"t_lan".into()).unwrap(), None);
}

#[test]
fn an_order_is_moved_along_from_its_window_and_a_change_made_meanwhile_is_not_overwritten() {
    let (mut inbox, _catalogue) = shop_inbox(100, 30, "en");
    open_form(&mut inbox);
    inbox.keys("vh-m");
    inbox.key(KeyCode::Enter);
    ctrl(&mut inbox, 's');
    let id = lan_orders(&inbox)[0].id;
    inbox.key(KeyCode::Char('c'));
    assert_eq!(lan_orders(&inbox)[0].state, OrderState::Confirmed);
    // Another staff member cancels it while this inbox still shows it confirmed.
    let mut other = inbox.store().as_staff("Hùng");
    other
        .move_order(
            id,
            &OrderMove {
                to: OrderState::Cancelled,
                seen_version: None,
                run_hook: false,
                carrier: None,
                tracking: None,
            },
            common::inbox::now(),
        )
        .unwrap();
    inbox.key(KeyCode::Char('s'));
    inbox.keys("GHN GHN123456");
    inbox.key(KeyCode::Enter);
    let screen = inbox.screen();
    assert!(
        screen.contains("Hùng changed this order meanwhile"),
        "the second is told:\n{screen}"
    );
    assert_eq!(
        lan_orders(&inbox)[0].state,
        OrderState::Cancelled,
        "not overwritten"
    );
}

#[test]
fn shipping_delivering_and_the_summary_for_the_buyer_from_the_window() {
    let (mut inbox, _catalogue) = shop_inbox(100, 30, "vi");
    open_form(&mut inbox);
    inbox.keys("vh-m");
    inbox.key(KeyCode::Enter);
    ctrl(&mut inbox, 's');
    inbox.key(KeyCode::Char('c'));
    inbox.key(KeyCode::Char('s'));
    inbox.keys("GHN");
    inbox.key(KeyCode::Enter);
    let screen = inbox.screen();
    assert!(
        screen.contains("Nhập hãng vận chuyển, dấu cách, rồi mã vận đơn"),
        "{screen}"
    );
    inbox.keys(" GHN123456");
    inbox.key(KeyCode::Enter);
    let order = &lan_orders(&inbox)[0];
    assert_eq!(order.state, OrderState::Shipped);
    assert_eq!(order.carrier.as_deref(), Some("GHN"));
    assert_eq!(order.tracking.as_deref(), Some("GHN123456"));
    // A shipped order is not cancelled: it is delivered or returned.
    inbox.key(KeyCode::Char('X'));
    let screen = inbox.screen();
    assert!(screen.contains("không chuyển sang"), "{screen}");
    inbox.key(KeyCode::Char('R'));
    assert_eq!(
        lan_orders(&inbox)[0].state,
        OrderState::Shipped,
        "asked twice"
    );
    inbox.key(KeyCode::Char('R'));
    assert_eq!(lan_orders(&inbox)[0].state, OrderState::Returned);
    let events: Vec<(OrderState, String)> = lan_orders(&inbox)[0]
        .history
        .iter()
        .map(|e| (e.state, e.staff.clone()))
        .collect();
    assert_eq!(events.len(), 4, "who changed what: {events:?}");
    inbox.key(KeyCode::Char('m'));
    let reply = inbox.app.chat.compose.lines().join("\n");
    assert!(
        reply.starts_with("Dạ shop xác nhận đơn #1 của mình ạ:"),
        "{reply}"
    );
    assert!(
        reply.contains("- 1 × VH-M Váy hoa nhí (M) 350.000đ"),
        "{reply}"
    );
}

#[test]
fn the_stats_window_counts_orders_and_revenue_and_charts_them_per_day() {
    let (mut inbox, _catalogue) = shop_inbox(120, 44, "en");
    // Two orders for Lan, the second cancelled: it counts as an order, not as revenue.
    for cancel in [false, true] {
        inbox.key(KeyCode::Char('t'));
        inbox.key(KeyCode::Char('n'));
        inbox.keys("vh-m");
        inbox.key(KeyCode::Enter);
        ctrl(&mut inbox, 's');
        if cancel {
            inbox.keys("XX");
        }
        inbox.key(KeyCode::Esc);
    }
    assert_eq!(lan_orders(&inbox)[0].state, OrderState::Cancelled);
    inbox.key(KeyCode::Char('T'));
    let screen = inbox.screen();
    assert!(
        screen.contains(
            "Thời Trang Mai Anh: 2 orders, 350.000đ · 1 of 3 conversations ended in an order (33%)"
        ),
        "{screen}"
    );
    assert!(
        screen.contains("Mai: 2 orders, 350.000đ"),
        "per staff member:\n{screen}"
    );
    assert!(screen.contains("Orders per day"), "{screen}");
}

#[test]
fn two_staff_on_one_draft_make_one_order_and_the_second_is_told() {
    let (mut mai, catalogue_folder) = shop_inbox(100, 30, "en");
    let catalogue = catalogue_folder.path().join("catalogue.csv");
    let mut hung = mai.beside(100, 30, &config("en", "Hùng", &catalogue));
    open_form(&mut mai);
    mai.keys("vh-m");
    mai.key(KeyCode::Enter);
    mai.key(KeyCode::Esc);
    // Both continue the draft Mai kept; Mai saves first.
    mai.key(KeyCode::Char('n'));
    hung.key(KeyCode::Char('t'));
    hung.key(KeyCode::Char('n'));
    hung.keys("ao thun");
    hung.key(KeyCode::Enter);
    ctrl(&mut mai, 's');
    ctrl(&mut hung, 's');
    let orders = lan_orders(&mai);
    assert_eq!(orders.len(), 1, "one order, not two: {orders:?}");
    assert_eq!(orders[0].created_by, "Mai");
    let screen = hung.screen();
    assert!(
        screen.contains("Mai saved this order meanwhile (#1)"),
        "the second is told:\n{screen}"
    );
    // Writing over a draft another inbox wrote since is refused too, naming them.
    hung.key(KeyCode::Esc);
    hung.key(KeyCode::Char('n'));
    mai.key(KeyCode::Char('n'));
    hung.keys("vh-m");
    hung.key(KeyCode::Enter);
    hung.app.save_draft();
    hung.app.settle_writes();
    mai.keys("at01");
    mai.key(KeyCode::Enter);
    mai.app.save_draft();
    mai.app.settle_writes();
    let screen = mai.screen();
    assert!(
        screen.contains("Hùng is writing this order too and changed it meanwhile"),
        "{screen}"
    );
    let kept = mai.store().order_draft(&"t_lan".into()).unwrap().unwrap();
    assert_eq!(
        kept.draft.lines[0].code.as_deref(),
        Some("VH-M"),
        "Hùng's draft is not overwritten"
    );
}

#[test]
fn what_staff_type_by_mistake_does_not_slip_into_the_order() {
    let (mut inbox, _catalogue) = shop_inbox(80, 24, "en");
    open_form(&mut inbox);
    // The same product twice is one line of two.
    for _ in 0..2 {
        inbox.keys("vh-m");
        inbox.key(KeyCode::Enter);
    }
    // Ctrl keys are no letters; Ctrl-W takes the last word off.
    inbox.keys("ao thun");
    ctrl(&mut inbox, 'u');
    ctrl(&mut inbox, 'a');
    ctrl(&mut inbox, 'w');
    assert!(
        inbox.screen().contains("Add           ao ▏"),
        "{}",
        inbox.screen()
    );
    ctrl(&mut inbox, 'w');
    // A product typed and not added is not left out unseen; the reason shows on a small
    // screen too, with many lines on the form.
    for code in ["vh-l", "at01"] {
        inbox.keys(code);
        inbox.key(KeyCode::Enter);
    }
    inbox.keys("khau trang");
    inbox.key(KeyCode::Tab);
    ctrl(&mut inbox, 's');
    let screen = inbox.screen();
    assert!(
        screen.contains("“khau trang” was typed but not added"),
        "{screen}"
    );
    assert!(lan_orders(&inbox).is_empty());
    let screen_lines: Vec<&str> = screen.lines().collect();
    assert!(
        screen_lines.iter().any(|l| l.contains("Total 1.200.000đ")),
        "the total stays in view:\n{screen}"
    );
    assert!(
        screen.contains("⚠ out of stock"),
        "VH-L has none:\n{screen}"
    );
    // The refusal put the cursor on the product typed: two words off, and it saves.
    ctrl(&mut inbox, 'w');
    ctrl(&mut inbox, 'w');
    ctrl(&mut inbox, 's');
    let order = &lan_orders(&inbox)[0];
    let lines: Vec<(Option<&str>, i64)> = order
        .lines
        .iter()
        .map(|l| (l.code.as_deref(), l.quantity))
        .collect();
    assert_eq!(
        lines,
        [(Some("VH-M"), 2), (Some("VH-L"), 1), (Some("AT01"), 1)]
    );
}

#[test]
fn delivered_asks_twice_and_a_cancelled_order_sends_no_summary() {
    let (mut inbox, _catalogue) = shop_inbox(100, 30, "en");
    open_form(&mut inbox);
    inbox.keys("vh-m");
    inbox.key(KeyCode::Enter);
    ctrl(&mut inbox, 's');
    inbox.keys("c");
    inbox.key(KeyCode::Char('s'));
    inbox.keys("Viettel Post VTP123");
    inbox.key(KeyCode::Enter);
    inbox.key(KeyCode::Char('D'));
    assert_eq!(
        lan_orders(&inbox)[0].state,
        OrderState::Shipped,
        "asked twice"
    );
    assert!(inbox.screen().contains("Press D again"));
    inbox.key(KeyCode::Char('D'));
    assert_eq!(lan_orders(&inbox)[0].state, OrderState::Delivered);
    assert_eq!(
        lan_orders(&inbox)[0].carrier.as_deref(),
        Some("Viettel Post")
    );
    inbox.key(KeyCode::Char('m'));
    let reply = inbox.app.chat.compose.lines().join("\n");
    assert!(
        reply.contains("Shipped with Viettel Post, tracking code VTP123"),
        "{reply}"
    );
    // A second order, cancelled: no summary goes to the buyer.
    inbox.key(KeyCode::Esc);
    inbox.key(KeyCode::Char('t'));
    inbox.key(KeyCode::Enter);
    inbox.keys("at01");
    inbox.key(KeyCode::Enter);
    ctrl(&mut inbox, 's');
    inbox.keys("XX");
    inbox.key(KeyCode::Char('m'));
    assert!(
        inbox
            .screen()
            .contains("Order #2 is cancelled: no summary to send.")
    );
}
