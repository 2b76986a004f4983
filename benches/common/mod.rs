//! The real binary in a pseudo-terminal, read as a terminal would draw it: shared by the
//! benches that time what staff see.

use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

pub struct Inbox {
    screen: Arc<Mutex<vt100::Parser>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Inbox {
    /// `pagedesk --config CONFIG --data-dir DATA_DIR` in a terminal of `rows` × `cols`.
    pub fn start(config: &Path, data_dir: &Path, rows: u16, cols: u16) -> Inbox {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_pagedesk"));
        command.args(["--config", config.to_str().unwrap()]);
        command.args(["--data-dir", data_dir.to_str().unwrap()]);
        command.env("TERM", "xterm-256color");
        command.env("LANG", "en_US.UTF-8");
        let child = pty.slave.spawn_command(command).unwrap();
        let mut reader = pty.master.try_clone_reader().unwrap();
        let mut keyboard = pty.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            rows.try_into().unwrap(),
            cols.try_into().unwrap(),
            0,
        )));
        let parser = screen.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                // As a terminal does: the inbox asks at start what it can draw.
                if buffer[..n].windows(4).any(|w| w == b"\x1b[5n") {
                    let _ = std::io::Write::write_all(&mut keyboard, b"\x1b[0n");
                }
                parser.lock().unwrap().process(&buffer[..n]);
            }
        });
        Inbox {
            screen,
            child,
            _master: pty.master,
        }
    }

    // Only the scale bench reads the process (its memory and CPU).
    #[allow(dead_code)]
    pub fn pid(&self) -> u32 {
        self.child.process_id().unwrap()
    }

    pub fn shows(&self, text: &str) -> bool {
        self.screen
            .lock()
            .unwrap()
            .screen()
            .contents()
            .contains(text)
    }

    /// How long from `since` until the screen shows `text`; panics past `within`.
    pub fn wait_for(&self, text: &str, since: Instant, within: Duration) -> Duration {
        while !self.shows(text) {
            assert!(since.elapsed() < within, "{text} never shown");
            std::thread::sleep(Duration::from_millis(1));
        }
        since.elapsed()
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}
