//! Team work in the inbox: the label picker (on a conversation, or narrowing the list), giving
//! a conversation to a staff member, the customer panel with its notes, and the team's numbers.
//! Every change goes to the writer; other inboxes see it at their next look at the database.

use crossterm::event::KeyEvent;

use super::app::{App, Overlay};
use super::writer::{TeamChange, Write};
use crate::i18n::S;
use crate::keymap::Action;
use crate::model::{ConversationId, LabelColour, LabelMatch};
use crate::store::LabelRow;
use crate::text::{fold, fuzzy_score};

/// What the label picker changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelPurpose {
    /// The labels of this conversation.
    Conversation { id: ConversationId, name: String },
    /// The labels the list is narrowed to.
    ListFilter,
}

/// A row of the label picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelChoice {
    Label(LabelRow),
    /// What is typed, as a new label.
    Create(String),
}

#[derive(Debug, Clone)]
pub struct LabelPicker {
    pub purpose: LabelPurpose,
    pub typed: String,
    pub selected: usize,
    /// The label Ctrl-d was pressed on once: pressed again, it is deleted.
    pub confirm_delete: Option<i64>,
    /// The label being renamed: what is typed is its new name, Enter saves it, Esc keeps the old.
    pub renaming: Option<LabelRow>,
    /// The labels checked: the conversation's (read again with the rest), or the list's.
    pub on: Vec<i64>,
}

/// Whom to give a conversation to: the team, then nobody.
#[derive(Debug, Clone)]
pub struct AssignPrompt {
    pub conversation_id: ConversationId,
    pub customer_name: String,
    /// On the team's member of that index; the team's length is "nobody".
    pub cursor: usize,
}

impl LabelPicker {
    /// The labels matching what is typed, best first; on a conversation, a label of that name
    /// to create when none has it.
    pub fn choices(&self, labels: &[LabelRow]) -> Vec<LabelChoice> {
        if let Some(label) = &self.renaming {
            return vec![LabelChoice::Label(label.clone())];
        }
        let wanted = fold(self.typed.trim());
        let mut scored: Vec<(usize, &LabelRow)> = labels
            .iter()
            .filter_map(|label| fuzzy_score(&fold(&label.name), &wanted).map(|s| (s, label)))
            .collect();
        scored.sort_by_key(|(score, _)| *score);
        let mut choices: Vec<LabelChoice> = scored
            .into_iter()
            .map(|(_, label)| LabelChoice::Label(label.clone()))
            .collect();
        let typed = self.typed.trim();
        let exists = labels.iter().any(|l| fold(&l.name) == wanted);
        if matches!(self.purpose, LabelPurpose::Conversation { .. }) && !typed.is_empty() && !exists
        {
            choices.push(LabelChoice::Create(typed.to_owned()));
        }
        choices
    }
}

impl App {
    pub(super) fn open_labels(&mut self, purpose: LabelPurpose) {
        self.overlay = Some(Overlay::Labels(LabelPicker {
            purpose,
            typed: String::new(),
            selected: 0,
            confirm_delete: None,
            renaming: None,
            on: Vec::new(),
        }));
        self.load_checked_labels();
    }

    pub(super) fn open_conversation_labels(&mut self) {
        if let Some(conversation) = self.conversation_at_hand() {
            let (id, name) = (conversation.id.clone(), conversation.customer_name.clone());
            self.open_labels(LabelPurpose::Conversation { id, name });
        }
    }

    /// The picker's checks, as the database has them now.
    fn load_checked_labels(&mut self) {
        let Some(Overlay::Labels(picker)) = &self.overlay else {
            return;
        };
        let on = match &picker.purpose {
            LabelPurpose::Conversation { id, .. } => self
                .store_ref()
                .conversation(id)
                .ok()
                .flatten()
                .map(|c| c.labels.iter().map(|l| l.id).collect())
                .unwrap_or_default(),
            LabelPurpose::ListFilter => self.list.label_filter.clone(),
        };
        let labels = &self.labels;
        if let Some(Overlay::Labels(picker)) = self.overlay.as_mut() {
            picker.on = on;
            // A label gone (deleted here or in another inbox) takes its row: the cursor stays
            // on one that is there.
            let last = picker.choices(labels).len().saturating_sub(1);
            picker.selected = picker.selected.min(last);
        }
    }

    pub(super) fn labels_action(&mut self, action: Action) {
        let Some(Overlay::Labels(picker)) = self.overlay.as_mut() else {
            return;
        };
        let choices = picker.choices(&self.labels);
        let chosen = choices.get(picker.selected).cloned();
        if action != Action::DeleteLabel {
            picker.confirm_delete = None;
        }
        match action {
            // Renaming: Esc keeps the old name, Enter (or Ctrl-r again) saves the new one.
            Action::Close if picker.renaming.is_some() => {
                picker.renaming = None;
                picker.typed.clear();
            }
            Action::ToggleLabel | Action::RenameLabel if picker.renaming.is_some() => {
                let label = picker.renaming.take().expect("renaming");
                let name = std::mem::take(&mut picker.typed).trim().to_owned();
                picker.selected = 0;
                if name.is_empty() || name == label.name {
                    return;
                }
                self.team_write(TeamChange::RenameLabel {
                    label_id: label.id,
                    name,
                });
            }
            Action::Close => self.overlay = None,
            Action::Down => {
                picker.selected = (picker.selected + 1).min(choices.len().saturating_sub(1))
            }
            Action::Up => picker.selected = picker.selected.saturating_sub(1),
            Action::MatchAllLabels if picker.purpose == LabelPurpose::ListFilter => {
                self.list.label_match = match self.list.label_match {
                    LabelMatch::Any => LabelMatch::All,
                    LabelMatch::All => LabelMatch::Any,
                };
                self.narrowed();
            }
            Action::ToggleLabel => self.toggle_chosen(chosen),
            // The label chosen is renamed from its name as it is.
            Action::RenameLabel => {
                if let Some(LabelChoice::Label(label)) = chosen {
                    picker.typed = label.name.clone();
                    picker.selected = 0;
                    picker.renaming = Some(label);
                }
            }
            Action::RecolourLabel => {
                if let Some(LabelChoice::Label(label)) = chosen {
                    let colour = LabelColour::after(Some(LabelColour::parse(&label.colour)));
                    self.team_write(TeamChange::RecolourLabel {
                        label_id: label.id,
                        colour,
                    });
                }
            }
            Action::DeleteLabel => {
                if let Some(LabelChoice::Label(label)) = chosen {
                    if picker.confirm_delete == Some(label.id) {
                        picker.confirm_delete = None;
                        self.team_write(TeamChange::DeleteLabel {
                            label_id: label.id,
                            name: label.name,
                        });
                    } else {
                        picker.confirm_delete = Some(label.id);
                        let count = label.conversations;
                        let words =
                            self.tr
                                .counted(count, S::LabelDeleteConfirmOne, S::LabelDeleteConfirm);
                        self.say(self.tr.f(words, &[&label.name, &count]));
                    }
                }
            }
            _ => {}
        }
    }

    /// Enter on a picker row: the label on or off the conversation (or in or out of the list's
    /// filter), or a new one created.
    fn toggle_chosen(&mut self, chosen: Option<LabelChoice>) {
        let Some(Overlay::Labels(picker)) = self.overlay.as_mut() else {
            return;
        };
        match (picker.purpose.clone(), chosen) {
            (LabelPurpose::ListFilter, Some(LabelChoice::Label(label))) => {
                match self.list.label_filter.iter().position(|id| *id == label.id) {
                    Some(at) => {
                        self.list.label_filter.remove(at);
                    }
                    None => self.list.label_filter.push(label.id),
                }
                self.narrowed();
            }
            (LabelPurpose::Conversation { id, .. }, Some(LabelChoice::Label(label))) => {
                let on = !picker.on.contains(&label.id);
                self.team_write(TeamChange::Label {
                    conversation_id: id,
                    label_id: label.id,
                    on,
                });
            }
            (LabelPurpose::Conversation { id, .. }, Some(LabelChoice::Create(name))) => {
                picker.typed.clear();
                picker.selected = 0;
                self.team_write(TeamChange::CreateLabel { name, on: Some(id) });
            }
            _ => {}
        }
    }

    /// The list's labels changed: the counts and the list follow, from the top.
    fn narrowed(&mut self) {
        self.list.back_to_top();
        self.reload();
    }

    /// A key no binding claims, typed into the label picker's line.
    pub(super) fn labels_type(&mut self, key: KeyEvent) {
        let Some(Overlay::Labels(picker)) = self.overlay.as_mut() else {
            return;
        };
        if super::input::type_into(&mut picker.typed, key) {
            picker.selected = 0;
            picker.confirm_delete = None;
        }
    }

    pub(super) fn labels_paste(&mut self, text: &str) {
        if let Some(Overlay::Labels(picker)) = self.overlay.as_mut() {
            picker.typed.push_str(&crate::text::clean_line(text));
            picker.selected = 0;
        }
    }

    /// What the team shares, read again. Labels gone from the database (deleted in this inbox
    /// or another) leave the list's filter.
    pub(super) fn load_team(&mut self) {
        if let Ok(labels) = self.store_ref().labels() {
            self.labels = labels;
        }
        if let Ok(status) = self.store_ref().staff_status() {
            self.staff_status = status;
        }
        let labels = &self.labels;
        self.list
            .label_filter
            .retain(|id| labels.iter().any(|label| label.id == *id));
        self.load_checked_labels();
        // The customer shown stays the one shown, whatever the list does meanwhile.
        if let Some(Overlay::Customer {
            customer: Some(shown),
            ..
        }) = &self.overlay
        {
            let read = self
                .store_ref()
                .customer(&shown.conversation_id)
                .ok()
                .flatten();
            if let Some(Overlay::Customer { customer, .. }) = self.overlay.as_mut() {
                *customer = read.map(Box::new);
            }
        }
    }

    // Assignment.

    pub(super) fn open_assign(&mut self) {
        let Some(conversation) = self.conversation_at_hand() else {
            return;
        };
        if self.settings.team.is_empty() {
            self.say(self.tr.t(S::AssignNoTeam).to_owned());
            return;
        }
        let cursor = conversation
            .assignee
            .as_ref()
            .and_then(|a| self.settings.team.iter().position(|n| n == a))
            .unwrap_or(0);
        self.overlay = Some(Overlay::Assign(AssignPrompt {
            conversation_id: conversation.id.clone(),
            customer_name: conversation.customer_name.clone(),
            cursor,
        }));
    }

    pub(super) fn assign_action(&mut self, action: Action) {
        let Some(Overlay::Assign(prompt)) = self.overlay.as_mut() else {
            return;
        };
        let last = self.settings.team.len();
        prompt.cursor = match action {
            Action::Down => (prompt.cursor + 1).min(last),
            Action::Up => prompt.cursor.saturating_sub(1),
            Action::First => 0,
            Action::Last => last,
            _ => prompt.cursor,
        };
        if matches!(action, Action::ChooseStaff | Action::Close) {
            let Some(Overlay::Assign(prompt)) = self.overlay.take() else {
                return;
            };
            if action == Action::ChooseStaff {
                let staff = self.settings.team.get(prompt.cursor).cloned();
                self.team_write(TeamChange::Assign {
                    conversation_id: prompt.conversation_id,
                    staff,
                });
            }
        }
    }

    // The customer.

    pub(super) fn open_customer(&mut self) {
        let Some(id) = self.conversation_at_hand().map(|c| c.id.clone()) else {
            return;
        };
        let customer = self.report_value(self.store_ref().customer(&id)).flatten();
        if customer.is_some() {
            self.overlay = Some(Overlay::Customer {
                customer: customer.map(Box::new),
                top: 0,
                note: None,
            });
        }
    }

    pub(super) fn customer_action(&mut self, top: usize, action: Action) {
        let top = match action {
            Action::Close => {
                self.overlay = None;
                return;
            }
            Action::WriteNote => {
                if let Some(Overlay::Customer { note, .. }) = self.overlay.as_mut() {
                    *note = Some(String::new());
                }
                return;
            }
            Action::Down => top + 1,
            Action::Up => top.saturating_sub(1),
            Action::First => 0,
            Action::Last => usize::MAX,
            _ => top,
        };
        let Some(Overlay::Customer { customer, note, .. }) = self.overlay.take() else {
            return;
        };
        let mut overlay = Overlay::Customer {
            customer,
            top,
            note,
        };
        let limit = super::windows::scroll_limit(self, &overlay);
        if let Overlay::Customer { top, .. } = &mut overlay {
            *top = (*top).min(limit);
        }
        self.overlay = Some(overlay);
    }

    pub(super) fn note_action(&mut self, action: Action) {
        let Some(Overlay::Customer { customer, note, .. }) = self.overlay.as_mut() else {
            return;
        };
        match action {
            Action::Close => *note = None,
            Action::SaveNote => {
                // Too long, it is refused whole and stays in the box, as the store would.
                let too_long = note
                    .as_ref()
                    .is_some_and(|t| t.chars().count() > crate::text::MAX_TEXT_CHARS);
                if too_long {
                    let limit = crate::text::MAX_TEXT_CHARS;
                    self.say(self.tr.f(S::NoteTooLong, &[&limit]));
                    return;
                }
                let text = note.take().unwrap_or_default();
                // About the customer the panel shows.
                if let (false, Some(customer)) = (text.trim().is_empty(), customer) {
                    let conversation_id = customer.conversation_id.clone();
                    self.team_write(TeamChange::Note {
                        conversation_id,
                        text,
                    });
                }
            }
            _ => {}
        }
    }

    /// The note being written, if one is.
    fn note_typing(&mut self) -> Option<&mut String> {
        match self.overlay.as_mut() {
            Some(Overlay::Customer { note, .. }) => note.as_mut(),
            _ => None,
        }
    }

    /// A key typed into the note being written.
    pub(super) fn note_type(&mut self, key: KeyEvent) {
        if let Some(typing) = self.note_typing() {
            super::input::type_into(typing, key);
        }
    }

    /// Pasted text goes in on one line, whole up to a note's limit (a longer paste is cut there
    /// and marked, and saving then says so): never cut short silently.
    pub(super) fn note_paste(&mut self, text: &str) {
        if let Some(typing) = self.note_typing() {
            typing.push_str(&crate::text::clean(text).replace('\n', " "));
        }
    }

    // The team's numbers.

    /// The last 7 days' numbers, read on the writer's thread; the window says so meanwhile.
    pub(super) fn open_stats(&mut self) {
        let clock = self.clock();
        self.overlay = Some(Overlay::Stats { stats: None });
        self.write(Write::Stats {
            since: clock.now - chrono::Duration::days(7),
            until: clock.now,
            zone: clock.zone,
        });
    }

    /// The numbers read, for the window still open (closed meanwhile: dropped).
    pub(super) fn on_stats(&mut self, result: crate::store::Result<crate::store::Stats>) {
        let read = self.report_value(result);
        let Some(Overlay::Stats { stats }) = self.overlay.as_mut() else {
            return;
        };
        match read {
            Some(read) => *stats = Some(read),
            None => self.overlay = None,
        }
    }

    fn team_write(&mut self, change: TeamChange) {
        self.write(Write::Team {
            change,
            at: self.now(),
        });
    }

    /// The writer made a team change: said, and everything read again.
    pub(super) fn on_team_written(
        &mut self,
        change: TeamChange,
        result: crate::store::Result<usize>,
    ) {
        let Some(carried) = self.report_value(result) else {
            return;
        };
        let customer_name = |app: &App, id: &ConversationId| {
            app.store_ref()
                .conversation(id)
                .ok()
                .flatten()
                .map(|c| c.customer_name)
                .unwrap_or_else(|| id.to_string())
        };
        // The catalogue before the reload below: a deleted label is still in it.
        let label_name = |app: &App, id: i64| {
            app.labels
                .iter()
                .find(|l| l.id == id)
                .map(|l| l.name.clone())
                .unwrap_or_default()
        };
        let said = match &change {
            TeamChange::CreateLabel { name, .. } => self.tr.f(S::LabelCreated, &[name]),
            TeamChange::Label {
                conversation_id,
                label_id,
                on,
            } => {
                let key = if *on { S::LabelOn } else { S::LabelOff };
                let label = label_name(self, *label_id);
                self.tr
                    .f(key, &[&customer_name(self, conversation_id), &label])
            }
            TeamChange::RenameLabel { name, .. } => self.tr.f(S::LabelRenamed, &[name]),
            TeamChange::RecolourLabel { label_id, colour } => self.tr.f(
                S::LabelRecoloured,
                &[&label_name(self, *label_id), &colour.as_str()],
            ),
            TeamChange::DeleteLabel { name, .. } => self.tr.f(
                self.tr
                    .counted(carried, S::LabelDeletedOne, S::LabelDeleted),
                &[name, &carried],
            ),
            TeamChange::Assign {
                conversation_id,
                staff,
            } => {
                let name = customer_name(self, conversation_id);
                match staff {
                    Some(staff) => self.tr.f(S::Assigned, &[&name, staff]),
                    None => self.tr.f(S::Unassigned, &[&name]),
                }
            }
            TeamChange::Note {
                conversation_id, ..
            } => self
                .tr
                .f(S::NoteSaved, &[&customer_name(self, conversation_id)]),
        };
        self.say(said);
        self.reload();
    }
}
