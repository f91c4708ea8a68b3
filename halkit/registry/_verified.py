"""Digests of the shipped profiles' files, checked against their meta-schemas when recorded.

Generated: ``tests/test_metacheck.py`` runs the full check on every shipped
profile and fails while this list differs from its files (run it with
``HALKIT_RECORD_DIGESTS=1`` to rewrite this file). See :mod:`halkit.registry.metacheck`.
"""

from __future__ import annotations

from typing import FrozenSet

SHIPPED: FrozenSet[str] = frozenset(
    {
        "0525fe028c0c48ae9ea94b888f7a3c3d9e26cf42fb2e32857aace447f10e839a",
        "1b4bf6c2fce04298edca8a1b6f6b8add425db8b0770d87e85346ec8d1ed8a35f",
        "1c8880d2b024d84f1db3007e76890b1f49b575278d8aaaea6642ea58a1e8b950",
        "2face04357a1c9f4a94679cbc91c4d1814b4bd88138b01312e2019ce601b8245",
        "3eabbc9ccb6aeceda3cd8573c6e3bba78e0eddeca4c1a2809743768f4f069eb1",
        "513121bde766081c5637fe700763ca6ee3f0a33cbc41fdfb336e620552b3c4c8",
        "63cfccdd9783559624f3a083e2718931482d35e9681204ec8dac75175f2095ca",
        "85655632c67ad1e4d7d3e20dbd9e6988af3e9e9336db330415a0d652a5ca6dc4",
        "a934f323bf2fe0d29122d8f5185b11691351b66a88c0372c5908054d50eb9681",
        "b30272f8eb8ace9784f6f9344c74e0c9010d5550108f1399b5493647fca6b77d",
        "d2ccab476ac5106c2ca82d0fddf9f59e45eefb0b9a8e49b22a79e96d4a66fdf8",
        "d3f8abd653a16950a5b06f856a4b1455165179ff26d7e74d30c00b01e593ac50",
        "d86593c9c9df39b4a3d499c508a1994b1ca2700a67b36eb78e5126e9e3fb134b",
        "d8ecf9fb8f8e0f09c69ab6e653cf49aea3c9ad63626f65f269e53ff8ec29778d",
    }
)
