"""The rehearsal: run the configuration NIC would generate in real, sandboxed nginx and probe it with TLS clients.

It is a view of the report like the others: the expectations come from ``analysis/explain``'s predictions, and
the rehearsal proves (or disproves) them against nginx itself. Modules: ``plan`` (probes from predictions),
``material`` (client/upstream certificates), ``backends`` (upstreams on unix sockets recording the client certificate
NGINX presents), ``run`` (nginx process lifecycle), ``probes`` (TLS clients), ``output`` (table and JSON),
``session`` (the whole run and its cleanup), ``sandbox`` (what nginx may listen on, write, read and reach).
"""

from __future__ import annotations

from inspector.rehearse.run import RehearsalError
from inspector.rehearse.session import rehearse

__all__ = ["RehearsalError", "rehearse"]
