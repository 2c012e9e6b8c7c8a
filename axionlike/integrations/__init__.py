"""Faces onto other tools: RL reward adapter (``reward``), model adapters, pytest plugin."""
