"""Our date formats per language (settings.FORMAT_MODULE_PATH); Django's fill in the rest."""
