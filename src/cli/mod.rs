//! The headless command line. Its output and exit codes are a contract other tests rely on.

mod connect;
mod demo;
mod doctor;
mod orders;
mod output;
mod startup;
mod team;

use output::out;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};
use chrono::Utc;
use clap::{Parser, Subcommand, ValueEnum};

use crate::config::Config;
use crate::files::OutgoingFile;
use crate::i18n::{Lang, S, Tr};
use crate::model::{
    CommentId, ConversationId, Direction, Filter, LabelMatch, Moderation, PageId, PostId,
    ReplyProblem, SendStatus,
};
pub use crate::problems::error_words;
use crate::store::private::LOG_FILE;
use crate::store::{Lease, ListQuery, Store, StoreError};
use crate::sync::{Delivery, Engine, EngineCommand, PageError, PageOutcome, SyncEvent, Trigger};
use crate::text::fit;
pub use orders::CSV_COLUMNS as ORDER_CSV_COLUMNS;
use output::local_time;
pub use startup::{build_engine, open_inbox, open_store, secure_data_dir, start_log};

/// The environment pagedesk reads, for `--help` and the manual page.
const ENVIRONMENT: &str = "Environment:
  PAGEDESK_CONFIG        the config file (as --config)
  PAGEDESK_DATA_DIR      the data directory (as --data-dir)
  PAGEDESK_STAFF         who you are, for staff sharing one login
  PAGEDESK_LOG           the log's level: error, warn, info (default), debug, trace, or parts
                         with levels (pagedesk=debug,hyper=warn)
  PAGEDESK_LOG_STDERR    1: the log's lines on standard error too (for the journal)
  PAGEDESK_MIN_FREE_MB   how much free disk is \"nearly full\" (default 100)
  PAGEDESK_DATABASE_URL  the team's database on PostgreSQL (as [store] url; for
                         `pagedesk migrate`, as --to)
  PGPASSWORD, PGPASSFILE PostgreSQL's password, or the .pgpass file it is in
  PAGEDESK_MACHINE       this machine's name among a team's servers (default: its host
                         name), as the others show it
  SUDO_USER              under sudo -u, the login staff are known by
  NO_COLOR               no colours in the inbox";

#[derive(Debug, Parser)]
#[command(
    name = "pagedesk",
    version = crate::VERSION,
    about = "A terminal inbox for Facebook Pages, Spam folder included",
    after_long_help = ENVIRONMENT
)]
pub struct Cli {
    /// The config file (pages, tokens, sync settings).
    #[arg(long, global = true, env = "PAGEDESK_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where the database and the log live.
    #[arg(long, global = true, env = "PAGEDESK_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Without a command: the inbox.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sync conversations and deliver replies; runs until interrupted unless --once.
    Sync {
        /// One full cycle, then exit: 0 when every page synced.
        #[arg(long)]
        once: bool,
    },
    /// Sync as `sync` does, and receive Messenger webhooks at /webhook: a buyer's message shows
    /// within a second, and the inbox folders are polled slower while events arrive.
    Serve {
        /// Where the endpoint listens; a TLS reverse proxy in front of it faces Facebook.
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: std::net::SocketAddr,
    },
    /// List conversations, newest first.
    Conversations {
        #[arg(long)]
        page: Option<String>,
        #[arg(long, value_enum, default_value = "all")]
        filter: Filter,
        /// Only conversations with this label (repeatable: any of them).
        #[arg(long = "label", value_name = "NAME")]
        labels: Vec<String>,
        /// With several --label: only conversations with all of them.
        #[arg(long)]
        all_labels: bool,
        #[arg(long)]
        json: bool,
    },
    /// Show a conversation's messages, oldest first.
    Messages {
        conversation_id: ConversationId,
        #[arg(long)]
        json: bool,
    },
    /// Reply to a conversation: stored first, then delivered at once. Each file goes as a
    /// message of its own, after the text, in order.
    Reply {
        conversation_id: ConversationId,
        /// The text (may be left out when files are attached).
        text: Option<String>,
        /// A picture, video, audio or document to send (repeatable; up to 25 MB each).
        #[arg(long = "attach", value_name = "FILE")]
        files: Vec<std::path::PathBuf>,
    },
    /// List the threads of comments under the pages' posts, newest first: one per person per
    /// post, with the page's answers.
    Comments {
        #[arg(long)]
        page: Option<String>,
        /// Only the threads under this post.
        #[arg(long)]
        post: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Answer a thread of comments (its person's newest comment) in public (`reply`) or once
    /// privately in Messenger (`private`); hide its person's comments, show them again, or like
    /// them (`hide`, `show`, `like`; a comment's id: that comment alone).
    Comment {
        #[arg(value_enum)]
        action: CommentAction,
        /// The thread, as `pagedesk comments` lists it (or, to hide, show or like, a comment).
        id: String,
        /// The words of a reply.
        text: Option<String>,
    },
    /// Turn syncing of the Spam folder on or off (every page without --page).
    SpamSync {
        #[arg(value_enum)]
        state: Switch,
        #[arg(long)]
        page: Option<String>,
    },
    /// Facebook refused the HUMAN_AGENT tag and Meta has since approved the app's Human Agent
    /// permission: replies 24 hours to 7 days late are offered and tagged again (every page
    /// without --page).
    HumanAgentApproved {
        #[arg(long)]
        page: Option<String>,
    },
    /// Mark a conversation done: it leaves All, Unread and Unreplied until the buyer writes
    /// again (`--undo`: not done).
    Done {
        conversation_id: ConversationId,
        #[arg(long)]
        undo: bool,
    },
    /// Put a label on a conversation (created when there is none of that name) or take it off.
    Label {
        conversation_id: ConversationId,
        #[arg(value_enum)]
        change: team::LabelChange,
        name: String,
    },
    /// Every label with its colour and how many conversations carry it; rename or delete one.
    Labels {
        #[command(subcommand)]
        command: Option<team::LabelsCommand>,
        #[arg(long)]
        json: bool,
    },
    /// Give a conversation to a staff member of the config's [[staff]] (`nobody`: to no one).
    Assign {
        conversation_id: ConversationId,
        staff: String,
    },
    /// Say that you (or --name) take new conversations now, or are away; without a state, who
    /// is which.
    Staff {
        #[arg(value_enum)]
        state: Option<team::Availability>,
        #[arg(long)]
        name: Option<String>,
    },
    /// Write a note about a conversation's customer (internal: never sent).
    Note {
        conversation_id: ConversationId,
        text: String,
    },
    /// How the team is doing: first-response times, replies, who waits, spam rescued.
    Stats {
        /// How far back: "24h", "7d", "30d".
        #[arg(long, default_value = "7d")]
        since: String,
        #[arg(long)]
        json: bool,
    },
    /// The orders taken, newest first (`--csv`: UTF-8 with a BOM, for Excel, a POS or a
    /// carrier's bulk upload).
    Orders {
        /// How far back: "24h", "7d", "30d".
        #[arg(long, default_value = "7d")]
        since: String,
        #[arg(long, value_enum)]
        state: Option<crate::orders::OrderState>,
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        #[arg(long)]
        csv: bool,
    },
    /// Take an order in a conversation (`order new CONVERSATION_ID --item CODE:QTY --phone ...
    /// --address ...`), move one along (`order ID confirm|ship|deliver|return|cancel`;
    /// shipping with `--carrier` and `--tracking`), send its summary to the buyer
    /// (`order ID send`), or run its `on_confirm` again (`order ID hook`).
    Order(Box<OrderArgs>),
    /// Check each page: token, access to conversations, spam sync, waiting spam, last sync.
    Doctor,
    /// Write a consistent copy of the database to FILE (a new file, owner-only) while inboxes
    /// and the service run, and check it.
    Backup {
        /// The copy to write: a new file, outside the data directory.
        file: PathBuf,
    },
    /// Put the backup FILE back as the database: only while no pagedesk uses the data
    /// directory; the database it replaces is kept aside.
    Restore {
        /// The backup to put back (a file `pagedesk backup` wrote).
        file: PathBuf,
    },
    /// Copy the data directory's database into PostgreSQL (a team on several servers), and
    /// check the rows on both sides: only while no pagedesk uses the data directory. Run again,
    /// it copies only what is not there yet.
    Migrate {
        /// `postgres://user@host:port/database?sslmode=require`; the password from
        /// PGPASSWORD or ~/.pgpass, never in the URL.
        #[arg(long, env = "PAGEDESK_DATABASE_URL", hide_env_values = true)]
        to: String,
    },
    /// Print the shell's completions for pagedesk (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Print pagedesk's manual page (roff), for `man`; with DIR, write it there with a page
    /// for each command (pagedesk-serve.1 …), making DIR if missing.
    Man { dir: Option<PathBuf> },
    /// Connect your Pages: reads a user access token on standard input, lists the pages you can
    /// message and writes them, with their page tokens, into the config.
    Connect {
        /// Only these pages (repeatable); all you can message without it.
        #[arg(long = "page")]
        pages: Vec<String>,
    },
    /// Serve the Graph API emulator on loopback.
    Emulator {
        #[arg(long, default_value = "127.0.0.1:8765")]
        listen: std::net::SocketAddr,
        #[arg(long, default_value = "demo")]
        scenario: String,
        /// Allow an address that is not loopback.
        #[arg(long)]
        public: bool,
    },
    /// The inbox on the emulator's Vietnamese shop pages, with buyers writing live; data in a
    /// throwaway directory unless --data-dir is given.
    Demo,
}

/// What `pagedesk order` is given (see [`Command::Order`]).
#[derive(Debug, clap::Args)]
struct OrderArgs {
    /// `new`, or the order's number.
    what: String,
    /// After `new`: the conversation; after a number: confirm, ship, deliver, return,
    /// cancel, send or hook.
    then: String,
    /// A product of the catalogue (`[orders] catalogue`) and how many: `VH-M:2`.
    #[arg(long = "item")]
    items: Vec<String>,
    /// A line typed freely: `NAME:QUANTITY:PRICE` (`Túi quà:1:20k`).
    #[arg(long = "line", allow_hyphen_values = true)]
    lines: Vec<String>,
    /// Who receives the parcel, when not the conversation's name.
    #[arg(long, allow_hyphen_values = true)]
    name: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    address: Option<String>,
    /// The shipping fee the buyer pays (`30k`).
    #[arg(long)]
    shipping: Option<String>,
    #[arg(long)]
    discount: Option<String>,
    /// Paid by bank transfer (else the carrier collects the total on delivery).
    #[arg(long)]
    transfer: bool,
    #[arg(long, allow_hyphen_values = true)]
    note: Option<String>,
    #[arg(long)]
    carrier: Option<String>,
    #[arg(long)]
    tracking: Option<String>,
    /// The order's version you looked at (`orders --json`): the change is refused if
    /// someone changed the order since.
    #[arg(long)]
    seen: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CommentAction {
    Reply,
    Private,
    Hide,
    Show,
    Like,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Switch {
    On,
    Off,
}

fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "pagedesk").map(|d| d.config_dir().join("config.toml"))
}

fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "pagedesk").map(|d| d.data_dir().to_owned())
}

impl Cli {
    fn config_path(&self) -> Result<PathBuf> {
        self.config
            .clone()
            .or_else(default_config_path)
            .context("no config path: pass --config or set PAGEDESK_CONFIG")
    }

    fn config(&self) -> Result<Config> {
        Ok(Config::load(&self.config_path()?)?)
    }

    /// The staff's language: the config's, else the environment's.
    pub fn language(&self) -> Lang {
        Lang::choose(self.config().ok().and_then(|c| c.language))
    }

    fn data_dir(&self) -> Result<PathBuf> {
        self.data_dir
            .clone()
            .or_else(default_data_dir)
            .context("no data directory: pass --data-dir or set PAGEDESK_DATA_DIR")
    }
}

pub async fn run(cli: Cli) -> Result<ExitCode> {
    let Some(command) = &cli.command else {
        let config = cli.config()?;
        startup::choose_database(&config.store)?;
        let data_dir = cli.data_dir()?;
        secure_data_dir(&data_dir)?;
        let _log = start_log(&data_dir, startup::LogAlso::Nowhere);
        return open_inbox(Some(cli.config_path()?), &config, &data_dir).await;
    };
    if let Command::Emulator {
        listen,
        scenario,
        public,
    } = command
    {
        return demo::serve_emulator(*listen, scenario, *public).await;
    }
    if let Command::Demo = command {
        return demo::run(cli.data_dir.clone()).await;
    }
    // Made from the commands' own definition: nothing to open, nothing to configure.
    if let Command::Completions { shell } = command {
        let mut definition = <Cli as clap::CommandFactory>::command();
        let mut completions = Vec::new();
        clap_complete::generate(*shell, &mut definition, "pagedesk", &mut completions);
        out!("{}", String::from_utf8_lossy(&completions).trim_end());
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Man { dir: Some(dir) } = command {
        std::fs::create_dir_all(dir)?;
        clap_mangen::generate_to(<Cli as clap::CommandFactory>::command(), dir)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Man { dir: None } = command {
        let mut page = Vec::new();
        clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut page)?;
        out!("{}", String::from_utf8_lossy(&page).trim_end());
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Connect { pages } = command {
        return connect::run(&cli.config_path()?, cli.data_dir().ok().as_deref(), pages).await;
    }
    let data_dir = cli.data_dir()?;
    secure_data_dir(&data_dir)?;
    // `pagedesk sync`, `serve` and the other commands: no screen of theirs to keep clear.
    let _log = start_log(&data_dir, startup::LogAlso::StderrIfAsked);
    // The staff's language, when the config says it (listings work without a config too).
    let tr = Tr(Lang::choose(cli.config().ok().and_then(|c| c.language)));
    // Before the store is opened here: a restore needs the data directory to itself.
    if let Command::Restore { file } = command {
        return restore(tr, &data_dir, file);
    }
    if let Command::Migrate { to } = command {
        return migrate(tr, &data_dir, to);
    }
    let store_settings = match cli.config() {
        Ok(config) => config.store,
        // A config that is there but cannot be used may name the team's database: nothing is
        // opened on a guess (the data directory's own would show an empty or old shop). Without
        // a config at all, the lists work on the data directory's database.
        Err(error)
            if std::env::var_os("PAGEDESK_DATABASE_URL").is_none()
                && error
                    .downcast_ref::<crate::config::ConfigError>()
                    .is_some_and(|e| !matches!(e, crate::config::ConfigError::Missing(_))) =>
        {
            return Err(error);
        }
        Err(_) => crate::config::StoreSettings::default(),
    };
    startup::choose_database(&store_settings)?;
    let store = open_store(&data_dir)?;
    // A connection writing as this person (who marked it done, made a label, wrote a note):
    // without a config that says who, nothing is written.
    let staff_store = || -> Result<Store> {
        let staff = cli.config()?.staff_name();
        Ok(startup::open_database(&data_dir)?.as_staff(&staff))
    };
    match command {
        Command::Sync { once: true } => {
            let engine = build_engine(&cli.config()?, store, None)?;
            sync_once(tr, &engine, &data_dir).await
        }
        Command::Sync { once: false } => {
            let _disk = startup::watch_disk(data_dir.clone(), tr);
            sync_service(cli.config_path()?, &cli.config()?, store, &data_dir, None).await
        }
        Command::Serve { listen } => {
            let config = cli.config()?;
            let _disk = startup::watch_disk(data_dir.clone(), tr);
            sync_service(cli.config_path()?, &config, store, &data_dir, Some(*listen)).await
        }
        Command::Conversations {
            page,
            filter,
            labels,
            all_labels,
            json,
        } => {
            // Mine is this person's; the lists work without a config too.
            let staff = cli.config().map(|c| c.staff_name()).unwrap_or_default();
            let store = startup::open_database(&data_dir)?.as_staff(&staff);
            let mut ids = Vec::new();
            for name in labels {
                match store.label_named(name)? {
                    Some(label) => ids.push(label.id),
                    None => {
                        eprintln!("{}", tr.f(S::CliNoLabel, &[name]));
                        return Ok(ExitCode::FAILURE);
                    }
                }
            }
            let query = ListQuery {
                page_id: page.clone().map(PageId::from),
                filter: *filter,
                labels: ids,
                label_match: if *all_labels {
                    LabelMatch::All
                } else {
                    LabelMatch::Any
                },
                ..ListQuery::default()
            };
            conversations(tr, &store, &query, *json)
        }
        Command::Comments { page, post, json } => {
            let store = store.lock().expect("store");
            let query = ListQuery {
                page_id: page.clone().map(PageId::from),
                filter: crate::model::Filter::Comments,
                post_id: post.clone().map(PostId::from),
                ..ListQuery::default()
            };
            conversations(tr, &store, &query, *json)
        }
        Command::Comment { action, id, text } => {
            let config = cli.config()?;
            let mut writes = startup::open_database(&data_dir)?.as_staff(&config.staff_name());
            match action {
                CommentAction::Hide => moderate(tr, &mut writes, id, Moderation::Hide),
                CommentAction::Show => moderate(tr, &mut writes, id, Moderation::Show),
                CommentAction::Like => moderate(tr, &mut writes, id, Moderation::Like),
                CommentAction::Reply | CommentAction::Private => {
                    let engine = build_engine(&config, store.clone(), None)?;
                    let thread = ConversationId::from(id.as_str());
                    let reply_to = Reply {
                        conversation_id: &thread,
                        text: text.as_deref().unwrap_or_default(),
                        files: &[],
                        human_agent_tag: config.sync.human_agent_tag,
                        privately: *action == CommentAction::Private,
                        comment: true,
                    };
                    reply(tr, &engine, &mut writes, reply_to).await
                }
            }
        }
        Command::Messages {
            conversation_id,
            json,
        } => {
            let store = store.lock().expect("store");
            messages(tr, &store, conversation_id, *json)
        }
        Command::Reply {
            conversation_id,
            text,
            files,
        } => {
            let config = cli.config()?;
            let engine = build_engine(&config, store.clone(), None)?;
            // The reply is stored as this person's.
            let mut writes = startup::open_database(&data_dir)?.as_staff(&config.staff_name());
            let text = text.as_deref().unwrap_or_default();
            let human_agent_tag = config.sync.human_agent_tag;
            let reply_to = Reply {
                conversation_id,
                text,
                files,
                human_agent_tag,
                privately: false,
                comment: false,
            };
            reply(tr, &engine, &mut writes, reply_to).await
        }
        Command::SpamSync { state, page } => {
            let config = cli.config()?;
            let mut store = store.lock().expect("store");
            spam_sync(
                tr,
                &config,
                &mut store,
                matches!(state, Switch::On),
                page.as_deref(),
            )
        }
        Command::HumanAgentApproved { page } => {
            let config = cli.config()?;
            let mut store = store.lock().expect("store");
            human_agent_approved(tr, &config, &mut store, page.as_deref())
        }
        Command::Done {
            conversation_id,
            undo,
        } => {
            // Marked as this person's doing.
            let mut writes = staff_store()?;
            let name = writes
                .conversation(conversation_id)?
                .map(|c| c.customer_name)
                .unwrap_or_else(|| conversation_id.to_string());
            if !writes.mark_done(conversation_id, !undo, Utc::now())? {
                eprintln!("{}", tr.f(S::CliNoConversation, &[conversation_id]));
                return Ok(ExitCode::FAILURE);
            }
            let key = if *undo { S::MarkedNotDone } else { S::CliDone };
            out!("{}", tr.f(key, &[&name]));
            Ok(ExitCode::SUCCESS)
        }
        Command::Label {
            conversation_id,
            change,
            name,
        } => team::label(tr, &mut staff_store()?, conversation_id, *change, name),
        Command::Labels { command, json } => {
            team::labels(tr, &mut staff_store()?, command.as_ref(), *json)
        }
        Command::Assign {
            conversation_id,
            staff,
        } => team::assign(
            tr,
            &cli.config()?,
            &mut staff_store()?,
            conversation_id,
            staff,
        ),
        Command::Staff { state, name } => team::staff(
            tr,
            &cli.config()?,
            &mut staff_store()?,
            *state,
            name.as_deref(),
        ),
        Command::Note {
            conversation_id,
            text,
        } => team::note(tr, &mut staff_store()?, conversation_id, text),
        Command::Stats { since, json } => {
            team::stats(tr, &store.lock().expect("store"), since, *json)
        }
        Command::Orders {
            since,
            state,
            json,
            csv,
        } => orders::list(
            tr,
            &store.lock().expect("store"),
            since,
            *state,
            *json,
            *csv,
        ),
        Command::Order(args) => {
            let OrderArgs {
                what,
                then,
                items,
                lines,
                name,
                phone,
                address,
                shipping,
                discount,
                transfer,
                note,
                carrier,
                tracking,
                seen,
            } = args.as_ref();
            let mut writes = staff_store()?;
            if what == "new" {
                // Only lines picked by code need the catalogue: typed lines go without it.
                let catalogue = match (&cli.config()?.orders.catalogue, items.is_empty()) {
                    (Some(path), false) => Some(crate::orders::catalogue::Catalogue::open(path)?),
                    _ => None,
                };
                let taken = orders::Taken {
                    conversation_id: then,
                    name: name.as_deref(),
                    items,
                    lines,
                    phone: phone.as_deref(),
                    address: address.as_deref(),
                    shipping: shipping.as_deref(),
                    discount: discount.as_deref(),
                    transfer: *transfer,
                    note: note.as_deref(),
                };
                return orders::take(tr, &mut writes, catalogue.as_ref(), &taken);
            }
            let id = what
                .trim_start_matches('#')
                .parse::<i64>()
                .map_err(|_| anyhow::anyhow!("`{what}`: an order's number, or `new`"))?;
            if then == "hook" {
                return orders::rerun_hook(tr, &mut writes, id);
            }
            // The order's summary to the buyer, as a reply through the outbox (privately in
            // Messenger when it was taken in a thread of comments: never in public).
            if then == "send" {
                let Some(order) = writes.order(id)? else {
                    let missing = crate::orders::OrderRefusal::NoOrder(id);
                    eprintln!("{}", tr.order_refusal(&missing));
                    return Ok(ExitCode::FAILURE);
                };
                let config = cli.config()?;
                let thread = writes
                    .conversation(&order.conversation_id)?
                    .is_some_and(|c| c.post_id.is_some());
                let engine = build_engine(&config, store.clone(), None)?;
                let text = crate::orders::words::for_buyer(tr, &order);
                let reply_to = Reply {
                    conversation_id: &order.conversation_id,
                    text: &text,
                    files: &[],
                    human_agent_tag: config.sync.human_agent_tag,
                    privately: thread,
                    comment: thread,
                };
                return reply(tr, &engine, &mut writes, reply_to).await;
            }
            let to = match then.as_str() {
                "confirm" => crate::orders::OrderState::Confirmed,
                "ship" => crate::orders::OrderState::Shipped,
                "deliver" => crate::orders::OrderState::Delivered,
                "return" => crate::orders::OrderState::Returned,
                "cancel" => crate::orders::OrderState::Cancelled,
                other => {
                    anyhow::bail!("`{other}`: confirm, ship, deliver, return, cancel, send or hook")
                }
            };
            let run_hook = cli.config()?.orders.on_confirm.is_some();
            orders::move_along(
                tr,
                &mut writes,
                id,
                to,
                orders::Move {
                    carrier: carrier.as_deref(),
                    tracking: tracking.as_deref(),
                    seen: *seen,
                    run_hook,
                },
            )
        }
        Command::Doctor => doctor::run(&cli.config()?, &store, &data_dir).await,
        Command::Backup { file } => {
            let copied = store.lock().expect("store").backup(file)?;
            let files = [S::CliBackedUpFile, S::CliBackedUpFiles];
            out!("{}", copied_words(tr, S::CliBackedUp, files, file, &copied));
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { .. }
        | Command::Migrate { .. }
        | Command::Completions { .. }
        | Command::Man { .. } => {
            unreachable!("handled above")
        }
        Command::Emulator { .. } | Command::Demo | Command::Connect { .. } => {
            unreachable!("handled above")
        }
    }
}

/// What a copy of the database holds, in a line (`key` says where it is), and the unsent files
/// that came with it (`files`, one or `many`), when there were some.
fn copied_words(
    tr: Tr,
    key: S,
    [one, many]: [S; 2],
    file: &Path,
    copied: &crate::store::backup::Copied,
) -> String {
    let mut words = tr.f(
        key,
        &[
            &file.display(),
            &copied.conversations,
            &copied.messages,
            &copied.orders,
            &crate::i18n::file_size(copied.bytes),
        ],
    );
    if copied.files > 0 {
        let files = tr.counted(copied.files, one, many);
        words.push('\n');
        words.push_str(&tr.f(files, &[&copied.files, &copied.files_in.display()]));
    }
    words
}

/// `pagedesk restore FILE`: the backup checked, put in place while no pagedesk uses the data
/// directory, the database it replaces kept aside.
fn restore(tr: Tr, data_dir: &Path, file: &Path) -> Result<ExitCode> {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
    match crate::store::backup::restore(data_dir, file, &stamp) {
        Ok(restored) => {
            tracing::info!(
                from = %file.display(),
                conversations = restored.copied.conversations,
                messages = restored.copied.messages,
                kept_aside = ?restored.kept_aside,
                "restored"
            );
            let files = [S::CliRestoredFile, S::CliRestoredFiles];
            out!(
                "{}",
                copied_words(tr, S::CliRestored, files, file, &restored.copied)
            );
            if let Some(aside) = &restored.kept_aside {
                out!("{}", tr.f(S::CliRestoredAside, &[&aside.display()]));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error @ StoreError::InUse(_)) => {
            eprintln!("{}", tr.f(S::CliRestoreInUse, &[&data_dir.display()]));
            say_users(tr, data_dir);
            tracing::warn!(error = %error, "restore refused");
            Ok(ExitCode::FAILURE)
        }
        Err(error) => Err(error.into()),
    }
}

/// The pagedesks using `data_dir`, one line each, for whoever must stop them.
fn say_users(tr: Tr, data_dir: &Path) {
    for pid in crate::store::backup::users_of(data_dir) {
        let command = startup::command_of(pid);
        eprintln!("{}", tr.f(S::CliUsedBy, &[&pid, &command]));
    }
}

/// `pagedesk migrate --to URL`: the data directory's database copied into PostgreSQL, each
/// table's rows counted on both sides.
fn migrate(tr: Tr, data_dir: &Path, url: &str) -> Result<ExitCode> {
    use crate::store::postgres::{PgError, Target, copy};
    let target = Target::parse(url)?;
    match copy::migrate(data_dir, &target) {
        Ok(counted) => {
            for table in counted.iter().filter(|t| t.sqlite > 0 || t.postgres > 0) {
                let line = match table.postgres > table.sqlite {
                    true => S::CliMigratedMore,
                    false => S::CliMigratedTable,
                };
                out!(
                    "{}",
                    tr.f(line, &[&table.table, &table.sqlite, &table.postgres])
                );
            }
            out!("{}", tr.f(S::CliMigrated, &[&data_dir.display(), &target]));
            Ok(ExitCode::SUCCESS)
        }
        Err(PgError::Store(error @ StoreError::InUse(_))) => {
            eprintln!("{}", tr.f(S::CliMigrateInUse, &[&data_dir.display()]));
            say_users(tr, data_dir);
            tracing::warn!(error = %error, "migrate refused");
            Ok(ExitCode::FAILURE)
        }
        Err(error) => Err(error.into()),
    }
}

/// Prints one line per page; failing pages go to stderr with the cause in words. Returns
/// whether every page synced.
fn report(tr: Tr, outcomes: &[PageOutcome]) -> bool {
    let mut all_synced = true;
    for outcome in outcomes {
        let page = format!("{} ({})", outcome.page_name, outcome.page_id);
        match &outcome.result {
            Ok(news) if news.messages == 0 => out!("{}", tr.f(S::CliSyncedNothing, &[&page])),
            Ok(news) => out!(
                "{}",
                tr.f(
                    tr.counted(news.messages, S::CliSyncedNewsOne, S::CliSyncedNews),
                    &[&page, &news.messages],
                )
            ),
            Err(error) => {
                all_synced = false;
                eprintln!("{page}: {error}");
            }
        }
    }
    all_synced
}

/// One cycle, if no other pagedesk runs the engine of this data dir.
async fn sync_once(tr: Tr, engine: &Arc<Engine>, data_dir: &Path) -> Result<ExitCode> {
    if let Lease::HeldBy { pid, holder } = engine.hold_lease().await? {
        let pid = tr.pid_on(pid, crate::sync::machine_elsewhere(&holder).as_deref());
        let dir = startup::data_place(data_dir);
        eprintln!("{}", tr.f(S::CliEngineElsewhere, &[&pid, &dir]));
        return Ok(ExitCode::FAILURE);
    }
    let outcomes = engine
        .while_holding_lease(engine.cycle(Trigger::Person))
        .await;
    // The orders' on_confirm commands the cycle started end before this pagedesk does.
    engine.order_hooks_finished().await;
    engine.release_lease().await;
    Ok(if report(tr, &outcomes) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The engine as a service, until Ctrl-C: one line per page with news or trouble. With
/// `webhooks`, also the webhook endpoint listening there.
async fn sync_service(
    config_path: PathBuf,
    config: &Config,
    store: Arc<Mutex<Store>>,
    data_dir: &Path,
    webhooks: Option<std::net::SocketAddr>,
) -> Result<ExitCode> {
    let tr = Tr(Lang::choose(config.language));
    let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
    let events_to_print = events.clone();
    let engine = build_engine(config, store.clone(), Some(events))?;
    let _endpoint = match webhooks {
        Some(listen) => {
            let endpoint = startup::receive_webhooks(config, listen, &engine).await?;
            let url = format!("http://{listen}/webhook");
            out!("{}", tr.f(S::CliReceivingWebhooks, &[&url]));
            Some(endpoint)
        }
        None => None,
    };
    let (commands, queue) = tokio::sync::mpsc::unbounded_channel();
    let _watch = startup::watch_config(config_path, commands.clone(), events_to_print);
    let mut running = tokio::spawn(engine.clone().run(queue));
    let every = tr.span_precise(config.sync.interval.as_secs() as i64);
    out!("{}", tr.f(S::CliSyncingEvery, &[&every]));
    let mut stopped = false;
    let mut told_to_stop = std::pin::pin!(stop_signal());
    loop {
        tokio::select! {
            signal = &mut told_to_stop => {
                tracing::info!(signal, "told to stop: settling the work under way");
                break;
            }
            Some(event) = received.recv() => {
                stopped |= matches!(event, SyncEvent::Stopped { .. });
                print_event(tr, &event, &store, data_dir);
            }
            // The engine ended by itself: after an internal error. Its last words were printed;
            // a service manager restarts the process.
            _ = &mut running => {
                while let Ok(event) = received.try_recv() {
                    stopped |= matches!(event, SyncEvent::Stopped { .. });
                    print_event(tr, &event, &store, data_dir);
                }
                return Ok(if stopped { ExitCode::FAILURE } else { ExitCode::SUCCESS });
            }
        }
    }
    // The config watch holds a sender too: the engine is told to stop, not left to notice.
    let _ = commands.send(EngineCommand::Stop);
    let ended = tokio::select! {
        _ = &mut running => true,
        // A reply half-sent when time is up stays claimable: its claim names this process,
        // which is gone, and the next attempt looks on Facebook for it before sending.
        _ = tokio::time::sleep(STOP_WITHIN) => {
            tracing::warn!("the engine did not stop in time; stopping it mid-work");
            false
        }
        signal = stop_signal() => {
            tracing::warn!(signal, "told to stop again; stopping at once");
            false
        }
    };
    if !ended {
        running.abort();
        let _ = running.await;
        // A database that does not answer (a frozen server) must not keep the service from
        // stopping: the lease then runs out on its own.
        let released = tokio::time::timeout(STOP_WITHIN, engine.release_lease());
        if released.await.is_err() {
            tracing::warn!("the database did not answer; the engine lease runs out on its own");
        }
    }
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// How long a stopping service lets the work under way (a reply being sent) finish.
const STOP_WITHIN: std::time::Duration = std::time::Duration::from_secs(4);

/// Ctrl-C, or SIGTERM (systemd, `docker stop`, `kill`): which, for the log.
async fn stop_signal() -> &'static str {
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let terminated = async {
        match terminate.as_mut() {
            Some(signal) => {
                signal.recv().await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "SIGINT",
        _ = terminated => "SIGTERM",
    }
}

fn print_event(tr: Tr, event: &SyncEvent, store: &Arc<Mutex<Store>>, data_dir: &Path) {
    let time = local_time(Utc::now());
    let page_name = |id: &str| {
        let pages = store.lock().expect("store").pages().unwrap_or_default();
        let stored = pages.iter().find(|p| p.id == id).map(|p| p.name.as_str());
        format!("{} ({id})", crate::model::page_name(None, stored, id))
    };
    let dir = startup::data_place(data_dir);
    match event {
        SyncEvent::Leading => out!("{time} {}", tr.f(S::CliLeading, &[&dir])),
        SyncEvent::Standby { pid, machine } => {
            let pid = tr.pid_on(*pid, machine.as_deref());
            out!("{time} {}", tr.f(S::CliStandby, &[&pid, &dir]));
        }
        SyncEvent::PageChanged { page_id, news } => {
            let words = tr.counted(news.messages, S::CliNewsOne, S::CliNews);
            out!(
                "{time} {}",
                tr.f(words, &[&page_name(page_id.as_str()), &news.messages])
            );
        }
        SyncEvent::SyncStateChanged { page_id } => {
            let state = store
                .lock()
                .expect("store")
                .page_sync(page_id)
                .unwrap_or_default();
            if let Some(error) = state.last_error {
                eprintln!("{time} {}: {error}", page_name(page_id.as_str()));
            }
        }
        SyncEvent::ConfigRead {
            problem: Some(problem),
            ..
        } => eprintln!("{time} {}", tr.f(S::ConfigUnusable, &[problem])),
        SyncEvent::ConfigRead { restart_needed, .. } => out!(
            "{time} {}",
            tr.t(if *restart_needed {
                S::ConfigReadRestart
            } else {
                S::ConfigRead
            })
        ),
        SyncEvent::Stopped { reason } => {
            let log = data_dir.join(LOG_FILE).display().to_string();
            eprintln!("{time} {}", tr.f(S::CliStopped, &[reason, &dir, &log]));
        }
        SyncEvent::DatabaseDown { at } => eprintln!("{time} {}", tr.f(S::CliDatabaseDown, &[at])),
        SyncEvent::DatabaseBack { at } => out!("{time} {}", tr.f(S::CliDatabaseBack, &[at])),
        SyncEvent::Syncing { .. } | SyncEvent::ReplyUpdated { .. } | SyncEvent::Picture { .. } => {}
    }
}

fn conversations(tr: Tr, store: &Store, query: &ListQuery, json: bool) -> Result<ExitCode> {
    let rows = store.conversations(query)?;
    if json {
        out!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        out!("{}", tr.t(S::CliNoConversations));
        return Ok(ExitCode::SUCCESS);
    }
    out!(
        "{} {} {} {} {} ID",
        fit(tr.t(S::CliUpdated), 11),
        fit(tr.t(S::CliPage), 20),
        fit(tr.t(S::CliCustomer), 22),
        fit("", 10),
        fit(tr.t(S::CliLastMessage), 40)
    );
    for row in rows {
        let mut flags = Vec::new();
        if row.spam {
            flags.push(tr.t(S::SpamMark).to_owned());
        }
        if row.unread_count > 0 {
            flags.push(tr.f(S::CliUnreadFlag, &[&row.unread_count]));
        }
        if let Some(assignee) = &row.assignee {
            flags.push(format!("→{assignee}"));
        }
        // Labels go before the last message's words, in brackets.
        let labels: String = row
            .labels
            .iter()
            .map(|l| format!("[{}] ", l.name))
            .collect();
        out!(
            "{} {} {} {} {} {}",
            fit(&local_time(row.updated_time), 11),
            fit(&row.page_name, 20),
            fit(&row.customer_name, 22),
            fit(&flags.join(" "), 10),
            fit(
                &format!(
                    "{labels}{}",
                    match row.post_id {
                        Some(_) => crate::ui::words::thread_preview(tr, &row, 14),
                        None => crate::ui::words::preview(tr, &row),
                    }
                ),
                40
            ),
            row.id
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn messages(
    tr: Tr,
    store: &Store,
    conversation_id: &ConversationId,
    json: bool,
) -> Result<ExitCode> {
    let Some(conversation) = store.conversation(conversation_id)? else {
        bail!("no conversation {conversation_id} in the database");
    };
    let rows = store.messages(conversation_id)?;
    if json {
        out!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    out!(
        "{} · {}",
        conversation.customer_name,
        conversation.page_name
    );
    if conversation.spam {
        out!("{}", tr.t(S::SpamBanner));
    }
    for message in rows {
        let arrow = match message.direction {
            _ if message.unavailable => "?",
            Direction::In => "←",
            Direction::Out => "→",
        };
        let why = |why: &str| tr.reply_problem(message.problem, why, crate::sync::local_hm);
        let state = match (message.status, &message.error) {
            (SendStatus::Sent, _) => String::new(),
            (SendStatus::Pending, None) => format!(" ({})", tr.t(S::Sending)),
            (SendStatus::Pending, Some(error)) => {
                format!(" ({})", tr.f(S::Pending, &[&why(error)]))
            }
            (SendStatus::Failed, error) => format!(
                " ({})",
                tr.f(S::Failed, &[&why(error.as_deref().unwrap_or("?"))])
            ),
        };
        let edited = match message.edit_count > 0 && !message.removed {
            true => format!(" ({})", tr.t(S::Edited)),
            false => String::new(),
        };
        out!(
            "{} {arrow} {}: {}{edited}{state}",
            local_time(message.created_time),
            message.from_name,
            crate::ui::words::message_text(tr, &message)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// How long `pagedesk reply` keeps asking whether a reply whose storing was cut off is stored.
const STORED_ASKED_SECONDS: u32 = 5;

/// A reply as `pagedesk reply` is given it.
struct Reply<'a> {
    conversation_id: &'a ConversationId,
    text: &'a str,
    files: &'a [std::path::PathBuf],
    /// `human_agent_tag` in the config.
    human_agent_tag: bool,
    /// A thread of comments answered privately in Messenger, not in public.
    privately: bool,
    /// Asked as an answer to comments (`pagedesk comment`): refused for a Messenger
    /// conversation.
    comment: bool,
}

/// Stores the reply (the text, then each file that Facebook would take) and delivers its
/// parts in order. What Facebook's rules refuse (too long, the window closed) is refused before
/// anything is stored, as the reply box refuses it. Exit 0 only when every part was accepted;
/// a file refused is named with why, and the rest of the reply still goes.
async fn reply(
    tr: Tr,
    engine: &Arc<Engine>,
    writes: &mut Store,
    reply: Reply<'_>,
) -> Result<ExitCode> {
    let Reply {
        conversation_id,
        text,
        files: paths,
        human_agent_tag,
        privately,
        comment,
    } = reply;
    let text = crate::text::clean(text).trim_end().to_owned();
    let conversation = match writes.conversation(conversation_id) {
        Ok(conversation) => conversation,
        // Nothing written yet: said so, not "kept or not".
        Err(error) if error.unreachable() => {
            let cause = tr.f(S::CliNoDatabase, &[&writes.database_at()]);
            eprintln!("{}", tr.f(S::CliReplyNotStored, &[&cause]));
            return Ok(ExitCode::FAILURE);
        }
        Err(error) => return Err(error.into()),
    };
    let Some(conversation) = conversation else {
        let missing = match comment {
            true => S::CliNoThread,
            false => S::CliNoConversation,
        };
        eprintln!("{}", tr.f(missing, &[&conversation_id]));
        return Ok(ExitCode::FAILURE);
    };
    if comment && conversation.post_id.is_none() {
        eprintln!("{}", tr.f(S::CliNotAThread, &[&conversation_id]));
        return Ok(ExitCode::FAILURE);
    }
    // Messenger's windows do not bound an answer to a comment; its length is bound as a
    // reply's.
    let allowed = match (&conversation.post_id, text.trim().is_empty()) {
        (Some(_), _) if text.chars().count() > crate::model::MAX_REPLY_CHARS => {
            Err(ReplyProblem::TooLong {
                chars: text.chars().count(),
            })
        }
        (Some(_), _) => Ok(()),
        (None, true) => conversation
            .reply_to(human_agent_tag)
            .allowed(Utc::now())
            .map(drop),
        (None, false) => conversation
            .reply_to(human_agent_tag)
            .kind(&text, Utc::now())
            .map(drop),
    };
    if let Err(problem) = allowed {
        let why = tr.reply_problem(Some(problem), "", crate::sync::local_hm);
        eprintln!("{}", tr.f(S::CliRefused, &[&why]));
        return Ok(ExitCode::FAILURE);
    }
    let mut refused = false;
    let mut files = Vec::new();
    for path in paths {
        match OutgoingFile::check(path) {
            Ok(file) => files.push(file),
            Err(problem) => {
                eprintln!("{}", tr.f(S::CliFileRefused, &[&tr.file_problem(&problem)]));
                refused = true;
            }
        }
    }
    if text.trim().is_empty() && files.is_empty() && refused {
        return Ok(ExitCode::FAILURE);
    }
    let now = Utc::now();
    let stored = match privately {
        true => writes
            .enqueue_private_reply(conversation_id, &text, now)
            .map(|id| vec![id]),
        false => writes.enqueue_reply_with_files(conversation_id, &text, &files, now),
    };
    let database_at = writes.database_at();
    let no_database = || tr.f(S::CliNoDatabase, &[&database_at]);
    let message_ids = match stored {
        Ok(ids) => ids,
        Err(StoreError::CommentReply(refusal)) => {
            eprintln!("{}", tr.f(S::CliRefused, &[&tr.comment_refusal(refusal)]));
            return Ok(ExitCode::FAILURE);
        }
        // The connection went while the reply was being stored, perhaps after its commit went
        // through: the database is asked again, so that the person knows whether to send it
        // again (a reply stored twice is sent twice).
        Err(error) if error.unreachable() => {
            let mut asked = writes.reply_stored_at(conversation_id, &text, now);
            // A blip passes in seconds: asked for a while before "cannot tell".
            for _ in 0..STORED_ASKED_SECONDS {
                if asked.is_ok() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                asked = writes.reply_stored_at(conversation_id, &text, now);
            }
            match asked {
                Ok(ids) if !ids.is_empty() => ids,
                Ok(_) => {
                    eprintln!("{}", tr.f(S::CliReplyNotStored, &[&no_database()]));
                    return Ok(ExitCode::FAILURE);
                }
                Err(_) => {
                    let said = tr.f(S::CliReplyMaybeStored, &[&no_database(), conversation_id]);
                    eprintln!("{said}");
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        Err(error) => return Err(error.into()),
    };
    for message_id in message_ids {
        // The parts go in order: one not sent holds back those after it (kept in the outbox).
        let delivery = match engine.deliver(message_id).await {
            Ok(delivery) => delivery,
            // Stored, so never "failed": sending it again would send it twice. The engine's
            // next attempt looks on Facebook first when this one may have reached it.
            Err(error) => {
                let why = match &error {
                    PageError::Store(error) if error.unreachable() => no_database(),
                    error => error.to_string(),
                };
                eprintln!(
                    "{}",
                    tr.f(S::CliReplyStoredCutOff, &[&why, conversation_id])
                );
                return Ok(ExitCode::FAILURE);
            }
        };
        let sent = match delivery {
            Delivery::Sent(id) => {
                out!("{}", tr.f(S::CliSent, &[&id]));
                true
            }
            Delivery::Pending { reason, .. } => {
                eprintln!("{}", tr.f(S::CliNotSentYet, &[&reason]));
                false
            }
            Delivery::RateLimited { retry_at, .. } => {
                let until = crate::sync::local_hm(retry_at);
                let why = tr.f(S::ProblemRateLimited, &[&until]);
                eprintln!("{}", tr.f(S::CliNotSentYet, &[&why]));
                false
            }
            Delivery::Restricted { until } => {
                let until = crate::sync::local_day_hm(until);
                let why = tr.f(S::CliSendingRestricted, &[&until]);
                eprintln!("{}", tr.f(S::CliNotSentYet, &[&why]));
                false
            }
            Delivery::Failed(reason) => {
                eprintln!("{}", tr.f(S::CliNotSent, &[&reason]));
                false
            }
            Delivery::Withdrawn => {
                eprintln!("{}", tr.t(S::CliWithdrawn));
                false
            }
        };
        if !sent {
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(if refused {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn spam_sync(
    tr: Tr,
    config: &Config,
    store: &mut Store,
    on: bool,
    page: Option<&str>,
) -> Result<ExitCode> {
    let said = if on { S::SpamSyncOn } else { S::SpamSyncOff };
    for (configured, name) in pages_named(tr, config, page)? {
        store.set_spam_sync(&configured.id, on)?;
        out!("{}", tr.f(said, &[&name]));
    }
    Ok(ExitCode::SUCCESS)
}

fn human_agent_approved(
    tr: Tr,
    config: &Config,
    store: &mut Store,
    page: Option<&str>,
) -> Result<ExitCode> {
    for (configured, name) in pages_named(tr, config, page)? {
        let said = match store.lift_human_agent_refusal(&configured.id)? {
            true => S::TagAgain,
            false => S::TagNotRefused,
        };
        out!("{}", tr.f(said, &[&name]));
    }
    Ok(ExitCode::SUCCESS)
}

/// The configured pages `--page` names (every one without it), each with "name (id)".
fn pages_named<'a>(
    tr: Tr,
    config: &'a Config,
    page: Option<&str>,
) -> Result<Vec<(&'a crate::config::PageConfig, String)>> {
    if config.pages.is_empty() {
        bail!(tr.t(S::DrNoPages));
    }
    if let Some(page) = page
        && !config.pages.iter().any(|p| p.id == page)
    {
        // What was typed, as a line: no terminal control in an error message.
        bail!(
            "page {} is not in the config",
            crate::text::clean_line(page)
        );
    }
    Ok(config
        .pages
        .iter()
        .filter(|p| page.is_none_or(|id| p.id == id))
        .map(|p| {
            let name = crate::model::page_name(p.name.as_deref(), None, p.id.as_str());
            (p, format!("{name} ({})", p.id))
        })
        .collect())
}

/// Asks for a thread's comments (or one comment) to be hidden, shown again or liked; the
/// engine that syncs the page carries it out (`pagedesk sync`, or the running one within
/// seconds).
fn moderate(tr: Tr, writes: &mut Store, id: &str, moderation: Moderation) -> Result<ExitCode> {
    let now = Utc::now();
    let asked = match writes.moderate_comment(&CommentId::from(id), moderation, now)? {
        true => 1,
        false => writes.moderate_thread(&ConversationId::from(id), moderation, now)?,
    };
    let said = match (asked, moderation) {
        (0, _) => tr.f(S::CliNothingToModerate, &[&id]),
        (_, Moderation::Hide) => tr.f(S::CliHiding, &[&asked]),
        (_, Moderation::Show) => tr.f(S::CliShowing, &[&asked]),
        (_, Moderation::Like) => tr.f(S::CliLiking, &[&asked]),
    };
    out!("{said}");
    Ok(ExitCode::SUCCESS)
}
