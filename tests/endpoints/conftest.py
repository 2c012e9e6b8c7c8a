"""Fixtures of the API runner tests: one local API service per module, reset before each test."""

import pytest
from api_server import APIServer


@pytest.fixture(scope="module")
def server():
    with APIServer() as srv:
        yield srv


@pytest.fixture
def fresh_server(server):
    server.reset()
    server.state.retry_after = "0"
    return server
