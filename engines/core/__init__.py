"""Shared plumbing for every engine: jobs, devices, runtimes, safe model files, assets."""

from engines.core.jobs import (
    CancelToken,
    Frame,
    Job,
    JobCancelled,
    Log,
    Progress,
    run_job,
)

__all__ = ["CancelToken", "Frame", "Job", "JobCancelled", "Log", "Progress", "run_job"]
