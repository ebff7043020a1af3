"""Command-line interface of evalctl: one module per subcommand."""
