//! Delivering replies: a reply is in the database before any network call; Facebook's rules
//! (2000 characters, 24 hours, 7 days with HUMAN_AGENT) are checked before a call is spent; a
//! send whose answer never came is looked for in the conversation before it is sent again.

use chrono::{DateTime, Utc};

use super::{Engine, PageError, SyncEvent, Trigger, local_day_hm, local_hm};
use crate::files::OutgoingFile;
use crate::graph::{GraphError, MessagingType, SentMessage, Upload};
use crate::model::{
    CommentId, MAX_REPLY_CHARS, MessageId, PageId, ReplyKind, ReplyProblem, ReplyTo, SendStatus,
    Via,
};
use crate::store::{Claimant, QueuedReply, ReplyState};

/// What became of a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Facebook accepted it, with this message id.
    Sent(MessageId),
    /// Not sent yet; the engine tries again at the time given.
    Pending {
        reason: String,
        retry_at: DateTime<Utc>,
    },
    /// Facebook rate-limits the page; the reply waits until the limit clears.
    RateLimited {
        error: GraphError,
        retry_at: DateTime<Utc>,
    },
    /// Facebook restricted the page from sending; its replies wait until then.
    Restricted { until: DateTime<Utc> },
    /// It will not be sent; the reason is stored with the message.
    Failed(String),
    /// Staff took it back and Facebook, looked at, does not have it: gone, never sent.
    Withdrawn,
}

/// How far sending a file went: Facebook answered the send (or the upload before it), or the
/// reply was settled without a send.
enum Attempt {
    Answered(Result<SentMessage, GraphError>),
    Settled(Delivery),
}

/// The first wait after a transient failure; it doubles per attempt up to 15 minutes.
const FIRST_RETRY_SECONDS: i64 = 15;
/// How long a page Facebook restricted from sending waits before trying again: Facebook does
/// not say, and such restrictions are counted in days.
const SENDING_RESTRICTED_FOR: chrono::Duration = chrono::Duration::hours(24);
const MAX_RETRY_SECONDS: i64 = 15 * 60;
/// How long a claim on a reply lasts: well past the longest request timeout the config allows
/// (60 s).
const CLAIM_SECONDS: i64 = 120;
/// How long a reply waits for a page token that is missing (an unset environment variable).
const TOKEN_RETRY_SECONDS: i64 = 60;

/// Why a reply is not sent (yet): what the database keeps for the inbox to word in the staff's
/// language, and English words for the CLI and the log.
struct Problem {
    problem: ReplyProblem,
    words: String,
}

impl Problem {
    fn new(problem: ReplyProblem, words: impl Into<String>) -> Problem {
        Problem {
            problem,
            words: words.into(),
        }
    }

    /// Facebook's refusal of a reply that goes `via`: what an answer to a comment lacks is
    /// the permission to manage comments, not to message.
    fn of_reply(error: &GraphError, via: &Via) -> Problem {
        let mut problem = Problem::from_graph(error);
        if *via != Via::Messenger && problem.problem == ReplyProblem::Permission {
            problem.problem = ReplyProblem::CommentPermission;
        }
        problem
    }

    fn from_graph(error: &GraphError) -> Problem {
        let problem = match error {
            GraphError::WindowClosed | GraphError::PrivateReplyTooLate => ReplyProblem::Window,
            GraphError::AlreadyRepliedPrivately => ReplyProblem::Refused,
            GraphError::RecipientUnavailable { .. } => ReplyProblem::Unavailable,
            GraphError::CannotMessage { .. } => ReplyProblem::CannotMessage,
            GraphError::PolicyBlocked { .. } => ReplyProblem::PolicyBlock,
            // Handled before: the reply waits for the restriction to lift.
            GraphError::SendingRestricted { .. } => ReplyProblem::Facebook,
            GraphError::NoMatchingUser { .. } => ReplyProblem::NoUser,
            GraphError::Auth { .. } => ReplyProblem::Token,
            GraphError::Permission { .. } => ReplyProblem::Permission,
            GraphError::RateLimited { .. }
            | GraphError::Transient(_)
            | GraphError::Unreached(_)
            | GraphError::TooMuchData(_) => ReplyProblem::Facebook,
            GraphError::Invalid { .. } | GraphError::ProofRefused { .. } => ReplyProblem::Refused,
        };
        Problem::new(problem, error.facebook_words())
    }
}

fn human_agent_refused() -> Problem {
    Problem::new(
        ReplyProblem::AgentPermission,
        "more than 24 hours since the customer's last message, and Facebook refuses the HUMAN_AGENT tag: the app lacks Meta's Human Agent permission (ask for it in the app's review, or set human_agent_tag = false under [sync] in the config)",
    )
}

/// Facebook's rules for a reply (`ReplyTo::kind`), checked before any call: how it may be
/// sent, or why not, in the words kept with the reply.
fn messaging_type(
    reply: &QueuedReply,
    human_agent_tag: bool,
    now: DateTime<Utc>,
) -> Result<MessagingType, Problem> {
    let to = ReplyTo {
        can_reply: reply.can_reply,
        last_customer_message: reply.last_customer_message_time,
        human_agent_tag,
        human_agent_refused: reply.human_agent_refused,
    };
    // A file goes without text: only whether the page may write to the person now counts.
    let kind = match &reply.file {
        Some(_) => to.allowed(now),
        None => to.kind(&reply.text, now),
    };
    match kind {
        Ok(ReplyKind::Response) => Ok(MessagingType::Response),
        Ok(ReplyKind::HumanAgent) => Ok(MessagingType::HumanAgent),
        Err(ReplyProblem::AgentPermission) => Err(human_agent_refused()),
        Err(problem) => {
            let words = match problem {
                ReplyProblem::TooLong { chars } => format!(
                    "the reply is {chars} characters long; Facebook accepts at most {MAX_REPLY_CHARS}"
                ),
                ReplyProblem::Empty => "the reply is empty".into(),
                ReplyProblem::CannotMessage => {
                    "Facebook says the page can no longer message this person".into()
                }
                ReplyProblem::AgentTagOff => "more than 24 hours since the customer's last message, and human_agent_tag is off in the config".into(),
                ReplyProblem::SevenDays => "more than 7 days since the customer's last message: Facebook allows no reply".into(),
                ReplyProblem::NeverWrote => {
                    "the customer has not written yet, so Facebook allows no reply".into()
                }
                other => format!("refused before sending ({})", other.code()),
            };
            Err(Problem::new(problem, words))
        }
    }
}

impl Engine {
    /// Tries the replies whose time has come, for one page.
    pub(super) async fn deliver_due(
        &self,
        page_id: &PageId,
        trigger: Trigger,
    ) -> Result<(), PageError> {
        let until = match trigger {
            Trigger::Background => Utc::now(),
            Trigger::Person => DateTime::<Utc>::MAX_UTC,
        };
        // A reply settled (sent or failed) lets the next part of its conversation go: read the
        // due ones again until a round settles nothing.
        loop {
            let due = self.db(move |s| s.due_replies(until)).await?;
            let mut settled = false;
            for reply in due.into_iter().filter(|r| &r.page_id == page_id) {
                match self.deliver_reply(reply).await? {
                    // A rate limit stops the page's cycle: no more calls until it clears.
                    Delivery::RateLimited { error, .. } => return Err(error.into()),
                    // The page's other replies wait with it (`due_replies` leaves them out).
                    Delivery::Restricted { .. } => return Ok(()),
                    Delivery::Sent(_) | Delivery::Failed(_) | Delivery::Withdrawn => settled = true,
                    Delivery::Pending { .. } => {}
                }
            }
            if !settled {
                break;
            }
        }
        self.moderate(page_id).await
    }

    /// Replies waiting for a page no longer in the config can never go: each is failed with
    /// that reason (retried if the page comes back), instead of waiting on a time long past.
    pub(super) async fn fail_unconfigured(&self) -> Result<(), PageError> {
        let configured: Vec<PageId> = self.pages().into_iter().map(|p| p.id).collect();
        let all = DateTime::<Utc>::MAX_UTC;
        let due = self.db(move |s| s.due_replies(all)).await?;
        for reply in due.into_iter().filter(|r| !configured.contains(&r.page_id)) {
            self.deliver_reply(reply).await?;
        }
        Ok(())
    }

    /// Delivers one reply from the outbox now (the `reply` command's path).
    pub async fn deliver(&self, message_id: i64) -> Result<Delivery, PageError> {
        let reply = self.db(move |s| s.queued_reply(message_id)).await?;
        match reply {
            Some(reply) => self.deliver_reply(reply).await,
            None => Ok(Delivery::Failed("the reply is not in the outbox".into())),
        }
    }

    async fn deliver_reply(&self, reply: QueuedReply) -> Result<Delivery, PageError> {
        let now = Utc::now();
        let message_id = reply.message_id;
        let Some(page) = self.page_config(&reply.page_id) else {
            let words = format!("page {} is not in the config", reply.page_id);
            return self
                .fail(
                    message_id,
                    Problem::new(ReplyProblem::NotConfigured, words),
                    true,
                )
                .await;
        };
        let token = match page.token() {
            Ok(token) => token,
            // Waits for the token (a variable set and pagedesk restarted); tried again in a
            // minute, not every second.
            Err(missing) => {
                let retry_at = now + chrono::Duration::seconds(TOKEN_RETRY_SECONDS);
                let problem = Problem::new(ReplyProblem::Token, missing.to_string());
                return self.postpone(message_id, retry_at, problem).await;
            }
        };
        if reply.waits_for_earlier {
            return Ok(Delivery::Pending {
                reason: "waiting for the reply before it to be sent".into(),
                retry_at: now,
            });
        }
        let page_id = reply.page_id.clone();
        let state = self.db(move |s| s.page_sync(&page_id)).await?;
        if let Some(until) = state.rate_limited_until.filter(|until| *until > now) {
            let problem = Problem::new(
                ReplyProblem::RateLimited { until },
                format!("rate limited by Facebook until {}", local_hm(until)),
            );
            return self.postpone(message_id, until, problem).await;
        }
        let page_id = reply.page_id.clone();
        if let Some(until) = self
            .db(move |s| s.sending_restricted_until(&page_id))
            .await?
        {
            let problem = Problem::new(
                ReplyProblem::SendingRestricted { until },
                format!(
                    "Facebook has temporarily restricted the page from sending messages; trying again on {}",
                    local_day_hm(until)
                ),
            );
            self.postpone(message_id, until, problem).await?;
            return Ok(Delivery::Restricted { until });
        }
        let claim_until = now + chrono::Duration::seconds(CLAIM_SECONDS);
        if !self.claim(message_id).await? {
            return Ok(Delivery::Pending {
                reason: "being sent by another pagedesk".into(),
                retry_at: claim_until,
            });
        }
        // What to do is decided from the database as it is now that the reply is ours: since
        // `reply` was read, another pagedesk may have sent it, failed it, or tried it and lost
        // the answer (or died mid-send).
        let Some(reply) = self.db(move |s| s.queued_reply(message_id)).await? else {
            return self.settled_elsewhere(message_id).await;
        };
        if reply.withdrawn {
            return self.look_for_withdrawn(&reply, &token, now).await;
        }
        // Messenger's windows do not bound an answer to a comment.
        let kind = match reply.via {
            Via::Messenger => match messaging_type(&reply, self.settings.human_agent_tag, now) {
                Ok(kind) => kind,
                Err(problem) => return self.fail(message_id, problem, false).await,
            },
            Via::Comment(_) | Via::Private(_) => MessagingType::Response,
        };
        if reply.outcome_unknown
            && let Some(first_attempt) = reply.first_attempt_at
        {
            // An earlier attempt may have reached Facebook without anyone hearing back: look
            // first.
            match self.find_delivered(&reply, &token, first_attempt).await {
                Ok(Some(fb_id)) => return self.sent(message_id, fb_id, kind).await,
                Ok(None) => {}
                Err(error) => return self.after_error(&reply, kind, error).await,
            }
        }
        let result = match (&reply.via, &reply.file) {
            (Via::Comment(comment), _) => {
                if !self.begin_attempt(message_id, now).await? {
                    return Ok(taken_over(now));
                }
                self.graph
                    .answer_comment(&reply.page_id, comment, &token, &reply.text)
                    .await
                    .map(|id| MessageId::from(id.as_str()))
            }
            (Via::Private(comment), _) => {
                if !self.begin_attempt(message_id, now).await? {
                    return Ok(taken_over(now));
                }
                let sent = self
                    .graph
                    .private_reply(&reply.page_id, comment, &token, &reply.text)
                    .await;
                match sent {
                    // Its Messenger message is the person's conversation's, read with it;
                    // the person it reached is the thread's, for the customer panel.
                    Ok(sent) => {
                        let (thread, person) = (reply.conversation_id.clone(), sent.recipient_id);
                        if let Err(error) = self.db(move |s| s.link_person(&thread, &person)).await
                        {
                            tracing::warn!(page = %reply.page_id, error = %error, "the person a private reply reached was not kept");
                        }
                        Ok(private_stand_in(comment))
                    }
                    // Facebook says the comment has its one private reply: it was sent (by
                    // an attempt whose answer was lost, or from elsewhere). Never a second.
                    Err(GraphError::AlreadyRepliedPrivately) => Ok(private_stand_in(comment)),
                    Err(error) => Err(error),
                }
            }
            (Via::Messenger, None) => {
                if !self.begin_attempt(message_id, now).await? {
                    return Ok(taken_over(now));
                }
                self.graph
                    .send(
                        &reply.page_id,
                        &token,
                        &reply.recipient_id,
                        &reply.text,
                        kind,
                    )
                    .await
                    .map(|sent| sent.message_id)
            }
            (Via::Messenger, Some(file)) => {
                match self.send_file(&reply, file, &token, kind).await? {
                    Attempt::Answered(result) => result.map(|sent| sent.message_id),
                    Attempt::Settled(delivery) => return Ok(delivery),
                }
            }
        };
        match result {
            Ok(fb_id) => self.sent(message_id, fb_id, kind).await,
            Err(error) => self.after_error(&reply, kind, error).await,
        }
    }

    /// Notes an attempt of a claimed reply, the claim renewed for its request, right before
    /// the request: false when the claim ran out meanwhile (this process stopped or frozen
    /// past it), the reply then another pagedesk's to send.
    async fn begin_attempt(&self, message_id: i64, at: DateTime<Utc>) -> Result<bool, PageError> {
        let holder = self.instance.clone();
        let begun = self.db(move |s| {
            let now = s.clock()?;
            let until = now + chrono::Duration::seconds(CLAIM_SECONDS);
            s.begin_attempt(message_id, &holder, at, now, until)
        });
        Ok(begun.await?)
    }

    /// Claims a reply for this process (a claim it holds already is renewed): false when
    /// another pagedesk is sending it. A claim lasts longer than any request may take, so it
    /// outlives only a process that died mid-send.
    async fn claim(&self, message_id: i64) -> Result<bool, PageError> {
        let holder = self.instance.clone();
        let claimed = self.db(move |s| {
            let claimant = Claimant {
                holder: &holder,
                pid: std::process::id(),
                alive: &super::lease::holder_alive,
            };
            // By the team's clock, as the lease: a claim is not seen over early by a machine
            // whose clock runs ahead.
            let now = s.clock()?;
            let claim_until = now + chrono::Duration::seconds(CLAIM_SECONDS);
            s.claim_reply(message_id, &claimant, now, claim_until)
        });
        Ok(claimed.await?)
    }

    /// Sends a file of a claimed reply: as it was when attached (else the reply fails, naming
    /// the file), uploaded once per page and content (Facebook keeps it, `is_reusable`), then
    /// sent by its attachment id.
    async fn send_file(
        &self,
        reply: &QueuedReply,
        file: &OutgoingFile,
        token: &crate::graph::AccessToken,
        kind: MessagingType,
    ) -> Result<Attempt, PageError> {
        let message_id = reply.message_id;
        let attached = file.clone();
        let read = tokio::task::spawn_blocking(move || attached.read_unchanged())
            .await
            .expect("reading a file panicked");
        let bytes = match read {
            Ok(bytes) => bytes,
            Err(problem) => {
                let retry_possible = problem.may_pass_later();
                let problem = Problem::new(ReplyProblem::File, problem.to_string());
                return Ok(Attempt::Settled(
                    self.fail(message_id, problem, retry_possible).await?,
                ));
            }
        };
        let (page_id, sha256) = (reply.page_id.clone(), file.sha256.clone());
        let kept = self
            .db(move |s| s.uploaded_attachment(&page_id, &sha256))
            .await?;
        let mut fresh_upload = Some(bytes);
        let attachment_id = match kept {
            Some(id) => id,
            None => match self.upload(reply, file, token, &mut fresh_upload).await? {
                Ok(id) => id,
                Err(attempt) => return Ok(attempt),
            },
        };
        let now = Utc::now();
        if !self.begin_attempt(message_id, now).await? {
            return Ok(Attempt::Settled(taken_over(now)));
        }
        let send = |id: String| async move {
            self.graph
                .send_attachment(
                    &reply.page_id,
                    token,
                    &reply.recipient_id,
                    file.kind,
                    &id,
                    kind,
                )
                .await
        };
        match send(attachment_id).await {
            // Facebook no longer knows the file kept from before (a refused send reached no
            // one): it is uploaded again, once.
            Err(GraphError::Invalid { .. }) if fresh_upload.is_some() => {
                match self.upload(reply, file, token, &mut fresh_upload).await? {
                    Ok(id) => Ok(Attempt::Answered(send(id).await)),
                    Err(attempt) => Ok(attempt),
                }
            }
            result => Ok(Attempt::Answered(result)),
        }
    }

    /// Uploads the file (the bytes are taken) and remembers Facebook's id for the page; the
    /// reply's claim is renewed, since a large upload takes time.
    async fn upload(
        &self,
        reply: &QueuedReply,
        file: &OutgoingFile,
        token: &crate::graph::AccessToken,
        bytes: &mut Option<Vec<u8>>,
    ) -> Result<Result<String, Attempt>, PageError> {
        let upload = Upload {
            bytes: bytes.take().unwrap_or_default(),
            name: &file.name,
            mime_type: &file.mime_type,
            kind: file.kind,
        };
        let uploaded = self
            .graph
            .upload_attachment(&reply.page_id, token, upload)
            .await;
        let id = match uploaded {
            Ok(id) => id,
            Err(error) => return Ok(Err(Attempt::Answered(Err(error)))),
        };
        let (page_id, sha256, kept) = (reply.page_id.clone(), file.sha256.clone(), id.clone());
        self.db(move |s| s.remember_upload(&page_id, &sha256, &kept, Utc::now()))
            .await?;
        let now = Utc::now();
        if !self.claim(reply.message_id).await? {
            return Ok(Err(Attempt::Settled(Delivery::Pending {
                reason: "being sent by another pagedesk".into(),
                retry_at: now + chrono::Duration::seconds(CLAIM_SECONDS),
            })));
        }
        Ok(Ok(id))
    }

    /// A reply that left the outbox while this process waited for it: what became of it.
    async fn settled_elsewhere(&self, message_id: i64) -> Result<Delivery, PageError> {
        let state = self.db(move |s| s.reply_state(message_id)).await?;
        Ok(match state {
            Some(ReplyState {
                status: SendStatus::Sent,
                fb_id: Some(fb_id),
                ..
            }) => Delivery::Sent(fb_id),
            Some(ReplyState {
                error: Some(error), ..
            }) => Delivery::Failed(error),
            _ => Delivery::Failed("the reply is not in the outbox".into()),
        })
    }

    /// Looks on Facebook for this reply, sent by an earlier attempt whose answer was lost:
    /// among the conversation's recent messages, the comment's answers, or (a private reply)
    /// whether the comment has its one.
    async fn find_delivered(
        &self,
        reply: &QueuedReply,
        token: &crate::graph::AccessToken,
        first_attempt: DateTime<Utc>,
    ) -> Result<Option<MessageId>, GraphError> {
        match &reply.via {
            Via::Messenger => self.find_sent_message(reply, token, first_attempt).await,
            Via::Comment(comment) => {
                let answers = self.graph.answers(&reply.page_id, comment, token).await?;
                for answer in answers.items {
                    let same = answer
                        .from
                        .as_ref()
                        .is_some_and(|f| reply.page_id == f.id.as_str())
                        && crate::text::clean(answer.message.as_deref().unwrap_or_default())
                            == reply.text
                        && answer.created_time >= first_attempt - crate::model::CLOCK_SLACK;
                    if !same {
                        continue;
                    }
                    // An answer with the same words stored already is an earlier one, not
                    // this (staff may answer the same words twice).
                    let id = MessageId::from(answer.id.as_str());
                    let known = id.clone();
                    let stored = self.db(move |s| s.has_message(&known)).await.map_err(|e| {
                        GraphError::Transient(format!("cannot check the database: {e}"))
                    })?;
                    if !stored {
                        return Ok(Some(id));
                    }
                }
                Ok(None)
            }
            Via::Private(comment) => {
                let now = self.graph.comment(&reply.page_id, comment, token).await?;
                let answered = now.private_reply_conversation.is_some()
                    || now.can_reply_privately == Some(false);
                Ok(answered.then(|| private_stand_in(comment)))
            }
        }
    }

    /// Looks in the conversation's recent messages for this reply, sent by an earlier attempt.
    async fn find_sent_message(
        &self,
        reply: &QueuedReply,
        token: &crate::graph::AccessToken,
        first_attempt: DateTime<Utc>,
    ) -> Result<Option<MessageId>, GraphError> {
        let recent = self
            .graph
            .messages(&reply.page_id, &reply.conversation_id, token, 20, None)
            .await?;
        for message in recent.items {
            let from_page = message
                .from
                .as_ref()
                .is_some_and(|f| reply.page_id == f.id.as_str());
            let same_text =
                crate::text::clean(message.message.as_deref().unwrap_or_default()) == reply.text;
            // A file goes as a message of its own with no text.
            let same_kind = message.attachments.data.is_empty() == reply.file.is_none();
            let after_attempt = message.created_time >= first_attempt - crate::model::CLOCK_SLACK;
            if from_page && same_text && same_kind && after_attempt {
                let id = message.id.clone();
                // Unsure whether it is stored, do not send: try again later.
                let stored = self.db(move |s| s.has_message(&id)).await.map_err(|e| {
                    GraphError::Transient(format!("cannot check the database: {e}"))
                })?;
                if !stored {
                    return Ok(Some(message.id));
                }
            }
        }
        Ok(None)
    }

    /// The reply's conversation as Facebook has it now, stored over ours.
    async fn read_conversation_again(&self, reply: &QueuedReply) -> Result<(), PageError> {
        let Some(page) = self.page_config(&reply.page_id) else {
            return Ok(());
        };
        let token = page.token()?;
        let size = self.list_size(&reply.page_id).await?;
        let conversation = self
            .graph
            .conversation(&reply.page_id, &reply.conversation_id, &token, size)
            .await?;
        let id = reply.conversation_id.clone();
        let folder = self
            .db(move |s| s.conversation(&id))
            .await?
            .and_then(|stored| crate::model::Folder::parse(&stored.folder))
            .unwrap_or(crate::model::Folder::Inbox);
        if let Some(update) =
            super::ingest::conversation_update(&reply.page_id, folder, &conversation)
        {
            self.store_conversations(vec![(update, true)]).await?;
        }
        Ok(())
    }

    async fn sent(
        &self,
        message_id: i64,
        fb_id: MessageId,
        kind: MessagingType,
    ) -> Result<Delivery, PageError> {
        let id = fb_id.clone();
        let tagged = kind == MessagingType::HumanAgent;
        self.db(move |s| s.mark_reply_sent(message_id, &id, tagged, Utc::now()))
            .await?;
        self.emit(SyncEvent::ReplyUpdated { message_id });
        Ok(Delivery::Sent(fb_id))
    }

    async fn fail(
        &self,
        message_id: i64,
        problem: Problem,
        retry_possible: bool,
    ) -> Result<Delivery, PageError> {
        let words = problem.words.clone();
        self.db(move |s| {
            s.mark_reply_failed(message_id, &problem.words, problem.problem, retry_possible)
        })
        .await?;
        self.emit(SyncEvent::ReplyUpdated { message_id });
        Ok(Delivery::Failed(words))
    }

    /// A reply staff took back after an attempt whose answer never came: never sent again, only
    /// looked for. On Facebook, it is marked sent; not there, it goes; Facebook not answering,
    /// it is looked for again later.
    async fn look_for_withdrawn(
        &self,
        reply: &QueuedReply,
        token: &crate::graph::AccessToken,
        now: DateTime<Utc>,
    ) -> Result<Delivery, PageError> {
        let message_id = reply.message_id;
        let first_attempt = reply.first_attempt_at.unwrap_or(now);
        match self.find_delivered(reply, token, first_attempt).await {
            Ok(Some(fb_id)) => self.sent(message_id, fb_id, MessagingType::Response).await,
            Ok(None) => {
                self.db(move |s| s.drop_withdrawn_reply(message_id)).await?;
                tracing::info!(
                    page = %reply.page_id,
                    "a reply taken back was not on Facebook: dropped"
                );
                self.emit(SyncEvent::ReplyUpdated { message_id });
                Ok(Delivery::Withdrawn)
            }
            Err(error) => {
                let wait = (FIRST_RETRY_SECONDS << reply.attempts.min(10)).min(MAX_RETRY_SECONDS);
                let retry_at = now + chrono::Duration::seconds(wait);
                let problem = Problem::new(
                    ReplyProblem::Retrying { at: retry_at },
                    format!("{error}; looking again at {}", local_hm(retry_at)),
                );
                self.postpone(message_id, retry_at, problem).await
            }
        }
    }

    async fn postpone(
        &self,
        message_id: i64,
        retry_at: DateTime<Utc>,
        problem: Problem,
    ) -> Result<Delivery, PageError> {
        let reason = problem.words.clone();
        self.db(move |s| s.postpone_reply(message_id, retry_at, &problem.words, problem.problem))
            .await?;
        Ok(Delivery::Pending { reason, retry_at })
    }

    /// Transient trouble and rate limits keep the reply pending; anything else fails it with
    /// Facebook's reason in words. After transient trouble the send may have reached Facebook,
    /// so the next attempt looks for it first.
    async fn after_error(
        &self,
        reply: &QueuedReply,
        kind: MessagingType,
        error: GraphError,
    ) -> Result<Delivery, PageError> {
        let now = Utc::now();
        // Facebook's own refusal says the reply did not go, and so does a connection never
        // made; a timeout or a proxy's answer leaves it unknown, and the next attempt looks
        // first.
        if error.outcome_known() {
            let message_id = reply.message_id;
            self.db(move |s| s.attempt_refused(message_id)).await?;
        }
        match error {
            GraphError::Transient(_) | GraphError::Unreached(_) => {
                let wait = (FIRST_RETRY_SECONDS << reply.attempts.min(10)).min(MAX_RETRY_SECONDS);
                let retry_at = now + chrono::Duration::seconds(wait);
                let problem = Problem::new(
                    ReplyProblem::Retrying { at: retry_at },
                    format!("{error}; trying again at {}", local_hm(retry_at)),
                );
                self.postpone(reply.message_id, retry_at, problem).await
            }
            GraphError::RateLimited { retry_after, .. } => {
                let retry_at = now
                    + retry_after
                        .and_then(|d| chrono::Duration::from_std(d).ok())
                        .unwrap_or(chrono::Duration::minutes(1));
                let problem = Problem::new(
                    ReplyProblem::RateLimited { until: retry_at },
                    format!("rate limited by Facebook until {}", local_hm(retry_at)),
                );
                self.postpone(reply.message_id, retry_at, problem).await?;
                Ok(Delivery::RateLimited { error, retry_at })
            }
            // Every send of the page fails until the restriction lifts, and Facebook does not
            // say when: the page's replies wait a day, and the page is marked.
            GraphError::SendingRestricted { .. } => {
                let until = now + SENDING_RESTRICTED_FOR;
                let page_id = reply.page_id.clone();
                self.db(move |s| s.restrict_sending(&page_id, until))
                    .await?;
                let problem = Problem::new(
                    ReplyProblem::SendingRestricted { until },
                    format!("{error}; trying again on {}", local_day_hm(until)),
                );
                self.postpone(reply.message_id, until, problem).await?;
                Ok(Delivery::Restricted { until })
            }
            // What Facebook says of the person now (`can_reply`) is read again, so that the list
            // and the reply box stop offering what cannot go.
            GraphError::RecipientUnavailable { .. } => {
                let failed = self
                    .fail(reply.message_id, Problem::from_graph(&error), true)
                    .await;
                if let Err(error) = self.read_conversation_again(reply).await {
                    tracing::warn!(
                        page = %reply.page_id,
                        error = %error,
                        "cannot read again a conversation whose reply Facebook refused"
                    );
                }
                failed
            }
            // Without Meta's Human Agent permission every tagged reply of the page fails the
            // same way: the page is marked, and its late conversations shown as closed.
            GraphError::Permission { .. } if kind == MessagingType::HumanAgent => {
                let page_id = reply.page_id.clone();
                self.db(move |s| s.refuse_human_agent(&page_id)).await?;
                self.fail(reply.message_id, human_agent_refused(), false)
                    .await
            }
            other => {
                let retry_possible = other.may_work_later();
                let problem = Problem::of_reply(&other, &reply.via);
                self.fail(reply.message_id, problem, retry_possible).await
            }
        }
    }
}

/// What a private reply is known by in its comment thread: its Messenger message lives in the
/// person's conversation, where the inbox shows it under Facebook's own id.
fn private_stand_in(comment: &CommentId) -> MessageId {
    MessageId::from(format!("{comment}#private"))
}

/// A reply whose claim ran out before this process's request: another pagedesk's to send now.
fn taken_over(now: DateTime<Utc>) -> Delivery {
    Delivery::Pending {
        reason: "being sent by another pagedesk".into(),
        retry_at: now + chrono::Duration::seconds(CLAIM_SECONDS),
    }
}
