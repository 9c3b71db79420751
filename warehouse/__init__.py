"""The DuckDB warehouse: migrations, loading canonical batches, and the mining SQL."""

from warehouse.db import DEFAULT_DB, WarehouseBusy, WarehouseError, connect

__all__ = ["DEFAULT_DB", "WarehouseBusy", "WarehouseError", "connect"]
