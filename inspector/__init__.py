"""mtls-inspect: predict what NGINX Ingress Controller does with ingressMTLS and egressMTLS policies."""

__version__ = "0.1.0"
