"""argparse types for counts and durations: a zero or negative value is a usage error, not a silent no-op."""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """A whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text}: give at least 1")
    return value


def positive_float(text: str) -> float:
    """A number above 0 (hours, seconds)."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text}: give a number above 0")
    return value


def fraction(text: str) -> float:
    """A share of calls, from 0 to 1."""
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text}: give a fraction from 0 to 1 (0.1 is 10%)")
    return value


def non_negative_int(text: str) -> int:
    """A whole number of at least 0 (milliseconds)."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text}: give 0 or more")
    return value
