"""Posture diff: what a change does to who can connect, and to what is sent upstream.

``posture`` reads one report's effective mTLS posture per host and location; ``compare`` classifies every
difference between two postures; ``sides`` loads each side (SOURCE list, ``git:REF[:PATH]`` or the live cluster).
"""
