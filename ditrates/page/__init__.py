"""The static page of ``ditrates page`` (issue 14.2): a log-space JavaScript printer, the generated data, the HTML."""
