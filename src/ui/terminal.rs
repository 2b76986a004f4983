//! The inbox on a real terminal: raw mode, alternate screen, mouse and bracketed paste, all
//! restored on any exit and on a panic; one redraw per change, many events coalesced into it.

use std::io::Write;
use std::time::Duration;

use anyhow::Result;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
    EventStream,
};
use crossterm::execute;
use futures_util::{FutureExt, StreamExt};
use tokio::sync::mpsc;

use super::app::App;
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
pub async fn run(app: App, events: mpsc::UnboundedReceiver<SyncEvent>) -> Result<()> {
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
        release_terminal();
        ratatui_hook(info);
    }));
    execute!(std::io::stdout(), EnableMouseCapture, EnableBracketedPaste)?;
    let result = event_loop(&mut terminal, app, events).await;
    release_terminal();
    ratatui::restore();
    result
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    mut app: App,
    mut events: mpsc::UnboundedReceiver<SyncEvent>,
) -> Result<()> {
    let result = serve(terminal, &mut app, &mut events).await;
    // What staff typed and what is being written (a reply, a draft) is on disk before the
    // inbox goes, however it ends; other staff no longer see it here.
    app.save_draft();
    app.leave();
    tokio::task::block_in_place(|| app.settle_writes());
    result
}

async fn serve(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    events: &mut mpsc::UnboundedReceiver<SyncEvent>,
) -> Result<()> {
    let mut input = EventStream::new();
    // Once a second: other processes' writes, and the "synced N s ago" clock.
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    let writes_ready = app.writes_ready();
    let mut dirty = true;
    let size = terminal.size()?;
    app.resize(size.width, size.height);
    loop {
        if dirty {
            terminal.draw(|frame| draw(frame, app))?;
            dirty = false;
            if std::mem::take(&mut app.bell) {
                let mut out = std::io::stdout();
                out.write_all(b"\x07")?;
                out.flush()?;
            }
        }
        if app.quit {
            return Ok(());
        }
        tokio::select! {
            _ = writes_ready.notified() => dirty |= app.apply_writes(),
            event = input.next() => match event {
                Some(Ok(Event::Key(key))) => {
                    // Keys already waiting came in one read with this one: a burst.
                    let mut burst = vec![key];
                    let mut after = None;
                    while let Some(next) = input.next().now_or_never() {
                        match next {
                            Some(Ok(Event::Key(key))) => burst.push(key),
                            other => {
                                after = other;
                                break;
                            }
                        }
                    }
                    dirty |= app.on_keys(&burst);
                    match after {
                        Some(Ok(Event::Paste(text))) => dirty |= app.on_paste(&text),
                        Some(Ok(Event::Mouse(mouse))) => dirty |= app.on_mouse(mouse),
                        Some(Ok(Event::Resize(width, height))) => {
                            app.resize(width, height);
                            dirty = true;
                        }
                        Some(Err(error)) => return Err(error.into()),
                        _ => {}
                    }
                }
                Some(Ok(Event::Mouse(mouse))) => dirty |= app.on_mouse(mouse),
                Some(Ok(Event::Paste(text))) => dirty |= app.on_paste(&text),
                Some(Ok(Event::Resize(width, height))) => {
                    app.resize(width, height);
                    dirty = true;
                }
                Some(Ok(Event::FocusGained)) => dirty = true,
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error.into()),
                None => return Ok(()),
            },
            Some(event) = events.recv() => {
                app.on_sync_event(&event);
                // Coalesce a burst of events into one redraw.
                while let Ok(event) = events.try_recv() {
                    app.on_sync_event(&event);
                }
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
