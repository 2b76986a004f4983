//! One read of a folder, as a state machine with no I/O: where to start, where each page of the
//! listing leaves the read, and what the stored progress becomes. Until one full pass has
//! finished, a read goes on (resuming an interrupted pass) up to `backfill_conversations`; after
//! that it stops at the first conversation already stored, unchanged, and covered by a completed
//! read.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::PageError;
use crate::model::Folder;
use crate::store::FolderSync;

/// A read of a folder gives up after this many pages in a row with no conversation on them
/// (each with a new cursor), or this many calls in all: Facebook's lists end, and one that
/// does not would spend the page's call budget for nothing.
const MAX_EMPTY_LIST_PAGES: usize = 3;
const MAX_LIST_CALLS: usize = 2_000;

/// Watches a read's pages for a list that does not end: a cursor seen before, empty page after
/// empty page, or more calls than any folder needs.
pub(super) struct EndGuard {
    folder: Folder,
    cursors_seen: HashSet<String>,
    calls: usize,
    empty_in_a_row: usize,
}

impl EndGuard {
    pub fn new(folder: Folder) -> EndGuard {
        EndGuard {
            folder,
            cursors_seen: HashSet::new(),
            calls: 0,
            empty_in_a_row: 0,
        }
    }

    /// A page came, empty or not, with `next` the cursor the read would follow.
    pub fn page(&mut self, empty: bool, next: Option<&str>) -> Result<(), PageError> {
        self.calls += 1;
        self.empty_in_a_row = if empty { self.empty_in_a_row + 1 } else { 0 };
        let Some(cursor) = next else {
            return Ok(());
        };
        if !self.cursors_seen.insert(cursor.to_owned()) {
            return Err(PageError::CursorLoop(self.folder.as_str()));
        }
        let why = if self.empty_in_a_row >= MAX_EMPTY_LIST_PAGES {
            format!(
                "{} pages in a row without a conversation",
                self.empty_in_a_row
            )
        } else if self.calls >= MAX_LIST_CALLS {
            format!("{} pages read in one pass", self.calls)
        } else {
            return Ok(());
        };
        Err(PageError::EndlessList {
            folder: self.folder.as_str(),
            why,
        })
    }
}

/// A conversation on a listing page, as the pass needs it.
pub(super) struct Listed {
    pub updated_time: DateTime<Utc>,
    /// Stored already, with the same `updated_time` and snippet.
    pub unchanged: bool,
    /// Stored already, changed or not.
    pub known: bool,
}

/// What a listing page means for the read.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Step {
    /// How many of the page's conversations the read went through (the rest lie below where it
    /// stops).
    pub seen: usize,
    /// The cursor to read next; `None` when the read is over.
    pub next: Option<String>,
    /// The progress changed in a way that must be saved now.
    pub save: bool,
    /// Below where the read stops, the page's inbox conversations the store lacks: moved into
    /// the inbox on Facebook (a message request accepted, Spam not synced here) with their old
    /// `updated_time`, taken all the same.
    pub moved_in: Vec<usize>,
}

pub(super) struct FolderPass {
    pub progress: FolderSync,
    backfill: usize,
    after: Option<String>,
    resuming: bool,
    /// Whether the last page was empty, for the end guard.
    last_empty: bool,
    guard: EndGuard,
    folder: Folder,
    /// The newest conversation of a read from the top: once the read completes, everything up
    /// to it is in the store.
    top: Option<i64>,
}

impl FolderPass {
    pub fn new(folder: Folder, progress: FolderSync, backfill: usize) -> FolderPass {
        let after = if progress.pass_complete {
            None
        } else {
            progress.resume_after.clone()
        };
        FolderPass {
            resuming: after.is_some(),
            progress,
            backfill,
            after,
            last_empty: false,
            guard: EndGuard::new(folder),
            folder,
            top: None,
        }
    }

    /// The cursor the next listing call starts after (`None`: the top).
    pub fn cursor(&self) -> Option<&str> {
        self.after.as_deref()
    }

    /// Whether the read is still on a saved cursor, which Facebook may have let expire.
    pub fn resuming(&self) -> bool {
        self.resuming
    }

    /// Facebook refused the saved cursor: the interrupted pass starts again from the top.
    pub fn restart_from_top(&mut self) {
        self.resuming = false;
        self.after = None;
    }

    /// A listing page came: `items` newest first, `next` Facebook's cursor to more. Whether the
    /// list still looks like it ends is asked after the page is stored ([`Self::check_it_ends`]).
    pub fn page(&mut self, items: &[Listed], next: Option<String>) -> Step {
        self.resuming = false;
        self.last_empty = items.is_empty();
        let progress = &mut self.progress;
        if self.after.is_none() {
            self.top = items.iter().map(|c| c.updated_time.timestamp()).max();
            if !progress.pass_complete {
                progress.pass_top = self.top;
            }
        }
        let mut seen = 0;
        let mut stop = false;
        let mut moved_in = Vec::new();
        for item in items {
            // Stop at what an earlier, completed read already covered; what an interrupted read
            // stored above that is passed over, not taken as the end.
            let covered = progress
                .complete_through
                .is_some_and(|through| item.updated_time.timestamp() <= through);
            if progress.pass_complete && item.unchanged && covered {
                stop = true;
                if self.folder == Folder::Inbox {
                    moved_in = (seen..items.len()).filter(|i| !items[*i].known).collect();
                }
                break;
            }
            seen += 1;
            if !progress.pass_complete {
                progress.backfilled += 1;
                if progress.backfilled >= self.backfill {
                    stop = true;
                    break;
                }
            }
        }
        let next = next.filter(|_| !stop);
        let finished = next.is_none();
        if finished {
            let through = if progress.pass_complete {
                self.top
            } else {
                progress.pass_top
            };
            progress.complete_through = progress.complete_through.max(through);
            progress.pass_complete = true;
            progress.resume_after = None;
        } else if !progress.pass_complete {
            progress.resume_after = next.clone();
        }
        let save = finished || !progress.pass_complete;
        self.after = next.clone();
        Step {
            seen,
            next,
            save,
            moved_in,
        }
    }

    /// Whether the list still looks like one that ends, asked before the next call.
    pub fn check_it_ends(&mut self) -> Result<(), PageError> {
        self.guard.page(self.last_empty, self.after.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes_ago: i64, unchanged: bool) -> Listed {
        Listed {
            updated_time: DateTime::from_timestamp(1_790_000_000 - minutes_ago * 60, 0).unwrap(),
            unchanged,
            known: unchanged,
        }
    }

    #[test]
    fn a_first_pass_reads_on_until_the_backfill_and_then_is_complete() {
        let mut pass = FolderPass::new(Folder::Inbox, FolderSync::default(), 3);
        let step = pass.page(&[at(1, false), at(2, false)], Some("c1".into()));
        assert_eq!(
            step,
            Step {
                seen: 2,
                next: Some("c1".into()),
                save: true,
                moved_in: Vec::new(),
            }
        );
        assert_eq!(pass.progress.resume_after.as_deref(), Some("c1"));
        let step = pass.page(&[at(3, false), at(4, false)], Some("c2".into()));
        assert_eq!((step.seen, step.next), (1, None), "stops at the backfill");
        assert!(pass.progress.pass_complete);
        assert_eq!(
            pass.progress.complete_through,
            Some(at(1, false).updated_time.timestamp())
        );
    }

    #[test]
    fn an_interrupted_pass_resumes_from_its_saved_cursor() {
        let progress = FolderSync {
            resume_after: Some("c7".into()),
            backfilled: 5,
            ..FolderSync::default()
        };
        let mut pass = FolderPass::new(Folder::Inbox, progress, 200);
        assert_eq!(pass.cursor(), Some("c7"));
        assert!(pass.resuming());
        pass.restart_from_top();
        assert_eq!(pass.cursor(), None);
    }

    #[test]
    fn a_later_read_stops_only_at_what_a_completed_read_covered() {
        let progress = FolderSync {
            pass_complete: true,
            complete_through: Some(at(10, true).updated_time.timestamp()),
            ..FolderSync::default()
        };
        let mut pass = FolderPass::new(Folder::Inbox, progress, 200);
        // Unchanged but newer than what was covered (stored by an interrupted read): read past.
        let step = pass.page(
            &[at(1, false), at(5, true), at(10, true), at(11, true)],
            Some("c".into()),
        );
        assert_eq!((step.seen, step.next, step.save), (2, None, true));
        assert_eq!(
            pass.progress.complete_through,
            Some(at(1, false).updated_time.timestamp())
        );
    }

    #[test]
    fn below_where_an_inbox_read_stops_what_the_store_lacks_was_moved_in() {
        let covered = FolderSync {
            pass_complete: true,
            complete_through: Some(at(1, true).updated_time.timestamp()),
            ..FolderSync::default()
        };
        let moved = Listed {
            known: false,
            ..at(20, false)
        };
        let page = [at(0, false), at(1, true), moved, at(30, true)];
        let mut inbox = FolderPass::new(Folder::Inbox, covered.clone(), 200);
        let step = inbox.page(&page, None);
        assert_eq!((step.seen, step.moved_in), (1, vec![2]));
        // Spam below the stop waits for its delay (pulled when due), and a first pass stops at
        // its backfill, not at a move.
        let mut spam = FolderPass::new(Folder::Spam, covered, 200);
        assert!(spam.page(&page, None).moved_in.is_empty());
        let mut first = FolderPass::new(Folder::Inbox, FolderSync::default(), 1);
        assert!(first.page(&page, None).moved_in.is_empty());
    }

    #[test]
    fn lists_that_do_not_end_are_given_up() {
        let mut pass = FolderPass::new(Folder::Spam, FolderSync::default(), 200);
        pass.page(&[at(1, false)], Some("a".into()));
        assert!(pass.check_it_ends().is_ok());
        pass.page(&[at(2, false)], Some("a".into()));
        assert!(matches!(
            pass.check_it_ends(),
            Err(PageError::CursorLoop("spam"))
        ));
        let mut pass = FolderPass::new(Folder::Inbox, FolderSync::default(), 200);
        for cursor in ["1", "2"] {
            pass.page(&[], Some(cursor.into()));
            assert!(pass.check_it_ends().is_ok());
        }
        pass.page(&[], Some("3".into()));
        assert!(matches!(
            pass.check_it_ends(),
            Err(PageError::EndlessList { .. })
        ));
    }
}
