//! The error of a refusal: ingestlab declined to do what was asked (bad
//! usage, a scenario field out of range, a path it does not own, a plan no
//! laptop finishes without `--force`) and did nothing. The binary exits
//! with [`EXIT_REFUSED`] for it, so scripts can tell "you asked for
//! something I will not do" from "it failed".

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: something failed (an engine error, a run of a sweep, I/O).
pub const EXIT_FAILED: u8 = 1;
/// Exit code: refused, or bad usage (clap's own usage errors use 2 too).
pub const EXIT_REFUSED: u8 = 2;
/// Exit code: a run's verification against the independent account failed.
pub const EXIT_VERIFICATION: u8 = 3;
/// Exit code: interrupted (Ctrl-C or SIGTERM), finished work kept.
pub const EXIT_INTERRUPTED: u8 = 130;

/// A refusal, with the reason and the way out.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// `Err(Refused(..))` with a formatted message, as `anyhow::bail!` does.
macro_rules! refuse {
    ($($arg:tt)*) => {
        return Err(anyhow::Error::new($crate::refused::Refused(format!($($arg)*))))
    };
}
pub(crate) use refuse;

/// Turns any error into a refusal (a scenario that does not parse, say).
pub fn as_refusal(e: anyhow::Error) -> anyhow::Error {
    anyhow::Error::new(Refused(format!("{e:#}")))
}

/// The exit code of an error: a refusal anywhere in its chain, or a failure.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    if e.chain().any(|c| c.is::<Refused>()) {
        EXIT_REFUSED
    } else {
        EXIT_FAILED
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusing() -> anyhow::Result<()> {
        refuse!("'{}' is not ours", "x")
    }

    #[test]
    fn refusals_exit_2_through_any_context_and_failures_1() {
        use anyhow::Context;
        let e = refusing().context("claiming the folder").unwrap_err();
        assert_eq!(exit_code(&e), EXIT_REFUSED);
        assert!(format!("{e:#}").contains("'x' is not ours"));
        assert_eq!(exit_code(&anyhow::anyhow!("disk full")), EXIT_FAILED);
    }
}
