"""The engine: fires the planned calls and judges what comes back."""
