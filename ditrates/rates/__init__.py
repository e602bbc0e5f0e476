"""The paper's statistical results (Section 3) and the baselines it is compared with, as Result objects."""
