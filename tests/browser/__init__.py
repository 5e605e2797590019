"""Browser tests: every notebook in a real JupyterLab, every explorer moved."""
