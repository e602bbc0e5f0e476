"""The paper's computational criteria (Section 4) as Result objects, and the cost model of the fast attention."""
