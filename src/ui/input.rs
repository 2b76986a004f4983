//! Keys, the mouse and pasted text, turned into actions through the keymap.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Position;

use super::app::{App, Effect, Overlay, Pane};
use super::layout::ROW_HEIGHT;
use crate::keymap::Mode;

/// This many keys in one read are a paste, not typing.
const BURST: usize = 3;
use crate::text::clean;

/// A key typed into a one-line prompt (search, a picker, a note, a field of the order form): a
/// letter added, Backspace taking the last off, Ctrl-W the last word (as in the reply box);
/// whether it changed anything. Other keys with Ctrl or Alt are no letters.
pub(super) fn type_into(line: &mut String, key: KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('w') if ctrl => {
            let kept = line
                .trim_end()
                .trim_end_matches(|c: char| !c.is_whitespace());
            let changed = kept.len() != line.len();
            line.truncate(kept.len());
            changed
        }
        _ if ctrl || key.modifiers.contains(KeyModifiers::ALT) => false,
        KeyCode::Backspace => line.pop().is_some(),
        KeyCode::Char(c) => {
            line.push(c);
            true
        }
        _ => false,
    }
}

impl App {
    /// Handles a key; returns whether anything on screen may have changed.
    pub fn on_key(&mut self, key: KeyEvent) -> bool {
        if key.kind == crossterm::event::KeyEventKind::Release {
            return false;
        }
        // Ctrl-C quits from anywhere, whatever the config binds.
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.ask(Effect::Quit);
            return true;
        }
        // On a terminal too small to show the inbox, a key would act unseen (an order saved
        // blind): none does until the window is larger.
        if super::layout::too_small(self.size) {
            return false;
        }
        let modes = self.key_modes();
        match self.settings.keymap.action(modes, key) {
            Some(action) => self.perform(action, key),
            // Over SSH, Esc and the key after it often arrive together and read as Alt+key.
            // Where letters are text, an Alt+letter nothing binds is that: Esc, then the letter.
            None if modes[0].takes_text()
                && key.modifiers.contains(KeyModifiers::ALT)
                && matches!(key.code, KeyCode::Char(_)) =>
            {
                self.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
                self.on_key(KeyEvent::new(key.code, key.modifiers - KeyModifiers::ALT));
            }
            None => self.type_text(key),
        }
        self.update_presence(std::time::Instant::now());
        true
    }

    /// Keys that arrived together, in one read from the terminal. A paste the terminal did not
    /// mark as one (no bracketed paste) comes as a burst with Enters inside it: there every
    /// Enter in the reply box is a new line, so a pasted address never becomes several replies.
    /// A burst whose only Enter is its last key is typing (an input method committing a word
    /// with its Enter, or keys that queued while the inbox drew): that Enter sends. A terminal
    /// that has marked a paste as one has bracketed paste, and its bursts are always typing.
    pub fn on_keys(&mut self, keys: &[KeyEvent]) -> bool {
        let pressed: Vec<&KeyEvent> = keys
            .iter()
            .filter(|k| k.kind != KeyEventKind::Release)
            .collect();
        let is_enter = |k: &KeyEvent| k.code == KeyCode::Enter && k.modifiers.is_empty();
        let enter_inside = pressed.iter().rev().skip(1).any(|k| is_enter(k));
        let pasted = !self.bracketed_paste_seen && pressed.len() >= BURST && enter_inside;
        let mut changed = false;
        for key in keys {
            let enter = is_enter(key);
            if pasted && enter && self.focus == Pane::Compose && self.overlay.is_none() {
                self.chat.compose.insert_newline();
                self.chat.draft_unsaved = true;
                changed = true;
            } else if pasted && enter && self.key_modes()[0].takes_text() {
                // A one-line prompt (search, a note, the order form): the pasted lines join.
                changed |= self.paste(" ");
            } else {
                changed |= self.on_key(*key);
            }
        }
        changed
    }

    /// Where keys are read now, the first mode binding a key winning.
    pub fn key_modes(&self) -> &'static [Mode] {
        match (&self.overlay, &self.search.typing, self.focus) {
            (Some(Overlay::Help { .. } | Overlay::Why { .. }), _, _) => &[Mode::Help, Mode::Move],
            (Some(Overlay::Picture { .. }), _, _) => &[Mode::Help],
            (Some(Overlay::Attach(_)), _, _) => &[Mode::Attach],
            (Some(Overlay::Labels(_)), _, _) => &[Mode::Labels],
            (Some(Overlay::Assign(_)), _, _) => &[Mode::Assign, Mode::Move],
            (Some(Overlay::Copy { .. }), _, _) => &[Mode::Copy, Mode::Move],
            (Some(Overlay::Customer { note: Some(_), .. }), _, _) => &[Mode::Note],
            (Some(Overlay::Customer { .. }), _, _) => &[Mode::Customer, Mode::Move],
            (Some(Overlay::Stats { .. }), _, _) => &[Mode::Stats],
            (Some(Overlay::Orders(_)), _, _) if self.typing_shipping() => &[Mode::Shipping],
            (Some(Overlay::Orders(_)), _, _) => &[Mode::Orders, Mode::Move],
            (Some(Overlay::OrderForm(_)), _, _) => &[Mode::OrderForm],
            (Some(Overlay::Settings { .. }), _, _) => &[Mode::Settings, Mode::Move],
            (None, Some(_), _) => &[Mode::Search],
            (None, None, Pane::Compose) if self.picker_matches().is_some() => {
                &[Mode::QuickReplies, Mode::Reply]
            }
            (None, None, Pane::Compose) => &[Mode::Reply],
            (None, None, _) => &[Mode::Move, Mode::Inbox],
        }
    }

    /// A key no binding claims: text, in the reply box or the search line.
    pub(super) fn type_text(&mut self, key: KeyEvent) {
        if matches!(self.overlay, Some(Overlay::Attach(_))) {
            self.attach_type(key);
        } else if matches!(self.overlay, Some(Overlay::Labels(_))) {
            self.labels_type(key);
        } else if self.writing_note() {
            self.note_type(key);
        } else if matches!(self.overlay, Some(Overlay::OrderForm(_))) {
            self.order_form_type(key);
        } else if self.typing_shipping() {
            self.shipping_type(key);
        } else if let Some(typing) = self.search.typing.as_mut() {
            type_into(typing, key);
        } else if self.focus == Pane::Compose && self.overlay.is_none() {
            // Backspace in an empty box takes the last file off the reply.
            if key.code == KeyCode::Backspace
                && self.chat.compose.is_empty()
                && self.unattach_last()
            {
                return;
            }
            let changed = self.chat.compose.input(key);
            if changed {
                self.typed(std::time::Instant::now());
            }
            self.chat.draft_unsaved |= changed;
            self.chat.picker_selected = 0;
            if self.chat.compose.is_empty() {
                self.chat.picker_dismissed = false;
            }
        }
    }

    /// Pasted text goes into the reply box, as text (never as keys).
    pub fn on_paste(&mut self, text: &str) -> bool {
        self.bracketed_paste_seen = true;
        self.paste(text)
    }

    /// Text goes where staff type now, as text (never as keys).
    fn paste(&mut self, text: &str) -> bool {
        if matches!(self.overlay, Some(Overlay::Attach(_))) {
            self.attach_paste(text);
            return true;
        }
        if matches!(self.overlay, Some(Overlay::Labels(_))) {
            self.labels_paste(text);
            return true;
        }
        if self.writing_note() {
            self.note_paste(text);
            return true;
        }
        if matches!(self.overlay, Some(Overlay::OrderForm(_))) {
            self.order_form_paste(text);
            return true;
        }
        if self.typing_shipping() {
            self.shipping_paste(text);
            return true;
        }
        if self.chat.open.is_none() || self.overlay.is_some() {
            return false;
        }
        if let Some(typing) = self.search.typing.as_mut() {
            typing.push_str(&clean(text).replace('\n', " "));
            return true;
        }
        self.focus = Pane::Compose;
        self.chat.compose.insert_str(clean(text));
        self.chat.draft_unsaved = true;
        self.typed(std::time::Instant::now());
        true
    }

    pub fn on_mouse(&mut self, mouse: MouseEvent) -> bool {
        let at = Position::new(mouse.column, mouse.row);
        let areas = self.areas();
        match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                if self.overlay.is_some() {
                    return false;
                }
                if areas.sidebar.contains(at) {
                    self.focus = Pane::Sidebar;
                    let item = usize::from(at.y - areas.sidebar.y);
                    self.click_sidebar(item);
                } else if areas.list.contains(at) {
                    self.focus = Pane::List;
                    let row = usize::from(at.y - areas.list.y) / ROW_HEIGHT;
                    if self.list.top + row < self.list.total() {
                        self.select_index(self.list.top + row);
                    }
                } else if areas.compose.contains(at) && self.chat.open.is_some() {
                    self.focus = Pane::Compose;
                } else if areas.chat.contains(at) {
                    self.focus = Pane::Chat;
                } else {
                    return false;
                }
                true
            }
            MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
                let up = mouse.kind == MouseEventKind::ScrollUp;
                if areas.chat.contains(at) {
                    self.scroll_chat(3, up);
                } else if areas.list.contains(at) {
                    let next = if up {
                        self.list.selected.saturating_sub(1)
                    } else {
                        self.list.selected + 1
                    };
                    self.select_index(next);
                } else {
                    return false;
                }
                true
            }
            _ => false,
        }
    }
}
