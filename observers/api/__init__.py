"""REST API of the observers app, one module per topic with its own <topic>_urls.py."""
