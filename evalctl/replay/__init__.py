"""Local replay: evaluators run on recorded sessions without any cloud (`evalctl test`)."""
