//! `wormscope ioc`: the host indicators of W32/Blaster.

use std::path::PathBuf;

use wormscope_act::IocFormat;

use crate::{CommandError, CommandOutcome};

/// Which format, to where.
#[derive(Clone, Debug)]
pub struct IocRequest {
    pub format: IocFormat,
    /// Write here (atomically) instead of answering with the text.
    pub output: Option<PathBuf>,
}

/// Runs the request.
pub fn run(req: &IocRequest) -> Result<CommandOutcome, CommandError> {
    crate::rules::emit(wormscope_act::ioc(req.format), req.output.as_ref())
}
