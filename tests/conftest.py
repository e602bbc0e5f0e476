"""Shared fixtures (the hypothesis profiles are in the root conftest.py, for the doctests too)."""

import pytest


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread: the experiments' models are small, and a second thread slows them down on a busy
    machine. Modules that train use it with ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
