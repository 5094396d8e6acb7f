"""Migration from the retired community ingress-nginx controller's mTLS annotations to NIC, proven by the diff.

``ingress_nginx`` models what ingress-nginx enforced; ``translate`` writes the NIC equivalent; ``verify`` compares
the two postures with :func:`inspector.diff.compare.compare`.
"""
