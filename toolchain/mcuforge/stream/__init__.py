"""Streaming inference (StreamiNNC): a windowed model turned into one that is fed only the new
frames of its input each call and computes only the new frames of each layer, keeping the
frames it still needs between calls (analysis.py: the rules; integer.py: int8 models)."""
