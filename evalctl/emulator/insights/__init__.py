"""A CloudWatch Logs Insights query engine (Logs Insights QL) behind the emulator's query operations."""
