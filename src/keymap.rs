//! Which key does what, where: the one table that dispatch, the `?` help, the hint line and the
//! README all read. Staff rebind keys in the config's `[keys.<mode>]` tables; a key bound twice
//! where both bindings would apply is refused when the config is read, naming both.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use strum::IntoEnumIterator;

use crate::i18n::S;

/// Where a key is read. Outside the reply box and the windows, `Move` and `Inbox` both apply.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum Mode {
    Inbox,
    Move,
    Reply,
    QuickReplies,
    Search,
    Attach,
    Labels,
    Assign,
    Copy,
    Customer,
    Note,
    Stats,
    Orders,
    OrderForm,
    Shipping,
    Settings,
    Help,
}

impl Mode {
    pub fn title(self) -> S {
        match self {
            Mode::Inbox => S::ModeInbox,
            Mode::Move => S::ModeMove,
            Mode::Reply => S::ModeReply,
            Mode::QuickReplies => S::ModeQuickReplies,
            Mode::Search => S::ModeSearch,
            Mode::Attach => S::ModeAttach,
            Mode::Labels => S::ModeLabels,
            Mode::Assign => S::ModeAssign,
            Mode::Copy => S::ModeCopy,
            Mode::Customer => S::ModeCustomer,
            Mode::Note => S::ModeNote,
            Mode::Stats => S::ModeStats,
            Mode::Orders => S::ModeOrders,
            Mode::OrderForm => S::ModeOrderForm,
            Mode::Shipping => S::ModeShipping,
            Mode::Settings => S::ModeSettings,
            Mode::Help => S::ModeHelp,
        }
    }

    /// Whether a plain letter typed here is text: binding one would make it untypeable.
    pub fn takes_text(self) -> bool {
        matches!(
            self,
            Mode::Reply
                | Mode::QuickReplies
                | Mode::Search
                | Mode::Attach
                | Mode::Labels
                | Mode::Note
                | Mode::OrderForm
                | Mode::Shipping
        )
    }

    /// The modes read together with this one, where the same key may not mean two things.
    fn read_with(self) -> &'static [Mode] {
        match self {
            Mode::Inbox => &[Mode::Move],
            Mode::Move => &[
                Mode::Inbox,
                Mode::Settings,
                Mode::Help,
                Mode::Assign,
                Mode::Copy,
                Mode::Customer,
                Mode::Orders,
            ],
            Mode::Settings
            | Mode::Help
            | Mode::Assign
            | Mode::Copy
            | Mode::Customer
            | Mode::Orders => &[Mode::Move],
            Mode::Reply
            | Mode::QuickReplies
            | Mode::Search
            | Mode::Attach
            | Mode::Labels
            | Mode::Note
            | Mode::OrderForm
            | Mode::Shipping
            | Mode::Stats => &[],
        }
    }
}

/// What a key does. Its name (snake_case) is what `[keys.<mode>]` rebinds.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    Quit,
    NextPane,
    PreviousPane,
    Open,
    Search,
    NextMatch,
    PreviousMatch,
    FilterAll,
    FilterSpam,
    FilterUnread,
    FilterUnreplied,
    FilterDone,
    FilterMine,
    FilterNotSent,
    FilterComments,
    FilterOrders,
    ToggleDone,
    Labels,
    FilterLabels,
    Assign,
    Customer,
    TeamStats,
    Orders,
    PreviousPage,
    NextPage,
    NextUnread,
    NextFailed,
    LongestWaiting,
    ScrollUp,
    ScrollDown,
    Retry,
    Why,
    CopyMessage,
    CopyPhone,
    OpenInFacebook,
    ViewPicture,
    FileLink,
    ToggleMouse,
    TakeBack,
    EditReply,
    Settings,
    Help,
    Down,
    Up,
    First,
    Last,
    ScreenDown,
    ScreenUp,
    Send,
    SendPrivately,
    HideComments,
    LikeComments,
    NewLine,
    Editor,
    Attach,
    Choose,
    Complete,
    Leave,
    Insert,
    Submit,
    ToggleSpamSync,
    TogglePhoneHiding,
    TagAgain,
    ToggleLabel,
    RenameLabel,
    RecolourLabel,
    DeleteLabel,
    MatchAllLabels,
    ChooseStaff,
    CopyChosen,
    WriteNote,
    SaveNote,
    NewOrder,
    OrderRow,
    ConfirmOrder,
    ShipOrder,
    DeliverOrder,
    ReturnOrder,
    CancelOrder,
    SendOrder,
    OrderHookAgain,
    NextField,
    PreviousField,
    FormEnter,
    Ship,
    SaveOrder,
    RemoveLine,
    DiscardOrder,
    Close,
}

impl Action {
    /// What the help says it does.
    pub fn describe(self) -> S {
        match self {
            Action::Quit => S::KeyQuit,
            Action::NextPane => S::KeyNextPane,
            Action::PreviousPane => S::KeyPreviousPane,
            Action::Open => S::KeyOpen,
            Action::Search => S::KeySearch,
            Action::NextMatch => S::KeyNextMatch,
            Action::PreviousMatch => S::KeyPreviousMatch,
            Action::FilterAll => S::KeyFilterAll,
            Action::FilterSpam => S::KeyFilterSpam,
            Action::FilterUnread => S::KeyFilterUnread,
            Action::FilterUnreplied => S::KeyFilterUnreplied,
            Action::FilterDone => S::KeyFilterDone,
            Action::ToggleDone => S::KeyToggleDone,
            Action::FilterMine => S::KeyFilterMine,
            Action::FilterNotSent => S::KeyFilterNotSent,
            Action::FilterComments => S::KeyFilterComments,
            Action::FilterOrders => S::KeyFilterOrders,
            Action::Labels => S::KeyLabels,
            Action::FilterLabels => S::KeyFilterLabels,
            Action::Assign => S::KeyAssign,
            Action::Customer => S::KeyCustomer,
            Action::TeamStats => S::KeyTeamStats,
            Action::Orders => S::KeyOrders,
            Action::PreviousPage => S::KeyPreviousPage,
            Action::NextPage => S::KeyNextPage,
            Action::NextUnread => S::KeyNextUnread,
            Action::NextFailed => S::KeyNextFailed,
            Action::LongestWaiting => S::KeyLongestWaiting,
            Action::ScrollUp => S::KeyScrollUp,
            Action::ScrollDown => S::KeyScrollDown,
            Action::Retry => S::KeyRetry,
            Action::Why => S::KeyWhy,
            Action::CopyMessage => S::KeyCopyMessage,
            Action::CopyPhone => S::KeyCopyPhone,
            Action::OpenInFacebook => S::KeyOpenInFacebook,
            Action::ViewPicture => S::KeyViewPicture,
            Action::FileLink => S::KeyFileLink,
            Action::ToggleMouse => S::KeyToggleMouse,
            Action::TakeBack => S::KeyTakeBack,
            Action::EditReply => S::KeyEditReply,
            Action::Settings => S::KeySettings,
            Action::Help => S::KeyHelp,
            Action::Down => S::KeyDown,
            Action::Up => S::KeyUp,
            Action::First => S::KeyFirst,
            Action::Last => S::KeyLast,
            Action::ScreenDown => S::KeyScreenDown,
            Action::ScreenUp => S::KeyScreenUp,
            Action::Send => S::KeySend,
            Action::SendPrivately => S::KeySendPrivately,
            Action::HideComments => S::KeyHideComments,
            Action::LikeComments => S::KeyLikeComments,
            Action::NewLine => S::KeyNewline,
            Action::Editor => S::KeyEditor,
            Action::Attach => S::KeyAttach,
            Action::Complete => S::KeyComplete,
            Action::Choose => S::KeyChoose,
            Action::Leave => S::KeyLeave,
            Action::Insert => S::KeyInsert,
            Action::Submit => S::KeySubmit,
            Action::ToggleSpamSync => S::KeyToggleSpamSync,
            Action::TogglePhoneHiding => S::KeyTogglePhoneHiding,
            Action::TagAgain => S::KeyTagAgain,
            Action::ToggleLabel => S::KeyToggleLabel,
            Action::RenameLabel => S::KeyRenameLabel,
            Action::RecolourLabel => S::KeyRecolourLabel,
            Action::DeleteLabel => S::KeyDeleteLabel,
            Action::MatchAllLabels => S::KeyMatchAllLabels,
            Action::ChooseStaff => S::KeyChooseStaff,
            Action::CopyChosen => S::KeyCopyChosen,
            Action::WriteNote => S::KeyWriteNote,
            Action::SaveNote => S::KeySaveNote,
            Action::NewOrder => S::KeyNewOrder,
            Action::OrderRow => S::KeyOrderRow,
            Action::ConfirmOrder => S::KeyConfirmOrder,
            Action::ShipOrder => S::KeyShipOrder,
            Action::DeliverOrder => S::KeyDeliverOrder,
            Action::ReturnOrder => S::KeyReturnOrder,
            Action::CancelOrder => S::KeyCancelOrder,
            Action::SendOrder => S::KeySendOrder,
            Action::OrderHookAgain => S::KeyOrderHookAgain,
            Action::NextField => S::KeyNextField,
            Action::FormEnter => S::KeyFormEnter,
            Action::Ship => S::KeyShip,
            Action::PreviousField => S::KeyPreviousField,
            Action::SaveOrder => S::KeySaveOrder,
            Action::RemoveLine => S::KeyRemoveLine,
            Action::DiscardOrder => S::KeyDiscardOrder,
            Action::Close => S::KeyClose,
        }
    }
}

/// The bindings pagedesk ships with, in the order the help lists them.
const DEFAULTS: &[(Mode, Action, &[&str])] = &[
    (Mode::Inbox, Action::Open, &["Enter"]),
    (Mode::Inbox, Action::NextPane, &["Tab"]),
    (Mode::Inbox, Action::PreviousPane, &["Shift-Tab"]),
    (Mode::Inbox, Action::FilterAll, &["1"]),
    (Mode::Inbox, Action::FilterSpam, &["2"]),
    (Mode::Inbox, Action::FilterUnread, &["3"]),
    (Mode::Inbox, Action::FilterUnreplied, &["4"]),
    (Mode::Inbox, Action::FilterDone, &["5"]),
    (Mode::Inbox, Action::FilterMine, &["6"]),
    (Mode::Inbox, Action::FilterNotSent, &["7"]),
    (Mode::Inbox, Action::FilterComments, &["8"]),
    (Mode::Inbox, Action::FilterOrders, &["9"]),
    (Mode::Inbox, Action::ToggleDone, &["D"]),
    (Mode::Inbox, Action::HideComments, &["H"]),
    (Mode::Inbox, Action::LikeComments, &["+"]),
    (Mode::Inbox, Action::Labels, &["l"]),
    (Mode::Inbox, Action::FilterLabels, &["f"]),
    (Mode::Inbox, Action::Assign, &["a"]),
    (Mode::Inbox, Action::Customer, &["c"]),
    (Mode::Inbox, Action::TeamStats, &["T"]),
    (Mode::Inbox, Action::Orders, &["t"]),
    (Mode::Inbox, Action::PreviousPage, &["["]),
    (Mode::Inbox, Action::NextPage, &["]"]),
    (Mode::Inbox, Action::NextUnread, &["U"]),
    (Mode::Inbox, Action::NextFailed, &["!"]),
    (Mode::Inbox, Action::LongestWaiting, &["O"]),
    (Mode::Inbox, Action::Search, &["/"]),
    (Mode::Inbox, Action::NextMatch, &["n"]),
    (Mode::Inbox, Action::PreviousMatch, &["N"]),
    (Mode::Inbox, Action::ScrollUp, &["PgUp"]),
    (Mode::Inbox, Action::ScrollDown, &["PgDn"]),
    (Mode::Inbox, Action::Retry, &["r"]),
    (Mode::Inbox, Action::Why, &["w"]),
    (Mode::Inbox, Action::CopyMessage, &["y"]),
    (Mode::Inbox, Action::CopyPhone, &["P"]),
    (Mode::Inbox, Action::OpenInFacebook, &["o"]),
    (Mode::Inbox, Action::ViewPicture, &["v"]),
    (Mode::Inbox, Action::FileLink, &["L"]),
    (Mode::Inbox, Action::ToggleMouse, &["M"]),
    (Mode::Inbox, Action::TakeBack, &["x"]),
    (Mode::Inbox, Action::EditReply, &["e"]),
    (Mode::Inbox, Action::Settings, &["s"]),
    (Mode::Inbox, Action::Help, &["?"]),
    (Mode::Inbox, Action::Quit, &["q"]),
    (Mode::Move, Action::Down, &["j", "Down"]),
    (Mode::Move, Action::Up, &["k", "Up"]),
    (Mode::Move, Action::First, &["g", "Home"]),
    (Mode::Move, Action::Last, &["G", "End"]),
    (Mode::Move, Action::ScreenDown, &["d"]),
    (Mode::Move, Action::ScreenUp, &["u"]),
    (Mode::Reply, Action::Send, &["Enter"]),
    (Mode::Reply, Action::SendPrivately, &["Ctrl-t"]),
    (Mode::Reply, Action::NewLine, &["Alt-Enter"]),
    (Mode::Reply, Action::Editor, &["Ctrl-e"]),
    (Mode::Reply, Action::Attach, &["Ctrl-o"]),
    (Mode::Reply, Action::Leave, &["Esc"]),
    (Mode::Reply, Action::NextPane, &["Tab"]),
    (Mode::Reply, Action::PreviousPane, &["Shift-Tab"]),
    (Mode::Reply, Action::ScrollUp, &["PgUp"]),
    (Mode::Reply, Action::ScrollDown, &["PgDn"]),
    (Mode::QuickReplies, Action::Insert, &["Tab", "Enter"]),
    (Mode::QuickReplies, Action::Up, &["Up"]),
    (Mode::QuickReplies, Action::Down, &["Down"]),
    (Mode::QuickReplies, Action::Close, &["Esc"]),
    (Mode::Search, Action::Submit, &["Enter"]),
    (Mode::Search, Action::Close, &["Esc"]),
    (Mode::Attach, Action::Choose, &["Enter"]),
    (Mode::Attach, Action::Complete, &["Tab"]),
    (Mode::Attach, Action::Up, &["Up"]),
    (Mode::Attach, Action::Down, &["Down"]),
    (Mode::Attach, Action::Close, &["Esc"]),
    (Mode::Labels, Action::ToggleLabel, &["Enter"]),
    (Mode::Labels, Action::MatchAllLabels, &["Tab"]),
    (Mode::Labels, Action::RenameLabel, &["Ctrl-r"]),
    (Mode::Labels, Action::RecolourLabel, &["Ctrl-k"]),
    (Mode::Labels, Action::DeleteLabel, &["Ctrl-d"]),
    (Mode::Labels, Action::Up, &["Up"]),
    (Mode::Labels, Action::Down, &["Down"]),
    (Mode::Labels, Action::Close, &["Esc"]),
    (Mode::Assign, Action::ChooseStaff, &["Enter", "Space"]),
    (Mode::Assign, Action::Close, &["Esc", "q"]),
    (Mode::Copy, Action::CopyChosen, &["Enter", "Space"]),
    (Mode::Copy, Action::Close, &["Esc", "q", "P"]),
    (Mode::Customer, Action::WriteNote, &["Enter", "n"]),
    (Mode::Customer, Action::Close, &["Esc", "q", "c"]),
    (Mode::Note, Action::SaveNote, &["Enter"]),
    (Mode::Note, Action::Close, &["Esc"]),
    (Mode::Stats, Action::Close, &["Esc", "q", "T"]),
    (Mode::Orders, Action::NewOrder, &["n"]),
    (Mode::Orders, Action::OrderRow, &["Enter"]),
    (Mode::Orders, Action::ConfirmOrder, &["c"]),
    (Mode::Orders, Action::ShipOrder, &["s"]),
    (Mode::Orders, Action::DeliverOrder, &["D"]),
    (Mode::Orders, Action::ReturnOrder, &["R"]),
    (Mode::Orders, Action::CancelOrder, &["X"]),
    (Mode::Orders, Action::SendOrder, &["m"]),
    (Mode::Orders, Action::OrderHookAgain, &["H"]),
    (Mode::Orders, Action::Close, &["Esc", "q", "t"]),
    (Mode::OrderForm, Action::NextField, &["Tab"]),
    (Mode::OrderForm, Action::PreviousField, &["Shift-Tab"]),
    (Mode::OrderForm, Action::Down, &["Down"]),
    (Mode::OrderForm, Action::Up, &["Up"]),
    (Mode::OrderForm, Action::FormEnter, &["Enter"]),
    (Mode::OrderForm, Action::SaveOrder, &["Ctrl-s"]),
    (Mode::OrderForm, Action::RemoveLine, &["Ctrl-d"]),
    (Mode::OrderForm, Action::DiscardOrder, &["Ctrl-x"]),
    (Mode::OrderForm, Action::Close, &["Esc"]),
    (Mode::Shipping, Action::Ship, &["Enter"]),
    (Mode::Shipping, Action::Close, &["Esc"]),
    (Mode::Settings, Action::ToggleSpamSync, &["Space", "Enter"]),
    (Mode::Settings, Action::TogglePhoneHiding, &["p"]),
    (Mode::Settings, Action::TagAgain, &["t"]),
    (Mode::Settings, Action::Close, &["Esc", "q", "s"]),
    (Mode::Help, Action::Close, &["Esc", "q", "?"]),
];

/// One key as staff press it: a key and its Ctrl/Alt modifiers. Shift is in the character
/// (`G`) or the key's name (`Shift-Tab`), as terminals report it inconsistently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    code: KeyCode,
    modifiers: KeyModifiers,
}

/// Names a key can be written with in the config, and the one the help shows first.
const NAMED: &[(&str, KeyCode)] = &[
    ("Enter", KeyCode::Enter),
    ("Esc", KeyCode::Esc),
    ("Tab", KeyCode::Tab),
    ("Shift-Tab", KeyCode::BackTab),
    ("Backspace", KeyCode::Backspace),
    ("Space", KeyCode::Char(' ')),
    ("↑", KeyCode::Up),
    ("Up", KeyCode::Up),
    ("↓", KeyCode::Down),
    ("Down", KeyCode::Down),
    ("←", KeyCode::Left),
    ("Left", KeyCode::Left),
    ("→", KeyCode::Right),
    ("Right", KeyCode::Right),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
    ("PgUp", KeyCode::PageUp),
    ("PageUp", KeyCode::PageUp),
    ("PgDn", KeyCode::PageDown),
    ("PageDown", KeyCode::PageDown),
    ("Delete", KeyCode::Delete),
    ("Insert", KeyCode::Insert),
];

impl Key {
    pub fn of(event: KeyEvent) -> Key {
        let modifiers = event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match event.code {
            // Some terminals report Ctrl-letters in upper case.
            KeyCode::Char(c) if modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            KeyCode::Tab if event.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            code => code,
        };
        Key { code, modifiers }
    }

    /// Reads `"j"`, `"G"`, `"Enter"`, `"Ctrl-e"`, `"Alt-Enter"`, `"Shift-Tab"`, `"F2"`.
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut rest = text;
        let mut modifiers = KeyModifiers::NONE;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 5 && lower.starts_with("ctrl-") {
                modifiers |= KeyModifiers::CONTROL;
                rest = &rest[5..];
            } else if rest.len() > 4 && lower.starts_with("alt-") {
                modifiers |= KeyModifiers::ALT;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        let code = if let Some((_, code)) = NAMED.iter().find(|(n, _)| n.eq_ignore_ascii_case(rest))
        {
            *code
        } else if let Some(f) = rest
            .strip_prefix(['F', 'f'])
            .and_then(|n| n.parse::<u8>().ok())
            .filter(|n| (1..=12).contains(n))
        {
            KeyCode::F(f)
        } else {
            let mut chars = rest.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if !c.is_control() => KeyCode::Char(if modifiers.is_empty() {
                    c
                } else {
                    c.to_ascii_lowercase()
                }),
                _ => return Err(format!("`{text}` is not a key pagedesk knows")),
            }
        };
        Ok(Key { code, modifiers })
    }

    /// A letter, digit or sign typed as it is: text, in the reply box.
    fn is_text(self) -> bool {
        self.modifiers.is_empty() && matches!(self.code, KeyCode::Char(_))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::F(n) => write!(f, "F{n}"),
            code => match NAMED.iter().find(|(_, c)| *c == code) {
                Some((name, _)) => f.write_str(name),
                None => match code {
                    KeyCode::Char(c) => write!(f, "{c}"),
                    other => write!(f, "{other:?}"),
                },
            },
        }
    }
}

/// `[keys.<mode>]` in the config: an action and the key or keys that do it there.
pub type KeyOverrides = BTreeMap<String, BTreeMap<String, KeyList>>;

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl KeyList {
    fn names(&self) -> &[String] {
        match self {
            KeyList::One(one) => std::slice::from_ref(one),
            KeyList::Many(many) => many,
        }
    }
}

/// The bindings in effect: the defaults with the config's changes.
#[derive(Debug, Clone)]
pub struct Keymap {
    /// In help order.
    bindings: Vec<(Mode, Action, Vec<Key>)>,
    lookup: HashMap<(Mode, Key), Action>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::with(&KeyOverrides::new()).unwrap_or_else(|_| unreachable!("defaults conflict"))
    }
}

impl Keymap {
    /// The defaults with the config's `[keys.<mode>]` changes; every problem found, one per
    /// line: an unknown mode, action or key, a letter bound in the reply box, a key meaning
    /// two things at once.
    pub fn with(overrides: &KeyOverrides) -> Result<Keymap, String> {
        let mut bindings: Vec<(Mode, Action, Vec<Key>)> = DEFAULTS
            .iter()
            .map(|(mode, action, keys)| {
                let keys = keys.iter().filter_map(|k| Key::parse(k).ok()).collect();
                (*mode, *action, keys)
            })
            .collect();
        let mut problems = Vec::new();
        for (mode_name, actions) in overrides {
            let Ok(mode) = mode_name.parse::<Mode>() else {
                let modes: Vec<&str> = Mode::iter().map(<&str>::from).collect();
                problems.push(format!(
                    "[keys.{mode_name}]: no such mode; the modes are {}",
                    modes.join(", ")
                ));
                continue;
            };
            for (action_name, keys) in actions {
                let place = format!("[keys.{mode_name}] {action_name}");
                let binding = action_name
                    .parse::<Action>()
                    .ok()
                    .and_then(|action| bindings.iter_mut().find(|b| b.0 == mode && b.1 == action));
                let Some(binding) = binding else {
                    let here: Vec<&str> = bindings
                        .iter()
                        .filter(|b| b.0 == mode)
                        .map(|b| <&str>::from(b.1))
                        .collect();
                    problems.push(format!(
                        "{place}: no such action here; {mode_name} has {}",
                        here.join(", ")
                    ));
                    continue;
                };
                let mut parsed = Vec::new();
                for name in keys.names() {
                    match Key::parse(name) {
                        Ok(key) if mode.takes_text() && key.is_text() => problems.push(format!(
                            "{place}: `{name}` is typed as text here; use a key with Ctrl or Alt"
                        )),
                        Ok(key) if key == Key::parse("Ctrl-c").expect("a key") => problems
                            .push(format!("{place}: Ctrl-C always quits and cannot be bound")),
                        Ok(key) => parsed.push(key),
                        Err(why) => problems.push(format!("{place}: {why}")),
                    }
                }
                binding.2 = parsed;
            }
        }
        let mut lookup = HashMap::new();
        for (mode, action, keys) in &bindings {
            for key in keys {
                let clash = std::iter::once(*mode)
                    .chain(mode.read_with().iter().copied())
                    .find_map(|m| lookup.get(&(m, *key)).map(|a: &Action| (m, *a)));
                if let Some((other_mode, other)) = clash {
                    problems.push(format!(
                        "[keys]: `{key}` is bound to both {}.{} and {}.{}",
                        <&str>::from(other_mode),
                        <&str>::from(other),
                        <&str>::from(*mode),
                        <&str>::from(*action),
                    ));
                }
                lookup.insert((*mode, *key), *action);
            }
        }
        if problems.is_empty() {
            Ok(Keymap { bindings, lookup })
        } else {
            Err(problems.join("\n"))
        }
    }

    /// What `key` does in the first of `modes` that binds it.
    pub fn action(&self, modes: &[Mode], key: KeyEvent) -> Option<Action> {
        let key = Key::of(key);
        modes
            .iter()
            .find_map(|mode| self.lookup.get(&(*mode, key)).copied())
    }

    /// The keys that do `action` in `mode`, as the help writes them.
    pub fn keys(&self, mode: Mode, action: Action) -> &[Key] {
        self.bindings
            .iter()
            .find(|b| b.0 == mode && b.1 == action)
            .map_or(&[], |b| &b.2)
    }

    /// The first key that does `action` in `mode`, as staff are told to press it.
    pub fn first_key(&self, mode: Mode, action: Action) -> Option<String> {
        self.keys(mode, action).first().map(ToString::to_string)
    }

    /// Every binding in help order, for the help and the README.
    pub fn bindings(&self) -> impl Iterator<Item = (Mode, Action, &[Key])> {
        self.bindings
            .iter()
            .map(|(mode, action, keys)| (*mode, *action, keys.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    fn overrides(toml_text: &str) -> KeyOverrides {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn keys_read_back_as_they_are_written() {
        for name in [
            "j",
            "G",
            "?",
            "Enter",
            "Alt-Enter",
            "Shift-Tab",
            "Ctrl-e",
            "PgUp",
            "F2",
            "Space",
            "-",
        ] {
            let key = Key::parse(name).unwrap();
            let shown = key.to_string();
            assert_eq!(Key::parse(&shown).unwrap(), key, "{name} shown as {shown}");
        }
        assert_eq!(Key::parse("Up").unwrap().to_string(), "↑");
        assert_eq!(Key::parse("ctrl-E").unwrap(), Key::parse("Ctrl-e").unwrap());
        assert!(Key::parse("Hyper-x").is_err());
        assert!(Key::parse("").is_err());
    }

    #[test]
    fn terminals_reporting_shift_differently_reach_the_same_binding() {
        let keymap = Keymap::default();
        let modes = [Mode::Move, Mode::Inbox];
        let g_with_shift = press(KeyCode::Char('G'), KeyModifiers::SHIFT);
        let g_alone = press(KeyCode::Char('G'), KeyModifiers::NONE);
        assert_eq!(keymap.action(&modes, g_with_shift), Some(Action::Last));
        assert_eq!(keymap.action(&modes, g_alone), Some(Action::Last));
        let back_tab = press(KeyCode::BackTab, KeyModifiers::SHIFT);
        let shift_tab = press(KeyCode::Tab, KeyModifiers::SHIFT);
        assert_eq!(keymap.action(&modes, back_tab), Some(Action::PreviousPane));
        assert_eq!(keymap.action(&modes, shift_tab), Some(Action::PreviousPane));
    }

    #[test]
    fn a_rebound_action_answers_to_its_new_keys_only() {
        let keymap = Keymap::with(&overrides(
            "[move]\ndown = [\"h\", \"Down\"]\n[reply]\nsend = \"Ctrl-s\"\n",
        ))
        .unwrap();
        let modes = [Mode::Move, Mode::Inbox];
        let h = press(KeyCode::Char('h'), KeyModifiers::NONE);
        let j = press(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(keymap.action(&modes, h), Some(Action::Down));
        assert_eq!(keymap.action(&modes, j), None);
        let ctrl_s = press(KeyCode::Char('s'), KeyModifiers::CONTROL);
        let enter = press(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(keymap.action(&[Mode::Reply], ctrl_s), Some(Action::Send));
        assert_eq!(keymap.action(&[Mode::Reply], enter), None);
    }

    #[test]
    fn every_problem_in_the_keys_is_named() {
        let problems = Keymap::with(&overrides(
            "[move]\ndown = \"n\"\nfly = \"x\"\n[reply]\nsend = \"s\"\nleave = \"Ctrl-c\"\n\
             [inbox]\nquit = \"Hyper-q\"\n[chat]\nx = \"y\"\n",
        ))
        .unwrap_err();
        let expected = [
            "[keys.chat]: no such mode",
            "[keys.inbox] quit: `Hyper-q` is not a key",
            "[keys.move] fly: no such action here; move has down, up",
            "[keys.reply] send: `s` is typed as text here",
            "[keys.reply] leave: Ctrl-C always quits",
            "[keys]: `n` is bound to both",
        ];
        for words in expected {
            assert!(problems.contains(words), "{words:?} not in:\n{problems}");
        }
        assert!(problems.contains("inbox.next_match") && problems.contains("move.down"));
    }

    #[test]
    fn the_defaults_bind_no_key_twice_where_both_apply() {
        let keymap = Keymap::default();
        assert_eq!(
            keymap.bindings().count(),
            DEFAULTS.len(),
            "every default binding is kept"
        );
        for (_, _, keys) in DEFAULTS {
            for key in *keys {
                assert!(Key::parse(key).is_ok(), "default key {key}");
            }
        }
    }
}
