"""HAL documents shared by the model tests."""

from __future__ import annotations

from typing import Any, Dict

ORDERS: Dict[str, Any] = {
    "_links": {
        "self": {"href": "/orders"},
        "curies": [{"name": "ea", "href": "http://example.com/docs/rels/{rel}", "templated": True}],
        "next": {"href": "/orders?page=2"},
        "ea:find": {"href": "/orders{?id}", "templated": True},
        "ea:admin": [
            {"href": "/admins/2", "title": "Fred", "name": "fred"},
            {"href": "/admins/5", "title": "Kate", "name": "kate"},
        ],
    },
    "currentlyProcessing": 14,
    "shippedToday": 20,
    "_embedded": {
        "ea:order": [
            {
                "_links": {
                    "self": {"href": "/orders/123"},
                    "ea:basket": {"href": "/baskets/98712"},
                    "ea:customer": {"href": "/customers/7809"},
                },
                "total": 30.00,
                "currency": "USD",
                "status": "shipped",
            },
            {
                "_links": {
                    "self": {"href": "/orders/124"},
                    "ea:basket": {"href": "/baskets/97213"},
                    "ea:customer": {"href": "/customers/12369"},
                },
                "total": 20.00,
                "currency": "USD",
                "status": "processing",
            },
        ]
    },
}
