"""The ``portal`` command: check, sync and export declarations; set up the database; print
batches; run the background worker; export assessments; verify the event log.

Domain errors (:class:`PortalError`) become click errors here and nowhere else. The commands
import what they use when they run, so `portal check` does not load the web application.
"""

from portal.cli import assessment, backup, casework, setup, site, worker  # noqa: F401 - they add their commands
from portal.cli.base import main

__all__ = ["main"]
