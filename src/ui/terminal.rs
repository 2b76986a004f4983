//! The inbox on a real terminal: raw mode, alternate screen, mouse and bracketed paste, all
//! restored on any exit and on a panic; one redraw per change, many events coalesced into it.

use std::io::Write;
use std::time::Duration;

use anyhow::Result;
use base64::Engine;
use crossterm::cursor::MoveTo;
use crossterm::cursor::Show;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
    EventStream,
};
use crossterm::terminal::{Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{execute, queue};
use futures_util::{FutureExt, StreamExt};
use tokio::sync::mpsc;

use super::app::{App, Effect};
use super::view::draw;
use crate::sync::SyncEvent;

/// Puts mouse reporting and bracketed paste back as they were; ratatui's own restore handles raw
/// mode and the alternate screen.
fn release_terminal() {
    let _ = execute!(
        std::io::stdout(),
        DisableMouseCapture,
        DisableBracketedPaste
    );
}

/// Runs the inbox until the user quits. The terminal is restored however this ends.
pub async fn run(mut app: App, events: mpsc::UnboundedReceiver<SyncEvent>) -> Result<()> {
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        anyhow::bail!(
            "the inbox needs a terminal; for scripts, use the commands in `pagedesk --help`"
        );
    }
    let mut terminal = match ratatui::try_init() {
        Ok(terminal) => terminal,
        Err(error) => {
            ratatui::restore();
            return Err(error.into());
        }
    };
    let ratatui_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A panic in a background task (the sync engine) is caught and reported by the engine,
        // which gives its lease up; the inbox goes on, on its screen.
        if tokio::task::try_id().is_some() {
            tracing::error!("a background task panicked: {info}");
            return;
        }
        // In the log too: its words on the terminal go with the terminal (a tmux pane, an SSH
        // session closed).
        tracing::error!("the inbox stopped after an internal error: {info}");
        release_terminal();
        ratatui_hook(info);
    }));
    // Asked before anything reads the terminal's input: the answer comes on it.
    let graphics = app.settings.graphics;
    app.graphics =
        tokio::task::block_in_place(|| super::graphics::Graphics::ask_terminal(graphics));
    execute!(std::io::stdout(), EnableMouseCapture, EnableBracketedPaste)?;
    let tr = app.tr;
    let (result, kept) = event_loop(&mut terminal, app, events).await;
    release_terminal();
    ratatui::restore();
    // Said where staff look once the inbox is gone: their typing is on this machine.
    if kept > 0 {
        println!("{}", tr.f(crate::i18n::S::DraftsKeptAtQuit, &[&kept]));
    }
    result
}

/// Runs the inbox; returns how it ended and how many drafts the database did not take and
/// this machine's disk keeps for the next inbox.
async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    mut app: App,
    mut events: mpsc::UnboundedReceiver<SyncEvent>,
) -> (Result<()>, usize) {
    let result = serve(terminal, &mut app, &mut events).await;
    // A look first: a database server gone silent is found within a look's time, and the
    // goodbye writes then wait no longer than that each, not a write's half minute.
    tokio::task::block_in_place(|| app.look_before_leaving());
    // What staff typed and what is being written (a reply, a draft) is on disk before the
    // inbox goes, however it ends; other staff no longer see it here.
    app.save_draft();
    app.leave();
    tokio::task::block_in_place(|| app.settle_writes());
    (result, app.drafts_kept_on_disk())
}

async fn serve(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    events: &mut mpsc::UnboundedReceiver<SyncEvent>,
) -> Result<()> {
    let mut input = EventStream::new();
    // Once a second: other processes' writes, and the "synced N s ago" clock.
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    // Between ticks: what other processes wrote (a message a webhook brought).
    let mut changes = tokio::time::interval(Duration::from_millis(200));
    changes.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let writes_ready = app.writes_ready();
    // On PostgreSQL a colleague's change wakes the inbox at once (SQLite's is found by the
    // look every 200 ms).
    let heard = std::sync::Arc::new(tokio::sync::Notify::new());
    let _hearing = hear_changes(app, heard.clone());
    let mut mouse_captured = true;
    let mut dirty = true;
    // The terminal closed (an SSH session dropped: SIGHUP) or the inbox is told to stop
    // (SIGTERM): it ends as on `q`, what was typed in the last second kept.
    let mut hangup = unix_signal(tokio::signal::unix::SignalKind::hangup());
    let mut terminate = unix_signal(tokio::signal::unix::SignalKind::terminate());
    let size = terminal.size()?;
    app.resize(size.width, size.height);
    loop {
        if dirty {
            let drawn = terminal.draw(|frame| draw(frame, app))?;
            // Where the notice's link was drawn, to make it clickable.
            let link = app
                .status
                .link
                .clone()
                .filter(|_| app.notice().is_some())
                .and_then(|url| {
                    let row = app.status_row();
                    link_cells(drawn.buffer, row, &url).map(|(x, shown)| (x, row, url, shown))
                });
            dirty = false;
            let mut out = std::io::stdout();
            if let Some((x, y, linked)) =
                link.and_then(|(x, y, url, shown)| Some((x, y, hyperlink(&url, &shown)?)))
            {
                // Around the very characters drawn there: the screen stays as ratatui knows
                // it, and a click opens the link.
                queue!(out, MoveTo(x, y))?;
                out.write_all(linked.as_bytes())?;
            }
            if app.mouse != mouse_captured {
                mouse_captured = app.mouse;
                if mouse_captured {
                    execute!(out, EnableMouseCapture)?;
                } else {
                    execute!(out, DisableMouseCapture)?;
                }
            }
            out.flush()?;
        }
        for effect in app.take_effects() {
            let mut out = std::io::stdout();
            match effect {
                Effect::Bell => out.write_all(b"\x07")?,
                Effect::Clipboard(text) => {
                    // OSC 52: the terminal puts it on the clipboard, over SSH too.
                    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
                    write!(out, "\x1b]52;c;{encoded}\x07")?;
                }
                Effect::Quit => return Ok(()),
                Effect::Editor => {
                    // The editor reads the terminal itself: nothing here may read it meanwhile.
                    drop(input);
                    edit_in_editor(terminal, app)?;
                    input = EventStream::new();
                    dirty = true;
                }
            }
            out.flush()?;
        }
        if dirty {
            continue;
        }
        tokio::select! {
            _ = writes_ready.notified() => dirty |= app.apply_writes(),
            event = input.next() => {
                let Some(first) = event else {
                    return Ok(());
                };
                // Events already waiting came in one read with this one: keys among them are
                // a burst (see `App::on_keys`).
                let mut batch = vec![first?];
                while let Some(Some(next)) = input.next().now_or_never() {
                    batch.push(next?);
                }
                dirty |= take_input(app, batch);
            }
            Some(event) = events.recv() => {
                app.on_sync_event(&event);
                // Coalesce a burst of events into one redraw.
                while let Ok(event) = events.try_recv() {
                    app.on_sync_event(&event);
                }
                dirty = true;
            }
            _ = hangup.recv() => return Ok(()),
            _ = terminate.recv() => return Ok(()),
            _ = changes.tick() => dirty |= app.read_changes(),
            _ = heard.notified() => {
                app.changed_elsewhere();
                dirty = true;
            }
            _ = ticks.tick() => {
                app.tick(std::time::Instant::now());
                // The "synced N s ago" clock moves on.
                dirty = true;
            }
        }
    }
}

/// Ends the thread that hears changes when dropped (the inbox closing).
struct Hearing(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Drop for Hearing {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A thread of its own waits for other connections' changes, where the database can say
/// them (PostgreSQL), and wakes the loop through `heard`.
fn hear_changes(app: &App, heard: std::sync::Arc<tokio::sync::Notify>) -> Option<Hearing> {
    let mut changes = app.store_ref().changes_heard()?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = stop.clone();
    std::thread::Builder::new()
        .name("pagedesk-changes".to_owned())
        .spawn(move || {
            while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                if changes.wait(Duration::from_millis(500)) {
                    heard.notify_one();
                }
            }
        })
        .ok()?;
    Some(Hearing(stop))
}

/// A Unix signal to wait for; one that cannot be listened for never comes.
struct UnixSignal(Option<tokio::signal::unix::Signal>);

impl UnixSignal {
    async fn recv(&mut self) {
        match self.0.as_mut() {
            Some(signal) => {
                signal.recv().await;
            }
            None => std::future::pending().await,
        }
    }
}

fn unix_signal(kind: tokio::signal::unix::SignalKind) -> UnixSignal {
    UnixSignal(tokio::signal::unix::signal(kind).ok())
}

/// What a batch of terminal events does to the inbox; whether the screen may have changed.
fn take_input(app: &mut App, batch: Vec<Event>) -> bool {
    let mut dirty = false;
    let mut keys = Vec::new();
    for event in batch {
        if let Event::Key(key) = event {
            keys.push(key);
            continue;
        }
        if !keys.is_empty() {
            dirty |= app.on_keys(&std::mem::take(&mut keys));
        }
        dirty |= match event {
            Event::Mouse(mouse) => app.on_mouse(mouse),
            Event::Paste(text) => app.on_paste(&text),
            Event::Resize(width, height) => {
                app.resize(width, height);
                true
            }
            Event::FocusGained => true,
            _ => false,
        };
    }
    if !keys.is_empty() {
        dirty |= app.on_keys(&keys);
    }
    dirty
}

/// The editor staff chose (`$VISUAL`, then `$EDITOR`), else `nano` where it is installed (vi
/// traps newcomers), else `vi`; and whether it was guessed.
fn chosen_editor() -> (String, bool) {
    if let Some(chosen) = ["VISUAL", "EDITOR"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().filter(|e| !e.trim().is_empty()))
    {
        return (chosen, false);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let nano = std::env::split_paths(&path).any(|dir| dir.join("nano").is_file());
    ((if nano { "nano" } else { "vi" }).to_owned(), true)
}

/// Hands the reply to the editor (`chosen_editor`) on the whole terminal, and takes back what
/// was saved. The file is the owner's alone and removed after.
fn edit_in_editor(terminal: &mut ratatui::DefaultTerminal, app: &mut App) -> Result<()> {
    let mut file = tempfile::Builder::new()
        .prefix("pagedesk-reply-")
        .suffix(".txt")
        .tempfile()?;
    file.write_all(app.chat.compose.lines().join("\n").as_bytes())?;
    file.flush()?;
    let (editor, guessed) = chosen_editor();
    release_terminal();
    execute!(std::io::stdout(), LeaveAlternateScreen, Show)?;
    crossterm::terminal::disable_raw_mode()?;
    // The editor's command may carry arguments ("code --wait"), as with git.
    let status = tokio::task::block_in_place(|| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{editor} \"$1\""))
            .arg("sh")
            .arg(file.path())
            .status()
    });
    crossterm::terminal::enable_raw_mode()?;
    execute!(
        std::io::stdout(),
        EnterAlternateScreen,
        EnableBracketedPaste
    )?;
    if app.mouse {
        execute!(std::io::stdout(), EnableMouseCapture)?;
    }
    // The screen is blank now: a blank frame brings the last drawn one in line with it, so
    // that the next draws everything. (`Terminal::clear` would ask the terminal where its
    // cursor is, which some never answer.)
    execute!(std::io::stdout(), Clear(ClearType::All))?;
    terminal.draw(|frame| frame.render_widget(ratatui::widgets::Clear, frame.area()))?;
    match status {
        Ok(status) if status.success() => match std::fs::read_to_string(file.path()) {
            Ok(text) => {
                app.take_edited_reply(&text);
                if guessed {
                    app.editor_guessed(&editor);
                }
            }
            Err(error) => app.editor_failed(&format!("{}: {error}", file.path().display())),
        },
        Ok(status) => app.editor_failed(&format!("{editor}: {status}")),
        Err(error) => app.editor_failed(&format!("{editor}: {error}")),
    }
    Ok(())
}

/// OSC 8: `shown` as a link a click opens, or `None` when `url` is no web link. The link
/// comes from Facebook's data (a file's CDN link, a buyer's PSID in a Meta Business Suite
/// link): it goes in as [`crate::text::web_link`] writes it, so nothing in it can end the
/// sequence and run what follows.
fn hyperlink(url: &str, shown: &str) -> Option<String> {
    let target = crate::text::web_link(url)?;
    let shown: String = shown.chars().filter(|c| !c.is_control()).collect();
    Some(format!("\x1b]8;;{target}\x1b\\{shown}\x1b]8;;\x1b\\"))
}

/// Where on `row` the link `url` was drawn (as much of it as shows): its column and text.
fn link_cells(buffer: &ratatui::buffer::Buffer, row: u16, url: &str) -> Option<(u16, String)> {
    let area = buffer.area;
    if row >= area.bottom() {
        return None;
    }
    let cells: Vec<&str> = (area.left()..area.right())
        .map(|x| buffer[(x, row)].symbol())
        .collect();
    let line: String = cells.concat();
    let start = line.find(url.get(..24).unwrap_or(url))?;
    // The cell where those bytes begin (a wide character's second cell holds nothing).
    let mut bytes = 0;
    let column = cells.iter().position(|cell| {
        let here = bytes == start && !cell.is_empty();
        bytes += cell.len();
        here
    })?;
    let shown: String = line[start..]
        .chars()
        .take_while(|c| url.contains(*c) && *c != ' ')
        .collect();
    Some((area.left() + column as u16, shown))
}

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;

    #[test]
    fn the_link_is_found_where_it_was_drawn_after_any_text() {
        let url = "https://business.facebook.com/latest/inbox/all?asset_id=1&selected_item_id=2";
        let mut buffer = Buffer::empty(Rect::new(0, 0, 60, 2));
        let prefix = "👍 Meta Business Suite (đã chép): ";
        buffer.set_string(
            0,
            1,
            format!("{prefix}{url}"),
            ratatui::style::Style::default(),
        );
        let (column, shown) = super::link_cells(&buffer, 1, url).unwrap();
        assert_eq!(column, 34, "the emoji is two columns, the rest one each");
        assert_eq!(shown, "https://business.facebook.", "as much as fits");
        assert!(super::link_cells(&buffer, 0, url).is_none());
    }

    #[test]
    fn a_hyperlink_holds_one_link_and_nothing_a_url_could_smuggle_in() {
        let evil = "https://cdn.example/a.png?x=1\u{1b}\\\u{1b}]0;pwned\u{7}\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J";
        let linked = super::hyperlink(evil, "a.png\u{1b}[2J").unwrap();
        // Exactly the link's opening and closing: two OSC 8, each ended by ESC \.
        assert_eq!(linked.matches('\u{1b}').count(), 4, "{linked:?}");
        assert_eq!(linked.matches("\u{1b}]8;;").count(), 2, "{linked:?}");
        let target = linked
            .strip_prefix("\u{1b}]8;;")
            .and_then(|rest| rest.strip_suffix("\u{1b}\\a.png[2J\u{1b}]8;;\u{1b}\\"))
            .unwrap_or_else(|| panic!("{linked:?}"));
        assert!(
            target.starts_with("https://cdn.example/a.png?x=1%1B")
                && target.bytes().all(|b| b.is_ascii_graphic()),
            "{target:?}"
        );
        assert!(!linked.contains('\u{7}'));
        assert_eq!(super::hyperlink("javascript:alert(1)", "x"), None);
        assert_eq!(
            super::hyperlink("https://cdn\u{1b}]0;x\u{7}.example/", "x"),
            None
        );
    }
}
