"""Results model, score gates, comparisons and report writers (json, junit, markdown, html)."""
