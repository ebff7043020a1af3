"""The API layer: requests checked against botocore's model, shared by providers, runner and emulator."""
