"""The rehearsal: run the configuration NIC would generate in real nginx on loopback and probe it with TLS clients.

It is a view of the report like the others: the expectations come from ``analysis/explain``'s predictions, and
the rehearsal proves (or disproves) them against nginx itself. Modules: ``plan`` (probes from predictions),
``material`` (client/upstream certificates), ``backends`` (loopback upstreams recording the client certificate
NGINX presents), ``run`` (nginx process lifecycle), ``probes`` (TLS clients), ``output`` (table and JSON),
``session`` (the whole run and its cleanup).
"""

from __future__ import annotations

from inspector.rehearse.run import RehearsalError
from inspector.rehearse.session import rehearse

__all__ = ["RehearsalError", "rehearse"]
