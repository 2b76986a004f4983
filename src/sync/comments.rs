//! The comments under the pages' recent posts, read by polling: per cycle, one listing of the
//! posts of the last `[comments] days` with their newest comments; a post is paged further
//! only when Facebook's `updated_time` says something was written under it since it was last
//! read, and only until the comments are ones already stored.

use std::collections::HashSet;

use chrono::Utc;

use super::{Engine, News, PageError, ingest};
use crate::graph::comments::{Comment, NESTED_COMMENTS, Post};
use crate::graph::{AccessToken, GraphError};
use crate::model::{CommentId, ConversationId, PageId, ReplyProblem};
use crate::store::Applied;

/// The most pages of posts, and of one post's comments, read in one cycle.
const MOST_PAGES: usize = 40;

/// How far a post's comments are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Until {
    /// To the first page of comments already stored.
    Stored,
    /// To the end: every comment it has.
    End,
}

impl Engine {
    /// Reads the page's recent posts and what was written under them.
    pub(super) async fn read_comments(
        &self,
        page_id: &PageId,
        token: &AccessToken,
    ) -> Result<News, PageError> {
        let Some(settings) = self.comment_settings() else {
            return Ok(News::default());
        };
        let since = Utc::now() - chrono::Duration::days(i64::from(settings.days));
        let mut news = News::default();
        let mut after: Option<String> = None;
        for _ in 0..MOST_PAGES {
            let listing = self
                .graph
                .posts(page_id, token, since, after.as_deref())
                .await?;
            self.note_usage(page_id, listing.usage.percent);
            for post in &listing.items {
                news += self.read_post(page_id, token, post).await?;
            }
            match listing.next_after {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        Ok(news)
    }

    /// One post: nothing when nothing was written under it or removed since it was last read
    /// (its time and its count of comments the same); else its newest comments, and more of
    /// them until the ones already stored. An edit alone changes neither: the `feed` webhook
    /// tells it, or the next read of the post brings it.
    async fn read_post(
        &self,
        page_id: &PageId,
        token: &AccessToken,
        post: &Post,
    ) -> Result<News, PageError> {
        let id = post.id.clone();
        let read_through = self.db(move |s| s.post_read_through(&id)).await?;
        let count = post.comments.summary.as_ref().and_then(|s| s.total_count);
        if read_through == Some((post.updated_time, count)) && post.updated_time.is_some() {
            return Ok(News::default());
        }
        let nested = &post.comments.data;
        let total = count.map(|n| n as usize);
        // Fewer comments on Facebook than stored: one was removed, wherever it is; only a
        // whole read finds which.
        let id = post.id.clone();
        let stored = self.db(move |s| s.stored_comment_count(&id)).await?;
        let fewer = count.is_some_and(|n| n < stored);
        let (comments, complete) = match total {
            Some(total) if total <= nested.len() => (nested.clone(), true),
            _ if fewer => self.page_comments(page_id, token, post, Until::End).await?,
            _ if nested.len() < NESTED_COMMENTS => (nested.clone(), false),
            _ => {
                self.page_comments(page_id, token, post, Until::Stored)
                    .await?
            }
        };
        let mut read = ingest::post(page_id, post, &comments, complete);
        // Stopped short of what is stored (more comments than one cycle reads): not read
        // through, so the next cycle reads the post again.
        let reached_stored =
            complete || nested.len() < NESTED_COMMENTS || self.reached_stored(&comments).await?;
        if !reached_stored {
            read.updated_time = None;
        }
        let protection = self.protection();
        let applied = self.db(move |s| s.apply_post(&read, &protection)).await?;
        let mut news = News::default();
        for (_, applied) in &applied {
            news += News::from(*applied);
        }
        self.assign_new_threads(&applied).await?;
        Ok(news)
    }

    /// New threads of a buyer who commented in the last 24 hours go to the team in turn, as
    /// new conversations do (`[assignment] new_conversations`).
    pub(super) async fn assign_new_threads(
        &self,
        applied: &[(ConversationId, Applied)],
    ) -> Result<(), crate::store::StoreError> {
        if self.round_robin.is_empty() {
            return Ok(());
        }
        let now = Utc::now();
        let recent = now - chrono::Duration::hours(24);
        let new: Vec<ConversationId> = applied
            .iter()
            .filter(|(_, applied)| {
                applied.new_conversation
                    && applied
                        .oldest_new_customer_message
                        .is_some_and(|at| at >= recent)
            })
            .map(|(id, _)| id.clone())
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        let team = self.round_robin.clone();
        self.db(move |s| {
            for (thread, staff) in s.assign_in_turn(&new, &team, now)? {
                tracing::info!(%thread, staff, "assigned in turn");
            }
            Ok(())
        })
        .await
    }

    /// What is done with a new comment that holds a phone number.
    pub(super) fn protection(&self) -> crate::store::comments::Protection {
        self.comment_settings()
            .map(|settings| settings.protection())
            .unwrap_or_default()
    }

    /// How comments are read and protected, as the config says now.
    fn comment_settings(&self) -> Option<crate::config::CommentSettings> {
        self.comments.read().expect("comment settings").clone()
    }

    /// The config file says so now: read from the next cycle, protected from the next comment.
    pub(super) fn take_comment_settings(&self, settings: crate::config::CommentSettings) {
        *self.comments.write().expect("comment settings") = settings.read.then_some(settings);
    }

    /// Hides, shows again or likes the comments staff asked for. Facebook's refusal (the page
    /// lacks `pages_manage_engagement`, say) is kept for staff to see; trouble reaching it
    /// leaves the request for the next round.
    pub(super) async fn moderate(&self, page_id: &PageId) -> Result<(), PageError> {
        let id = page_id.to_owned();
        let (hides, likes) = self
            .db(move |s| Ok((s.moderation_due(&id)?, s.likes_due(&id)?)))
            .await?;
        if hides.is_empty() && likes.is_empty() {
            return Ok(());
        }
        let Some(page) = self.page_config(page_id) else {
            return Ok(());
        };
        // Without its token the page waits, as its replies do.
        let Ok(token) = page.token() else {
            return Ok(());
        };
        for (comment, hidden) in hides {
            let outcome = self
                .graph
                .hide_comment(page_id, &comment, &token, hidden)
                .await;
            let Some(outcome) = refusal(page_id, &comment, outcome) else {
                return Ok(());
            };
            self.db(move |s| s.moderated(&comment, hidden, outcome))
                .await?;
        }
        for comment in likes {
            let outcome = self.graph.like_comment(page_id, &comment, &token).await;
            let Some(outcome) = refusal(page_id, &comment, outcome) else {
                return Ok(());
            };
            self.db(move |s| s.liked(&comment, outcome)).await?;
        }
        self.emit(super::SyncEvent::PageChanged {
            page_id: page_id.to_owned(),
            news: News::default(),
        });
        Ok(())
    }

    /// Whether the oldest of `comments` is stored: the read met what an earlier one read.
    async fn reached_stored(&self, comments: &[Comment]) -> Result<bool, PageError> {
        let Some(oldest) = comments.last().map(|c| c.id.clone()) else {
            return Ok(true);
        };
        let stored = self
            .db(move |s| s.stored_comment_ids(std::slice::from_ref(&oldest)))
            .await?;
        Ok(!stored.is_empty())
    }

    /// A post's comments, newest first, until a page of them holds only stored ones (or to
    /// the end); whether that is every comment it has.
    async fn page_comments(
        &self,
        page_id: &PageId,
        token: &AccessToken,
        post: &Post,
        until: Until,
    ) -> Result<(Vec<Comment>, bool), PageError> {
        let mut comments = Vec::new();
        let mut after: Option<String> = None;
        let mut seen = HashSet::new();
        for _ in 0..MOST_PAGES {
            let listing = self
                .graph
                .comments(page_id, &post.id, token, after.as_deref())
                .await?;
            // A cursor given twice would read the same comments forever: the post is read
            // again, whole, at the next cycle (it is not marked read).
            if listing
                .next_after
                .as_ref()
                .is_some_and(|next| !seen.insert(next.clone()))
            {
                return Err(PageError::CursorLoop("comments"));
            }
            self.note_usage(page_id, listing.usage.percent);
            let ids: Vec<CommentId> = listing.items.iter().map(|c| c.id.clone()).collect();
            let stored: HashSet<CommentId> = self.db(move |s| s.stored_comment_ids(&ids)).await?;
            let all_stored = listing.items.iter().all(|c| stored.contains(&c.id));
            comments.extend(listing.items);
            match listing.next_after {
                Some(next) if !all_stored || until == Until::End => after = Some(next),
                Some(_) => return Ok((comments, false)),
                None => return Ok((comments, true)),
            }
        }
        Ok((comments, false))
    }
}

/// What became of a hide, show or like: done, or refused with why (kept for staff); `None`
/// when Facebook could not be asked now, to try in the next round.
fn refusal(
    page_id: &PageId,
    comment: &CommentId,
    outcome: Result<(), GraphError>,
) -> Option<Result<(), String>> {
    let outcome = match outcome {
        Ok(()) => Ok(()),
        Err(error) if error.is_transient() => return None,
        Err(GraphError::RateLimited { .. }) => return None,
        // Said to staff in their language by its kind; other refusals in Facebook's words.
        Err(GraphError::Permission { .. }) => Err(ReplyProblem::CommentPermission.code()),
        Err(error) => Err(error.facebook_words()),
    };
    if let Err(why) = &outcome {
        tracing::warn!(page = %page_id, comment = %comment, error = %why, "Facebook refused to hide, show or like a comment");
    }
    Some(outcome)
}
