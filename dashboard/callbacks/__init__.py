"""Callbacks: plain functions of (backend, inputs) that tests call directly, and their wiring."""
