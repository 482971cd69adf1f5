"""The 差评 workflow (差评整改)."""
