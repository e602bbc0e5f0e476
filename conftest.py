"""Collection rules for the doctests: what needs an extra that is not installed is skipped (the torch companion
without torch, the drawing without matplotlib), as the LaTeX and browser tests skip without their tools. And the
hypothesis profiles, for the tests and the doctests alike: ``ci`` (the default) derandomised, so that CI is
reproducible; ``dev`` many more examples, random (HYPOTHESIS_PROFILE=dev)."""

import importlib.util
import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, max_examples=40, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.register_profile("dev", max_examples=400, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

collect_ignore_glob = ([] if importlib.util.find_spec("torch") else ["ditrates/experiments/*"]) + (
    [] if importlib.util.find_spec("matplotlib") else ["ditrates/plot.py"])
