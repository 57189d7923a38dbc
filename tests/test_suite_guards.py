"""The suite itself keeps off the network."""

import socket

import pytest


def test_connections_off_this_machine_are_refused():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        with pytest.raises(OSError, match="may not use the network"):
            sock.connect(("192.0.2.1", 80))
