"""Analysis on top of the NIC replica: effective settings with provenance, findings and certificate facts.

Nothing here re-derives a NIC rule; it reads the replica's results (``inspector.nic``) and adds what NIC does not
compute itself, such as which policy wins at a location after NGINX inheritance.
"""
