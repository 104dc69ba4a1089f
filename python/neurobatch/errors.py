"""NeuroBatch's exceptions. Each maps one of the C++ core's typed errors (host/common/errors.hpp); nothing is
written when any of them is raised by a run."""


class NeuroBatchError(Exception):
    """Base class of every error NeuroBatch raises."""


class InputError(NeuroBatchError, ValueError):
    """Bad input other than a spec field: an override, an option value, an instance list."""


class SpecError(InputError):
    """A spec field is missing, misspelled, of the wrong type or out of range.

    ``field`` is its JSON path ("params.C_nF", "sweep.I_nA.linspace[2]"); the message is the CLI's."""

    def __init__(self, message, field=""):
        super().__init__(message)
        self.field = field


class PathError(NeuroBatchError, OSError):
    """A spec file cannot be read, or an output directory cannot be written (or already exists)."""


class BackendUnavailable(NeuroBatchError, RuntimeError):
    """The requested backend cannot run here (for instance backend="cuda" without a usable GPU); says why."""


class Cancelled(NeuroBatchError):
    """A run was stopped before it finished; it returned and wrote nothing."""


class InternalError(NeuroBatchError, RuntimeError):
    """A broken invariant inside NeuroBatch: a bug, never the user's fault. Please report it."""
