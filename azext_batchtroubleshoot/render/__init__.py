"""Renderers: small pure functions from the report (the contract's dict) to text.  Writing is the caller's job."""
