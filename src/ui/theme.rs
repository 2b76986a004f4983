//! Colours that read on dark and light backgrounds (the terminal's own palette, no fixed
//! backgrounds), and none at all under `NO_COLOR`.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    color: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to anything non-empty (<https://no-color.org>).
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme { color: !no_color }
    }

    pub fn plain() -> Theme {
        Theme { color: false }
    }

    /// Whether colours are drawn (pictures are colours only).
    pub fn has_colour(self) -> bool {
        self.color
    }

    fn fg(self, color: Color) -> Style {
        if self.color {
            Style::default().fg(color)
        } else {
            Style::default()
        }
    }

    /// A label in its colour (without colour, its brackets alone set it apart).
    pub fn label(self, colour: crate::model::LabelColour) -> Style {
        use crate::model::LabelColour;
        self.fg(match colour {
            LabelColour::Red => Color::Red,
            LabelColour::Green => Color::Green,
            LabelColour::Yellow => Color::Yellow,
            LabelColour::Blue => Color::Blue,
            LabelColour::Magenta => Color::Magenta,
            LabelColour::Cyan => Color::Cyan,
            LabelColour::Orange => Color::LightRed,
            LabelColour::Purple => Color::LightMagenta,
        })
    }

    pub fn normal(self) -> Style {
        Style::default()
    }

    pub fn dim(self) -> Style {
        Style::default().add_modifier(Modifier::DIM)
    }

    pub fn bold(self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    /// The selected row: reversed, which works on any background and without colour.
    pub fn selected(self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }

    pub fn focused_border(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn border(self) -> Style {
        Style::default()
    }

    pub fn incoming(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn outgoing(self) -> Style {
        self.fg(Color::Green).add_modifier(Modifier::BOLD)
    }

    pub fn spam(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn error(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn ok(self) -> Style {
        self.fg(Color::Green)
    }

    pub fn unread(self) -> Style {
        self.fg(Color::Blue).add_modifier(Modifier::BOLD)
    }

    /// A phone number in a message: underlined, so it shows without colour too.
    pub fn phone(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::UNDERLINED)
    }

    pub fn highlight(self) -> Style {
        self.fg(Color::Magenta).add_modifier(Modifier::UNDERLINED)
    }

    /// A banner line: reversed, so it stands out in any palette.
    pub fn banner(self, warning: bool) -> Style {
        let base = if warning { self.error() } else { self.spam() };
        base.add_modifier(Modifier::REVERSED)
    }
}
