"""Collection rules for the doctests: what needs an extra that is not installed is skipped (the torch companion
without torch, the drawing without matplotlib), as the LaTeX and browser tests skip without their tools."""

import importlib.util

collect_ignore_glob = ([] if importlib.util.find_spec("torch") else ["ditrates/experiments/*"]) + (
    [] if importlib.util.find_spec("matplotlib") else ["ditrates/plot.py"])
