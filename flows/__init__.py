"""The viewflow process of a plan, the PLM flow and its task views."""
