//! Process set-up on glibc Linux, where `main.rs` defines the C `main` and std's own start-up
//! does not run. That start-up reads `/proc/self/maps` and maps a signal stack so as to report
//! stack overflows by name: about 0.1 ms of every run here (docs/benchmarks.md). paddock keeps
//! the two things in it that change what a command does, and does them here. Given up: a stack
//! overflow in any thread ends the process with a plain segmentation fault instead of std's
//! one-line message, and a panic names its thread `<unnamed>` instead of `main`. The command
//! line still reaches `std::env::args`: std on glibc captures it from the C library's start-up
//! hooks, not from its own start-up (which is why this is glibc-only: on musl it would not).

/// Prepares the process as std's start-up would. Every standard descriptor is made open:
/// a closed one is pointed at `/dev/null`, so a file paddock opens cannot take its number and
/// receive what was meant for the terminal. SIGPIPE is ignored, so writing into a closed pipe
/// is an error paddock handles rather than a kill.
pub fn prepare() {
    open_standard_descriptors();
    // SAFETY: setting a signal's disposition to "ignore" installs no handler code.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
}

/// Points each closed descriptor among 0, 1 and 2 at `/dev/null`; aborts if that fails.
fn open_standard_descriptors() {
    let mut descriptors = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: the pointer and length describe the array above, which outlives the call.
    let polled = unsafe { libc::poll(descriptors.as_mut_ptr(), 3, 0) };
    for descriptor in descriptors {
        let closed = if polled >= 0 {
            descriptor.revents & libc::POLLNVAL != 0
        } else {
            // poll itself failed (a sandbox may forbid it): ask each descriptor instead.
            // SAFETY: F_GETFD only reads the descriptor's flags.
            let flags = unsafe { libc::fcntl(descriptor.fd, libc::F_GETFD) };
            flags == -1
        };
        if !closed {
            continue;
        }
        // SAFETY: the path is a NUL-terminated constant; open returns the lowest free
        // descriptor, which is this closed one since the lower ones are open by now.
        let opened = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
        if opened != descriptor.fd {
            std::process::abort();
        }
    }
}
