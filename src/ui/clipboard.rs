//! Copying for staff over SSH: a buyer's message, a phone number, the conversation's link in
//! Meta Business Suite. The terminal puts it on the clipboard of the machine staff sit at
//! (OSC 52), and the mouse can be let go so that the terminal's own selection works.

use super::app::{App, Effect, Overlay};
use crate::i18n::S;
use crate::keymap::{Action, Mode};
use crate::model::Direction;
use crate::text::{addresses, phone_numbers};

impl App {
    /// The search hit shown, else the buyer's newest message.
    pub(super) fn copy_message(&mut self) {
        let text = self.chat.open.as_ref().and_then(|open| {
            let chosen = open
                .messages
                .iter()
                .find(|m| Some(m.row) == self.chat.highlight)
                .or_else(|| {
                    open.messages
                        .iter()
                        .rev()
                        .find(|m| m.direction == Direction::In && !m.text.is_empty())
                });
            chosen.map(|m| m.text.clone())
        });
        match text {
            Some(text) => self.copy(text),
            None => self.say(self.tr.t(S::NothingToCopy).to_owned()),
        }
    }

    /// The phone numbers and addresses written in the open conversation, newest first (the
    /// buyer's numbers before the page's): one is copied at once, several are offered to pick.
    pub(super) fn copy_phone(&mut self) {
        let mut choices: Vec<String> = Vec::new();
        if let Some(open) = &self.chat.open {
            let newest_first = |direction: Direction| {
                open.messages
                    .iter()
                    .rev()
                    .filter(move |m| m.direction == direction)
            };
            let mut offer = |found: String| {
                if !choices.contains(&found) {
                    choices.push(found);
                }
            };
            for direction in [Direction::In, Direction::Out] {
                for message in newest_first(direction) {
                    for (_, number) in phone_numbers(&message.text).into_iter().rev() {
                        offer(number);
                    }
                }
            }
            for message in newest_first(Direction::In) {
                for address in addresses(&message.text).into_iter().rev() {
                    offer(address);
                }
            }
        }
        match choices.len() {
            0 => self.say(self.tr.t(S::NoPhoneOrAddress).to_owned()),
            1 => self.copy(choices.remove(0)),
            _ => {
                self.overlay = Some(Overlay::Copy { choices, cursor: 0 });
            }
        }
    }

    /// Keys while a number or address is being picked: Enter copies the one chosen.
    pub(super) fn copy_action(&mut self, cursor: usize, action: Action) {
        let Some(Overlay::Copy { choices, .. }) = &mut self.overlay else {
            return;
        };
        let last = choices.len().saturating_sub(1);
        let cursor = match action {
            Action::Down => (cursor + 1).min(last),
            Action::Up => cursor.saturating_sub(1),
            Action::First => 0,
            Action::Last => last,
            _ => cursor,
        };
        match action {
            Action::CopyChosen | Action::Close => {
                let choices = std::mem::take(choices);
                self.overlay = None;
                if let (Action::CopyChosen, Some(chosen)) =
                    (action, choices.into_iter().nth(cursor))
                {
                    self.copy(chosen);
                }
            }
            _ => {
                let choices = std::mem::take(choices);
                self.overlay = Some(Overlay::Copy { choices, cursor });
            }
        }
    }

    /// The open conversation in Meta Business Suite's inbox: shown as a link, and copied.
    pub(super) fn open_in_facebook(&mut self) {
        let Some(open) = &self.chat.open else {
            self.say(self.tr.t(S::NothingToCopy).to_owned());
            return;
        };
        // A thread opens its post: at the link Facebook gave (a web link, checked when read),
        // else at the post's id, written as a path segment (encoded), not pasted in.
        let (said, url) = match open.under_post.as_ref().map(|under| &under.post) {
            Some(post) => (
                S::OpenPost,
                post.permalink.clone().unwrap_or_else(|| {
                    let mut link =
                        url::Url::parse("https://www.facebook.com/").expect("a fixed link");
                    link.path_segments_mut()
                        .expect("a web link has a path")
                        .push(post.id.as_str());
                    link.to_string()
                }),
            ),
            None => {
                // The ids are Facebook's: written as query values (encoded), not pasted in.
                let mut link = url::Url::parse("https://business.facebook.com/latest/inbox/all")
                    .expect("a fixed, valid link");
                link.query_pairs_mut()
                    .append_pair("asset_id", open.conversation.page_id.as_str())
                    .append_pair("selected_item_id", open.conversation.customer_id.as_str());
                (S::OpenLink, link.to_string())
            }
        };
        self.say(self.tr.f(said, &[&url]));
        self.status.link = Some(url.clone());
        self.ask(Effect::Clipboard(url));
    }

    pub(super) fn toggle_mouse(&mut self) {
        self.mouse = !self.mouse;
        if self.mouse {
            self.say(self.tr.t(S::MouseOn).to_owned());
        } else {
            let key = self
                .settings
                .keymap
                .first_key(Mode::Inbox, Action::ToggleMouse)
                .unwrap_or_default();
            self.say(self.tr.f(S::MouseOff, &[&key]));
        }
    }

    fn copy(&mut self, text: String) {
        let shown = crate::text::fit(&text.replace('\n', " "), 60);
        self.say(self.tr.f(S::Copied, &[&shown.trim_end()]));
        self.ask(Effect::Clipboard(text));
    }
}
