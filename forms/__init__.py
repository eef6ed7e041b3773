"""The forms of each step of the PLM flow."""
