//! The inbox: a ratatui app over the store, with the sync engine running in the background.
//! Data flows one way: the engine writes the store and sends events; the UI reads the store and
//! puts replies in the outbox. The UI never calls the Graph API.

mod actions;
mod app;
mod attach;
mod chat;
mod clipboard;
mod clock;
mod events;
mod graphics;
mod input;
mod layout;
mod measure;
mod orders;
mod panes;
mod pictures;
mod presence;
mod quick;
mod said;
mod team;
mod theme;
mod view;
mod windows;
pub mod words;
mod writer;

pub use app::{App, Effect, Overlay, Pane, UiSettings};
pub use clock::Clock;
pub use theme::Theme;
pub use view::{draw, draw_at};
mod terminal;
pub use terminal::run;
