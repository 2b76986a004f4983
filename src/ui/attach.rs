//! Attaching files to a reply: a picker that opens on the shop's product-photo folder (the
//! config's `[attachments] library`, else the home folder), searched by typing (letters in
//! order, accents ignored), a path typed with `/` browsing elsewhere, Tab completing, and a
//! preview of the picture chosen. The disk work (listing, checking a file as Facebook would)
//! is the writer's and the preview the engine's: no key waits on the disk.

use std::path::{Path, PathBuf};

use crossterm::event::KeyEvent;

use super::app::{App, Overlay};
use super::writer::Write;
use crate::files::{FileKind, OutgoingFile, sendable_type};
use crate::i18n::S;
use crate::keymap::Action;
use crate::model::{ConversationId, PictureWanted};
use crate::sync::EngineCommand;

/// The attach picker's state.
#[derive(Debug, Clone, Default)]
pub struct AttachPrompt {
    /// The folder the picker opened on.
    pub home: PathBuf,
    /// What staff typed: a search in the folder browsed, or a path (`/`, `~/`, `sub/`).
    pub typed: String,
    /// The last folder listed, and its entries (name, whether a folder).
    pub listed: Option<(PathBuf, Vec<(String, bool)>)>,
    /// A listing asked of the writer and not yet answered.
    pub listing: Option<PathBuf>,
    pub selected: usize,
    /// Why the folder cannot be read, or the last file refused.
    pub problem: Option<String>,
}

impl AttachPrompt {
    /// The folder browsed, and what is searched for in it: the typed path's folder part is
    /// read from the home folder (`~/` from the user's, `/` from the root).
    pub fn browsing(&self) -> (PathBuf, &str) {
        match self.typed.rfind('/') {
            None => (self.home.clone(), self.typed.as_str()),
            Some(cut) => {
                let (folder, search) = self.typed.split_at(cut + 1);
                (resolve(&self.home, folder), search)
            }
        }
    }

    /// The entries of the folder browsed that match what is typed, best first.
    pub fn matches(&self) -> Vec<(String, bool)> {
        let (folder, search) = self.browsing();
        let Some((listed_folder, entries)) = &self.listed else {
            return Vec::new();
        };
        if *listed_folder != folder {
            return Vec::new();
        }
        let wanted = crate::text::fold(search);
        let mut scored: Vec<(usize, &(String, bool))> = entries
            .iter()
            .filter_map(|entry| {
                crate::text::fuzzy_score(&crate::text::fold(&entry.0), &wanted).map(|s| (s, entry))
            })
            .collect();
        scored.sort_by_key(|(score, _)| *score);
        scored.into_iter().map(|(_, entry)| entry.clone()).collect()
    }

    /// The path of the entry chosen.
    pub fn chosen(&self) -> Option<(PathBuf, bool)> {
        let (folder, _) = self.browsing();
        let matches = self.matches();
        let (name, is_folder) = matches.get(self.selected)?;
        Some((folder.join(name), *is_folder))
    }
}

/// `typed` read as a folder from `home`: absolute, from the user's home (`~/`), or relative.
fn resolve(home: &Path, typed: &str) -> PathBuf {
    if typed.starts_with('/') {
        PathBuf::from(typed)
    } else if let Some(rest) = typed.strip_prefix("~/") {
        user_home().join(rest)
    } else {
        home.join(typed)
    }
}

fn user_home() -> PathBuf {
    directories::BaseDirs::new()
        .map(|dirs| dirs.home_dir().to_owned())
        .unwrap_or_else(|| PathBuf::from("/"))
}

impl App {
    /// Opens the picker on the product-photo folder (else the home folder).
    pub(super) fn open_attach(&mut self) {
        if self.chat.open.is_none() {
            return;
        }
        let home = match &self.settings.library {
            Some(library) => resolve(&user_home(), &library.to_string_lossy()),
            None => user_home(),
        };
        self.overlay = Some(Overlay::Attach(AttachPrompt {
            home,
            ..AttachPrompt::default()
        }));
        self.list_browsed_folder();
    }

    pub(super) fn attach_action(&mut self, action: Action) {
        let Some(Overlay::Attach(prompt)) = self.overlay.as_mut() else {
            return;
        };
        let count = prompt.matches().len();
        match action {
            Action::Close => self.close_attach(),
            Action::Down => prompt.selected = (prompt.selected + 1).min(count.saturating_sub(1)),
            Action::Up => prompt.selected = prompt.selected.saturating_sub(1),
            Action::Complete => self.complete_chosen(),
            Action::Choose => match prompt.chosen() {
                Some((_, true)) => self.complete_chosen(),
                Some((path, false)) => {
                    let Some(open) = &self.chat.open else {
                        return;
                    };
                    let conversation_id = open.conversation.id.clone();
                    self.writer.check_file(conversation_id, path);
                    self.close_attach();
                }
                None => {}
            },
            _ => {}
        }
        self.preview_chosen();
    }

    fn close_attach(&mut self) {
        self.overlay = None;
    }

    /// The typed text becomes the chosen entry's path (a folder's, with `/` to browse it).
    fn complete_chosen(&mut self) {
        let Some(Overlay::Attach(prompt)) = self.overlay.as_mut() else {
            return;
        };
        let Some((name, is_folder)) = prompt.matches().get(prompt.selected).cloned() else {
            return;
        };
        let folder_part = prompt
            .typed
            .rfind('/')
            .map_or("", |cut| &prompt.typed[..=cut])
            .to_owned();
        prompt.typed = format!("{folder_part}{name}{}", if is_folder { "/" } else { "" });
        prompt.selected = 0;
        self.list_browsed_folder();
    }

    /// A key no binding claims, typed into the picker's line.
    pub(super) fn attach_type(&mut self, key: KeyEvent) {
        let Some(Overlay::Attach(prompt)) = self.overlay.as_mut() else {
            return;
        };
        if !super::input::type_into(&mut prompt.typed, key) {
            return;
        }
        prompt.selected = 0;
        self.list_browsed_folder();
        self.preview_chosen();
    }

    pub(super) fn attach_paste(&mut self, text: &str) {
        if let Some(Overlay::Attach(prompt)) = self.overlay.as_mut() {
            prompt.typed.push_str(&crate::text::clean_line(text));
            prompt.selected = 0;
        }
        self.list_browsed_folder();
    }

    /// Asks the writer for the folder browsed, unless it is listed or being listed.
    fn list_browsed_folder(&mut self) {
        let Some(Overlay::Attach(prompt)) = self.overlay.as_mut() else {
            return;
        };
        let (folder, _) = prompt.browsing();
        let listed = prompt.listed.as_ref().is_some_and(|(f, _)| *f == folder);
        if listed || prompt.listing.as_ref() == Some(&folder) {
            return;
        }
        prompt.listing = Some(folder.clone());
        self.write(Write::ListFolder { folder });
    }

    pub(super) fn on_folder(
        &mut self,
        folder: PathBuf,
        result: Result<Vec<(String, bool)>, String>,
    ) {
        let Some(Overlay::Attach(prompt)) = self.overlay.as_mut() else {
            return;
        };
        if prompt.listing.as_ref() == Some(&folder) {
            prompt.listing = None;
        }
        match result {
            Ok(entries) => {
                prompt.problem = None;
                prompt.listed = Some((folder, entries));
            }
            Err(why) => {
                let shown = folder.display().to_string();
                prompt.problem = Some(self.tr.f(S::FolderUnreadable, &[&shown, &why]));
                prompt.listed = Some((folder, Vec::new()));
            }
        }
        self.preview_chosen();
    }

    /// A picture chosen in the picker is shown beside it: the engine reads it.
    fn preview_chosen(&mut self) {
        let Some(Overlay::Attach(prompt)) = &self.overlay else {
            return;
        };
        let Some((path, false)) = prompt.chosen() else {
            return;
        };
        let is_picture = path
            .file_name()
            .and_then(|n| sendable_type(&n.to_string_lossy()))
            .is_some_and(|(_, kind)| kind == FileKind::Image);
        let key = PictureWanted::file_key(&path);
        if !is_picture || self.pictures.contains_key(&key) {
            return;
        }
        self.pictures
            .insert(key, super::pictures::PictureState::Loading);
        self.ask_engine(EngineCommand::PreviewFile(path));
    }

    /// A file checked as Facebook would take it: attached to its conversation's reply, or why
    /// not, naming the file.
    pub(super) fn on_file_checked(
        &mut self,
        conversation_id: ConversationId,
        result: Result<OutgoingFile, crate::files::FileProblem>,
    ) {
        match result {
            Ok(file) => {
                self.say(self.tr.f(S::Attached, &[&file.name]));
                self.chat
                    .attached
                    .entry(conversation_id.clone())
                    .or_default()
                    .push(file);
                self.keep_attached(&conversation_id);
            }
            Err(problem) => self.say(
                self.tr
                    .f(S::FileRefused, &[&self.tr.file_problem(&problem)]),
            ),
        }
    }

    /// The files attached to the open conversation's reply.
    pub fn attached_here(&self) -> &[OutgoingFile] {
        self.chat
            .open
            .as_ref()
            .and_then(|o| self.chat.attached.get(&o.conversation.id))
            .map_or(&[], Vec::as_slice)
    }

    /// Backspace in an empty reply box takes the last file off the reply.
    pub(super) fn unattach_last(&mut self) -> bool {
        let Some(id) = self.chat.open.as_ref().map(|o| o.conversation.id.clone()) else {
            return false;
        };
        let removed = self.chat.attached.get_mut(&id).and_then(Vec::pop);
        if removed.is_some() {
            self.keep_attached(&id);
        }
        removed.is_some()
    }

    /// The files on a conversation's reply go to the database, like its draft: they survive a
    /// closed inbox.
    pub(super) fn keep_attached(&mut self, conversation_id: &ConversationId) {
        let files = self
            .chat
            .attached
            .get(conversation_id)
            .cloned()
            .unwrap_or_default();
        self.write(Write::DraftFiles {
            conversation_id: conversation_id.to_owned(),
            files,
        });
    }
}
