"""Head office's use cases, one module per job: set-up (fairs, locations, users), devices
and admin tokens, the catalog import, product edits, and the queries over what tills
pushed.  The names below are the interface (``from coopos.server import admin``).

Every catalog write goes through ``sync.catalog_write`` so that tills pull it, numbered
in commit order.  Errors are ``CooposError``s with one translated sentence (the CLI
prints them; the API turns them into 4xx answers).
"""

from __future__ import annotations

from coopos.server.admin.catalog_import import (
    import_catalog,
)
from coopos.server.admin.common import (
    CODE_HOURS,
    DEFAULT_LOCATION,
    KINDS,
    StaleVersion,
)
from coopos.server.admin.devices import (
    DeviceInfo,
    NewDevice,
    add_device,
    list_admin_tokens,
    list_devices,
    new_admin_token,
    reenroll_device,
    revoke_admin_token,
    revoke_device,
)
from coopos.server.admin.products import (
    get_product,
    update_product,
)
from coopos.server.admin.queries import (
    SalesFilter,
    flags,
    sales,
    sales_summary,
    shifts,
    stock,
)
from coopos.server.admin.setup import (
    add_fair,
    add_location,
    add_user,
    init_server,
    set_user_locations,
    set_user_pin,
)

__all__ = [
    "CODE_HOURS",
    "DEFAULT_LOCATION",
    "KINDS",
    "DeviceInfo",
    "NewDevice",
    "SalesFilter",
    "StaleVersion",
    "add_device",
    "add_fair",
    "add_location",
    "add_user",
    "flags",
    "get_product",
    "import_catalog",
    "init_server",
    "list_admin_tokens",
    "list_devices",
    "new_admin_token",
    "reenroll_device",
    "revoke_admin_token",
    "revoke_device",
    "sales",
    "sales_summary",
    "set_user_locations",
    "set_user_pin",
    "shifts",
    "stock",
    "update_product",
]
