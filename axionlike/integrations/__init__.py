"""Faces of axionlike onto other tools: model adapters, the RL reward adapter, the pytest plugin."""
