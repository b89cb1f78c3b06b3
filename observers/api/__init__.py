"""REST API of the observers app, one module per topic; the routes are in config/api_urls.py."""
