"""Support tools of the example agent: a fixed in-memory order book, so every answer is reproducible."""

from __future__ import annotations

from typing import Any

from strands import tool

ORDERS: dict[str, dict[str, Any]] = {
    "ORD-1001": {"item": "wireless headphones", "status": "shipped", "shipped_on": "2026-11-20",
                 "delivery": "2026-11-26", "days_since_delivery": 0, "total": "89.00 USD"},
    "ORD-1002": {"item": "espresso machine", "status": "delivered", "shipped_on": "2026-11-02",
                 "delivery": "2026-11-05", "days_since_delivery": 12, "total": "349.00 USD"},
    "ORD-1003": {"item": "running shoes", "status": "delivered", "shipped_on": "2026-09-28",
                 "delivery": "2026-10-01", "days_since_delivery": 45, "total": "120.00 USD"},
}  # fmt: skip
RETURN_WINDOW_DAYS = 30
_TICKETS: dict[str, str] = {}


class OrderNotFoundError(LookupError):
    """An order id the order book does not know: the tool fails, and its span is marked as an error."""


@tool
def lookup_order(order_id: str) -> dict[str, Any]:
    """Look up an order by its id (ORD-NNNN): item, status, shipping and delivery dates, total.

    Args:
        order_id: The order id, e.g. ORD-1001.
    """
    order = ORDERS.get(order_id.strip().upper())
    if order is None:
        raise OrderNotFoundError(f"order {order_id} does not exist")
    return {"order_id": order_id.upper(), **order}


@tool
def refund_policy(topic: str = "returns") -> str:
    """The store's refund and return policy.

    Args:
        topic: What the customer asks about: returns, refunds or damaged items.
    """
    if topic == "damaged":
        return "Damaged items are replaced or refunded in full at any time; a ticket starts the claim."
    return (
        f"Items can be returned within {RETURN_WINDOW_DAYS} days of delivery for a full refund to the "
        "original payment method; refunds arrive within 5 business days of the return being received."
    )


@tool
def create_ticket(summary: str, order_id: str = "", priority: str = "normal") -> dict[str, str]:
    """Open a support ticket for a human agent to follow up.

    Args:
        summary: One line describing the customer's problem.
        order_id: The order concerned, if any.
        priority: low, normal or high.
    """
    # Ticket numbers follow from the content, not a counter: the same scenario gets the same number.
    number = f"TCK-{sum(map(ord, summary + order_id)) % 9000 + 1000}"
    _TICKETS[number] = summary
    return {"ticket": number, "priority": priority, "status": "open"}


TOOLS = [lookup_order, refund_policy, create_ticket]
