"""A local emulator of the ChatKitty Platform API (v1 HAL)."""
