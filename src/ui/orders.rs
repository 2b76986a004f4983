//! Orders in the inbox: a conversation's orders in a window, moved along their life from there
//! (with the version staff saw, so that a change someone made meanwhile is not laid over), and
//! the order form, filled in from the conversation and kept as a draft until it is saved.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent};

use super::app::{App, Overlay, Pane};
use super::writer::{OrderWrite, Write};
use crate::i18n::S;
use crate::keymap::Action;
use crate::model::ConversationId;
use crate::orders::OrderRefusal;
use crate::orders::OrderState;
use crate::orders::catalogue::{Catalogue, CatalogueError, Product};
use crate::orders::draft::{DraftField, DraftLine, OrderDraft};
use crate::store::orders::KeptDraft;
use crate::store::orders::{Order, OrderMove};

/// How many catalogue products the form offers under what is typed.
pub const PRODUCTS_OFFERED: usize = 5;

/// A conversation's orders, newest first, under a row to take a new one.
#[derive(Debug, Clone)]
pub struct OrdersWindow {
    pub conversation_id: ConversationId,
    pub customer_name: String,
    pub orders: Vec<Order>,
    /// 0: the row taking a new order; then the orders.
    pub cursor: usize,
    /// A draft is kept for this conversation: the first row continues it.
    pub has_draft: bool,
    /// A cancel or a return pressed once on that order: pressed again, it is made.
    pub confirm: Option<(i64, OrderState)>,
    /// The carrier and tracking code being typed to ship that order.
    pub shipping: Option<(i64, String)>,
}

impl OrdersWindow {
    /// The order under the cursor.
    pub fn chosen(&self) -> Option<&Order> {
        self.cursor.checked_sub(1).and_then(|i| self.orders.get(i))
    }
}

/// A field of the order form, in the order Tab goes through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Name,
    Phone,
    Address,
    Quantity(usize),
    Price(usize),
    /// What is typed to find a product, or a line typed freely.
    Product,
    Shipping,
    Discount,
    Payment,
    Note,
}

/// What Enter adds from the product field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductChoice {
    Product(Product),
    /// What is typed, as a line of its own (its price still to type).
    Typed(String),
}

/// The order form of one conversation.
#[derive(Debug, Clone)]
pub struct OrderForm {
    pub conversation_id: ConversationId,
    pub customer_name: String,
    pub page_name: String,
    pub draft: OrderDraft,
    /// The version of the kept draft this form writes on (0: none kept yet).
    pub draft_version: i64,
    pub focus: FormField,
    /// The product offered under the cursor.
    pub picked: usize,
    /// Earlier orders of the phone typed, on every page, by state.
    pub history: BTreeMap<OrderState, usize>,
    /// Why the order was not saved, and the field it is about.
    pub problem: Option<(FormField, String)>,
    /// Changed since the draft was last kept.
    pub unsaved: bool,
    /// Handed to the writer; its answer closes the form or says why not.
    pub saving: bool,
    /// Ctrl-X pressed once: pressed again, the draft is thrown away.
    pub confirm_discard: bool,
}

impl OrderForm {
    /// The fields in Tab order: the lines' quantity and price between the address and the
    /// product field.
    pub fn fields(&self) -> Vec<FormField> {
        let mut fields = vec![FormField::Name, FormField::Phone, FormField::Address];
        for index in 0..self.draft.lines.len() {
            fields.extend([FormField::Quantity(index), FormField::Price(index)]);
        }
        fields.extend([
            FormField::Product,
            FormField::Shipping,
            FormField::Discount,
            FormField::Payment,
            FormField::Note,
        ]);
        fields
    }

    /// What Enter in the product field may add: the catalogue's products matching what is
    /// typed (accents ignored), then what is typed as a line of its own.
    pub fn choices(&self, catalogue: Option<&Catalogue>) -> Vec<ProductChoice> {
        let typed = self.draft.adding.trim();
        if typed.is_empty() {
            return Vec::new();
        }
        let mut choices: Vec<ProductChoice> = catalogue
            .map(|c| c.matching(typed))
            .unwrap_or_default()
            .into_iter()
            .take(PRODUCTS_OFFERED)
            .map(|p| ProductChoice::Product(p.clone()))
            .collect();
        choices.push(ProductChoice::Typed(typed.to_owned()));
        choices
    }

    /// The text of the field staff type in, if it takes text.
    fn text_mut(&mut self) -> Option<&mut String> {
        let draft = &mut self.draft;
        match self.focus {
            FormField::Name => Some(&mut draft.name),
            FormField::Phone => Some(&mut draft.phone),
            FormField::Address => Some(&mut draft.address),
            FormField::Quantity(i) => draft.lines.get_mut(i).map(|l| &mut l.quantity),
            FormField::Price(i) => draft.lines.get_mut(i).map(|l| &mut l.price),
            FormField::Product => Some(&mut draft.adding),
            FormField::Shipping => Some(&mut draft.shipping),
            FormField::Discount => Some(&mut draft.discount),
            FormField::Note => Some(&mut draft.note),
            FormField::Payment => None,
        }
    }

    /// Moves to the next field (or the previous).
    fn step(&mut self, forward: bool) {
        let fields = self.fields();
        let at = fields.iter().position(|f| *f == self.focus).unwrap_or(0);
        let next = match forward {
            true => (at + 1).min(fields.len() - 1),
            false => at.saturating_sub(1),
        };
        self.focus = fields[next];
        self.picked = 0;
    }

    /// Where a refusal of the draft points, as a field of the form.
    fn field_of(refused: DraftField) -> FormField {
        match refused {
            DraftField::Phone => FormField::Phone,
            DraftField::Address => FormField::Address,
            DraftField::Lines => FormField::Product,
            DraftField::Quantity(i) => FormField::Quantity(i),
            DraftField::Price(i) => FormField::Price(i),
            DraftField::Shipping => FormField::Shipping,
            DraftField::Discount => FormField::Discount,
        }
    }
}

impl App {
    /// The orders of the conversation at hand, in their window.
    pub(super) fn open_orders(&mut self) {
        let Some(conversation) = self.conversation_at_hand() else {
            return;
        };
        self.overlay = Some(Overlay::Orders(OrdersWindow {
            conversation_id: conversation.id.clone(),
            customer_name: conversation.customer_name.clone(),
            orders: Vec::new(),
            cursor: 0,
            has_draft: false,
            confirm: None,
            shipping: None,
        }));
        self.load_orders();
    }

    /// The window's orders and draft, as the database has them now.
    pub(super) fn load_orders(&mut self) {
        let Some(Overlay::Orders(window)) = &self.overlay else {
            return;
        };
        let id = window.conversation_id.clone();
        let orders = self.report_value(self.store_ref().conversation_orders(&id));
        let has_draft = self.order_drafts.contains_key(&id)
            || self.store_ref().order_draft(&id).ok().flatten().is_some();
        if let (Some(Overlay::Orders(window)), Some(orders)) = (self.overlay.as_mut(), orders) {
            window.cursor = window.cursor.min(orders.len());
            window.orders = orders;
            window.has_draft = has_draft;
        }
    }

    pub(super) fn orders_action(&mut self, action: Action) {
        let hook = self.settings.order_hook;
        let Some(Overlay::Orders(window)) = self.overlay.as_mut() else {
            return;
        };
        if !matches!(
            action,
            Action::CancelOrder | Action::ReturnOrder | Action::DeliverOrder
        ) {
            window.confirm = None;
        }
        let last = window.orders.len();
        let chosen = window.chosen().map(|o| (o.id, o.state, o.version));
        match action {
            Action::Close => self.overlay = None,
            Action::Down => window.cursor = (window.cursor + 1).min(last),
            Action::Up => window.cursor = window.cursor.saturating_sub(1),
            Action::First => window.cursor = 0,
            Action::Last => window.cursor = last,
            Action::NewOrder => {
                let id = window.conversation_id.clone();
                self.open_order_form(&id);
            }
            // Enter takes a new order from the first row; on an order it says what moves it.
            Action::OrderRow if window.cursor == 0 => {
                let id = window.conversation_id.clone();
                self.open_order_form(&id);
            }
            Action::OrderRow => self.say(self.tr.t(S::OrderRowKeys).to_owned()),
            Action::ConfirmOrder => {
                if let Some((id, _, version)) = chosen {
                    self.move_order(id, version, OrderState::Confirmed, hook, None);
                }
            }
            Action::ShipOrder => {
                if let Some((id, state, _)) = chosen {
                    if state.may_become(OrderState::Shipped) {
                        window.shipping = Some((id, String::new()));
                    } else {
                        self.say_cannot_move(state, OrderState::Shipped);
                    }
                }
            }
            // Ends of an order's life, asked twice: none is taken back.
            Action::CancelOrder | Action::ReturnOrder | Action::DeliverOrder => {
                let to = match action {
                    Action::CancelOrder => OrderState::Cancelled,
                    Action::DeliverOrder => OrderState::Delivered,
                    _ => OrderState::Returned,
                };
                let Some((id, state, version)) = chosen else {
                    return;
                };
                if !state.may_become(to) {
                    self.say_cannot_move(state, to);
                } else if window.confirm == Some((id, to)) {
                    window.confirm = None;
                    self.move_order(id, version, to, hook, None);
                } else {
                    window.confirm = Some((id, to));
                    let key = match to {
                        OrderState::Cancelled => S::OrderCancelAgain,
                        OrderState::Delivered => S::OrderDeliverAgain,
                        _ => S::OrderReturnAgain,
                    };
                    self.say(self.tr.f(key, &[&id]));
                }
            }
            Action::SendOrder => {
                if let Some(order) = window.chosen().cloned() {
                    self.order_to_reply_box(&order);
                }
            }
            Action::OrderHookAgain => {
                if let Some((id, _, _)) = chosen {
                    self.write(Write::Order(Box::new(OrderWrite::HookAgain { id })));
                }
            }
            _ => {}
        }
    }

    fn say_cannot_move(&mut self, from: OrderState, to: OrderState) {
        let refusal = crate::orders::OrderRefusal::Move { from, to };
        self.say(self.tr.order_refusal(&refusal));
    }

    /// Asks the writer to move order `id`, which staff saw at `version`, to `to`.
    fn move_order(
        &mut self,
        id: i64,
        version: i64,
        to: OrderState,
        run_hook: bool,
        shipped_with: Option<(String, String)>,
    ) {
        let (carrier, tracking) = shipped_with.unzip();
        let change = OrderMove {
            to,
            seen_version: Some(version),
            run_hook,
            carrier,
            tracking,
        };
        self.write(Write::Order(Box::new(OrderWrite::Move {
            id,
            change,
            at: self.now(),
        })));
    }

    /// Keys while the carrier and tracking code are typed: Enter ships, Esc does not.
    pub(super) fn shipping_action(&mut self, action: Action) {
        let hook = self.settings.order_hook;
        let Some(Overlay::Orders(window)) = self.overlay.as_mut() else {
            return;
        };
        let Some((id, typed)) = window.shipping.clone() else {
            return;
        };
        let version = window
            .orders
            .iter()
            .find(|o| o.id == id)
            .map_or(0, |o| o.version);
        match action {
            Action::Close => window.shipping = None,
            Action::Ship => {
                // "GHN GHN123456": the carrier's name, then the code (the last word).
                let typed = typed.trim();
                let Some((carrier, tracking)) = typed.rsplit_once(char::is_whitespace) else {
                    self.say(self.tr.t(S::OrderShipBoth).to_owned());
                    return;
                };
                window.shipping = None;
                let shipped = (carrier.trim().to_owned(), tracking.trim().to_owned());
                self.move_order(id, version, OrderState::Shipped, hook, Some(shipped));
            }
            _ => {}
        }
    }

    /// The typing prompt of the orders window, if one is open.
    fn shipping_typing(&mut self) -> Option<&mut String> {
        match self.overlay.as_mut() {
            Some(Overlay::Orders(OrdersWindow {
                shipping: Some((_, typed)),
                ..
            })) => Some(typed),
            _ => None,
        }
    }

    /// The order's summary, in the staff's language, goes into the conversation's reply box to
    /// be read and sent like any reply (privately under a post: it holds the buyer's phone
    /// and address).
    fn order_to_reply_box(&mut self, order: &Order) {
        let showing = self
            .chat
            .open
            .as_ref()
            .filter(|o| o.conversation.id == order.conversation_id);
        let Some(open) = showing else {
            return;
        };
        if order.state == OrderState::Cancelled {
            self.say(self.tr.f(S::OrderCancelledNotSent, &[&order.id]));
            return;
        }
        let thread = open.conversation.post_id.is_some();
        let text = crate::orders::words::for_buyer(self.tr, order);
        if thread {
            self.chat
                .private_answer
                .insert(order.conversation_id.clone());
        }
        self.overlay = None;
        self.take_edited_reply(&text);
        self.say(self.tr.t(S::OrderInReplyBox).to_owned());
    }

    // The form.

    /// The catalogue as the file is now: read again, off the keys' thread, if it changed.
    fn refresh_catalogue(&mut self) {
        let Some(path) = self.settings.catalogue.clone() else {
            return;
        };
        if !self.catalogue_reading {
            self.catalogue_reading = true;
            let read_at = self.catalogue.as_ref().map(Catalogue::read_at);
            self.writer.read_catalogue(path, read_at);
        }
    }

    /// The catalogue read again: the form offers its products; one that cannot be used is
    /// said, and the last good one stays.
    pub(super) fn on_catalogue(&mut self, result: Result<Option<Catalogue>, CatalogueError>) {
        self.catalogue_reading = false;
        match result {
            Ok(Some(catalogue)) => self.catalogue = Some(catalogue),
            Ok(None) => {}
            Err(problem) => {
                tracing::warn!(problem = %problem, "the catalogue");
                self.say(self.tr.f(S::CatalogueUnusable, &[&problem]));
            }
        }
    }

    /// The order form of conversation `id`: its draft, else filled in from the conversation
    /// (the customer's name, the newest phone number and address they wrote, else those of
    /// their last order here).
    pub(super) fn open_order_form(&mut self, id: &ConversationId) {
        let Some(Some(conversation)) = self.report_value(self.store_ref().conversation(id)) else {
            return;
        };
        self.refresh_catalogue();
        let kept = match self.order_drafts.get(id) {
            Some(kept) => Some(kept.clone()),
            None => self.store_ref().order_draft(id).ok().flatten(),
        };
        // No draft kept: the form writes on the version of the mark an order saved before
        // left, so that a form opened before that order is the one refused.
        let draft_version = match &kept {
            Some(kept) => kept.version,
            None => self.store_ref().order_draft_version(id).unwrap_or(0),
        };
        let draft = kept.map(|k| k.draft).unwrap_or_else(|| {
            let customer = self.store_ref().customer(id).ok().flatten();
            let last = self
                .store_ref()
                .conversation_orders(id)
                .ok()
                .and_then(|orders| orders.into_iter().next());
            let newest = |found: Option<&Vec<String>>, ordered: Option<String>| {
                found
                    .and_then(|f| f.first().cloned())
                    .or(ordered)
                    .unwrap_or_default()
            };
            OrderDraft {
                name: conversation.customer_name.clone(),
                phone: newest(
                    customer.as_ref().map(|c| &c.phones),
                    last.as_ref().map(|o| o.phone.clone()),
                ),
                address: newest(
                    customer.as_ref().map(|c| &c.addresses),
                    last.map(|o| o.address),
                ),
                ..OrderDraft::default()
            }
        });
        let mut form = OrderForm {
            conversation_id: id.clone(),
            customer_name: conversation.customer_name.clone(),
            page_name: conversation.page_name.clone(),
            draft,
            draft_version,
            focus: FormField::Phone,
            picked: 0,
            history: BTreeMap::new(),
            problem: None,
            unsaved: false,
            saving: false,
            confirm_discard: false,
        };
        // Staff start where the form most likely needs them: the first empty field.
        form.focus = match (&form.draft.phone, &form.draft.address) {
            (phone, _) if phone.trim().is_empty() => FormField::Phone,
            (_, address) if address.trim().is_empty() => FormField::Address,
            _ => FormField::Product,
        };
        self.overlay = Some(Overlay::OrderForm(Box::new(form)));
        self.look_up_phone();
    }

    /// The earlier orders of the phone number typed, when it reads as one.
    fn look_up_phone(&mut self) {
        let Some(Overlay::OrderForm(form)) = &self.overlay else {
            return;
        };
        let history = match crate::orders::phone(&form.draft.phone) {
            Some(phone) => self.store_ref().phone_history(&phone).unwrap_or_default(),
            None => BTreeMap::new(),
        };
        if let Some(Overlay::OrderForm(form)) = self.overlay.as_mut() {
            form.history = history;
        }
    }

    pub(super) fn order_form_action(&mut self, action: Action) {
        let choices = match &self.overlay {
            Some(Overlay::OrderForm(form)) if form.focus == FormField::Product => {
                form.choices(self.catalogue.as_ref())
            }
            _ => Vec::new(),
        };
        let Some(Overlay::OrderForm(form)) = self.overlay.as_mut() else {
            return;
        };
        if action != Action::DiscardOrder {
            form.confirm_discard = false;
        }
        match action {
            // Among the products offered, ↑ and ↓ choose; elsewhere they go from field to field.
            Action::Down if form.picked + 1 < choices.len() => form.picked += 1,
            Action::Up if !choices.is_empty() && form.picked > 0 => form.picked -= 1,
            Action::Down | Action::NextField => form.step(true),
            Action::Up | Action::PreviousField => form.step(false),
            Action::FormEnter => match (form.focus, choices.get(form.picked)) {
                (FormField::Product, Some(choice)) => {
                    let line = match choice {
                        ProductChoice::Product(product) => DraftLine::of(product),
                        ProductChoice::Typed(name) => DraftLine::typed(name),
                    };
                    let typed = matches!(choice, ProductChoice::Typed(_));
                    form.draft.add(line);
                    form.draft.adding.clear();
                    form.picked = 0;
                    form.unsaved = true;
                    // A line typed freely has no price yet: staff type it next.
                    if typed {
                        form.focus = FormField::Price(form.draft.lines.len() - 1);
                    }
                }
                (FormField::Payment, _) => {
                    form.draft.transfer = !form.draft.transfer;
                    form.unsaved = true;
                }
                _ => form.step(true),
            },
            Action::RemoveLine => {
                if let FormField::Quantity(i) | FormField::Price(i) = form.focus
                    && i < form.draft.lines.len()
                {
                    form.draft.lines.remove(i);
                    form.focus = FormField::Product;
                    form.unsaved = true;
                    form.problem = None;
                }
            }
            Action::DiscardOrder => {
                if form.confirm_discard {
                    let (id, seen) = (form.conversation_id.clone(), form.draft_version);
                    self.overlay = None;
                    self.order_drafts.remove(&id);
                    self.write(Write::Order(Box::new(OrderWrite::Draft {
                        conversation_id: id,
                        draft: None,
                        seen,
                        at: self.now(),
                    })));
                    self.say(self.tr.t(S::OrderDraftThrownAway).to_owned());
                    self.open_orders();
                } else {
                    form.confirm_discard = true;
                    self.say(self.tr.t(S::OrderDiscardAgain).to_owned());
                }
            }
            Action::SaveOrder => self.save_order(),
            Action::Close => {
                let id = form.conversation_id.clone();
                let saving = form.saving;
                self.save_order_draft();
                self.overlay = None;
                // Back to the conversation's orders, unless the order is being saved: then its
                // answer says what became of it.
                if !saving {
                    self.focus_conversation(&id);
                    self.open_orders();
                }
            }
            _ => {}
        }
    }

    /// Shows conversation `id`'s orders again where it was: nothing to do when it is shown.
    fn focus_conversation(&mut self, id: &ConversationId) {
        if self.conversation_at_hand().map(|c| &c.id) != Some(id) {
            self.focus = Pane::List;
        }
    }

    /// Checks the form as a shop would and hands the order to the writer, with its draft kept
    /// first: if the store refuses it, the draft is still there.
    fn save_order(&mut self) {
        let Some(Overlay::OrderForm(form)) = self.overlay.as_mut() else {
            return;
        };
        if form.saving {
            return;
        }
        // A product typed but not added is not left out unseen.
        let typed = form.draft.adding.trim().to_owned();
        let checked = match typed.is_empty() {
            true => form.draft.to_order(&form.conversation_id),
            false => Err((DraftField::Lines, OrderRefusal::NotAdded(typed))),
        };
        match checked {
            Err((field, refusal)) => {
                let words = self.tr.order_refusal(&refusal);
                form.focus = OrderForm::field_of(field);
                form.problem = Some((form.focus, words.clone()));
                self.say(self.tr.f(S::OrderNotSaved, &[&words]));
            }
            Ok(order) => {
                form.saving = true;
                form.problem = None;
                form.unsaved = false;
                let draft = form.draft.clone();
                let seen = form.draft_version;
                // The writer writes the draft on the version this form saw, then the order.
                form.draft_version += 1;
                let kept = KeptDraft {
                    draft: draft.clone(),
                    version: form.draft_version,
                };
                self.order_drafts.insert(form.conversation_id.clone(), kept);
                self.write(Write::Order(Box::new(OrderWrite::Save {
                    order,
                    draft,
                    seen,
                    at: self.now(),
                })));
            }
        }
    }

    /// Keeps the open form's draft in the database if it changed (as a reply's is kept): on
    /// closing the form, leaving the inbox, and every second while it is typed.
    pub(super) fn save_order_draft(&mut self) {
        let Some(Overlay::OrderForm(form)) = self.overlay.as_mut() else {
            return;
        };
        if !form.unsaved || form.saving {
            return;
        }
        form.unsaved = false;
        let (id, draft, seen) = (
            form.conversation_id.clone(),
            form.draft.clone(),
            form.draft_version,
        );
        // This form's writes are made in order: the next one is on the version this one makes.
        form.draft_version += 1;
        let kept = KeptDraft {
            draft: draft.clone(),
            version: form.draft_version,
        };
        self.order_drafts.insert(id.clone(), kept);
        self.write(Write::Order(Box::new(OrderWrite::Draft {
            conversation_id: id,
            draft: Some(draft),
            seen,
            at: self.now(),
        })));
    }

    /// A key no binding claims, typed into the form's field (Space turns the payment over).
    pub(super) fn order_form_type(&mut self, key: KeyEvent) {
        let Some(Overlay::OrderForm(form)) = self.overlay.as_mut() else {
            return;
        };
        if form.focus == FormField::Payment {
            if matches!(
                key.code,
                KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
            ) {
                form.draft.transfer = !form.draft.transfer;
                form.unsaved = true;
            }
            return;
        }
        let phone = form.focus == FormField::Phone;
        let product = form.focus == FormField::Product;
        let changed = form
            .text_mut()
            .is_some_and(|text| super::input::type_into(text, key));
        if changed {
            form.picked = 0;
            form.confirm_discard = false;
            form.problem = None;
            form.unsaved = true;
        }
        if changed && phone {
            self.look_up_phone();
        }
        // The products offered are the catalogue's as the file is now (prices change).
        if changed && product {
            self.refresh_catalogue();
        }
    }

    /// Pasted text goes into the form's field, on one line.
    pub(super) fn order_form_paste(&mut self, text: &str) {
        let Some(Overlay::OrderForm(form)) = self.overlay.as_mut() else {
            return;
        };
        let phone = form.focus == FormField::Phone;
        if let Some(field) = form.text_mut() {
            field.push_str(&crate::text::clean(text).replace('\n', " "));
            form.unsaved = true;
            form.problem = None;
        }
        if phone {
            self.look_up_phone();
        }
    }

    /// A key typed into the carrier and tracking code.
    pub(super) fn shipping_type(&mut self, key: KeyEvent) {
        if let Some(typing) = self.shipping_typing() {
            super::input::type_into(typing, key);
        }
    }

    pub(super) fn shipping_paste(&mut self, text: &str) {
        if let Some(typing) = self.shipping_typing() {
            typing.push_str(&crate::text::clean_line(text));
        }
    }

    /// Whether the carrier and tracking code are being typed.
    pub(super) fn typing_shipping(&self) -> bool {
        matches!(
            self.overlay,
            Some(Overlay::Orders(OrdersWindow {
                shipping: Some(_),
                ..
            }))
        )
    }

    /// The writer kept (or refused) an order, moved one, or kept a draft.
    pub(super) fn on_order_written(&mut self, written: super::writer::OrderWritten) {
        use super::writer::OrderWritten;
        match written {
            OrderWritten::Saved {
                conversation_id,
                draft,
                result,
            } => match result {
                Ok(order) => {
                    if self.order_drafts.get(&conversation_id).map(|k| &k.draft) == Some(&draft) {
                        self.order_drafts.remove(&conversation_id);
                    }
                    let mut said = self.tr.f(
                        S::OrderSaved,
                        &[
                            &order.id,
                            &order.customer_name,
                            &crate::orders::dong(order.total),
                        ],
                    );
                    if let Some(warning) = self.returned_before(&order) {
                        said = format!("{said} {warning}");
                    }
                    self.say(said);
                    if self.order_form_of(&conversation_id).is_some() {
                        self.overlay = None;
                        self.focus_conversation(&conversation_id);
                        self.open_orders();
                        // On the order just taken: confirming it is the next step.
                        if let Some(Overlay::Orders(window)) = self.overlay.as_mut() {
                            window.cursor = 1;
                        }
                    }
                }
                Err(crate::store::StoreError::Order(refusal)) => {
                    let words = self.tr.order_refusal(&refusal);
                    // Refused for a draft someone else wrote: reopening shows theirs.
                    if matches!(
                        refusal,
                        OrderRefusal::DraftChanged { .. } | OrderRefusal::DraftGone { .. }
                    ) {
                        self.order_drafts.remove(&conversation_id);
                    }
                    if let Some(form) = self.order_form_of(&conversation_id) {
                        form.saving = false;
                        form.problem = Some((form.focus, words.clone()));
                    }
                    self.say(self.tr.f(S::OrderNotSaved, &[&words]));
                }
                Err(error) => {
                    if let Some(form) = self.order_form_of(&conversation_id) {
                        form.saving = false;
                    }
                    self.report_error(Err(error));
                }
            },
            OrderWritten::Moved { id, result } => match result {
                Ok(order) => {
                    let mut said = self
                        .tr
                        .f(S::OrderMoved, &[&id, &self.tr.order_state(order.state)]);
                    if order.hook_state.as_deref() == Some("due") {
                        said = format!("{said} {}", self.tr.t(S::OrderHookDue));
                    }
                    self.say(said);
                }
                Err(crate::store::StoreError::Order(refusal)) => {
                    let words = self.tr.order_refusal(&refusal);
                    self.say(self.tr.f(S::OrderNotChanged, &[&id, &words]));
                }
                Err(error) => {
                    self.report_error(Err(error));
                }
            },
            OrderWritten::Draft {
                conversation_id,
                draft,
                result,
            } => {
                let written = self.order_drafts.get(&conversation_id).map(|k| &k.draft);
                match result {
                    Ok(_) if written == draft.as_ref() => {
                        self.order_drafts.remove(&conversation_id);
                    }
                    Ok(_) => {}
                    // Another inbox wrote the draft, or saved it: this form is told, and
                    // reopening it shows what is kept now.
                    Err(crate::store::StoreError::Order(refusal)) => {
                        self.order_drafts.remove(&conversation_id);
                        let words = self.tr.order_refusal(&refusal);
                        if let Some(form) = self.order_form_of(&conversation_id) {
                            form.problem = Some((form.focus, words.clone()));
                        }
                        self.say(words);
                    }
                    Err(error) => {
                        self.report_error(Err(error));
                    }
                }
            }
            OrderWritten::HookAgain { id, result } => match self.report_value(result) {
                Some(true) => self.say(self.tr.f(S::OrderHookAgain, &[&id])),
                Some(false) => self.say(self.tr.f(S::OrderHookNotToRerun, &[&id])),
                None => {}
            },
        }
        self.load_orders();
    }

    /// The order form, when it is open on conversation `id`.
    fn order_form_of(&mut self, id: &ConversationId) -> Option<&mut OrderForm> {
        match self.overlay.as_mut() {
            Some(Overlay::OrderForm(form)) if &form.conversation_id == id => Some(form),
            _ => None,
        }
    }

    /// The warning for an order whose phone returned a parcel before, if it did.
    fn returned_before(&self, order: &Order) -> Option<String> {
        let history = self.store_ref().phone_history(&order.phone).ok()?;
        let returned = history.get(&OrderState::Returned)?;
        Some(self.tr.f(S::OrderReturnedBefore, &[returned]))
    }
}
