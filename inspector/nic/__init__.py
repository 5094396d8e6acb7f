"""The NIC replica: NGINX Ingress Controller 5.6's rules for ingressMTLS and egressMTLS, in one place.

Every rule here cites the NIC source it replays (paths relative to github.com/nginx/kubernetes-ingress). Nothing
in this package prints, reads files or guesses; views (CLI, TUI, rehearsal) read its results and never re-derive a
rule. Entry point: ``inspector.nic.replica.run(cluster, settings)``.
"""
