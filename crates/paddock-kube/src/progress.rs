//! Progress and log lines: a live line per wave on a terminal, plain lines otherwise, or a
//! buffer (tests). Secret values are never passed here.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
enum Sink {
    Stderr { tty: bool },
    Buffer(Arc<Mutex<String>>),
    Quiet,
}

/// Where progress goes. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Progress {
    sink: Sink,
}

impl Progress {
    /// Standard error; live status lines only when it is a terminal.
    pub fn stderr() -> Progress {
        Progress {
            sink: Sink::Stderr {
                tty: std::io::stderr().is_terminal(),
            },
        }
    }

    /// Collects lines in memory; [`Progress::contents`] returns them.
    pub fn buffer() -> Progress {
        Progress {
            sink: Sink::Buffer(Arc::default()),
        }
    }

    /// Drops everything.
    pub fn quiet() -> Progress {
        Progress { sink: Sink::Quiet }
    }

    /// Everything written so far (buffer sinks only).
    pub fn contents(&self) -> String {
        match &self.sink {
            Sink::Buffer(b) => b.lock().expect("progress buffer").clone(),
            _ => String::new(),
        }
    }

    /// A line that stays.
    pub fn line(&self, text: &str) {
        match &self.sink {
            Sink::Stderr { tty } => {
                let mut err = std::io::stderr().lock();
                if *tty {
                    let _ = write!(err, "\r\x1b[2K");
                }
                let _ = writeln!(err, "{text}");
            }
            Sink::Buffer(b) => {
                let mut b = b.lock().expect("progress buffer");
                b.push_str(text);
                b.push('\n');
            }
            Sink::Quiet => {}
        }
    }

    /// A transient status (a progress bar on a terminal, nothing otherwise).
    pub fn status(&self, text: &str) {
        if let Sink::Stderr { tty: true } = self.sink {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{text}");
            let _ = err.flush();
        }
    }

    /// A text progress bar: `[#####.....] 5/10`.
    pub fn bar(done: usize, total: usize) -> String {
        let width = 20;
        let filled = (done * width).checked_div(total).unwrap_or(width);
        format!(
            "[{}{}] {done}/{total}",
            "#".repeat(filled),
            ".".repeat(width - filled)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_and_bars() {
        let p = Progress::buffer();
        p.line("a");
        p.status("not kept");
        p.line("b");
        assert_eq!(p.contents(), "a\nb\n");
        assert_eq!(Progress::bar(1, 4), "[#####...............] 1/4");
        assert_eq!(Progress::bar(0, 0), "[####################] 0/0");
    }
}
