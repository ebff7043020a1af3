"""Local evaluation engine: span parsing, built-in, code-based and judged scoring, insights."""
