"""PLM Workflow: the co-design of Piani Locali Multisettoriali as a tracked workflow."""
