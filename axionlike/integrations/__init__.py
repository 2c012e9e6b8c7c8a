"""Faces of axionlike onto other tools (pytest, model adapters, RL rewards)."""
