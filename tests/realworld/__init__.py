"""halkit against real third-party HAL servers (installed from PyPI, run on 127.0.0.1)."""
