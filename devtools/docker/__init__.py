"""Containers on a real Docker engine: the engine, the stand-in bases, the compose stack."""
