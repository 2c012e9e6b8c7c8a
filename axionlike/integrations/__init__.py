"""Bridges to other libraries: Ragas / DeepEval model adapters (``axionlike.integrations.models``)."""
