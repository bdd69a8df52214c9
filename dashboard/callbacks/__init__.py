"""Callbacks: plain functions of (source, inputs) that tests call directly, and their wiring."""
