"""Collection rules for the doctests: the torch companion is skipped where torch is not installed."""

import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("torch") else ["ditrates/experiments/*"]
