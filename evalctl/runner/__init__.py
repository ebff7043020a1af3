"""Running declared batch evaluations outside Pulumi: pre-flight, start, wait, results, gates."""
